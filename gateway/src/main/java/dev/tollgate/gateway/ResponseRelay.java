package dev.tollgate.gateway;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.metering.AttemptOutcome;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.Metering;
import dev.tollgate.metering.Outcome;
import dev.tollgate.metering.SseUsageTap;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Usage;
import dev.tollgate.providers.OpenAiWire;
import dev.tollgate.providers.UpstreamHandler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Turns one upstream answer into the client's response.
 * <ul>
 * <li>Non-streamed: the body is read whole (it is needed for the cost header), usage taken from it, and the bytes
 * sent on unchanged with {@code x-tollgate-cost-usd}.</li>
 * <li>Streamed: each chunk goes on as it arrives through {@link SseUsageTap}; nothing waits for the end. The first
 * byte is the first data event: comments ({@code : keep-alive}) and events without data before it are not sent and
 * do not commit the call, and a stream that ends before any data event is the attempt's failure (failover may try
 * the next backend). After the first byte, a cut, an end without {@code [DONE]}, or silence longer than the stream
 * idle timeout ends the stream with an OpenAI-shaped error event.</li>
 * <li>Upstream error statuses: 4xx passed through in OpenAI's shape (401/403 become 502: the gateway's provider
 * key is at fault, not the client's); 5xx become 502 with the upstream's message.</li>
 * </ul>
 * Nothing of the call or the response is touched before {@link UpstreamAttempt#commit} succeeds: an attempt whose
 * first-byte timeout won that race has its answer dropped (it emits nothing more, and failover's timeout ends it).
 * Not thread-safe: one instance per attempt, driven by one subscription.
 */
final class ResponseRelay implements UpstreamHandler<DataBuffer> {

    private static final byte[] STREAM_CUT = ("data: " + new String(new ApiError(502, ApiError.SERVER_ERROR,
            "upstream_stream_interrupted", "The provider ended the stream early; you are charged for what was "
            + "delivered.", null).toJson(), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM_STALLED = ("data: " + new String(new ApiError(504, ApiError.SERVER_ERROR,
            "upstream_stream_timeout", "The provider stopped sending the stream (stream idle or total timeout); you "
            + "are charged for what was delivered.", null).toJson(), StandardCharsets.UTF_8) + "\n\n")
            .getBytes(StandardCharsets.UTF_8);

    private final CallRecord call;
    private final String provider;
    private final ServerHttpResponse response;
    private final DataBufferFactory buffers;
    private final OpenAiWire wire;
    private final TokenCounter tokens;
    private final int maxBody;
    private final UpstreamAttempt attempt;
    private final Duration streamIdle;
    private final long streamEndNanos;
    private final LongSupplier nanoTime;
    /** A data event went to the client (stream): the call is committed to this attempt. */
    private boolean started;
    /** Failover's first-byte timeout won the race for the first byte: nothing more is emitted. */
    private boolean lost;

    /**
     * @param streamIdle     longest silence between two stream chunks
     * @param streamEndNanos {@code nanoTime} past which the stream is cut (the attempt's total timeout)
     * @param nanoTime       the call's nano clock
     */
    ResponseRelay(CallRecord call, UpstreamAttempt attempt, ServerHttpResponse response, OpenAiWire wire,
            TokenCounter tokens, int maxBody, Duration streamIdle, long streamEndNanos, LongSupplier nanoTime) {
        this.call = call;
        this.attempt = attempt;
        this.provider = attempt.provider();
        this.streamIdle = streamIdle;
        this.streamEndNanos = streamEndNanos;
        this.nanoTime = nanoTime;
        this.response = response;
        this.buffers = response.bufferFactory();
        this.wire = wire;
        this.tokens = tokens;
        this.maxBody = maxBody;
    }

    @Override
    public Flux<DataBuffer> handle(int status, String contentType, String retryAfter, Flux<byte[]> body) {
        if (status >= 400) {
            return aggregate(body).flatMapMany(bytes -> Flux.error(upstreamError(status, retryAfter, bytes)));
        }
        if (call.request().stream()) {
            if (contentType == null || !contentType.startsWith(MediaType.TEXT_EVENT_STREAM_VALUE)) {
                return badResponse(body, "answered a stream request with content type " + contentType);
            }
            return stream(body);
        }
        if (contentType == null || !contentType.contains("json")) {
            return badResponse(body, "answered with content type " + contentType + " instead of JSON");
        }
        return aggregate(body).flatMapMany(this::whole);
    }

    private Flux<DataBuffer> whole(byte[] bytes) {
        Usage usage;
        try {
            usage = wire.usageOfResponse(bytes);
            if (usage == null) {
                usage = estimate(bytes); // valid JSON without a usage object
            }
        } catch (JacksonException e) {
            throw badResponse("upstream_bad_response", "Provider '" + provider
                    + "' sent a response that is not valid JSON.");
        }
        long now = nanoTime.getAsLong();
        if (!attempt.commit(now)) {
            // failover's first-byte timeout came first and the call has moved on: the answer is dropped, the call
            // and the response untouched; the timeout that abandoned the attempt ends this flux
            return Flux.never();
        }
        call.usage(usage);
        BigDecimal cost = Metering.cost(usage, call.price());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setContentLength(bytes.length);
        headers.set(Headers.COST_USD, CostCalculator.format(cost));
        headers.set(Headers.PRICE_VERSION, call.price().version());
        // The cost is known: settle before the answer goes out, so that the client's next call is admitted against
        // this one's actual cost, and say what the budget has left after it.
        call.settleNow(cost, usage);
        CallRecord.Settlement settlement = call.settlement();
        BigDecimal remaining = settlement != null ? settlement.remainingAfter(cost) : null;
        if (remaining != null) {
            headers.set(Headers.BUDGET_REMAINING_USD, remaining.stripTrailingZeros().toPlainString());
        }
        response.setStatusCode(HttpStatus.OK);
        call.firstByte(now);
        call.relayed(); // the whole answer, in one buffer: a client closing right after reading it is not a cancel
        return Flux.just(buffers.wrap(bytes));
    }

    /** Usage of a whole answer without a usage object: prompt and answer counted with the tokenizer. */
    private Usage estimate(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : wire.mapper().readTree(bytes).path("choices")) {
            text.append(choice.path("message").path("content").asString(""));
            text.append(choice.path("message").path("reasoning_content").asString(""));
        }
        return new Usage(call.request().promptTokens(tokens), 0, 0, tokens.count(text.toString()), 0, true);
    }

    private Flux<DataBuffer> stream(Flux<byte[]> body) {
        SseUsageTap tap = new SseUsageTap(wire.mapper(), !call.request().clientWantsUsage());
        // The first data event's wait is bounded by the attempt's first-byte timeout (failover's); every later chunk
        // by the idle timeout, shortened to what is left of the attempt's total.
        return body.timeout(Mono.never(), chunk -> Mono.delay(nextChunkWait()))
                .map(tap::onChunk)
                .concatWith(Mono.fromSupplier(tap::onComplete))
                .onErrorMap(SseUsageTap.EventTooLargeException.class, e -> badResponse("upstream_bad_response",
                        "Provider '" + provider + "' sent a stream event longer than " + SseUsageTap.MAX_EVENT_BYTES
                        + " bytes."))
                .<DataBuffer>handle((bytes, sink) -> {
                    if (bytes.length > 0 && !lost && (started || tap.sawData() && start(tap))) {
                        if (tap.sawDone() && tap.reportedUsage() != null) {
                            // [DONE] is the last event, after the usage: settle before it reaches the client
                            call.settleNow(Metering.cost(tap.reportedUsage(), call.price()), tap.reportedUsage());
                        }
                        sink.next(buffers.wrap(bytes));
                    }
                })
                .concatWith(Flux.defer(() -> end(tap)))
                .onErrorResume(e -> {
                    if (!started) {
                        return Mono.error(e);
                    }
                    interrupted(e instanceof TimeoutException ? "upstream_stream_timeout"
                            : "upstream_stream_interrupted");
                    return Mono.just(buffers.wrap(e instanceof TimeoutException ? STREAM_STALLED : STREAM_CUT));
                });
    }

    /** The first data event is about to go out: commits the call to this attempt, unless its timeout came first. */
    private boolean start(SseUsageTap tap) {
        long now = nanoTime.getAsLong();
        if (!attempt.commit(now)) {
            lost = true;
            return false;
        }
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.TEXT_EVENT_STREAM);
        headers.setCacheControl("no-cache");
        headers.set(Headers.PRICE_VERSION, call.price().version());
        response.setStatusCode(HttpStatus.OK);
        call.tap(tap);
        call.firstByte(now);
        started = true;
        return true;
    }

    /** The upstream ended the stream: a failure before any data event, an interruption without {@code [DONE]}. */
    private Flux<DataBuffer> end(SseUsageTap tap) {
        if (lost) {
            return Flux.never(); // the first-byte timeout that abandoned the attempt ends it
        }
        if (!started) {
            return Flux.error(badResponse("upstream_bad_response", "Provider '" + provider
                    + "' ended the stream without sending any data event."));
        }
        if (tap.reportedUsage() != null) {
            call.usage(tap.reportedUsage());
        }
        if (!tap.sawDone()) {
            interrupted("upstream_stream_interrupted");
            return Flux.just(buffers.wrap(STREAM_CUT));
        }
        call.relayed();
        return Flux.empty();
    }

    /** The stream broke after its first byte: the client gets an error event, the call is charged for what came. */
    private void interrupted(String code) {
        call.end(200, Outcome.STREAM_INTERRUPTED, code);
        call.relayed();
        attempt.interrupted();
    }

    private Duration nextChunkWait() {
        long left = streamEndNanos - nanoTime.getAsLong();
        return left < streamIdle.toNanos() ? Duration.ofNanos(Math.max(left, 0)) : streamIdle;
    }

    private UpstreamException badResponse(String code, String message) {
        return new UpstreamException(AttemptOutcome.BAD_RESPONSE, 0, ApiError.badGateway(code, message), null,
                Outcome.UPSTREAM_ERROR, null);
    }

    private Flux<DataBuffer> badResponse(Flux<byte[]> body, String what) {
        return body.then(Mono.<DataBuffer>error(badResponse("upstream_bad_response",
                "Provider '" + provider + "' " + what + "."))).flux();
    }

    private UpstreamException upstreamError(int status, String retryAfter, byte[] bytes) {
        JsonNode error = null;
        try {
            JsonNode root = wire.mapper().readTree(bytes);
            error = root != null && root.path("error").isObject() ? root.get("error") : null;
        } catch (RuntimeException ignored) {
            // not JSON: described below
        }
        String upstreamMessage = error != null ? error.path("message").asString("")
                : snippet(bytes);
        if (status == 401 || status == 403) {
            return new UpstreamException(AttemptOutcome.AUTH_FAILED, status, ApiError.badGateway("upstream_auth_failed", "Provider '" + provider
                    + "' rejected the gateway's credentials (HTTP " + status + "); the operator must check "
                    + "tollgate.providers." + provider + ".api-key."), null, Outcome.UPSTREAM_ERROR, null);
        }
        if (status >= 500) {
            return new UpstreamException(AttemptOutcome.HTTP_5XX, status, ApiError.badGateway("upstream_error", "Provider '" + provider
                    + "' failed with HTTP " + status + (upstreamMessage.isEmpty() ? "." : ": " + upstreamMessage)),
                    null, Outcome.UPSTREAM_ERROR, retryAfter);
        }
        AttemptOutcome kind = status == 429 ? AttemptOutcome.HTTP_429 : AttemptOutcome.HTTP_4XX;
        if (error != null) {
            ApiError passed = new ApiError(status, error.path("type").asString(ApiError.INVALID_REQUEST),
                    error.path("code").isNull() ? null : error.path("code").asString(null), upstreamMessage,
                    error.path("param").isNull() ? null : error.path("param").asString(null));
            return new UpstreamException(kind, status, passed, bytes, Outcome.UPSTREAM_CLIENT_ERROR, retryAfter);
        }
        return new UpstreamException(kind, status, new ApiError(status, ApiError.INVALID_REQUEST, "upstream_error", "Provider '"
                + provider + "' refused the request with HTTP " + status
                + (upstreamMessage.isEmpty() ? "." : ": " + upstreamMessage), null),
                null, Outcome.UPSTREAM_CLIENT_ERROR, retryAfter);
    }

    private static String snippet(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.UTF_8).strip();
        return text.replaceAll("\\s+", " ");
    }

    /** The whole body, refusing more than the limit (502: a runaway upstream must not exhaust memory). */
    private Mono<byte[]> aggregate(Flux<byte[]> body) {
        return body.collect(ByteArrayOutputStream::new, (out, chunk) -> {
            if (out.size() + chunk.length > maxBody) {
                throw badResponse("upstream_response_too_large", "Provider '" + provider
                        + "' sent a response larger than the gateway's limit of " + maxBody + " bytes.");
            }
            out.write(chunk, 0, chunk.length);
        }).map(ByteArrayOutputStream::toByteArray);
    }
}
