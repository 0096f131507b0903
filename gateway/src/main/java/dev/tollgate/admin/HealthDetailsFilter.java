package dev.tollgate.admin;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.tollgate.api.ApiError;
import reactor.core.publisher.Mono;

/**
 * Lets only the admin key see the health details. {@code /actuator/health} and its components show their status to
 * anyone (the probes' groups {@code liveness} and {@code readiness} included); what is behind each component (the
 * budget store's Redis errors, which name its host; every backend's breaker) is in the group
 * {@value #DETAILS_GROUP}, {@code /actuator/health/details[/component]}, which this filter opens to the admin key
 * only, checked like the admin API ({@link AdminAuth}: 404 while the admin API is off, 401 without the key).
 * Thread-safe.
 */
public final class HealthDetailsFilter implements WebFilter, Ordered {

    /** The health group with every component and its details (application.yaml). */
    public static final String DETAILS_GROUP = "details";
    static final String PATH = "/actuator/health/" + DETAILS_GROUP;

    private final AdminAuth auth;

    public HealthDetailsFilter(AdminAuth auth) {
        this.auth = auth;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 90;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
            return chain.filter(exchange);
        }
        ApiError refused = auth.refusal(exchange.getRequest().getHeaders());
        return refused != null ? Mono.error(refused.exception()) : chain.filter(exchange);
    }
}
