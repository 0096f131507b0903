package dev.tollgate.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.TimeoutException;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.metering.Attempt;
import dev.tollgate.metering.AttemptOutcome;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.metering.Outcome;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.providers.Backend;
import dev.tollgate.providers.BackendRegistry;
import dev.tollgate.providers.OpenAiWire;
import dev.tollgate.providers.UpstreamCall;
import dev.tollgate.resilience.BackendGuard;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One call's walk down the routing decision's candidates. Each attempt takes its backend's breaker and bulkhead
 * permits (a candidate whose breaker or bulkhead says no is skipped, nothing sent), is bounded by its first-byte
 * timeout and what is left of the call's deadline, and on a retryable failure (connect error, timeout, 5xx, 429, an
 * unusable answer) before its first byte reached the client hands over to the next candidate. Nothing is written
 * to the client until an attempt produces its first byte, so a failover is invisible to the client except for the
 * time it took and the headers naming the backend that served. After the first byte the call is committed: a
 * stream that breaks then ends with an error event, never a second backend's answer.
 * <p>
 * Not thread-safe: one instance per call, driven by one subscription (each step runs after the previous one's
 * terminal signal).
 */
final class Failover {

    /** What every call's failover shares. Thread-safe. */
    record Context(BackendRegistry backends, BackendGuards guards, OpenAiWire wire, TokenCounter tokens, int maxBody,
            GatewayMetrics metrics, int maxAttempts, Duration deadline, Clock clock) {
    }

    private final Context ctx;
    private final CallRecord call;
    private final Decision.Routed decision;
    private final List<Candidate> candidates;
    private final ServerHttpResponse response;
    private final long deadlineNanos;
    private int next;
    private int sent;
    private UpstreamException lastFailure;
    private UpstreamAttempt lastAttempt;
    private StringBuilder failedOver;

    Failover(Context ctx, CallRecord call, Decision.Routed decision, ServerHttpResponse response) {
        this.ctx = ctx;
        this.call = call;
        this.decision = decision;
        this.candidates = decision.candidates();
        this.response = response;
        this.deadlineNanos = call.startNanos() + ctx.deadline().toNanos();
    }

    /** The client's body: the first attempt that produces a first byte, or the last failure. */
    Flux<DataBuffer> body() {
        return Flux.defer(this::nextAttempt);
    }

    private Flux<DataBuffer> nextAttempt() {
        while (next < candidates.size() && sent < ctx.maxAttempts()) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                return Flux.error(deadlineExceeded());
            }
            Candidate candidate = candidates.get(next++);
            BackendGuard guard = ctx.guards().guard(candidate.offering().provider(), candidate.offering().modelId());
            AttemptOutcome refused = guard.tryAcquire();
            if (refused != null) {
                record(new Attempt(guard.provider(), guard.model(), refused, 0));
                continue;
            }
            if (lastAttempt != null) {
                ctx.metrics().failover(lastAttempt.provider(), guard.provider(), lastFailure.attemptOutcome());
            }
            sent++;
            return attempt(candidate, guard, remaining);
        }
        return Flux.error(exhausted());
    }

    private Flux<DataBuffer> attempt(Candidate candidate, BackendGuard guard, long remainingNanos) {
        Backend backend = ctx.backends().get(candidate.offering().provider());
        String model = candidate.offering().modelId();
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
        BackendResilience limits = guard.settings();
        long start = System.nanoTime();
        UpstreamAttempt attempt = new UpstreamAttempt(guard, start);
        long total = limits.totalTimeout().toNanos();
        long firstByteBudget = Math.min(Math.min(limits.firstByteTimeout().toNanos(), total), remainingNanos);
        ResponseRelay relay = new ResponseRelay(call, attempt, response, ctx.wire(), ctx.tokens(), ctx.maxBody(),
                limits.streamIdleTimeout(), start + total);
        UpstreamCall upstream = new UpstreamCall(call.request(), model, ctx.wire().upstreamBody(call.request(), model,
                candidate.offering().model().outputCapField(), candidate.outputCap()));
        boolean deadlineBound = remainingNanos < Math.min(limits.firstByteTimeout().toNanos(), total);
        boolean stream = call.request().stream();
        return backend.exchange(upstream, relay)
                .timeout(Mono.delay(Duration.ofNanos(firstByteBudget)), first -> Mono.never())
                .onErrorMap(e -> !(e instanceof UpstreamException),
                        e -> ForwardFilter.transportError(backend.id(), e, deadlineBound ? ctx.deadline() : null))
                .doOnNext(buffer -> {
                    attempt.firstByte(System.nanoTime());
                    if (!stream) {
                        // a non-streamed answer is one buffer, the whole of it: handed to the client's connection,
                        // the attempt succeeded, even if the client closes the connection before our completion
                        record(attempt.completed(System.nanoTime()));
                    }
                })
                .doOnComplete(() -> record(attempt.completed(System.nanoTime())))
                .doOnCancel(() -> record(attempt.cancelled(System.nanoTime())))
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

    private Flux<DataBuffer> failed(UpstreamAttempt attempt, UpstreamException e) {
        AttemptOutcome outcome = e.attemptOutcome();
        record(attempt.failed(outcome, e, coolDown(e), System.nanoTime()));
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
        return nextAttempt();
    }

    private void record(Attempt attempt) {
        if (attempt != null) {
            call.attempt(attempt);
            ctx.metrics().attempt(attempt);
        }
    }

    /** How long a 429 or 503 asks the backend to be left alone ({@code retry-after}), or null. */
    private Duration coolDown(UpstreamException e) {
        if (e.retryAfter() == null || (e.upstreamStatus() != 429 && e.upstreamStatus() != 503)) {
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
