package dev.tollgate.api;

import java.util.EnumSet;
import java.util.Set;

import dev.tollgate.pricing.Capability;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Chat Completions request, validated in one streaming pass over the client's bytes. {@code body} is forwarded
 * untouched when no field needs changing; the tree, which keeps every field the client sent, known or not, is
 * built only when something needs it (a body change, the tokenizer, the simulated backend). Not thread-safe: it
 * belongs to one call, and its memos ({@link #tree}, {@link #promptTokens}) are filled on that call's path.
 */
public final class ChatRequest {

    private final byte[] body;
    private final ObjectMapper mapper;
    private ObjectNode tree;
    private final String model;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final Integer maxOutputTokens;
    private final Set<Capability> needs;
    private long promptTokens = -1;

    private ChatRequest(byte[] body, ObjectMapper mapper, String model, boolean stream, boolean clientWantsUsage,
            Integer maxOutputTokens, Set<Capability> needs) {
        this.body = body;
        this.needs = needs;
        this.mapper = mapper;
        this.model = model;
        this.stream = stream;
        this.clientWantsUsage = clientWantsUsage;
        this.maxOutputTokens = maxOutputTokens;
    }

    /**
     * Validates the body in one streaming pass and extracts the fields routing and metering need; the full tree
     * is built only if something asks for it ({@link #tree}). Every problem is a 400 in OpenAI's shape naming the
     * offending parameter; problems are reported in the order model, messages, other fields.
     */
    public static ChatRequest parse(byte[] body, ObjectMapper mapper) {
        Fields f = new Fields();
        try (JsonParser p = mapper.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw ApiError.invalidRequest("invalid_request", "The request body must be a JSON object.", null)
                        .exception();
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> f.model(value, p);
                    case "messages" -> f.messages(value, p);
                    case "stream" -> f.stream = flag(value, "stream", f);
                    case "stream_options" -> f.streamOptions(value, p);
                    case "max_tokens" -> f.maxTokens = positiveInt(value, p, "max_tokens", f);
                    case "max_completion_tokens" -> f.maxCompletionTokens = positiveInt(value, p,
                            "max_completion_tokens", f);
                    case "tools", "functions" -> {
                        if (value == JsonToken.START_ARRAY && p.nextToken() != JsonToken.END_ARRAY) {
                            f.needs.add(Capability.TOOLS);
                            p.skipChildren();
                            skipRestOfArray(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "response_format" -> f.responseFormat(value, p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw ApiError.invalidRequest("invalid_json", "The request body is not valid JSON: content after "
                        + "the end of the object.", null).exception();
            }
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("invalid_json", "The request body is not valid JSON: "
                    + e.getOriginalMessage(), null).exception();
        }
        if (f.modelProblem != null) {
            throw f.modelProblem.exception();
        }
        if (f.messagesProblem != null) {
            throw f.messagesProblem.exception();
        }
        if (f.otherProblem != null) {
            throw f.otherProblem.exception();
        }
        Integer maxTokens = f.maxCompletionTokens != null ? f.maxCompletionTokens : f.maxTokens;
        return new ChatRequest(body, mapper, f.model, f.stream, f.wantsUsage, maxTokens,
                f.needs.isEmpty() ? Set.of() : Set.copyOf(f.needs));
    }

    /** What one parse pass collects; the first problem of each kind wins. */
    private static final class Fields {
        String model;
        boolean stream;
        boolean wantsUsage;
        Integer maxTokens;
        Integer maxCompletionTokens;
        ApiError modelProblem = ApiError.invalidRequest("missing_required_parameter",
                "You must provide a model parameter.", "model");
        ApiError messagesProblem = ApiError.invalidRequest("missing_required_parameter",
                "Missing required parameter: 'messages'.", "messages");
        ApiError otherProblem;
        final EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);

        void responseFormat(JsonToken value, JsonParser p) {
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean type = "type".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (type && v == JsonToken.VALUE_STRING && "json_schema".equals(p.getString())) {
                    needs.add(Capability.JSON_SCHEMA);
                }
                p.skipChildren();
            }
        }

        /** Looks at a message's content parts for images. */
        void contentParts(JsonParser p) {
            for (JsonToken part = p.nextToken(); part != JsonToken.END_ARRAY && part != null; part = p.nextToken()) {
                if (part != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    boolean type = "type".equals(p.currentName());
                    JsonToken v = p.nextToken();
                    if (type && v == JsonToken.VALUE_STRING && p.getString().contains("image")) {
                        needs.add(Capability.VISION);
                    }
                    p.skipChildren();
                }
            }
        }

        void model(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_STRING && !p.getString().isBlank()) {
                model = p.getString();
                modelProblem = null;
            } else if (value == JsonToken.VALUE_NULL) {
                model = null;
                modelProblem = ApiError.invalidRequest("missing_required_parameter",
                        "You must provide a model parameter.", "model");
            } else {
                p.skipChildren();
                model = null;
                modelProblem = ApiError.invalidRequest("invalid_type", "model must be a non-empty string.", "model");
            }
        }

        void messages(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_NULL) {
                return;
            }
            if (value != JsonToken.START_ARRAY) {
                p.skipChildren();
                messagesProblem = ApiError.invalidRequest("invalid_type", "messages must be a non-empty array.",
                        "messages");
                return;
            }
            ApiError problem = null;
            int index = 0;
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY && item != null;
                    item = p.nextToken(), index++) {
                boolean hasRole = false;
                if (item == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("role".equals(field)) {
                            hasRole = v == JsonToken.VALUE_STRING;
                        } else if ("content".equals(field) && v == JsonToken.START_ARRAY) {
                            contentParts(p);
                            continue;
                        }
                        p.skipChildren();
                    }
                } else {
                    p.skipChildren();
                }
                if (!hasRole && problem == null) {
                    problem = ApiError.invalidRequest("invalid_type", "messages[" + index
                            + "] must be an object with a string role.", "messages[" + index + "]");
                }
            }
            messagesProblem = index == 0
                    ? ApiError.invalidRequest("invalid_type", "messages must be a non-empty array.", "messages")
                    : problem;
        }

        void streamOptions(JsonToken value, JsonParser p) {
            wantsUsage = false;
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean usage = "include_usage".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (usage) {
                    wantsUsage = v == JsonToken.VALUE_TRUE;
                }
                p.skipChildren();
            }
        }
    }

    private static void skipRestOfArray(JsonParser p) {
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
            p.skipChildren();
        }
    }

    private static boolean flag(JsonToken value, String field, Fields f) {
        if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE || value == JsonToken.VALUE_NULL) {
            return value == JsonToken.VALUE_TRUE;
        }
        if (f.otherProblem == null) {
            f.otherProblem = ApiError.invalidRequest("invalid_type", field + " must be a boolean.", field);
        }
        return false;
    }

    private static Integer positiveInt(JsonToken value, JsonParser p, String field, Fields f) {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                && p.getIntValue() >= 1) {
            return p.getIntValue();
        }
        p.skipChildren();
        if (f.otherProblem == null) {
            f.otherProblem = ApiError.invalidRequest("invalid_value", field + " must be an integer >= 1.", field);
        }
        return null;
    }

    /** The client's bytes, as received. */
    public byte[] body() {
        return body;
    }

    /** The parsed request, built on first use; adapters copy it before changing anything. */
    public ObjectNode tree() {
        if (tree == null) {
            tree = (ObjectNode) mapper.readTree(body);
        }
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

    /** Capabilities the request uses: tools, images (vision), JSON schema output. */
    public Set<Capability> needs() {
        return needs;
    }

    /** Prompt tokens counted with the tokenizer, computed on first use and kept. */
    public long promptTokens(PromptTokenCounter counter) {
        if (promptTokens < 0) {
            promptTokens = counter.count(tree());
        }
        return promptTokens;
    }

    /** Counts the prompt tokens of a request tree. */
    @FunctionalInterface
    public interface PromptTokenCounter {
        long count(ObjectNode request);
    }
}
