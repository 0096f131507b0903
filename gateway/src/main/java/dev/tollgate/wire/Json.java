package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.RawJson;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for the codecs: one mapper that keeps numbers exact (a tool's input or schema is passed on as the client wrote
 * it, {@code 0.10} stays {@code 0.10}), trees for reading, a generator for writing. Thread-safe.
 */
public final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private Json() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** The tree of a JSON document. */
    public static JsonNode tree(byte[] json) throws JacksonException {
        return MAPPER.readTree(json);
    }

    public static JsonNode tree(String json) throws JacksonException {
        return MAPPER.readTree(json);
    }

    /**
     * A request body's tree, or a 400 in OpenAI's shape when it is not one JSON object (the ingress renders it in the
     * client's format).
     */
    public static JsonNode requestTree(byte[] body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("invalid_json", "The request body is not valid JSON: "
                    + e.getOriginalMessage(), null).exception();
        }
        if (root == null || !root.isObject()) {
            throw ApiError.invalidRequest("invalid_request", "The request body must be a JSON object.", null)
                    .exception();
        }
        return root;
    }

    /** A value as compact JSON text. */
    public static RawJson raw(JsonNode value) {
        return new RawJson(MAPPER.writeValueAsString(value));
    }

    /** JSON text as a {@link RawJson} in compact form, so that equal values give equal instances. */
    public static RawJson parseRaw(String json) throws JacksonException {
        return raw(MAPPER.readTree(json));
    }

    /** Writes a document with {@code body} and returns its bytes. */
    public static byte[] write(Consumer<JsonGenerator> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        write(out, body);
        return out.toByteArray();
    }

    /** Writes a document with {@code body} to {@code out}. */
    public static void write(ByteArrayOutputStream out, Consumer<JsonGenerator> body) {
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            body.accept(g);
        }
    }

    /** Writes a property whose value is raw JSON. */
    public static void rawProperty(JsonGenerator g, String name, RawJson value) {
        g.writeName(name);
        g.writeRawValue(value.json());
    }

    /** Writes a string property, or nothing when {@code value} is null. */
    public static void optString(JsonGenerator g, String name, String value) {
        if (value != null) {
            g.writeStringProperty(name, value);
        }
    }

    /** Writes a string property, or {@code null}. */
    public static void stringOrNull(JsonGenerator g, String name, String value) {
        if (value != null) {
            g.writeStringProperty(name, value);
        } else {
            g.writeNullProperty(name);
        }
    }

    /** The text of a string node; null for a missing, null or non-string node. */
    public static String text(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        return node.isString() ? node.stringValue() : null;
    }
}
