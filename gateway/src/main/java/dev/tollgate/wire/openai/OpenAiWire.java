package dev.tollgate.wire.openai;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.pricing.Usage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;

/**
 * The OpenAI Chat Completions wire format as every OpenAI-compatible backend speaks it: how a request is prepared
 * for the upstream, and how usage is read back. Stateless, thread-safe.
 */
public final class OpenAiWire implements AnswerReader {

    private final ObjectMapper mapper;

    public OpenAiWire(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The body to send upstream, with the request's own output cap. */
    public byte[] upstreamBody(ChatRequest request, String upstreamModel) {
        return upstreamBody(request, upstreamModel, OutputCapField.MAX_TOKENS, 0);
    }

    /**
     * The body to send upstream. The client's bytes go out untouched unless a field must change: the model id
     * differs (a {@code provider/model} name), a stream lacks {@code stream_options.include_usage}, which the gateway
     * adds so that streamed calls are billed from the upstream's own count, or a budget caps the output
     * ({@code outputCap > 0}: written in the field the client used, else in {@code capField}). A cap alone is spliced
     * into the client's bytes; otherwise the body is serialised once.
     *
     * @param capField  the model's output cap field, for a request that has none
     * @param outputCap output tokens per choice the upstream must be limited to; 0 = the request's own cap
     */
    public byte[] upstreamBody(ChatRequest request, String upstreamModel, OutputCapField capField, int outputCap) {
        boolean renameModel = !request.model().equals(upstreamModel);
        boolean addUsage = request.stream() && !request.clientWantsUsage();
        boolean cap = outputCap > 0;
        if (!renameModel && !addUsage) {
            return cap ? request.withOutputCap(capField, outputCap) : request.body();
        }
        ObjectNode copy = request.tree().deepCopy();
        if (renameModel) {
            copy.put("model", upstreamModel);
        }
        if (addUsage) {
            JsonNode options = copy.get("stream_options");
            ObjectNode opts = options instanceof ObjectNode o ? o : copy.putObject("stream_options");
            opts.put("include_usage", true);
        }
        if (cap) {
            boolean any = false;
            for (OutputCapField f : OutputCapField.values()) {
                if (copy.hasNonNull(f.json())) {
                    copy.put(f.json(), outputCap);
                    any = true;
                }
            }
            if (!any) {
                copy.put(capField.json(), outputCap);
            }
        }
        return mapper.writeValueAsBytes(copy);
    }

    /**
     * The usage of a non-streamed response body, reading only its top-level {@code usage} object (everything
     * else is skipped without building a tree, but the whole document is read). Null when the body is valid JSON
     * without usage.
     *
     * @throws JacksonException when the body is not one well-formed JSON document (the relay answers 502)
     */
    @Override
    public Usage usageOfResponse(byte[] body) {
        return AnswerReader.topLevelUsage(mapper, body, OpenAiWire::usage);
    }

    /**
     * Usage from an OpenAI {@code usage} object ({@link OpenAiUsage}: cached reads split out of
     * {@code prompt_tokens}, reasoning counted in the output). Null when the object has no counts.
     */
    public static Usage usage(JsonNode usage) {
        TokenCounts counts = OpenAiUsage.read(usage);
        return counts == null ? null : counts.toUsage();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_CHAT;
    }

    /** The content and reasoning of every choice. */
    @Override
    public String answerText(byte[] body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : mapper.readTree(body).path("choices")) {
            JsonNode message = choice.path("message");
            text.append(message.path("content").asString(""));
            text.append(message.path("reasoning_content").asString(""));
            for (JsonNode call : message.path("tool_calls")) {
                text.append(call.path("function").path("arguments").asString(""));
            }
        }
        return text.toString();
    }

    @Override
    public SseTap tap(boolean dropUsageEvent) {
        return new SseUsageTap(mapper, dropUsageEvent);
    }

    /** {@code {"error": {"message", "type", "code", "param"}}}, or null. */
    @Override
    public UpstreamError error(byte[] body) {
        try {
            JsonNode root = mapper.readTree(body);
            JsonNode error = root != null ? root.get("error") : null;
            if (error == null || !error.isObject()) {
                return null;
            }
            return new UpstreamError(text(error, "type"), text(error, "code"), error.path("message").asString(""),
                    text(error, "param"));
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString(null);
    }
}
