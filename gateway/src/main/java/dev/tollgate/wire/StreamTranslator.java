package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.AnthropicErrors;
import dev.tollgate.wire.anthropic.AnthropicResponses;
import dev.tollgate.wire.anthropic.AnthropicStreamDecoder;
import dev.tollgate.wire.anthropic.AnthropicStreamEncoder;
import dev.tollgate.wire.gemini.GeminiErrors;
import dev.tollgate.wire.gemini.GeminiResponses;
import dev.tollgate.wire.gemini.GeminiStreamDecoder;
import dev.tollgate.wire.openai.OpenAiErrors;
import dev.tollgate.wire.openai.OpenAiResponses;
import dev.tollgate.wire.openai.OpenAiStreamDecoder;
import dev.tollgate.wire.openai.OpenAiStreamEncoder;
import dev.tollgate.wire.responses.ResponsesResponses;
import dev.tollgate.wire.responses.ResponsesStreamDecoder;
import dev.tollgate.wire.responses.ResponsesStreamEncoder;

/**
 * Translates one answer from the backend's format to the client's, for the relay: a stream event by event as it
 * passes (backend's decoder, then client's encoder), a whole body, or an error body.
 * <p>
 * Invariant: {@link #onEvents} returns the translation of every event it was given, at once; nothing is held back
 * but what the formats force: from OpenAI to Anthropic, the stop reason (in the finish chunk) waits for the usage
 * chunk that follows it, since Anthropic's {@code message_delta} carries both; it goes out with the usage chunk, or at
 * {@code [DONE]}. Only small state is kept (open block, tool-call indices, stop reason, usage), never the content.
 * <p>
 * The gateway passes same-format answers through untouched; a translator for equal formats decodes and encodes all
 * the same (used by tests). Not thread-safe: one per call, driven by one subscriber.
 */
public final class StreamTranslator {

    private static final byte[] NO_BYTES = new byte[0];

    private final WireFormat backend;
    private final WireFormat client;
    private final String servedModel;
    private final Clock clock;
    private final StreamDecoder decoder;
    private final StreamEncoder encoder;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private final Consumer<StreamEvent> sink;
    private TokenCounts usage;
    private boolean stopped;

    private StreamTranslator(WireFormat backend, WireFormat client, String servedModel, boolean clientWantsUsage,
            Clock clock) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.client = Objects.requireNonNull(client, "client");
        this.servedModel = Objects.requireNonNull(servedModel, "servedModel");
        this.clock = clock;
        this.decoder = switch (backend) {
            case OPENAI_CHAT -> new OpenAiStreamDecoder();
            case ANTHROPIC_MESSAGES -> new AnthropicStreamDecoder();
            case GEMINI -> new GeminiStreamDecoder();
            case OPENAI_RESPONSES -> new ResponsesStreamDecoder();
            case OPENAI_EMBEDDINGS -> throw notTranslated();
        };
        this.encoder = switch (client) {
            case OPENAI_CHAT -> new OpenAiStreamEncoder(servedModel, clock.instant().getEpochSecond(),
                    clientWantsUsage);
            case ANTHROPIC_MESSAGES -> new AnthropicStreamEncoder(servedModel);
            case OPENAI_RESPONSES -> new ResponsesStreamEncoder(servedModel, clock.instant().getEpochSecond());
            case GEMINI -> throw noIngress(client);
            case OPENAI_EMBEDDINGS -> throw notTranslated();
        };
        this.sink = event -> {
            if (event instanceof StreamEvent.MessageStart s) {
                usage = s.usage();
            } else if (event instanceof StreamEvent.MessageDelta d) {
                usage = d.usage();
            } else if (event instanceof StreamEvent.MessageStop) {
                stopped = true;
            }
            encoder.encode(event, out);
        };
    }

    /**
     * @param backend          the format the upstream answers in
     * @param client           the format the client reads
     * @param servedModel      the model name the client is to see
     * @param clientWantsUsage for an OpenAI client: whether it asked for the usage chunk
     */
    public static StreamTranslator create(WireFormat backend, WireFormat client, String servedModel,
            boolean clientWantsUsage) {
        return create(backend, client, servedModel, clientWantsUsage, Clock.systemUTC());
    }

    /** As {@link #create(WireFormat, WireFormat, String, boolean)}, with the clock for OpenAI's {@code created}. */
    public static StreamTranslator create(WireFormat backend, WireFormat client, String servedModel,
            boolean clientWantsUsage, Clock clock) {
        return new StreamTranslator(backend, client, servedModel, clientWantsUsage, clock);
    }

    /**
     * The client's bytes for {@code completeEvents}, which holds whole SSE events only (the relay's splitter sees to
     * it; a last event without its blank line is taken as whole). Possibly empty.
     */
    public byte[] onEvents(byte[] completeEvents) {
        Sse.forEachEvent(completeEvents, (name, data) -> decoder.decode(name, data, sink));
        return drain();
    }

    /** The client's bytes when the upstream ended: what the format leaves implicit at its end, possibly nothing. */
    public byte[] onEnd() {
        decoder.end(sink);
        return drain();
    }

    /** The usage the upstream reported so far (in the canonical events), or null before the message started. */
    public TokenCounts usage() {
        return usage;
    }

    /** Whether the answer ended as the format ends it (the client got its message stop or {@code [DONE]}). */
    public boolean stopped() {
        return stopped;
    }

    /**
     * A whole (non-streamed) answer in the client's format.
     *
     * @throws dev.tollgate.api.GatewayException a 502 when the body is not an answer of the backend's format
     */
    public byte[] translateResponse(byte[] body) {
        CallResponse response = switch (backend) {
            case OPENAI_CHAT -> OpenAiResponses.read(body);
            case ANTHROPIC_MESSAGES -> AnthropicResponses.read(body);
            case GEMINI -> GeminiResponses.read(body);
            case OPENAI_RESPONSES -> ResponsesResponses.read(body);
            case OPENAI_EMBEDDINGS -> throw notTranslated();
        };
        usage = response.usage();
        return switch (client) {
            case OPENAI_CHAT -> OpenAiResponses.write(response, servedModel, clock.instant().getEpochSecond());
            case ANTHROPIC_MESSAGES -> AnthropicResponses.write(response, servedModel);
            case OPENAI_RESPONSES -> ResponsesResponses.write(response, servedModel, clock.instant().getEpochSecond());
            case GEMINI -> throw noIngress(client);
            case OPENAI_EMBEDDINGS -> throw notTranslated();
        };
    }

    /** Embeddings pass through untouched: nothing ever translates them ({@code Codecs#translator} gives none). */
    private static IllegalArgumentException notTranslated() {
        return new IllegalArgumentException("OpenAI Embeddings answers are never translated");
    }

    /** An upstream error body ({@code status} as the upstream answered) in the client's format; same status. */
    public byte[] translateError(int status, byte[] body) {
        if (backend == client) {
            return body;
        }
        return errorBody(readError(backend, status, body), client);
    }

    /** An error body of {@code format} as (status, type in that format, code, message, param). */
    public static ApiError readError(WireFormat format, int status, byte[] body) {
        return switch (format) {
            case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS -> OpenAiErrors.read(status, body);
            case ANTHROPIC_MESSAGES -> AnthropicErrors.read(status, body);
            case GEMINI -> GeminiErrors.read(status, body);
        };
    }

    /** The body for {@code error} in {@code format}; an error of the other format has its type mapped by status. */
    public static byte[] errorBody(ApiError error, WireFormat format) {
        return switch (format) {
            case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS -> OpenAiErrors.fromForeign(error).toJson();
            case ANTHROPIC_MESSAGES -> AnthropicErrors.toJson(error);
            case GEMINI -> throw noIngress(format);
        };
    }

    private static IllegalArgumentException noIngress(WireFormat format) {
        return new IllegalArgumentException("no client speaks " + format.displayName() + " to the gateway");
    }

    private byte[] drain() {
        if (out.size() == 0) {
            return NO_BYTES;
        }
        byte[] bytes = out.toByteArray();
        out.reset();
        return bytes;
    }
}
