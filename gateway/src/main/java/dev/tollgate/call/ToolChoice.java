package dev.tollgate.call;

import java.util.Objects;

/**
 * Whether and which tool the model must call: {@code AUTO} (may), {@code ANY} (must call one; OpenAI's
 * {@code required}), {@code NONE} (must not), {@code TOOL} (must call {@code name}). Immutable.
 */
public record ToolChoice(Kind kind, String name) {

    public enum Kind {
        AUTO,
        ANY,
        NONE,
        TOOL
    }

    public static final ToolChoice AUTO = new ToolChoice(Kind.AUTO, null);
    public static final ToolChoice ANY = new ToolChoice(Kind.ANY, null);
    public static final ToolChoice NONE = new ToolChoice(Kind.NONE, null);

    public ToolChoice {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.TOOL) {
            Objects.requireNonNull(name, "name");
        } else {
            name = null;
        }
    }

    public static ToolChoice tool(String name) {
        return new ToolChoice(Kind.TOOL, name);
    }
}
