package dev.tollgate.pricing;

/**
 * Tokens of one call, split the way prices are: {@code inputTokens} excludes cached reads and cache writes, which
 * have their own counts; {@code outputTokens} includes reasoning tokens (billed as output), of which
 * {@code reasoningTokens} is the part the upstream reported as reasoning. {@code estimated} is true when the
 * upstream gave no usage and the gateway counted tokens itself. Immutable.
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

    /** Usage without 1-hour cache writes ({@code cacheWriteTokens} are 5-minute writes). */
    public Usage(long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
            long reasoningTokens, boolean estimated) {
        this(inputTokens, cachedInputTokens, cacheWriteTokens, 0, outputTokens, reasoningTokens, estimated);
    }

    public Usage {
        if (inputTokens < 0 || cachedInputTokens < 0 || cacheWriteTokens < 0 || cacheWrite1hTokens < 0 || outputTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0, but were input=" + inputTokens
                    + " cached=" + cachedInputTokens + " cacheWrite=" + cacheWriteTokens + " output=" + outputTokens
                    + " reasoning=" + reasoningTokens);
        }
    }

    /** All prompt-side tokens: uncached input, cached reads and cache writes. */
    public long promptTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + cacheWrite1hTokens;
    }

    public long totalTokens() {
        return promptTokens() + outputTokens;
    }
}
