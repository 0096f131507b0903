package dev.tollgate.api;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Chat Completions request, parsed once. The tree keeps every field the client sent, known or not, so it can be
 * passed through verbatim; {@code body} is the client's original bytes, forwarded untouched when no field needs
 * changing. Not thread-safe: it belongs to one call, and the only mutation ({@link #promptTokens} memo) happens on
 * that call's path.
 */
public final class ChatRequest {

    private final byte[] body;
    private final ObjectNode tree;
    private final String model;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final Integer maxOutputTokens;
    private long promptTokens = -1;

    private ChatRequest(byte[] body, ObjectNode tree, String model, boolean stream, boolean clientWantsUsage,
            Integer maxOutputTokens) {
        this.body = body;
        this.tree = tree;
        this.model = model;
        this.stream = stream;
        this.clientWantsUsage = clientWantsUsage;
        this.maxOutputTokens = maxOutputTokens;
    }

    /** Parses and validates; every problem is a 400 in OpenAI's shape naming the offending parameter. */
    public static ChatRequest parse(byte[] body, ObjectMapper mapper) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("invalid_json", "The request body is not valid JSON: "
                    + e.getOriginalMessage(), null).exception();
        }
        if (!(root instanceof ObjectNode tree)) {
            throw ApiError.invalidRequest("invalid_request", "The request body must be a JSON object.", null).exception();
        }
        JsonNode model = tree.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.invalidRequest("missing_required_parameter", "You must provide a model parameter.", "model")
                    .exception();
        }
        if (!model.isString() || model.stringValue().isBlank()) {
            throw ApiError.invalidRequest("invalid_type", "model must be a non-empty string.", "model").exception();
        }
        JsonNode messages = tree.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiError.invalidRequest("missing_required_parameter", "Missing required parameter: 'messages'.",
                    "messages").exception();
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalidRequest("invalid_type", "messages must be a non-empty array.", "messages").exception();
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isObject() || !messages.get(i).path("role").isString()) {
                throw ApiError.invalidRequest("invalid_type", "messages[" + i + "] must be an object with a string role.",
                        "messages[" + i + "]").exception();
            }
        }
        boolean stream = flag(tree, "stream");
        JsonNode options = tree.get("stream_options");
        boolean wantsUsage = options != null && options.isObject() && options.path("include_usage").asBoolean(false);
        Integer maxTokens = positiveInt(tree, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(tree, "max_tokens");
        }
        return new ChatRequest(body, tree, model.stringValue(), stream, wantsUsage, maxTokens);
    }

    private static boolean flag(ObjectNode tree, String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiError.invalidRequest("invalid_type", field + " must be a boolean.", field).exception();
        }
        return node.booleanValue();
    }

    private static Integer positiveInt(ObjectNode tree, String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 1) {
            throw ApiError.invalidRequest("invalid_value", field + " must be an integer >= 1.", field).exception();
        }
        return node.intValue();
    }

    /** The client's bytes, as received. */
    public byte[] body() {
        return body;
    }

    /** The parsed request; adapters copy it before changing anything. */
    public ObjectNode tree() {
        return tree;
    }

    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /** Whether the client itself asked for the usage chunk ({@code stream_options.include_usage}). */
    public boolean clientWantsUsage() {
        return clientWantsUsage;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else null. */
    public Integer maxOutputTokens() {
        return maxOutputTokens;
    }

    /** Prompt tokens counted with the tokenizer, computed on first use and kept. */
    public long promptTokens(PromptTokenCounter counter) {
        if (promptTokens < 0) {
            promptTokens = counter.count(tree);
        }
        return promptTokens;
    }

    /** Counts the prompt tokens of a request tree. */
    @FunctionalInterface
    public interface PromptTokenCounter {
        long count(ObjectNode request);
    }
}
