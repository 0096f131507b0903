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
     * Google's Gemini API ({@code models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse}): a
     * backend format only, no client speaks it to the gateway.
     */
    GEMINI("gemini", "Google Gemini");

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

    /** The short name used in configuration, docs and the route header. */
    public String label() {
        return label;
    }
}
