package dev.tollgate.call;

import java.util.Objects;

/**
 * A JSON value kept as compact text: a tool's input or schema, a block the canonical call does not model. Codecs make
 * it from a parsed value (so two formats that carry the same value produce equal instances) and write it back
 * verbatim. Immutable.
 */
public record RawJson(String json) {

    public static final RawJson EMPTY_OBJECT = new RawJson("{}");

    public RawJson {
        Objects.requireNonNull(json, "json");
    }

    public boolean isObject() {
        return json.startsWith("{");
    }

    @Override
    public String toString() {
        return json;
    }
}
