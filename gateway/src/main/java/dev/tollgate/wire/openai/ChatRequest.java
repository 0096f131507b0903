package dev.tollgate.wire.openai;

import java.util.EnumSet;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.PromptTokenCounter;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.OutputCapField;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Chat Completions request, validated in one streaming pass over the client's bytes. {@code body} is forwarded
 * untouched when no field needs changing; the tree, which keeps every field the client sent, known or not, is
 * built only when something needs it (a body change, the tokenizer, the simulated backend). Not thread-safe: it
 * belongs to one call, and its memos ({@link #tree}, {@link #promptTokens}) are filled on that call's path.
 */
public final class ChatRequest implements CallRequest {

    /** Most choices ({@code n}) one call may ask for, as OpenAI allows. */
    public static final int MAX_CHOICES = 128;

    /**
     * Tokens a provider may add to a prompt with tools beyond what the request holds: a system prompt of its own for
     * tool use (Anthropic documents up to 346 tokens). Part of {@link #promptBoundTokens}.
     */
    public static final int TOOLS_OVERHEAD_TOKENS = 512;

    private final byte[] body;
    private final ObjectMapper mapper;
    private ObjectNode tree;
    private final String model;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final Integer maxOutputTokens;
    private final Set<Capability> needs;
    private final int choices;
    private final int images;
    private final long imageUrlChars;
    private final OutputCapField capField;
    /** Byte ranges of the values of {@code max_tokens} and {@code max_completion_tokens} in the body; -1: absent. */
    private final int[] capRanges;
    private final int objectStart;
    private long promptTokens = -1;
    private CanonicalRequest canonical;

    private ChatRequest(byte[] body, ObjectMapper mapper, Fields f, Integer maxOutputTokens) {
        this.body = body;
        this.needs = f.needs.isEmpty() ? Set.of() : Set.copyOf(f.needs);
        this.mapper = mapper;
        this.model = f.model;
        this.stream = f.stream;
        this.clientWantsUsage = f.wantsUsage;
        this.maxOutputTokens = maxOutputTokens;
        this.choices = f.n != null ? f.n : 1;
        this.images = f.images;
        this.imageUrlChars = f.imageUrlChars;
        // the field the client's cap is in (max_completion_tokens wins, as for maxOutputTokens), and where its value is
        boolean completion = f.maxCompletionTokens != null;
        this.capField = completion ? OutputCapField.MAX_COMPLETION_TOKENS
                : f.maxTokens != null ? OutputCapField.MAX_TOKENS : null;
        this.capRanges = capRanges(f);
        this.objectStart = f.objectStart;
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
            f.objectStart = (int) p.currentTokenLocation().getByteOffset();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> f.model(value, p);
                    case "messages" -> f.messages(value, p);
                    case "stream" -> f.stream = flag(value, "stream", f);
                    case "stream_options" -> f.streamOptions(value, p);
                    case "max_tokens" -> {
                        f.maxTokensStart = (int) p.currentTokenLocation().getByteOffset();
                        f.maxTokens = positiveInt(value, p, "max_tokens", f);
                        f.maxTokensEnd = (int) p.currentLocation().getByteOffset();
                    }
                    case "max_completion_tokens" -> {
                        f.maxCompletionStart = (int) p.currentTokenLocation().getByteOffset();
                        f.maxCompletionTokens = positiveInt(value, p, "max_completion_tokens", f);
                        f.maxCompletionEnd = (int) p.currentLocation().getByteOffset();
                    }
                    case "n" -> f.n = choices(value, p, f);
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
                    case "reasoning_effort" -> {
                        if (value == JsonToken.VALUE_STRING && !"none".equals(p.getString())) {
                            f.needs.add(Capability.REASONING);
                        }
                        p.skipChildren();
                    }
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
        return new ChatRequest(body, mapper, f, maxTokens);
    }

    /** What one parse pass collects; the first problem of each kind wins. */
    private static final class Fields {
        String model;
        boolean stream;
        boolean wantsUsage;
        Integer maxTokens;
        Integer maxCompletionTokens;
        int maxTokensStart;
        int maxTokensEnd;
        int maxCompletionStart;
        int maxCompletionEnd;
        int objectStart;
        Integer n;
        int images;
        long imageUrlChars;
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

        /**
         * Looks at a message's content parts for images: counts them, and the characters of their URLs (a data URL
         * holds the whole image: its length says nothing of the image's tokens, see {@link #promptBoundTokens}).
         */
        void contentParts(JsonParser p) {
            for (JsonToken part = p.nextToken(); part != JsonToken.END_ARRAY && part != null; part = p.nextToken()) {
                if (part != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                boolean image = false;
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("type".equals(field) && v == JsonToken.VALUE_STRING && p.getString().contains("image")) {
                        image = true;
                    } else if (field.startsWith("image") && v == JsonToken.START_OBJECT) {
                        imageUrl(p);
                        continue;
                    } else if (field.startsWith("image") && v == JsonToken.VALUE_STRING) {
                        imageUrlChars += p.getStringLength();
                    }
                    p.skipChildren();
                }
                if (image) {
                    needs.add(Capability.VISION);
                    images++;
                }
            }
        }

        /** Inside {@code "image_url": {...}}: the length of its {@code url}. */
        private void imageUrl(JsonParser p) {
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean url = "url".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (url && v == JsonToken.VALUE_STRING) {
                    imageUrlChars += p.getStringLength();
                }
                p.skipChildren();
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

    /** The value ranges of the cap fields the client sent, in body order, as start/end pairs. */
    private static int[] capRanges(Fields f) {
        boolean tokens = f.maxTokens != null;
        boolean completion = f.maxCompletionTokens != null;
        if (tokens && completion) {
            return f.maxTokensStart < f.maxCompletionStart
                    ? new int[] {f.maxTokensStart, f.maxTokensEnd, f.maxCompletionStart, f.maxCompletionEnd}
                    : new int[] {f.maxCompletionStart, f.maxCompletionEnd, f.maxTokensStart, f.maxTokensEnd};
        }
        return tokens ? new int[] {f.maxTokensStart, f.maxTokensEnd}
                : completion ? new int[] {f.maxCompletionStart, f.maxCompletionEnd} : new int[0];
    }

    /** {@code n}: how many choices to generate, 1 to {@value #MAX_CHOICES} (OpenAI's limit); null when not sent. */
    private static Integer choices(JsonToken value, JsonParser p, Fields f) {
        Integer n = positiveInt(value, p, "n", f);
        if (n != null && n > MAX_CHOICES) {
            if (f.otherProblem == null) {
                f.otherProblem = ApiError.invalidRequest("invalid_value", "n must be at most " + MAX_CHOICES + ".",
                        "n");
            }
            return null;
        }
        return n;
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
    @Override
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

    @Override
    public String model() {
        return model;
    }

    @Override
    public boolean stream() {
        return stream;
    }

    /** Whether the client itself asked for the usage chunk ({@code stream_options.include_usage}). */
    @Override
    public boolean clientWantsUsage() {
        return clientWantsUsage;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else null. */
    @Override
    public Integer maxOutputTokens() {
        return maxOutputTokens;
    }

    /** Capabilities the request uses: tools, images (vision), JSON schema output. */
    @Override
    public Set<Capability> needs() {
        return needs;
    }

    /** {@code n}: the choices the provider generates (and bills) for this call; 1 when not sent. */
    @Override
    public int choices() {
        return choices;
    }

    /** Image parts in the messages. */
    @Override
    public int images() {
        return images;
    }

    /**
     * An upper bound of the prompt tokens any provider can bill for this request, whatever its tokenizer: every
     * tokenizer in use (byte-level BPE, SentencePiece with byte fallback) makes at least one byte of text per token, so
     * the body's length in bytes, less the image URLs (whose bytes encode pixels, not text), bounds the text; the
     * body's own JSON framing (at least 27 bytes per message) covers the few tokens a chat template adds per message;
     * each image adds at most {@code imageTokensMax} (the model's largest per-image count); and a request with tools
     * adds {@value #TOOLS_OVERHEAD_TOKENS} for a provider's own tool-use prompt. Budgets reserve this, not the
     * tokenizer's count, so that no provider's count of the prompt can take a settled call past its reservation.
     */
    @Override
    public long promptBoundTokens(int imageTokensMax) {
        return Math.max(0, body.length - imageUrlChars) + (long) images * imageTokensMax
                + (needs.contains(Capability.TOOLS) ? TOOLS_OVERHEAD_TOKENS : 0);
    }

    /**
     * The body with its output cap set to {@code value}, written in {@code field} when the client sent no cap,
     * else in the field the client used (its value replaced). Spliced into the client's bytes: no tree, no
     * re-serialisation of the rest.
     */
    public byte[] withOutputCap(OutputCapField field, int value) {
        byte[] number = Integer.toString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (capRanges.length > 0) {
            // every cap field the client sent gets the value (both, when it sent both)
            int size = body.length;
            for (int i = 0; i < capRanges.length; i += 2) {
                size += number.length - (capRanges[i + 1] - capRanges[i]);
            }
            byte[] out = new byte[size];
            int from = 0;
            int to = 0;
            for (int i = 0; i < capRanges.length; i += 2) {
                System.arraycopy(body, from, out, to, capRanges[i] - from);
                to += capRanges[i] - from;
                System.arraycopy(number, 0, out, to, number.length);
                to += number.length;
                from = capRanges[i + 1];
            }
            System.arraycopy(body, from, out, to, body.length - from);
            return out;
        }
        byte[] member = ("\"" + field.json() + "\":" + value + ",").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = objectStart + 1;
        byte[] out = new byte[body.length + member.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(member, 0, out, at, member.length);
        System.arraycopy(body, at, out, at + member.length, body.length - at);
        return out;
    }

    /** The field holding the client's output cap ({@link #maxOutputTokens}), or null when it sent none. */
    public OutputCapField capField() {
        return capField;
    }

    @Override
    public CanonicalRequest canonical() {
        if (canonical == null) {
            canonical = OpenAiRequestReader.read(body);
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
     * The prompt for counting, as OpenAI's recipe sees it: each message's role, name and content (text parts, images,
     * other parts as JSON), its tool calls as JSON, then the tools' definitions as JSON.
     */
    @Override
    public void walkPrompt(PromptVisitor visitor) {
        ObjectNode request = tree();
        for (JsonNode message : request.path("messages")) {
            visitor.message(message.path("role").asString(""), message.has("name")
                    ? message.path("name").asString("") : null);
            JsonNode content = message.get("content");
            if (content != null && content.isString()) {
                visitor.text(content.stringValue());
            } else if (content != null && content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asString("");
                    if ("text".equals(type)) {
                        visitor.text(part.path("text").asString(""));
                    } else if (type.startsWith("image")) {
                        visitor.image();
                    } else {
                        visitor.json(part.toString());
                    }
                }
            }
            JsonNode toolCalls = message.get("tool_calls");
            if (toolCalls != null && toolCalls.isArray()) {
                visitor.json(toolCalls.toString());
            }
        }
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray()) {
            visitor.json(tools.toString());
        }
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_CHAT;
    }
}
