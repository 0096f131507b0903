package dev.tollgate.gateway;

import java.net.ConnectException;
import java.net.UnknownHostException;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.ChatRequest;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.api.GatewayException;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.Outcome;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.providers.Backend;
import dev.tollgate.providers.BackendRegistry;
import dev.tollgate.providers.OpenAiWire;
import dev.tollgate.providers.UpstreamCall;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.PrematureCloseException;

/**
 * Sends the call to the first candidate of the decision and relays the answer ({@link ResponseRelay}). It is the
 * end of the chain: Spring Cloud Gateway's routing filters never run for a chat call, because the backend is
 * chosen per request and a streamed answer must not be buffered. Thread-safe.
 */
public final class ForwardFilter implements GlobalFilter, Ordered {

    private final BackendRegistry backends;
    private final OpenAiWire wire;
    private final TokenCounter tokens;
    private final int maxUpstreamBody;
    private final DecisionJson explain;

    public ForwardFilter(BackendRegistry backends, OpenAiWire wire, TokenCounter tokens, int maxUpstreamBody,
            DecisionJson explain) {
        this.explain = explain;
        this.backends = backends;
        this.wire = wire;
        this.tokens = tokens;
        this.maxUpstreamBody = maxUpstreamBody;
    }

    @Override
    public int getOrder() {
        return FilterOrder.FORWARD;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        CallRecord call = exchange.getAttribute(ExchangeAttributes.CALL);
        Decision.Routed decision = exchange.getAttribute(ExchangeAttributes.DECISION);
        if (call == null || decision == null) {
            return chain.filter(exchange);
        }
        Candidate candidate = decision.first();
        Backend backend = backends.get(candidate.offering().provider());
        String model = candidate.offering().modelId();
        call.served(backend.id(), model, candidate.price());
        ServerHttpResponse response = exchange.getResponse();
        HttpHeaders headers = response.getHeaders();
        headers.set(Headers.PROVIDER, backend.id());
        headers.set(Headers.MODEL, model);
        if (backend.simulated()) {
            headers.set(Headers.SIMULATED, "true");
        }
        headers.set(Headers.ROUTE, DecisionJson.routeHeader(decision));
        if ("true".equalsIgnoreCase(exchange.getRequest().getHeaders().getFirst(Headers.EXPLAIN))) {
            headers.set(Headers.EXPLAIN, explain.summary(decision));
        }
        call.baseline(decision.baselineModel(), decision.baselinePrice(), decision.alias());
        ChatRequest request = call.request();
        UpstreamCall upstream = new UpstreamCall(request, model, wire.upstreamBody(request, model));
        ResponseRelay relay = new ResponseRelay(call, backend.id(), response, wire, tokens, maxUpstreamBody);
        Flux<DataBuffer> body = backend.exchange(upstream, relay)
                .onErrorMap(e -> !(e instanceof GatewayException), e -> transportError(backend.id(), e));
        // Reactor Netty flushes whenever the body has nothing more ready, i.e. after each upstream chunk of a
        // stream: no per-event flush wrapper is needed (ChatCompletionsIT proves the first event arrives while the
        // upstream still holds the rest).
        return response.writeWith(body);
    }

    /** A failure to get an answer at all: 502 when the backend could not be reached, 504 when it did not answer. */
    static GatewayException transportError(String provider, Throwable e) {
        if (e instanceof ReadTimeoutException) {
            return new GatewayException(ApiError.timeout("Provider '" + provider
                    + "' did not answer within its response timeout."), null, Outcome.TIMEOUT, null);
        }
        if (e instanceof ConnectTimeoutException || e instanceof ConnectException
                || e instanceof UnknownHostException || e.getCause() instanceof ConnectException) {
            return new GatewayException(ApiError.badGateway("upstream_unreachable", "Provider '" + provider
                    + "' could not be reached."), null, Outcome.UPSTREAM_ERROR, null);
        }
        if (e instanceof PrematureCloseException) {
            return new GatewayException(ApiError.badGateway("upstream_unreachable", "Provider '" + provider
                    + "' closed the connection before answering."), null, Outcome.UPSTREAM_ERROR, null);
        }
        return new GatewayException(ApiError.badGateway("upstream_error", "The call to provider '" + provider
                + "' failed: " + e.getClass().getSimpleName()), null, Outcome.UPSTREAM_ERROR, null);
    }
}
