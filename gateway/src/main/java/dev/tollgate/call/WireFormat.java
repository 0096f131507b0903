package dev.tollgate.call;

/**
 * The wire formats a call can arrive in (ingress) and a backend can speak. A call whose client format equals its
 * backend's passes through untouched except for the fields the gateway must set; any other pair is translated
 * through the canonical call.
 */
public enum WireFormat {
    /** OpenAI Chat Completions ({@code POST /v1/chat/completions}), and every OpenAI-compatible backend. */
    OPENAI_CHAT("openai", "OpenAI Chat Completions"),
    /** Anthropic Messages ({@code POST /v1/messages}), and Anthropic's native API. */
    ANTHROPIC_MESSAGES("anthropic", "Anthropic Messages"),
    /**
     * OpenAI Embeddings ({@code POST /v1/embeddings}): a call format only, never a backend's. Every OpenAI-compatible
     * backend ({@link #OPENAI_CHAT}) serves it at {@code <base-url>/embeddings}; it is never translated (vectors of
     * one model are not another's), so the client's bytes go out and the answer comes back untouched.
     */
    OPENAI_EMBEDDINGS("openai-embeddings", "OpenAI Embeddings");

    private final String label;
    private final String displayName;

    WireFormat(String label, String displayName) {
        this.label = label;
        this.displayName = displayName;
    }

    /** The format's name as error messages show it. */
    public String displayName() {
        return displayName;
    }

    /** Whether errors on this format's endpoint come in OpenAI's shape ({@code {"error":{...}}}). */
    public boolean openAiErrors() {
        return switch (this) {
            case OPENAI_CHAT, OPENAI_EMBEDDINGS -> true;
            case ANTHROPIC_MESSAGES -> false;
        };
    }

    /** The short name used in configuration, docs and the route header. */
    public String label() {
        return label;
    }
}
