package dev.tollgate.call;

/**
 * A wire format a client or a backend speaks. The canonical call is read from one and written to another; each
 * format's codec lives in its own package under {@code dev.tollgate.wire}. Immutable.
 */
public enum WireFormat {
    OPENAI_CHAT("OpenAI Chat Completions"),
    ANTHROPIC_MESSAGES("Anthropic Messages");

    private final String displayName;

    WireFormat(String displayName) {
        this.displayName = displayName;
    }

    /** The format's name as error messages show it. */
    public String displayName() {
        return displayName;
    }
}
