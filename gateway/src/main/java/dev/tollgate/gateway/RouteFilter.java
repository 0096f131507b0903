package dev.tollgate.gateway;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.wire.Codecs;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Exclusion;
import dev.tollgate.routing.Offering;
import dev.tollgate.routing.RouteRequest;
import dev.tollgate.routing.Router;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;

/**
 * Runs the routing decision on the call's own inputs: its request, the tables snapshot it started with, and its
 * start time (so prices are those in force when the request arrived). A refusal becomes the client's error.
 * Thread-safe.
 */
public final class RouteFilter implements GlobalFilter, Ordered {

    private final TokenCounter tokens;
    private final BackendGuards guards;
    private final Codecs codecs;

    public RouteFilter(TokenCounter tokens, BackendGuards guards, Codecs codecs) {
        this.tokens = tokens;
        this.codecs = codecs;
        this.guards = guards;
    }

    @Override
    public int getOrder() {
        return FilterOrder.ROUTE;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        CallRecord call = exchange.getAttribute(ExchangeAttributes.CALL);
        if (call == null) {
            return chain.filter(exchange);
        }
        Tables tables = exchange.getAttribute(ExchangeAttributes.TABLES);
        CallRequest request = call.request();
        RouteRequest routeRequest = RouteRequests.of(request, exchange.getRequest().getHeaders(), call.principal(),
                tokens, codecs);
        Decision decision = Router.decide(routeRequest, tables, guards.health(), call.startedAt());
        if (decision instanceof Decision.Refused refused) {
            ApiError untranslatable = untranslatable(refused, request, tables);
            if (untranslatable != null) {
                return Mono.error(untranslatable.exception());
            }
            ApiError error = "model_not_found".equals(refused.code()) ? ApiError.modelNotFound(refused.message())
                    : ApiError.invalidRequest(refused.code(), refused.message(), "model");
            return Mono.error(error.exception());
        }
        exchange.getAttributes().put(ExchangeAttributes.DECISION, decision);
        return chain.filter(exchange);
    }

    /**
     * When the only reason no backend can serve the call is that none speaks a format that carries what it uses: the
     * 400 naming the field (for the first such backend's format), else null.
     */
    private ApiError untranslatable(Decision.Refused refused, CallRequest request, Tables tables) {
        if (refused.exclusions().isEmpty()) {
            return null;
        }
        for (Exclusion e : refused.exclusions()) {
            if (e.kind() != Exclusion.Kind.UNTRANSLATABLE) {
                return null;
            }
        }
        Exclusion first = refused.exclusions().get(0);
        Offering offering = tables.catalog().offering(first.provider(), first.model());
        return offering == null ? null : codecs.untranslatable(request, offering.formatFor(request.format()));
    }
}
