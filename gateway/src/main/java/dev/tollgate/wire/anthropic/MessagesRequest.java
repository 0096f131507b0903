package dev.tollgate.wire.anthropic;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.PromptTokenCounter;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Anthropic Messages request ({@code POST /v1/messages}), validated in one streaming pass over the client's bytes,
 * like {@link dev.tollgate.wire.openai.ChatRequest}: {@code body} goes to an Anthropic backend untouched unless a
 * field must change (the model id, the output cap); the tree is built only when something needs it. Problems are
 * 400s naming the field, in the order model, max_tokens, messages, other fields; the error handler renders them in
 * Anthropic's shape. Not thread-safe: it belongs to one call.
 */
public final class MessagesRequest implements CallRequest {

    /** Tokens Anthropic adds to a prompt with tools (its tool-use system prompt: up to 346 documented). */
    public static final int TOOLS_OVERHEAD_TOKENS = 512;

    private final byte[] body;
    private final ObjectMapper mapper;
    private ObjectNode tree;
    private final String model;
    private final boolean stream;
    private final int maxTokens;
    private final Set<Capability> needs;
    private final int images;
    private final long imageDataChars;
    private final boolean thinking;
    /** Byte range of the value of {@code max_tokens} in the body. */
    private final int maxTokensStart;
    private final int maxTokensEnd;
    private long promptTokens = -1;
    private CanonicalRequest canonical;

    private MessagesRequest(byte[] body, ObjectMapper mapper, Fields f) {
        this.body = body;
        this.mapper = mapper;
        this.model = f.model;
        this.stream = f.stream;
        this.maxTokens = f.maxTokens;
        this.needs = f.needs.isEmpty() ? Set.of() : Set.copyOf(f.needs);
        this.images = f.images;
        this.imageDataChars = f.imageDataChars;
        this.thinking = f.thinking;
        this.maxTokensStart = f.maxTokensStart;
        this.maxTokensEnd = f.maxTokensEnd;
    }

    /**
     * Validates the body in one streaming pass, extracting what routing and metering need.
     *
     * @param countOnly a {@code count_tokens} request: {@code max_tokens} is not required
     */
    public static MessagesRequest parse(byte[] body, ObjectMapper mapper, boolean countOnly) {
        Fields f = new Fields(countOnly);
        try (JsonParser p = mapper.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiError.invalidRequest("invalid_request", "The request body must be a JSON object.", null)
                        .exception();
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> f.model(value, p);
                    case "max_tokens" -> f.maxTokens(value, p);
                    case "messages" -> f.messages(value, p);
                    case "system" -> f.system(value, p);
                    case "stream" -> f.stream(value);
                    case "tools" -> {
                        if (value == JsonToken.START_ARRAY && p.nextToken() != JsonToken.END_ARRAY) {
                            f.needs.add(Capability.TOOLS);
                            p.skipChildren();
                            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null;
                                    t = p.nextToken()) {
                                p.skipChildren();
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "thinking" -> f.thinking(value, p);
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
        for (ApiError problem : new ApiError[] {f.modelProblem, f.maxTokensProblem, f.messagesProblem,
                f.otherProblem}) {
            if (problem != null) {
                throw problem.exception();
            }
        }
        return new MessagesRequest(body, mapper, f);
    }

    /** What one parse pass collects; the first problem of each kind wins. */
    private static final class Fields {
        String model;
        boolean stream;
        int maxTokens;
        int maxTokensStart = -1;
        int maxTokensEnd = -1;
        int images;
        long imageDataChars;
        boolean thinking;
        ApiError modelProblem = missing("model");
        ApiError maxTokensProblem;
        ApiError messagesProblem = missing("messages");
        ApiError otherProblem;
        final EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);

        Fields(boolean countOnly) {
            maxTokensProblem = countOnly ? null : missing("max_tokens");
        }

        private static ApiError missing(String field) {
            return ApiError.invalidRequest("missing_required_parameter", field + ": Field required", field);
        }

        void model(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_STRING && !p.getString().isBlank()) {
                model = p.getString();
                modelProblem = null;
            } else {
                p.skipChildren();
                model = null;
                modelProblem = ApiError.invalidRequest("invalid_type", "model: Input should be a non-empty string",
                        "model");
            }
        }

        void maxTokens(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                    && p.getIntValue() >= 1) {
                maxTokensStart = (int) p.currentTokenLocation().getByteOffset();
                maxTokens = p.getIntValue();
                maxTokensEnd = (int) p.currentLocation().getByteOffset();
                maxTokensProblem = null;
            } else {
                p.skipChildren();
                maxTokensProblem = ApiError.invalidRequest("invalid_value",
                        "max_tokens: Input should be an integer greater than or equal to 1", "max_tokens");
            }
        }

        void stream(JsonToken value) {
            if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE || value == JsonToken.VALUE_NULL) {
                stream = value == JsonToken.VALUE_TRUE;
            } else if (otherProblem == null) {
                otherProblem = ApiError.invalidRequest("invalid_type", "stream: Input should be a valid boolean",
                        "stream");
            }
        }

        void thinking(JsonToken value, JsonParser p) {
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean type = "type".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (type && v == JsonToken.VALUE_STRING) {
                    thinking = !"disabled".equals(p.getString());
                    if (thinking) {
                        needs.add(Capability.REASONING);
                    } else {
                        needs.remove(Capability.REASONING);
                    }
                }
                p.skipChildren();
            }
        }

        void system(JsonToken value, JsonParser p) {
            if (value == JsonToken.START_ARRAY) {
                contentBlocks(p);
            } else {
                p.skipChildren();
            }
        }

        void messages(JsonToken value, JsonParser p) {
            if (value != JsonToken.START_ARRAY) {
                p.skipChildren();
                messagesProblem = ApiError.invalidRequest("invalid_type", "messages: Input should be a list",
                        "messages");
                return;
            }
            ApiError problem = null;
            int index = 0;
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY && item != null;
                    item = p.nextToken(), index++) {
                String role = null;
                boolean content = false;
                if (item == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String field = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("role".equals(field) && v == JsonToken.VALUE_STRING) {
                            role = p.getString();
                        } else if ("content".equals(field)) {
                            content = v == JsonToken.VALUE_STRING || v == JsonToken.START_ARRAY;
                            if (v == JsonToken.START_ARRAY) {
                                contentBlocks(p);
                                continue;
                            }
                        }
                        p.skipChildren();
                    }
                } else {
                    p.skipChildren();
                }
                if (problem == null && !"user".equals(role) && !"assistant".equals(role)) {
                    problem = ApiError.invalidRequest("invalid_value", "messages." + index
                            + ".role: Input should be 'user' or 'assistant'", "messages." + index + ".role");
                } else if (problem == null && !content) {
                    problem = ApiError.invalidRequest("missing_required_parameter", "messages." + index
                            + ".content: Field required", "messages." + index + ".content");
                }
            }
            messagesProblem = index == 0 ? ApiError.invalidRequest("invalid_value",
                    "messages: at least one message is required", "messages") : problem;
        }

        /**
         * Looks at content blocks for images: counts them and the characters of their data (base64 bytes encode
         * pixels, not text: their length says nothing of the image's tokens).
         */
        void contentBlocks(JsonParser p) {
            for (JsonToken block = p.nextToken(); block != JsonToken.END_ARRAY && block != null;
                    block = p.nextToken()) {
                if (block != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                boolean image = false;
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("type".equals(field) && v == JsonToken.VALUE_STRING && "image".equals(p.getString())) {
                        image = true;
                    } else if ("source".equals(field) && v == JsonToken.START_OBJECT) {
                        source(p);
                        continue;
                    } else if ("content".equals(field) && v == JsonToken.START_ARRAY) {
                        contentBlocks(p); // a tool result's own blocks
                        continue;
                    }
                    p.skipChildren();
                }
                if (image) {
                    needs.add(Capability.VISION);
                    images++;
                }
            }
        }

        /** Inside an image's {@code "source": {...}}: the length of its {@code data} or {@code url}. */
        private void source(JsonParser p) {
            long chars = 0;
            boolean document = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (("data".equals(field) || "url".equals(field)) && v == JsonToken.VALUE_STRING) {
                    chars += p.getStringLength();
                } else if ("media_type".equals(field) && v == JsonToken.VALUE_STRING) {
                    document = !p.getString().startsWith("image/");
                }
                p.skipChildren();
            }
            if (!document) {
                imageDataChars += chars; // a PDF's or a text document's bytes stay in the bound: they hold text
            }
        }
    }

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC_MESSAGES;
    }

    @Override
    public byte[] body() {
        return body;
    }

    /** The parsed request, built on first use; copy it before changing anything. */
    public ObjectNode tree() {
        if (tree == null) {
            tree = (ObjectNode) mapper.readTree(body);
        }
        return tree;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public boolean stream() {
        return stream;
    }

    /** Anthropic's streams always carry usage ({@code message_start}, {@code message_delta}). */
    @Override
    public boolean clientWantsUsage() {
        return true;
    }

    /** {@code max_tokens}: required by the Messages API (absent only in a {@code count_tokens} request). */
    @Override
    public Integer maxOutputTokens() {
        return maxTokensStart >= 0 ? maxTokens : null;
    }

    @Override
    public int choices() {
        return 1;
    }

    @Override
    public Set<Capability> needs() {
        return needs;
    }

    @Override
    public int images() {
        return images;
    }

    /** Whether the request turns extended thinking on ({@code thinking.type} other than {@code disabled}). */
    public boolean thinking() {
        return thinking;
    }

    /**
     * The same bound as {@link dev.tollgate.wire.openai.ChatRequest#promptBoundTokens}: the body's bytes less the
     * images' data, plus {@code imageTokensMax} per image, plus {@value #TOOLS_OVERHEAD_TOKENS} with tools.
     */
    @Override
    public long promptBoundTokens(int imageTokensMax) {
        return Math.max(0, body.length - imageDataChars) + (long) images * imageTokensMax
                + (needs.contains(Capability.TOOLS) ? TOOLS_OVERHEAD_TOKENS : 0);
    }

    @Override
    public CanonicalRequest canonical() {
        if (canonical == null) {
            canonical = AnthropicRequestReader.read(body);
        }
        return canonical;
    }

    @Override
    public long promptTokens(PromptTokenCounter counter) {
        if (promptTokens < 0) {
            promptTokens = counter.count(this);
        }
        return promptTokens;
    }

    /**
     * The prompt for counting: the system prompt, each message's text, images, tool uses and tool results (their
     * inputs and contents), thinking text, then the tools' definitions as JSON.
     */
    @Override
    public void walkPrompt(PromptVisitor visitor) {
        ObjectNode request = tree();
        JsonNode system = request.get("system");
        if (system != null && !system.isNull()) {
            visitor.message("system", null);
            blocks(system, visitor);
        }
        for (JsonNode message : request.path("messages")) {
            visitor.message(message.path("role").asString(""), null);
            blocks(message.get("content"), visitor);
        }
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray()) {
            visitor.json(tools.toString());
        }
    }

    private static void blocks(JsonNode content, PromptVisitor visitor) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isString()) {
            visitor.text(content.stringValue());
            return;
        }
        for (JsonNode block : content) {
            switch (block.path("type").asString("")) {
                case "text" -> visitor.text(block.path("text").asString(""));
                case "image" -> visitor.image();
                case "thinking" -> visitor.text(block.path("thinking").asString(""));
                case "tool_use" -> visitor.json(block.path("name").asString("") + block.path("input").toString());
                case "tool_result" -> blocks(block.get("content"), visitor);
                case "redacted_thinking" -> { }
                default -> visitor.json(block.toString());
            }
        }
    }

    /**
     * The body for an Anthropic backend: the client's bytes, with the model id replaced when it differs and
     * {@code max_tokens} set to {@code outputCap} when that is lower (a budget's cap); unchanged otherwise. Spliced
     * into the client's bytes: no re-serialisation.
     */
    public byte[] upstreamBody(String upstreamModel, int outputCap) {
        boolean cap = outputCap > 0 && maxTokensStart >= 0 && outputCap < maxTokens;
        if (model.equals(upstreamModel) && !cap) {
            return body;
        }
        if (!model.equals(upstreamModel)) {
            ObjectNode copy = tree().deepCopy();
            copy.put("model", upstreamModel);
            if (cap) {
                copy.put("max_tokens", outputCap);
            }
            return mapper.writeValueAsBytes(copy);
        }
        byte[] number = Integer.toString(outputCap).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[body.length - (maxTokensEnd - maxTokensStart) + number.length];
        System.arraycopy(body, 0, out, 0, maxTokensStart);
        System.arraycopy(number, 0, out, maxTokensStart, number.length);
        System.arraycopy(body, maxTokensEnd, out, maxTokensStart + number.length, body.length - maxTokensEnd);
        return out;
    }
}
