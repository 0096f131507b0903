package dev.tollgate.wire;

import java.util.EnumMap;
import java.util.Map;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.anthropic.AnthropicRequestWriter;
import dev.tollgate.wire.anthropic.AnthropicWire;
import dev.tollgate.wire.anthropic.MessagesRequest;
import dev.tollgate.wire.gemini.GeminiRequestWriter;
import dev.tollgate.wire.gemini.GeminiWire;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.wire.openai.EmbeddingsRequest;
import dev.tollgate.wire.openai.OpenAiRequestWriter;
import dev.tollgate.wire.openai.OpenAiWire;
import dev.tollgate.wire.responses.ResponsesRequest;
import dev.tollgate.wire.responses.ResponsesWire;
import tools.jackson.databind.ObjectMapper;

/**
 * Every wire format's codec, and the one place that decides between passing a call through and translating it. A
 * call whose client format is the backend's goes out as the client's bytes, with only the fields the gateway must set
 * changed (the model id, a budget's output cap, OpenAI's {@code stream_options.include_usage}; a Responses call
 * passes through to an OpenAI backend that serves the Responses API); its answer and every
 * stream event come back untouched. Any other pair is translated through the canonical call. Built once; stateless,
 * thread-safe.
 */
public final class Codecs {

    private final ObjectMapper mapper;
    private final OpenAiWire openAi;
    private final AnthropicWire anthropic;
    private final Map<WireFormat, AnswerReader> readers = new EnumMap<>(WireFormat.class);

    public Codecs(ObjectMapper mapper) {
        this.mapper = mapper;
        this.openAi = new OpenAiWire(mapper);
        this.anthropic = new AnthropicWire(mapper);
        readers.put(WireFormat.OPENAI_CHAT, openAi);
        readers.put(WireFormat.ANTHROPIC_MESSAGES, anthropic);
        readers.put(WireFormat.GEMINI, new GeminiWire(mapper));
        readers.put(WireFormat.OPENAI_RESPONSES, new ResponsesWire(mapper));
        readers.put(WireFormat.OPENAI_EMBEDDINGS, openAi); // its usage object is read like a chat answer's
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public OpenAiWire openAi() {
        return openAi;
    }

    /** What the relay reads from a backend speaking {@code format}. */
    public AnswerReader reader(WireFormat format) {
        return readers.get(format);
    }

    /**
     * The body to send to a backend speaking {@code backend}.
     *
     * @param capField       the model's output cap field (OpenAI-compatible backends), for a request that has none
     * @param outputCap      output tokens per choice a budget limits the call to; 0 = the request's own cap
     * @param modelMaxOutput the model's output limit: the cap a format that requires one gets when nothing else
     *                       sets it
     */
    public byte[] upstreamBody(CallRequest request, WireFormat backend, String upstreamModel,
            OutputCapField capField, int outputCap, int modelMaxOutput) {
        if (request instanceof EmbeddingsRequest embeddings) {
            // never translated: an OpenAI-compatible backend serves the embeddings API as the client spoke it
            return embeddings.upstreamBody(upstreamModel);
        }
        if (request.format() == backend) {
            if (request instanceof ChatRequest chat) {
                return openAi.upstreamBody(chat, upstreamModel, capField, outputCap);
            }
            if (request instanceof MessagesRequest messages) {
                return messages.upstreamBody(upstreamModel, outputCap);
            }
            if (request instanceof ResponsesRequest responses) {
                return responses.upstreamBody(upstreamModel, outputCap);
            }
            throw new IllegalArgumentException("no codec for " + request.getClass());
        }
        CanonicalRequest canonical = request.canonical();
        return switch (backend) {
            case ANTHROPIC_MESSAGES -> {
                // Anthropic requires max_tokens: a budget's cap, else the client's (within the model's limit), else
                // the model's whole limit
                Integer asked = request.maxOutputTokens();
                int cap = outputCap > 0 ? outputCap : asked != null ? Math.min(asked, modelMaxOutput) : modelMaxOutput;
                yield AnthropicRequestWriter.write(canonical, upstreamModel, cap);
            }
            // the model is in Gemini's URL, not its body; the cap is a budget's, else the client's (or none)
            case GEMINI -> GeminiRequestWriter.write(canonical, outputCap > 0 ? Integer.valueOf(outputCap)
                    : request.maxOutputTokens());
            case OPENAI_CHAT -> OpenAiRequestWriter.write(canonical, upstreamModel, capField, outputCap,
                    request.stream());
            // a backend is sent the Responses format only for a Responses call (WireFormat.forCall): passed through
            case OPENAI_RESPONSES -> throw new IllegalArgumentException("a " + request.format().displayName()
                    + " call is never translated to the Responses API");
            case OPENAI_EMBEDDINGS -> throw new IllegalArgumentException("no backend speaks only the embeddings API");
        };
    }

    /**
     * Why a backend speaking {@code backend} cannot serve the request (a field its format cannot carry), or null when
     * it can.
     */
    public ApiError untranslatable(CallRequest request, WireFormat backend) {
        if (request.format() == WireFormat.OPENAI_EMBEDDINGS) {
            return embeddingsUnservable(backend);
        }
        if (request.format() == backend) {
            return null;
        }
        try {
            return Untranslatable.check(request.canonical(), backend);
        } catch (GatewayException e) {
            return e.error(); // the request's own format refuses to read it whole
        }
    }

    /**
     * Why a backend speaking {@code backend} cannot serve an embeddings call, or null when it can: only an
     * OpenAI-compatible backend has the embeddings API; Anthropic's has none, and the Gemini backend serves
     * generateContent only.
     */
    static ApiError embeddingsUnservable(WireFormat backend) {
        return switch (backend) {
            case OPENAI_CHAT, OPENAI_EMBEDDINGS -> null;
            case ANTHROPIC_MESSAGES -> ApiError.invalidRequest("unsupported_endpoint", "Anthropic's API has no "
                    + "embeddings endpoint: an embeddings call goes only to an OpenAI-compatible backend.", "model");
            case GEMINI -> ApiError.invalidRequest("unsupported_endpoint", "The gateway's Gemini backend serves "
                    + "generateContent only: an embeddings call goes only to an OpenAI-compatible backend.", "model");
            case OPENAI_RESPONSES -> ApiError.invalidRequest("unsupported_endpoint", "An embeddings call goes only "
                    + "to an OpenAI-compatible backend's embeddings API.", "model");
        };
    }

    /**
     * Translates a backend's answers into the client's format; null when the two formats are the same, and for an
     * embeddings call, whose answer always passes through untouched.
     */
    public Translator translator(WireFormat backend, WireFormat client) {
        if (backend == client || client == WireFormat.OPENAI_EMBEDDINGS) {
            return null;
        }
        return new Translator() {
            @Override
            public byte[] response(byte[] body, String model) {
                return StreamTranslator.create(backend, client, model, true).translateResponse(body);
            }

            @Override
            public StreamTranslation stream(String model, boolean clientWantsUsage) {
                StreamTranslator translator = StreamTranslator.create(backend, client, model, clientWantsUsage);
                return new StreamTranslation() {
                    @Override
                    public byte[] onEvents(byte[] events) {
                        return translator.onEvents(events);
                    }

                    @Override
                    public byte[] onEnd() {
                        return translator.onEnd();
                    }
                };
            }
        };
    }

    /** Translates one call's answers from its backend's format into its client's. */
    public interface Translator {

        /** A whole answer, translated; {@code model} is the model the client is told served it. */
        byte[] response(byte[] body, String model);

        /** A translation of one stream. */
        StreamTranslation stream(String model, boolean clientWantsUsage);
    }

    /** One stream's translation. Not thread-safe. */
    public interface StreamTranslation {

        /** Translates complete events (never half of one); returns what the client gets now (maybe nothing). */
        byte[] onEvents(byte[] events);

        /** What the client gets when the backend's stream ends. */
        byte[] onEnd();
    }
}
