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
     * OpenAI Responses ({@code POST /v1/responses}), and an OpenAI backend whose settings say it serves
     * {@code POST <base-url>/responses} ({@code responses: true}): only a Responses call is sent to a backend in this
     * format (see {@link #forCall}).
     */
    OPENAI_RESPONSES("responses", "OpenAI Responses"),
    /**
     * Google's Gemini API ({@code models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse}): a
     * backend format only, no client speaks it to the gateway.
     */
    GEMINI("gemini", "Google Gemini"),
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

    /**
     * The format a call of {@code client} is sent in to a backend that speaks {@code primary}, and also serves the
     * Responses API natively when {@code responses} is true: a Responses call passes through to such a backend; any
     * other pair is the backend's own format (translated when it is not the client's, except an embeddings call,
     * which only an OpenAI-compatible backend serves and which is never translated: see {@code Codecs}).
     */
    public static WireFormat forCall(WireFormat client, WireFormat primary, boolean responses) {
        return client == OPENAI_RESPONSES && responses ? OPENAI_RESPONSES : primary;
    }

    /**
     * Whether errors on this format's endpoint come in OpenAI's shape ({@code {"error":{...}}}): all OpenAI formats;
     * not Anthropic's, nor Google's.
     */
    public boolean openAiErrors() {
        return switch (this) {
            case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS -> true;
            case ANTHROPIC_MESSAGES, GEMINI -> false;
        };
    }

    /** The short name used in configuration, docs and the route header. */
    public String label() {
        return label;
    }
}
