package dev.tollgate.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.LongSupplier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.metering.Attempt;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.call.Outcome;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.providers.Backend;
import dev.tollgate.wire.Codecs;
import dev.tollgate.providers.UpstreamCall;
import dev.tollgate.resilience.BackendGuard;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One call's walk down the routing decision's candidates. Each attempt takes its backend's breaker and bulkhead
 * permits (a candidate whose breakers or bulkhead say no is skipped, nothing sent), is bounded by its first-byte
 * timeout and what is left of the call's deadline, and on a retryable failure (connect error, timeout, 5xx, 429, an
 * unusable answer) before its first byte reached the client hands over to the next candidate. After a failure that
 * is provider-wide ({@link FailureScope}) the next candidate is another provider's whenever one is left: that
 * provider's other models move to the back of this call's order ({@link FailoverOrder}). Nothing is written to the
 * client until an attempt produces its first byte, so a failover is invisible to the client except for the time it
 * took and the headers naming the backend that served. After the first byte the call is committed: a stream that
 * breaks then ends with an error event, never a second backend's answer.
 * <p>
 * Threads. The steps of one call run one after another, each in the terminal signal of the one before: an attempt
 * is built on the thread that ended the previous one, which is an event loop for an upstream's error or the timer
 * thread (Reactor's parallel scheduler) for a first-byte timeout. Reactive Streams' serial signalling gives each
 * step a happens-before edge to the next, so the walk's own fields need no lock although they move between threads.
 * Two things run beside the walk and touch none of them: an abandoned attempt's late answer, which can change the
 * call or the response only by winning {@link UpstreamAttempt#commit}, and a timed-out attempt has lost that race
 * for good (the timeout fires only by winning {@link UpstreamAttempt#abandon}); and the client's cancel, which sets
 * a volatile flag and ends the running attempt through its own CAS. Every permit an attempt takes is returned
 * exactly once, by completion, failure, cancel (also a cancel that arrives before the attempt is subscribed), or,
 * when building the attempt throws, at once. One instance per call.
 */
final class Failover {

    /** What every call's failover shares. Thread-safe. */
    record Context(Map<String, Backend> backends, BackendGuards guards, Codecs codecs, TokenCounter tokens,
            int maxBody, GatewayMetrics metrics, int maxAttempts, Duration deadline, Clock clock,
            LongSupplier nanoTime) {
    }

    private final Context ctx;
    private final CallRecord call;
    private final Decision.Routed decision;
    private final FailoverOrder order;
    private final ServerHttpResponse response;
    private final HttpHeaders clientHeaders;
    private final long deadlineNanos;
    private int sent;
    private UpstreamException lastFailure;
    private UpstreamAttempt lastAttempt;
    private StringBuilder failedOver;
    private volatile boolean cancelled;

    Failover(Context ctx, CallRecord call, Decision.Routed decision, ServerHttpResponse response) {
        this(ctx, call, decision, response, HttpHeaders.EMPTY);
    }

    /** @param clientHeaders the client's request headers, of which a backend passes on those its settings name */
    Failover(Context ctx, CallRecord call, Decision.Routed decision, ServerHttpResponse response,
            HttpHeaders clientHeaders) {
        this.clientHeaders = clientHeaders;
        this.ctx = ctx;
        this.call = call;
        this.decision = decision;
        this.order = new FailoverOrder(decision.candidates());
        this.response = response;
        this.deadlineNanos = call.startNanos() + ctx.deadline().toNanos();
    }

    /** The client's body: the first attempt that produces a first byte, or the last failure. */
    Flux<DataBuffer> body() {
        return Flux.defer(this::nextAttempt).doOnCancel(() -> cancelled = true);
    }

    private Flux<DataBuffer> nextAttempt() {
        Candidate candidate;
        while (!cancelled && sent < ctx.maxAttempts() && (candidate = order.next()) != null) {
            long remaining = deadlineNanos - ctx.nanoTime().getAsLong();
            if (remaining <= 0) {
                return Flux.error(deadlineExceeded());
            }
            BackendGuard guard = ctx.guards().guard(candidate.offering().provider(), candidate.offering().modelId());
            AttemptOutcome refused = guard.tryAcquire();
            if (refused != null) {
                record(new Attempt(guard.provider(), guard.model(), refused, 0));
                continue;
            }
            UpstreamAttempt attempt = new UpstreamAttempt(guard, ctx.nanoTime().getAsLong(), call.request().stream());
            try {
                return attempt(candidate, attempt, remaining);
            } catch (RuntimeException | Error e) {
                attempt.notSent(); // the permits were taken; nothing was sent
                throw e;
            }
        }
        return cancelled ? Flux.empty() : Flux.error(exhausted());
    }

    private Flux<DataBuffer> attempt(Candidate candidate, UpstreamAttempt attempt, long remainingNanos) {
        Backend backend = ctx.backends().get(candidate.offering().provider());
        if (backend == null) {
            throw new IllegalStateException("no backend '" + candidate.offering().provider() + "' for a candidate");
        }
        String model = candidate.offering().modelId();
        if (lastAttempt != null) {
            ctx.metrics().failover(lastAttempt.provider(), backend.id(), lastFailure.attemptOutcome());
        }
        sent++;
        call.served(backend.id(), model, candidate.price());
        HttpHeaders headers = response.getHeaders();
        headers.set(Headers.PROVIDER, backend.id());
        headers.set(Headers.MODEL, model);
        if (backend.simulated()) {
            headers.set(Headers.SIMULATED, "true");
        } else {
            headers.remove(Headers.SIMULATED);
        }
        headers.set(Headers.ROUTE, DecisionJson.routeHeader(decision, candidate, sent,
                failedOver != null ? failedOver.toString() : null));
        outputCappedHeader(headers, candidate);
        BackendResilience limits = attempt.settings();
        long total = limits.totalTimeout().toNanos();
        long firstByteBudget = Math.min(Math.min(limits.firstByteTimeout().toNanos(), total), remainingNanos);
        WireFormat format = backend.formatFor(call.request().format());
        ResponseRelay relay = new ResponseRelay(call, attempt, response, ctx.codecs().reader(format),
                ctx.codecs().translator(format, call.request().format()), ctx.tokens(), ctx.maxBody(),
                limits.streamIdleTimeout(), attempt.startNanos() + total, ctx.nanoTime());
        PricedModel priced = candidate.offering().model();
        UpstreamCall upstream = new UpstreamCall(call.request(), model, ctx.codecs().upstreamBody(call.request(),
                format, model, priced.outputCapField(), candidate.outputCap(), priced.maxOutputTokens()),
                clientHeaders::getValuesAsList);
        boolean deadlineBound = remainingNanos < Math.min(limits.firstByteTimeout().toNanos(), total);
        boolean stream = call.request().stream();
        return Flux.defer(() -> backend.exchange(upstream, relay))
                .switchIfEmpty(Mono.error(() -> new UpstreamException(AttemptOutcome.BAD_RESPONSE, 0,
                        ApiError.badGateway("upstream_bad_response", "Provider '" + backend.id()
                        + "' sent no answer."), null, Outcome.UPSTREAM_ERROR, null)))
                .timeout(firstByteTimeout(attempt, firstByteBudget), first -> Mono.never())
                .onErrorMap(e -> !(e instanceof UpstreamException),
                        e -> ForwardFilter.transportError(backend.id(), e, deadlineBound ? ctx.deadline() : null))
                .doOnNext(buffer -> {
                    if (!stream) {
                        // a non-streamed answer is one buffer, the whole of it: handed to the client's connection,
                        // the attempt succeeded, even if the client closes the connection before our completion
                        record(attempt.completed(ctx.nanoTime().getAsLong()));
                    }
                })
                .doOnComplete(() -> record(attempt.completed(ctx.nanoTime().getAsLong())))
                .doOnCancel(() -> record(attempt.cancelled(ctx.nanoTime().getAsLong())))
                .onErrorResume(e -> failed(attempt, (UpstreamException) e));
    }

    /**
     * {@code x-tollgate-output-capped}: the output tokens per choice this backend was limited to, when a hard budget
     * lowered it below what the call asked (its {@code max_tokens}, else the model's limit).
     */
    private void outputCappedHeader(HttpHeaders headers, Candidate candidate) {
        Integer asked = call.request().maxOutputTokens();
        int limit = candidate.offering().model().maxOutputTokens();
        int requested = asked != null ? Math.min(asked, limit) : limit;
        if (candidate.outputCap() > 0 && candidate.outputCap() < requested) {
            headers.set(Headers.OUTPUT_CAPPED, Integer.toString(candidate.outputCap()));
        } else {
            headers.remove(Headers.OUTPUT_CAPPED);
        }
    }

    /**
     * Fires when the attempt's first byte has not come within the budget, unless it is already on its way: the
     * relay's commit and this timeout race through one CAS, so exactly one of them wins.
     */
    private static Mono<Long> firstByteTimeout(UpstreamAttempt attempt, long budgetNanos) {
        return Mono.delay(Duration.ofNanos(budgetNanos))
                .flatMap(tick -> attempt.abandon() ? Mono.just(tick) : Mono.never());
    }

    private Flux<DataBuffer> failed(UpstreamAttempt attempt, UpstreamException e) {
        AttemptOutcome outcome = e.attemptOutcome();
        record(attempt.failed(outcome, e, coolDown(e), ctx.nanoTime().getAsLong()));
        if (attempt.committed() || !outcome.failover()) {
            return Flux.error(e);
        }
        lastFailure = e;
        lastAttempt = attempt;
        if (failedOver == null) {
            failedOver = new StringBuilder();
        } else {
            failedOver.append(',');
        }
        failedOver.append(attempt.provider()).append('/').append(attempt.model()).append(':').append(outcome.label());
        if (FailureScope.providerWide(e)) {
            order.providerFailed(attempt.provider());
        }
        return nextAttempt();
    }

    private void record(Attempt attempt) {
        if (attempt != null) {
            call.attempt(attempt);
            ctx.metrics().attempt(attempt);
        }
    }

    /** How long a 429, 503 or 529 asks the backend to be left alone ({@code retry-after}), or null. */
    private Duration coolDown(UpstreamException e) {
        if (e.retryAfter() == null || (e.upstreamStatus() != 429 && e.upstreamStatus() != 503
                && e.upstreamStatus() != 529)) {
            return null;
        }
        return retryAfter(e.retryAfter(), ctx.clock().instant());
    }

    /** {@code retry-after} as seconds or an HTTP date; null when it is neither. */
    static Duration retryAfter(String value, Instant now) {
        String v = value.strip();
        try {
            double seconds = Double.parseDouble(v);
            return seconds > 0 && seconds < 1e9 ? Duration.ofMillis((long) Math.ceil(seconds * 1000)) : null;
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? null : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    /** Every candidate tried or skipped, or the attempt limit reached: the last failure, or why none was sent. */
    private UpstreamException exhausted() {
        failedRouteHeader();
        if (lastFailure == null) {
            return new UpstreamException(AttemptOutcome.BREAKER_OPEN, 0, new ApiError(503, ApiError.SERVER_ERROR,
                    "backends_unavailable", "Every backend that could serve '" + decision.requested()
                    + "' is unavailable right now (" + skipped() + "). Retry later.", null), null,
                    Outcome.UPSTREAM_ERROR, null);
        }
        return withAttempts(lastFailure);
    }

    private UpstreamException deadlineExceeded() {
        failedRouteHeader();
        String tried = failedOver != null ? " Tried: " + failedOver + "." : "";
        return new UpstreamException(AttemptOutcome.TIMEOUT, 0, new ApiError(504, ApiError.SERVER_ERROR,
                "deadline_exceeded", "No backend answered within the call's deadline of "
                + ctx.deadline().toMillis() + " ms." + tried, null), null, Outcome.TIMEOUT, null);
    }

    /** No backend served: the route header says so and names every attempt (the error body explains). */
    private void failedRouteHeader() {
        StringBuilder attempts = new StringBuilder();
        for (Attempt a : call.attempts()) {
            if (!attempts.isEmpty()) {
                attempts.append(',');
            }
            attempts.append(a.provider()).append('/').append(a.model()).append(':').append(a.outcome().label());
        }
        response.getHeaders().set(Headers.ROUTE, DecisionJson.failedRouteHeader(decision, sent, attempts.toString()));
    }

    /** The last failure, its message naming every failed attempt when there were several. */
    private UpstreamException withAttempts(UpstreamException e) {
        if (sent < 2 || e.rawBody() != null) {
            return e;
        }
        ApiError a = e.error();
        return new UpstreamException(e.attemptOutcome(), e.upstreamStatus(), new ApiError(a.status(), a.type(),
                a.code(), a.message() + " All " + sent + " attempts failed: " + failedOver + ".", a.param()), null,
                e.outcome(), e.retryAfter());
    }

    private String skipped() {
        StringBuilder sb = new StringBuilder();
        for (Attempt a : call.attempts()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(a.provider()).append('/').append(a.model()).append(": ").append(a.outcome().label());
        }
        return sb.toString();
    }
}
