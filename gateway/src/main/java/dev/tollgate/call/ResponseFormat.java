package dev.tollgate.call;

import java.util.Objects;

/**
 * The shape the answer must take: free text, any JSON object, or JSON matching {@code schema} ({@code name},
 * {@code description} and {@code strict} as OpenAI's {@code json_schema} carries them; null when not given).
 * Immutable.
 */
public record ResponseFormat(Kind kind, String name, String description, RawJson schema, Boolean strict) {

    public enum Kind {
        TEXT,
        JSON_OBJECT,
        JSON_SCHEMA
    }

    public static final ResponseFormat TEXT = new ResponseFormat(Kind.TEXT, null, null, null, null);
    public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Kind.JSON_OBJECT, null, null, null, null);

    public ResponseFormat {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.JSON_SCHEMA) {
            Objects.requireNonNull(schema, "schema");
        }
    }
}
