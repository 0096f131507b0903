package dev.tollgate.wire.openai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.PromptTokenCounter;
import dev.tollgate.call.TextTokenCounter;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.wire.Invalid;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;

/**
 * An OpenAI Embeddings request ({@code POST /v1/embeddings}), validated in one streaming pass over the client's
 * bytes. {@code input} is a string, an array of strings, an array of token ids, or an array of arrays of token ids;
 * {@code encoding_format} ({@code float} or {@code base64}), {@code dimensions}, {@code user} and any other field go
 * upstream as the client sent them: the body is forwarded as the client's bytes, with only the value of
 * {@code model} replaced when the backend's id differs. It is never translated into another format. Not thread-safe:
 * it belongs to one call.
 */
public final class EmbeddingsRequest implements CallRequest {

    /**
     * Tokens a model may add to each input beyond its own (a BERT-style {@code [CLS]}/{@code [SEP]} pair, a BOS/EOS
     * pair): part of {@link #promptBoundTokens}, so that a self-served model's count cannot pass the bound.
     */
    public static final int SPECIAL_TOKENS_PER_INPUT = 2;

    private final byte[] body;
    private final String model;
    private final int modelStart;
    private final int modelEnd;
    private final List<String> texts;
    private final long textBytes;
    private final long tokenIds;
    private final int inputs;
    private long promptTokens = -1;

    private EmbeddingsRequest(byte[] body, Fields f) {
        this.body = body;
        this.model = f.model;
        this.modelStart = f.modelStart;
        this.modelEnd = f.modelEnd;
        this.texts = Collections.unmodifiableList(f.texts);
        this.textBytes = f.textBytes;
        this.tokenIds = f.tokenIds;
        this.inputs = f.inputs;
    }

    /**
     * Validates the body and extracts what routing and metering need. Every problem is a 400 in OpenAI's shape naming
     * the parameter: a missing or empty {@code model} or {@code input}, an input of another shape, an empty string or
     * token array, an {@code encoding_format} other than {@code float} or {@code base64}, a {@code dimensions} that is
     * not a positive whole number, and {@code stream}, which the embeddings API does not have.
     */
    public static EmbeddingsRequest parse(byte[] body, ObjectMapper mapper) {
        Fields f = new Fields();
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
                    case "input" -> f.input(value, p);
                    case "encoding_format" -> f.encodingFormat(value, p);
                    case "dimensions" -> f.dimensions(value, p);
                    case "stream" -> {
                        p.skipChildren();
                        f.other(Invalid.value("stream", "the embeddings API does not stream; send the request "
                                + "without stream."));
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
        if (f.model == null) {
            throw f.modelProblem != null ? f.modelProblem : ApiError.invalidRequest("missing_required_parameter",
                    "You must provide a model parameter.", "model").exception();
        }
        if (f.inputProblem != null) {
            throw f.inputProblem;
        }
        if (f.inputs == 0) {
            throw Invalid.missing("input");
        }
        if (f.otherProblem != null) {
            throw f.otherProblem;
        }
        return new EmbeddingsRequest(body, f);
    }

    /** What one parse pass collects; the first problem of each kind wins. */
    private static final class Fields {
        String model;
        int modelStart;
        int modelEnd;
        GatewayException modelProblem;
        final List<String> texts = new ArrayList<>();
        long textBytes;
        long tokenIds;
        int inputs;
        GatewayException inputProblem;
        GatewayException otherProblem;

        void model(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_STRING && !p.getString().isBlank()) {
                modelStart = (int) p.currentTokenLocation().getByteOffset();
                model = p.getString();
                modelEnd = (int) p.currentLocation().getByteOffset();
                modelProblem = null;
            } else {
                p.skipChildren();
                model = null;
                modelProblem = value == JsonToken.VALUE_NULL ? null
                        : Invalid.type("model", "a non-empty string");
            }
        }

        /** A string, or an array of strings, of token ids, or of arrays of token ids (one kind per array). */
        void input(JsonToken value, JsonParser p) {
            texts.clear();
            textBytes = 0;
            tokenIds = 0;
            inputs = 0;
            inputProblem = null;
            if (value == JsonToken.VALUE_STRING) {
                text(p, "input");
                return;
            }
            if (value != JsonToken.START_ARRAY) {
                p.skipChildren();
                inputProblem = value == JsonToken.VALUE_NULL ? null : Invalid.type("input",
                        "a string, an array of strings, an array of token ids or an array of arrays of token ids");
                return;
            }
            JsonToken kind = null;
            int index = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), index++) {
                String param = "input[" + index + "]";
                JsonToken k = t == JsonToken.VALUE_NUMBER_INT ? JsonToken.VALUE_NUMBER_INT : t;
                if (kind == null) {
                    kind = k;
                }
                if (k != kind && inputProblem == null) {
                    inputProblem = Invalid.type(param, "of the same kind as input[0] (all strings, all token ids "
                            + "or all arrays of token ids)");
                }
                switch (t) {
                    case VALUE_STRING -> text(p, param);
                    case VALUE_NUMBER_INT -> {
                        tokenId(p, param);
                        tokenIds++;
                        if (index == 0) {
                            inputs++; // an array of token ids is one input
                        }
                    }
                    case START_ARRAY -> {
                        int ids = 0;
                        for (JsonToken id = p.nextToken(); id != JsonToken.END_ARRAY; id = p.nextToken(), ids++) {
                            if (id != JsonToken.VALUE_NUMBER_INT) {
                                p.skipChildren();
                                problem(Invalid.type(param + "[" + ids + "]", "a token id (a whole number >= 0)"));
                            } else {
                                tokenId(p, param + "[" + ids + "]");
                            }
                        }
                        if (ids == 0) {
                            problem(Invalid.value(param, "must not be an empty array."));
                        }
                        tokenIds += ids;
                        inputs++;
                    }
                    default -> {
                        p.skipChildren();
                        problem(Invalid.type(param, "a string, a token id or an array of token ids"));
                    }
                }
            }
            if (index == 0) {
                problem(Invalid.value("input", "must not be an empty array."));
            }
        }

        private void text(JsonParser p, String param) {
            String text = p.getString();
            if (text.isEmpty()) {
                problem(Invalid.value(param, "must not be an empty string."));
            }
            texts.add(text);
            textBytes += utf8Length(text);
            inputs++;
        }

        private void tokenId(JsonParser p, String param) {
            if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                problem(Invalid.value(param, "a token id must be a whole number from 0 to " + Integer.MAX_VALUE
                        + "."));
            }
        }

        private void problem(GatewayException error) {
            if (inputProblem == null) {
                inputProblem = error;
            }
        }

        void encodingFormat(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_NULL) {
                return;
            }
            if (value != JsonToken.VALUE_STRING || !("float".equals(p.getString())
                    || "base64".equals(p.getString()))) {
                p.skipChildren();
                other(Invalid.value("encoding_format", "must be 'float' or 'base64'."));
            }
        }

        void dimensions(JsonToken value, JsonParser p) {
            if (value == JsonToken.VALUE_NULL) {
                return;
            }
            if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                    || p.getIntValue() < 1) {
                p.skipChildren();
                other(Invalid.value("dimensions", "must be a whole number >= 1."));
            }
        }

        void other(GatewayException e) {
            if (otherProblem == null) {
                otherProblem = e;
            }
        }
    }

    /** Bytes of {@code text} in UTF-8, without encoding it. */
    static long utf8Length(String text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * The body for a backend that knows the model as {@code upstreamModel}: the client's bytes, untouched when the id
     * is the same, else with only the value of {@code model} replaced (spliced: nothing else is re-serialised).
     */
    public byte[] upstreamBody(String upstreamModel) {
        if (model.equals(upstreamModel)) {
            return body;
        }
        StringBuilder quoted = new StringBuilder(upstreamModel.length() + 2).append('"');
        for (int i = 0; i < upstreamModel.length(); i++) {
            char c = upstreamModel.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        byte[] value = quoted.append('"').toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length - (modelEnd - modelStart) + value.length];
        System.arraycopy(body, 0, out, 0, modelStart);
        System.arraycopy(value, 0, out, modelStart, value.length);
        System.arraycopy(body, modelEnd, out, modelStart + value.length, body.length - modelEnd);
        return out;
    }

    /** Inputs to embed: each string, or each array of token ids. */
    public int inputs() {
        return inputs;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_EMBEDDINGS;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String model() {
        return model;
    }

    /** Always false: the embeddings API does not stream ({@code stream} is refused). */
    @Override
    public boolean stream() {
        return false;
    }

    @Override
    public boolean clientWantsUsage() {
        return true;
    }

    /** Always null: an embedding has no output tokens to cap. */
    @Override
    public Integer maxOutputTokens() {
        return null;
    }

    @Override
    public int choices() {
        return 1;
    }

    /** {@link Capability#EMBEDDINGS}: only embedding models serve the call. */
    @Override
    public Set<Capability> needs() {
        return Set.of(Capability.EMBEDDINGS);
    }

    @Override
    public int images() {
        return 0;
    }

    /**
     * An upper bound of the input tokens any provider can bill: every tokenizer in use makes at least one byte of text
     * per token, so each string's length in UTF-8 bytes bounds its tokens; token ids are counted exactly (one each);
     * and each input may gain {@value #SPECIAL_TOKENS_PER_INPUT} special tokens of the model's own.
     */
    @Override
    public long promptBoundTokens(int imageTokensMax) {
        return textBytes + tokenIds + (long) inputs * SPECIAL_TOKENS_PER_INPUT;
    }

    /**
     * There is none: an embeddings call is not a conversation, and it is never translated into another format.
     *
     * @throws dev.tollgate.api.GatewayException always, a 400 saying so
     */
    @Override
    public CanonicalRequest canonical() {
        throw ApiError.invalidRequest("unsupported_endpoint", "An embeddings call is served only by the embeddings "
                + "API of an OpenAI-compatible backend; it has no chat form.", "model").exception();
    }

    /** Each string input as a text of its own; token-id inputs have no text (they are counted as they are). */
    @Override
    public void walkPrompt(PromptVisitor visitor) {
        for (String text : texts) {
            visitor.text(text);
        }
    }

    /**
     * The tokenizer's count of the string inputs plus every token id: what routing estimates with and what is billed
     * when a backend reports no usage. No per-message overhead: embedding models have no chat template.
     */
    @Override
    public long promptTokens(PromptTokenCounter counter) {
        if (promptTokens < 0) {
            long total = tokenIds;
            if (counter instanceof TextTokenCounter text) {
                for (String t : texts) {
                    total += text.count(t);
                }
            } else {
                total += counter.count(this);
            }
            promptTokens = total;
        }
        return promptTokens;
    }
}
