package dev.tollgate.call;

import java.util.function.ToIntFunction;

import dev.tollgate.pricing.Usage;

/**
 * What a relayed stream has shown of its usage so far: the backend's own report, or what was delivered, for the
 * gateway to count when the stream ended without one (cut, or the client left). Read once the stream has ended.
 */
public interface StreamUsage {

    /** The usage the backend reported, or null. */
    Usage reportedUsage();

    /**
     * Output tokens of what was delivered, counted with {@code textTokens} from the delivered text, reasoning and
     * tool-call arguments.
     */
    long countDeliveredOutputTokens(ToIntFunction<String> textTokens);

    /**
     * The prompt-side counts the backend reported before its final usage (Anthropic's {@code message_start}), or
     * null: exact input counts for a stream that ended before its usage.
     */
    default Usage reportedPromptUsage() {
        return null;
    }
}
