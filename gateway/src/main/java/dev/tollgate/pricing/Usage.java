package dev.tollgate.pricing;

/**
 * Tokens of one call, split the way prices are: {@code inputTokens} excludes cached reads and cache writes, which
 * have their own counts; {@code cacheWriteTokens} are writes to a 5-minute cache (Anthropic's default, and the only
 * write of providers with one duration), {@code cacheWrite1hTokens} writes to a 1-hour cache; {@code outputTokens}
 * includes reasoning tokens (billed as output), of which {@code reasoningTokens} is the part the upstream reported as
 * reasoning. {@code estimated} is true when the upstream gave no usage and the gateway counted tokens itself.
 * Immutable.
 */
public record Usage(
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteTokens,
        long cacheWrite1hTokens,
        long outputTokens,
        long reasoningTokens,
        boolean estimated) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, false);

    public Usage {
        if (inputTokens < 0 || cachedInputTokens < 0 || cacheWriteTokens < 0 || cacheWrite1hTokens < 0
                || outputTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0, but were input=" + inputTokens
                    + " cached=" + cachedInputTokens + " cacheWrite=" + cacheWriteTokens + " cacheWrite1h="
                    + cacheWrite1hTokens + " output=" + outputTokens + " reasoning=" + reasoningTokens);
        }
    }

    /** A usage without 1-hour cache writes (every provider but Anthropic, and Anthropic calls that make none). */
    public Usage(long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
            long reasoningTokens, boolean estimated) {
        this(inputTokens, cachedInputTokens, cacheWriteTokens, 0, outputTokens, reasoningTokens, estimated);
    }

    /**
     * All prompt-side tokens: uncached input, cached reads and cache writes of both durations. This is what the
     * providers compare with a long-context threshold (Anthropic: "input tokens (including cache reads/writes)";
     * Gemini: the prompt's tokens, cached content included).
     */
    public long promptTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + cacheWrite1hTokens;
    }

    public long totalTokens() {
        return promptTokens() + outputTokens;
    }
}
