package dev.tollgate.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Set;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.KeyHasher;
import dev.tollgate.auth.Principal;
import dev.tollgate.config.TablesService;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.metering.Metering;
import dev.tollgate.call.Outcome;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * First for every {@code /v1} request: assigns the request id (echoed in {@code x-tollgate-request-id}), pins the
 * tables snapshot, and authenticates the gateway key ({@code Authorization: Bearer} or {@code x-api-key}) by its
 * SHA-256 hash. For a chat call it opens the {@link CallRecord} and guarantees its completion: whatever ends the
 * call (success, error, client cancel), exactly one ledger row is written. Another method on the chat path is a
 * 405, not a call: it is not metered. Thread-safe.
 */
public final class RequestContextWebFilter implements WebFilter, Ordered {

    /** Keys seen recently -> their hash: saves a SHA-256 per call. Bounded; keys are checked against the rules
     * in force on every call, so a key removed from the rules stops working at the next reload. */
    static final int KEY_CACHE_SIZE = 10_000;

    private final Cache<String, String> hashes = Caffeine.newBuilder().maximumSize(KEY_CACHE_SIZE)
            .expireAfterAccess(Duration.ofMinutes(10)).build();
    private final TablesService tables;
    private final Metering metering;
    private final GatewayMetrics metrics;
    private final Clock clock;

    public RequestContextWebFilter(TablesService tables, Metering metering, GatewayMetrics metrics, Clock clock) {
        this.tables = tables;
        this.metering = metering;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        return FilterOrder.REQUEST_CONTEXT;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().value();
        if (!path.startsWith("/v1/")) {
            return chain.filter(exchange);
        }
        long startNanos = System.nanoTime();
        Instant now = clock.instant();
        String requestId = RequestIds.next(now.toEpochMilli());
        exchange.getAttributes().put(ExchangeAttributes.REQUEST_ID, requestId);
        exchange.getResponse().getHeaders().set(Headers.REQUEST_ID, requestId);
        switch (Ingress.format(path)) {
            // Anthropic's clients read the request id from this header (their errors name it)
            case ANTHROPIC_MESSAGES -> exchange.getResponse().getHeaders().set(Headers.ANTHROPIC_REQUEST_ID, requestId);
            case OPENAI_CHAT, OPENAI_EMBEDDINGS -> {
            }
        }
        Tables snapshot = tables.current();
        exchange.getAttributes().put(ExchangeAttributes.TABLES, snapshot);
        Principal principal = authenticate(request.getHeaders(), snapshot);
        if (principal == null) {
            metrics.unauthenticated();
            return Mono.error(ApiError.unauthorized(request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)
                    || request.getHeaders().containsHeader(Headers.API_KEY)
                    ? "Incorrect API key provided. Gateway keys are issued by your Tollgate operator."
                    : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.")
                    .exception());
        }
        exchange.getAttributes().put(ExchangeAttributes.PRINCIPAL, principal);
        if (!Ingress.isCall(path)) {
            return chain.filter(exchange);
        }
        if (request.getMethod() != HttpMethod.POST) {
            // Not a call, so nothing to meter. Left to routing, it would be a 404 (the route matches POST only).
            return Mono.error(new MethodNotAllowedException(request.getMethod(), Set.of(HttpMethod.POST)));
        }
        CallRecord call = new CallRecord(requestId, now, startNanos, principal);
        exchange.getAttributes().put(ExchangeAttributes.CALL, call);
        return chain.filter(exchange)
                .doOnError(e -> failed(call, e))
                .doFinally(signal -> metering.complete(call, signal == SignalType.CANCEL, System.nanoTime()));
    }

    /** Records how an error ends the call; the error handler renders the same status. */
    static void failed(CallRecord call, Throwable e) {
        if (e instanceof GatewayException g) {
            ApiError error = g.error();
            Outcome outcome = g.outcome() != null ? g.outcome()
                    : call.provider() == null ? Outcome.REJECTED
                    : error.status() == 504 ? Outcome.TIMEOUT
                    : error.status() >= 500 ? Outcome.UPSTREAM_ERROR : Outcome.UPSTREAM_CLIENT_ERROR;
            call.end(error.status(), outcome, error.code());
        } else {
            call.end(500, Outcome.INTERNAL_ERROR, "internal_error");
        }
    }

    private Principal authenticate(HttpHeaders headers, Tables snapshot) {
        String key = null;
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isEmpty()) {
            key = headers.getFirst(Headers.API_KEY);
        }
        if (key == null || key.isEmpty() || key.length() > 512) {
            return null;
        }
        return snapshot.rules().keysByHash().get(hashes.get(key, KeyHasher::hash));
    }
}
