package dev.tollgate.call;

import java.util.Set;

import dev.tollgate.pricing.Capability;

/**
 * One call as routing, admission, failover and metering see it, whatever wire format it arrived in: what they need
 * is read in one pass over the client's bytes when the call arrives; the rest stays in {@link #body}, passed on
 * untouched to a backend of the same format. Implementations live with their wire format. Not thread-safe: a
 * request belongs to one call, whose steps run one after another.
 */
public interface CallRequest {

    /** The wire format the client used. */
    WireFormat format();

    /** The client's bytes, as received. */
    byte[] body();

    /** The model (or alias) the client asked for. */
    String model();

    boolean stream();

    /**
     * Whether the client asked to see usage in a stream. OpenAI's clients ask with
     * {@code stream_options.include_usage}; Anthropic's streams always carry it.
     */
    boolean clientWantsUsage();

    /** The output cap per choice the client sent, or null when it sent none. */
    Integer maxOutputTokens();

    /** Choices the backend generates and bills ({@code n}); 1 for formats without it. */
    int choices();

    /** Capabilities the request uses (tools, images, JSON schema output). */
    Set<Capability> needs();

    /** Image parts in the prompt. */
    int images();

    /**
     * An upper bound of the prompt tokens any provider can bill for this request, whatever its tokenizer (what a
     * hard budget reserves for the prompt).
     *
     * @param imageTokensMax the model's largest token count of one image
     */
    long promptBoundTokens(int imageTokensMax);

    /**
     * Whether part of the prompt is kept by the provider, not sent in {@link #body} (an OpenAI Responses call that
     * continues a stored response): {@link #promptBoundTokens} does not cover it, and admission bounds the prompt by
     * the model's context window instead.
     */
    default boolean promptHiddenUpstream() {
        return false;
    }

    /**
     * The whole request in the canonical form, read from {@link #body} on first use and kept: what translation to
     * another wire format writes from.
     *
     * @throws RuntimeException a 400 naming the field when the body holds what its own format's reader refuses
     */
    CanonicalRequest canonical();

    /** Walks the prompt for counting: every message's role, text, images and structured parts, and the tools. */
    void walkPrompt(PromptVisitor visitor);

    /** Prompt tokens counted with {@code counter}, computed on first use and kept. */
    long promptTokens(PromptTokenCounter counter);

    /** What a prompt holds, piece by piece, for a token counter. */
    interface PromptVisitor {

        /** A new message (or the system prompt) begins. */
        void message(String role, String name);

        /** Text of the current message (or of the system prompt). */
        void text(String text);

        /** An image part. */
        void image();

        /** Structured content (tool calls, tool results, tool definitions), as its JSON text. */
        void json(String json);
    }
}
