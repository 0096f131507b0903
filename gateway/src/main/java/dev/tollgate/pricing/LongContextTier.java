package dev.tollgate.pricing;

import java.math.BigDecimal;

/**
 * The rates a call is billed at, on every one of its tokens, once its prompt has more than
 * {@code abovePromptTokens} tokens (Anthropic's Claude Sonnet 4 / 4.5 and Google's Gemini 2.5 Pro above 200,000).
 * Prompt tokens are {@link Usage#promptTokens}: uncached input, cached reads and cache writes. A call at exactly the
 * threshold is billed at the base rates. The tier prices the same kinds of token as its row (the loader checks it).
 * Immutable.
 *
 * @param abovePromptTokens the threshold, > 0 and below the model's context window
 * @param inputMicros       {@code input} in millionths of a USD per 1M tokens (exact), for routing estimates
 * @param outputMicros      likewise for {@code output}
 */
public record LongContextTier(
        long abovePromptTokens,
        BigDecimal input,
        BigDecimal cachedInput,
        BigDecimal cacheWrite,
        BigDecimal cacheWrite1h,
        BigDecimal output,
        long inputMicros,
        long outputMicros) implements TokenPrices {

    public LongContextTier {
        if (abovePromptTokens <= 0) {
            throw new IllegalArgumentException("abovePromptTokens must be > 0, but was " + abovePromptTokens);
        }
    }

    public LongContextTier(long abovePromptTokens, BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite,
            BigDecimal cacheWrite1h, BigDecimal output) {
        this(abovePromptTokens, input, cachedInput, cacheWrite, cacheWrite1h, output, PriceRow.micros(input),
                PriceRow.micros(output));
    }

    /** Whether a call with {@code promptTokens} prompt tokens is billed at this tier. */
    public boolean appliesTo(long promptTokens) {
        return promptTokens > abovePromptTokens;
    }
}
