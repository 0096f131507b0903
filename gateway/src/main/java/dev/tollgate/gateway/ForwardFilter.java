package dev.tollgate.gateway;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.call.Outcome;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.providers.BackendRegistry;
import dev.tollgate.wire.Codecs;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.routing.Decision;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

/**
 * Sends the call down the decision's candidates ({@link Failover}) and relays the answer ({@link ResponseRelay}). It
 * is the end of the chain: Spring Cloud Gateway's routing filters never run for a chat call, because the backend is
 * chosen per request and a streamed answer must not be buffered. Thread-safe.
 */
public final class ForwardFilter implements GlobalFilter, Ordered {

    private final Failover.Context context;
    private final DecisionJson explain;

    /**
     * @param maxUpstreamBody largest non-streamed answer read
     * @param maxAttempts     upstream calls per client call at most
     * @param deadline        longest time from a call's arrival to its first byte, failovers included
     */
    public ForwardFilter(BackendRegistry backends, BackendGuards guards, Codecs codecs, TokenCounter tokens,
            int maxUpstreamBody, GatewayMetrics metrics, int maxAttempts, Duration deadline, Clock clock,
            DecisionJson explain) {
        this.context = new Failover.Context(backends.all(), guards, codecs, tokens, maxUpstreamBody, metrics,
                maxAttempts, deadline, clock, System::nanoTime);
        this.explain = explain;
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
        if ("true".equalsIgnoreCase(exchange.getRequest().getHeaders().getFirst(Headers.EXPLAIN))) {
            exchange.getResponse().getHeaders().set(Headers.EXPLAIN, explain.summary(decision));
        }
        call.baseline(decision.baselineModel(), decision.baselinePrice(), decision.alias());
        // Reactor Netty flushes whenever the body has nothing more ready, i.e. after each upstream chunk of a
        // stream: no per-event flush wrapper is needed (ChatCompletionsIT proves the first event arrives while the
        // upstream still holds the rest). Nothing is written before an attempt's first byte, which is what lets
        // failover try another backend unseen.
        Flux<DataBuffer> answer = new Failover(context, call, decision, exchange.getResponse(),
                exchange.getRequest().getHeaders()).body();
        Scheduler loop = ConnectionLoop.of(exchange);
        // The answer's signals come on the upstream's thread (another event loop, a timer); they are handed to the
        // client connection's own loop, so that the response is ended and the exchange completed there. A
        // non-streamed answer is one buffer, the whole of it: as a Mono it is written as one complete response, and
        // the same loop task ends the exchange. Written as a Flux, its body (complete for the client, whose
        // Content-Length it fills) went out in one task and the response's end in a later one, after the completion
        // had crossed from the upstream's thread; a kept-alive client's next request read in between was
        // "pipelined" for Reactor Netty, queued, and could leave the connection unread (KeepAliveReadGuard,
        // docs/PERFORMANCE.md "Kept-alive connections that stopped being read").
        return exchange.getResponse().writeWith(call.request().stream() ? answer.publishOn(loop)
                : answer.singleOrEmpty().publishOn(loop));
    }

    /**
     * A failure to get an answer at all, classified for failover: 502 when the backend could not be reached, 504
     * when it did not answer in time.
     *
     * @param deadline the call's deadline when it, not the backend's own timeout, bounded the wait; else null
     */
    static UpstreamException transportError(String provider, Throwable e, Duration deadline) {
        if (e instanceof PoolAcquirePendingLimitException || e instanceof PoolAcquireTimeoutException) {
            // nothing was sent: the connection pool to the provider's host is full (before the timeout below, of
            // which the acquire timeout is a kind)
            return new UpstreamException(AttemptOutcome.POOL_EXHAUSTED, 0, new ApiError(503, ApiError.SERVER_ERROR,
                    "upstream_connections_exhausted", "No connection to provider '" + provider + "' was free: "
                    + (e instanceof PoolAcquireTimeoutException t ? "none within " + t.getAcquireTimeout().toMillis()
                    + " ms." : "too many calls are already waiting for one."), null), null,
                    Outcome.UPSTREAM_ERROR, null);
        }
        if (e instanceof TimeoutException || e instanceof ReadTimeoutException) {
            String message = deadline != null ? "Provider '" + provider + "' did not answer within what was left of "
                    + "the call's deadline of " + deadline.toMillis() + " ms."
                    : "Provider '" + provider + "' did not answer within its first-byte timeout.";
            return new UpstreamException(AttemptOutcome.TIMEOUT, 0, ApiError.timeout(message), null, Outcome.TIMEOUT,
                    null);
        }
        if (e instanceof ConnectTimeoutException || e instanceof ConnectException
                || e instanceof UnknownHostException || e.getCause() instanceof ConnectException) {
            return unreachable("Provider '" + provider + "' could not be reached.");
        }
        if (e instanceof PrematureCloseException) {
            return unreachable("Provider '" + provider + "' closed the connection before answering.");
        }
        return new UpstreamException(AttemptOutcome.CONNECT_ERROR, 0, ApiError.badGateway("upstream_error",
                "The call to provider '" + provider + "' failed: " + e.getClass().getSimpleName()), null,
                Outcome.UPSTREAM_ERROR, null);
    }

    private static UpstreamException unreachable(String message) {
        return new UpstreamException(AttemptOutcome.CONNECT_ERROR, 0, ApiError.badGateway("upstream_unreachable",
                message), null, Outcome.UPSTREAM_ERROR, null);
    }
}
