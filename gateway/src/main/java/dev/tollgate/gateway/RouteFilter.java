package dev.tollgate.gateway;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.ChatRequest;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.routing.Decision;
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

    public RouteFilter(TokenCounter tokens, BackendGuards guards) {
        this.tokens = tokens;
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
        ChatRequest request = call.request();
        RouteRequest routeRequest = RouteRequests.of(request, exchange.getRequest().getHeaders(), call.principal(),
                tokens);
        Decision decision = Router.decide(routeRequest, tables, guards.health(), call.startedAt());
        if (decision instanceof Decision.Refused refused) {
            ApiError error = "model_not_found".equals(refused.code()) ? ApiError.modelNotFound(refused.message())
                    : ApiError.invalidRequest(refused.code(), refused.message(), "model");
            return Mono.error(error.exception());
        }
        exchange.getAttributes().put(ExchangeAttributes.DECISION, decision);
        return chain.filter(exchange);
    }
}
