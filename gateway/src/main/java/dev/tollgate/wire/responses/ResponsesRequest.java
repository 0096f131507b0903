package dev.tollgate.wire.responses;

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
 * An OpenAI Responses request ({@code POST /v1/responses}), validated in one streaming pass over the client's bytes,
 * like {@link dev.tollgate.wire.openai.ChatRequest}: {@code body} goes to an OpenAI backend that serves the Responses
 * API untouched unless a field must change (the model id, a budget's {@code max_output_tokens}); the tree is built only
 * when something needs it. Problems are 400s in OpenAI's shape naming the field, in the order model, input, other
 * fields. Not thread-safe: it belongs to one call.
 */
public final class ResponsesRequest implements CallRequest {

    /** Tokens a provider may add to a prompt with tools (its own tool-use prompt), as for Chat Completions. */
    public static final int TOOLS_OVERHEAD_TOKENS = 512;

    private final byte[] body;
    private final ObjectMapper mapper;
    private ObjectNode tree;
    private final String model;
    private final boolean stream;
    private final Integer maxOutputTokens;
    private final int capStart;
    private final int capEnd;
    private final int objectStart;
    private final Set<Capability> needs;
    private final int images;
    private final long imageDataChars;
    private final boolean storedState;
    private long promptTokens = -1;
    private CanonicalRequest canonical;

    private ResponsesRequest(byte[] body, ObjectMapper mapper, Fields f) {
        this.body = body;
        this.mapper = mapper;
        this.model = f.model;
        this.stream = f.stream;
        this.maxOutputTokens = f.maxOutputTokens;
        this.capStart = f.capStart;
        this.capEnd = f.capEnd;
        this.objectStart = f.objectStart;
        this.needs = f.needs.isEmpty() ? Set.of() : Set.copyOf(f.needs);
        this.images = f.images;
        this.imageDataChars = f.imageDataChars;
        this.storedState = f.storedState;
    }

    /** Validates the body in one streaming pass, extracting what routing, admission and metering need. */
    public static ResponsesRequest parse(byte[] body, ObjectMapper mapper) {
        Fields f = new Fields();
        try (JsonParser p = mapper.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiError.invalidRequest("invalid_request", "The request body must be a JSON object.", null)
                        .exception();
            }
            f.objectStart = (int) p.currentTokenLocation().getByteOffset();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> f.model(value, p);
                    case "input" -> f.input(value, p);
                    case "stream" -> f.stream = f.flag(value, "stream");
                    case "max_output_tokens" -> f.maxOutputTokens(value, p);
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
                    case "text" -> f.text(value, p);
                    case "reasoning" -> f.reasoning(value, p);
                    case "previous_response_id", "conversation", "prompt" -> {
                        if (value != JsonToken.VALUE_NULL) {
                            f.storedState = true;
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
        if (f.inputProblem != null && !(f.inputMissing && f.storedState)) {
            throw f.inputProblem.exception();
        }
        if (f.otherProblem != null) {
            throw f.otherProblem.exception();
        }
        return new ResponsesRequest(body, mapper, f);
    }

    /** What one parse pass collects; the first problem of each kind wins. */
    private static final class Fields {
        String model;
        boolean stream;
        Integer maxOutputTokens;
        int capStart = -1;
        int capEnd = -1;
        int objectStart;
        int images;
        long imageDataChars;
        boolean storedState;
        boolean inputMissing = true;
        ApiError modelProblem = ApiError.invalidRequest("missing_required_parameter",
                "Missing required parameter: 'model'.", "model");
        ApiError inputProblem = ApiError.invalidRequest("missing_required_parameter",
                "Missing required parameter: 'input'.", "input");
        ApiError otherProblem;
        final EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);

        void model(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_STRING && !p.getString().isBlank()) {
                model = p.getString();
                modelProblem = null;
            } else {
                p.skipChildren();
                model = null;
                modelProblem = ApiError.invalidRequest("invalid_type", "model must be a non-empty string.", "model");
            }
        }

        void input(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_STRING) {
                inputMissing = false;
                inputProblem = null;
                return;
            }
            if (value == JsonToken.VALUE_NULL) {
                return;
            }
            if (value != JsonToken.START_ARRAY) {
                p.skipChildren();
                inputMissing = false;
                inputProblem = ApiError.invalidRequest("invalid_type", "input must be a string or an array of input "
                        + "items.", "input");
                return;
            }
            inputMissing = false;
            ApiError problem = null;
            int index = 0;
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY && item != null;
                    item = p.nextToken(), index++) {
                if (item != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    if (problem == null) {
                        problem = ApiError.invalidRequest("invalid_type", "input[" + index + "] must be an object.",
                                "input[" + index + "]");
                    }
                    continue;
                }
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (("content".equals(field) || "output".equals(field)) && v == JsonToken.START_ARRAY) {
                        contentParts(p);
                        continue;
                    }
                    p.skipChildren();
                }
            }
            inputProblem = index == 0 ? ApiError.invalidRequest("invalid_value", "input must not be an empty array.",
                    "input") : problem;
        }

        /** Content parts: counts images and the characters of their data (pixels, not text). */
        void contentParts(JsonParser p) {
            for (JsonToken part = p.nextToken(); part != JsonToken.END_ARRAY && part != null; part = p.nextToken()) {
                if (part != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                boolean image = false;
                long chars = 0;
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("type".equals(field) && v == JsonToken.VALUE_STRING && "input_image".equals(p.getString())) {
                        image = true;
                    } else if ("image_url".equals(field) && v == JsonToken.VALUE_STRING) {
                        chars += p.getStringLength();
                    }
                    p.skipChildren();
                }
                if (image) {
                    needs.add(Capability.VISION);
                    images++;
                    imageDataChars += chars;
                }
            }
        }

        void maxOutputTokens(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_NULL) {
                return;
            }
            if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                    && p.getIntValue() >= 1) {
                capStart = (int) p.currentTokenLocation().getByteOffset();
                maxOutputTokens = p.getIntValue();
                capEnd = (int) p.currentLocation().getByteOffset();
                return;
            }
            p.skipChildren();
            if (otherProblem == null) {
                otherProblem = ApiError.invalidRequest("invalid_type", "max_output_tokens must be an integer >= 1.",
                        "max_output_tokens");
            }
        }

        /** {@code text.format.type}: {@code json_schema} needs a model that takes a schema. */
        void text(JsonToken value, JsonParser p) {
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean format = "format".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (format && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        boolean type = "type".equals(p.currentName());
                        JsonToken t = p.nextToken();
                        if (type && t == JsonToken.VALUE_STRING && "json_schema".equals(p.getString())) {
                            needs.add(Capability.JSON_SCHEMA);
                        }
                        p.skipChildren();
                    }
                    continue;
                }
                p.skipChildren();
            }
        }

        /** {@code reasoning.effort} other than {@code none} needs a reasoning model. */
        void reasoning(JsonToken value, JsonParser p) {
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean effort = "effort".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (effort && v == JsonToken.VALUE_STRING && !"none".equals(p.getString())) {
                    needs.add(Capability.REASONING);
                }
                p.skipChildren();
            }
        }

        boolean flag(JsonToken value, String field) {
            if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE || value == JsonToken.VALUE_NULL) {
                return value == JsonToken.VALUE_TRUE;
            }
            if (otherProblem == null) {
                otherProblem = ApiError.invalidRequest("invalid_type", field + " must be a boolean.", field);
            }
            return false;
        }
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_RESPONSES;
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

    /** A Responses stream always carries usage (in {@code response.completed}). */
    @Override
    public boolean clientWantsUsage() {
        return true;
    }

    @Override
    public Integer maxOutputTokens() {
        return maxOutputTokens;
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

    /**
     * Whether the call continues state stored at OpenAI ({@code previous_response_id}, {@code conversation}, or a
     * stored {@code prompt}): part of its prompt is not in this body.
     */
    public boolean usesStoredState() {
        return storedState;
    }

    @Override
    public boolean promptHiddenUpstream() {
        return storedState;
    }

    /**
     * The same bound as {@link dev.tollgate.wire.openai.ChatRequest#promptBoundTokens}: the body's bytes less the
     * images' data, plus {@code imageTokensMax} per image, plus {@value #TOOLS_OVERHEAD_TOKENS} with tools. It does
     * not cover stored state ({@link #promptHiddenUpstream}): admission bounds such a prompt by the model's context
     * window.
     */
    @Override
    public long promptBoundTokens(int imageTokensMax) {
        return Math.max(0, body.length - imageDataChars) + (long) images * imageTokensMax
                + (needs.contains(Capability.TOOLS) ? TOOLS_OVERHEAD_TOKENS : 0);
    }

    @Override
    public CanonicalRequest canonical() {
        if (canonical == null) {
            canonical = ResponsesRequestReader.read(body);
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
     * The prompt for counting: the instructions, then each input item (a message's text and images, a function call's
     * name and arguments, a function call's output), then the tools' definitions as JSON.
     */
    @Override
    public void walkPrompt(PromptVisitor visitor) {
        ObjectNode request = tree();
        JsonNode instructions = request.get("instructions");
        if (instructions != null && instructions.isString()) {
            visitor.message("system", null);
            visitor.text(instructions.stringValue());
        }
        JsonNode input = request.get("input");
        if (input != null && input.isString()) {
            visitor.message("user", null);
            visitor.text(input.stringValue());
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                String type = item.path("type").asString("message");
                switch (type) {
                    case "message" -> {
                        visitor.message(item.path("role").asString("user"), null);
                        content(item.get("content"), visitor);
                    }
                    case "function_call" -> {
                        visitor.message("assistant", null);
                        visitor.json(item.path("name").asString("") + item.path("arguments").asString(""));
                    }
                    case "function_call_output" -> {
                        visitor.message("tool", null);
                        content(item.get("output"), visitor);
                    }
                    default -> {
                        visitor.message("user", null);
                        visitor.json(item.toString());
                    }
                }
            }
        }
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray()) {
            visitor.json(tools.toString());
        }
    }

    private static void content(JsonNode content, PromptVisitor visitor) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isString()) {
            visitor.text(content.stringValue());
            return;
        }
        for (JsonNode part : content) {
            switch (part.path("type").asString("")) {
                case "input_text", "output_text" -> visitor.text(part.path("text").asString(""));
                case "refusal" -> visitor.text(part.path("refusal").asString(""));
                case "input_image" -> visitor.image();
                default -> visitor.json(part.toString());
            }
        }
    }

    /**
     * The body for an OpenAI backend serving the Responses API: the client's bytes, with the model id replaced when it
     * differs, and {@code max_output_tokens} set to {@code outputCap} when a budget caps the call below what it asked
     * (inserted when it asked nothing). A cap alone is spliced into the client's bytes; a new model id re-serialises
     * the body once.
     */
    public byte[] upstreamBody(String upstreamModel, int outputCap) {
        boolean cap = outputCap > 0 && (maxOutputTokens == null || outputCap < maxOutputTokens);
        if (model.equals(upstreamModel) && !cap) {
            return body;
        }
        if (!model.equals(upstreamModel)) {
            ObjectNode copy = tree().deepCopy();
            copy.put("model", upstreamModel);
            if (cap) {
                copy.put("max_output_tokens", outputCap);
            }
            return mapper.writeValueAsBytes(copy);
        }
        byte[] number = Integer.toString(outputCap).getBytes(StandardCharsets.US_ASCII);
        if (capStart >= 0) {
            byte[] out = new byte[body.length - (capEnd - capStart) + number.length];
            System.arraycopy(body, 0, out, 0, capStart);
            System.arraycopy(number, 0, out, capStart, number.length);
            System.arraycopy(body, capEnd, out, capStart + number.length, body.length - capEnd);
            return out;
        }
        byte[] member = ("\"max_output_tokens\":" + outputCap + ",").getBytes(StandardCharsets.US_ASCII);
        int at = objectStart + 1;
        byte[] out = new byte[body.length + member.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(member, 0, out, at, member.length);
        System.arraycopy(body, at, out, at + member.length, body.length - at);
        return out;
    }
}
