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
import dev.tollgate.wire.ErrorBodies;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.SseTap;
import dev.tollgate.wire.gemini.GeminiErrors;
import dev.tollgate.wire.responses.ResponsesWire;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.Metering;
import dev.tollgate.call.Outcome;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.Usage;
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

    private static final ApiError STREAM_CUT = new ApiError(502, ApiError.SERVER_ERROR,
            "upstream_stream_interrupted", "The provider ended the stream early; you are charged for what was "
            + "delivered.", null);
    private static final ApiError STREAM_STALLED = new ApiError(504, ApiError.SERVER_ERROR,
            "upstream_stream_timeout", "The provider stopped sending the stream (stream idle or total timeout); you "
            + "are charged for what was delivered.", null);

    private final CallRecord call;
    private final String provider;
    private final ServerHttpResponse response;
    private final DataBufferFactory buffers;
    private final AnswerReader reader;
    private final WireFormat client;
    private final Codecs.Translator translator;
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
    /** A Responses stream: the {@code sequence_number} of the next event. */
    private int nextSequence;

    /**
     * @param streamIdle     longest silence between two stream chunks
     * @param streamEndNanos {@code nanoTime} past which the stream is cut (the attempt's total timeout)
     * @param nanoTime       the call's nano clock
     */
    ResponseRelay(CallRecord call, UpstreamAttempt attempt, ServerHttpResponse response, AnswerReader reader,
            Codecs.Translator translator, TokenCounter tokens, int maxBody, Duration streamIdle, long streamEndNanos,
            LongSupplier nanoTime) {
        this.call = call;
        this.attempt = attempt;
        this.provider = attempt.provider();
        this.streamIdle = streamIdle;
        this.streamEndNanos = streamEndNanos;
        this.nanoTime = nanoTime;
        this.response = response;
        this.buffers = response.bufferFactory();
        this.reader = reader;
        this.client = call.request().format();
        this.translator = translator;
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
            usage = reader.usageOfResponse(bytes);
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
        byte[] out = translator == null ? bytes : translator.response(bytes, call.model());
        call.usage(usage);
        BigDecimal cost = Metering.cost(usage, call.price());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setContentLength(out.length);
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
        return Flux.just(buffers.wrap(out));
    }

    /** Usage of a whole answer without a usage object: prompt and answer counted with the tokenizer. */
    private Usage estimate(byte[] bytes) {
        return new Usage(call.request().promptTokens(tokens), 0, 0, tokens.count(reader.answerText(bytes)), 0, true);
    }

    private Flux<DataBuffer> stream(Flux<byte[]> body) {
        // translated, the backend's usage event is needed by the translation (which drops it when the client did
        // not ask for usage); passed through, the tap drops it
        SseTap tap = reader.tap(translator == null && !call.request().clientWantsUsage());
        Codecs.StreamTranslation translation = translator == null ? null
                : translator.stream(call.model(), call.request().clientWantsUsage());
        // The first data event's wait is bounded by the attempt's first-byte timeout (failover's); every later chunk
        // by the idle timeout, shortened to what is left of the attempt's total.
        return body.timeout(Mono.never(), chunk -> Mono.delay(nextChunkWait()))
                .map(tap::onChunk)
                .concatWith(Mono.fromSupplier(tap::onComplete))
                .onErrorMap(SseTap.EventTooLargeException.class, e -> badResponse("upstream_bad_response",
                        "Provider '" + provider + "' sent a stream event longer than " + SseTap.MAX_EVENT_BYTES
                        + " bytes."))
                .<DataBuffer>handle((bytes, sink) -> {
                    if (bytes.length > 0 && !lost && (started || tap.sawData() && start(tap))) {
                        if (tap.sawDone() && tap.reportedUsage() != null) {
                            // the stream's last event is in these bytes, after the usage: settle before it reaches
                            // the client
                            call.settleNow(Metering.cost(tap.reportedUsage(), call.price()), tap.reportedUsage());
                        }
                        byte[] out = translation == null ? bytes : translation.onEvents(bytes);
                        if (out.length > 0) {
                            sent(out);
                            sink.next(buffers.wrap(out));
                        }
                    }
                })
                .concatWith(Flux.defer(() -> end(tap, translation)))
                .onErrorResume(e -> {
                    if (!started) {
                        return Mono.error(e);
                    }
                    interrupted(e instanceof TimeoutException ? "upstream_stream_timeout"
                            : "upstream_stream_interrupted");
                    return Mono.just(buffers.wrap(ErrorBodies.streamEvent(
                            e instanceof TimeoutException ? STREAM_STALLED : STREAM_CUT, client, nextSequence)));
                });
    }

    /** The first data event is about to go out: commits the call to this attempt, unless its timeout came first. */
    private boolean start(SseTap tap) {
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

    /**
     * The upstream ended the stream: a failure before any data event (an error event the backend sent first says
     * which), an interruption without the stream's last event after it.
     */
    private Flux<DataBuffer> end(SseTap tap, Codecs.StreamTranslation translation) {
        if (lost) {
            return Flux.never(); // the first-byte timeout that abandoned the attempt ends it
        }
        if (!started) {
            AnswerReader.UpstreamError error = tap.streamError();
            if (error != null) {
                return Flux.error(upstreamError(streamErrorStatus(error), null, error, null));
            }
            return Flux.error(badResponse("upstream_bad_response", "Provider '" + provider
                    + "' ended the stream without sending any data event."));
        }
        if (tap.reportedUsage() != null) {
            call.usage(tap.reportedUsage());
        }
        byte[] rest = translation == null ? new byte[0] : translation.onEnd();
        if (!tap.sawDone()) {
            interrupted("upstream_stream_interrupted");
            // a backend that said why in an error event (passed on already) gets no second one
            sent(rest);
            byte[] cut = tap.streamError() != null ? new byte[0]
                    : ErrorBodies.streamEvent(STREAM_CUT, client, nextSequence);
            return Flux.just(buffers.wrap(concat(rest, cut)));
        }
        call.relayed();
        return rest.length == 0 ? Flux.empty() : Flux.just(buffers.wrap(rest));
    }

    /**
     * Bytes went to the client: on the Responses API, the sequence number an error event the gateway appends gets
     * follows the last one they carry.
     */
    private void sent(byte[] out) {
        switch (client) {
            case OPENAI_RESPONSES -> nextSequence = ResponsesWire.nextSequenceNumber(out, nextSequence);
            case OPENAI_CHAT, ANTHROPIC_MESSAGES, GEMINI -> { }
        }
    }

    /** The HTTP status an error event stands for (Anthropic's error types follow its statuses). */
    private static int streamErrorStatus(AnswerReader.UpstreamError error) {
        return switch (error.type() == null ? "" : error.type()) {
            case "overloaded_error" -> 529;
            case "rate_limit_error" -> 429;
            // Gemini's error events name Google's status
            case "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND",
                    "PERMISSION_DENIED", "UNAUTHENTICATED", "DEADLINE_EXCEEDED" -> GeminiErrors.statusFor(error.type());
            case "invalid_request_error" -> 400;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            default -> 500;
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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

    /** An error answer; a delay its body states (Google's {@code RetryInfo}) stands in for a missing header. */
    private UpstreamException upstreamError(int status, String retryAfter, byte[] bytes) {
        return upstreamError(status, retryAfter != null ? retryAfter : reader.retryAfter(bytes), reader.error(bytes),
                bytes);
    }

    /**
     * An upstream error status, classified for failover and described for the client. A 4xx in the client's own
     * format is passed on as the backend sent it; in another format it is described in the client's.
     *
     * @param error the backend's error, parsed (null when the body is not one)
     * @param bytes the body, or null for an error event in a stream
     */
    private UpstreamException upstreamError(int status, String retryAfter, AnswerReader.UpstreamError error,
            byte[] bytes) {
        String upstreamMessage = error != null ? error.message() : bytes != null ? snippet(bytes) : "";
        if (status == 401 || status == 403) {
            return new UpstreamException(AttemptOutcome.AUTH_FAILED, status, ApiError.badGateway("upstream_auth_failed", "Provider '" + provider
                    + "' rejected the gateway's credentials (HTTP " + status + "); the operator must check "
                    + "tollgate.providers." + provider + ".api-key."), null, Outcome.UPSTREAM_ERROR, null);
        }
        if (status == 529 || status == 503 && error != null && ("overloaded_error".equals(error.type())
                || reader.format() == WireFormat.GEMINI && "UNAVAILABLE".equals(error.type()))) {
            return new UpstreamException(AttemptOutcome.HTTP_5XX, status, new ApiError(503, ApiError.SERVER_ERROR,
                    "upstream_overloaded", "Provider '" + provider + "' is overloaded (HTTP " + status + ")"
                    + (upstreamMessage.isEmpty() ? "." : ": " + upstreamMessage), null), null,
                    Outcome.UPSTREAM_ERROR, retryAfter);
        }
        if (status >= 500) {
            return new UpstreamException(AttemptOutcome.HTTP_5XX, status, ApiError.badGateway("upstream_error", "Provider '" + provider
                    + "' failed with HTTP " + status + (upstreamMessage.isEmpty() ? "." : ": " + upstreamMessage)),
                    null, Outcome.UPSTREAM_ERROR, retryAfter);
        }
        AttemptOutcome kind = status == 429 ? AttemptOutcome.HTTP_429 : AttemptOutcome.HTTP_4XX;
        // an error body in the client's own shape goes to it as the backend sent it (an embeddings call's errors are
        // OpenAI's, as its backend's are)
        byte[] raw = bytes != null && (reader.format() == client
                || reader.format().openAiErrors() && client.openAiErrors()) ? bytes : null;
        if (error != null) {
            ApiError passed = switch (reader.format()) {
                case ANTHROPIC_MESSAGES -> fromAnthropic(status, error);
                case GEMINI -> GeminiErrors.describe(status, error.type(), error.message());
                case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS -> new ApiError(status, error.type() != null
                        ? error.type() : ApiError.INVALID_REQUEST, error.code(), upstreamMessage, error.param());
            };
            return new UpstreamException(kind, status, passed, raw, Outcome.UPSTREAM_CLIENT_ERROR, retryAfter);
        }
        return new UpstreamException(kind, status, new ApiError(status, ApiError.INVALID_REQUEST, "upstream_error", "Provider '"
                + provider + "' refused the request with HTTP " + status
                + (upstreamMessage.isEmpty() ? "." : ": " + upstreamMessage), null),
                null, Outcome.UPSTREAM_CLIENT_ERROR, retryAfter);
    }

    /**
     * An Anthropic error as the gateway describes it: a rate limit is {@code rate_limit_exceeded} (Anthropic's limits
     * are per model, so failover moves to another model, not away from the provider), an unknown model
     * {@code model_not_found}.
     */
    private static ApiError fromAnthropic(int status, AnswerReader.UpstreamError error) {
        String type = error.type() == null ? "" : error.type();
        return switch (type) {
            case "rate_limit_error" -> new ApiError(status, "requests", "rate_limit_exceeded", error.message(), null);
            case "not_found_error" -> new ApiError(status, ApiError.INVALID_REQUEST, "model_not_found",
                    error.message(), "model");
            case "request_too_large" -> new ApiError(status, ApiError.INVALID_REQUEST, "request_too_large",
                    error.message(), null);
            default -> new ApiError(status, ApiError.INVALID_REQUEST, type.isEmpty() ? null : type,
                    error.message(), null);
        };
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
