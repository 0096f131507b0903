package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * One price of one model at one provider, in force from {@code effectiveFrom} until the next row of the same
 * model. Every amount is USD per 1M tokens, exact, with at most {@value PriceTableLoader#MAX_PRICE_SCALE}
 * decimal places. {@code cachedInput}, {@code cacheWrite} and {@code cacheWrite1h} are null where the provider has no
 * separate price: such tokens are billed as {@link TokenPrices} says, which is what the provider charges for them.
 * {@code longContext} (null: none) holds the rates of the whole call once its prompt passes a threshold. Immutable.
 *
 * @param version      stable id of this row, {@code provider/model@effective-from}, recorded on every ledger row
 * @param cacheWrite1h the price of a 1-hour cache write (Anthropic: 2x input); null: billed as {@code cacheWrite}
 * @param longContext  the long-context tier, or null
 * @param inputMicros  the input price in millionths of a USD per 1M tokens (exact: at most 6 decimals), for fast
 *                     cost comparisons in routing; derived from {@code input}
 * @param outputMicros likewise for the output price
 * @param promptMaxMicros     the highest price any prompt token can be billed at at the base rates (input, cache
 *                            read, either cache write), in the same unit; derived, so that a reservation needs no
 *                            BigDecimal
 * @param tierPromptMaxMicros likewise at the long-context tier's rates; 0 without a tier
 */
public record PriceRow(
        String version,
        Instant effectiveFrom,
        String source,
        BigDecimal input,
        BigDecimal cachedInput,
        BigDecimal cacheWrite,
        BigDecimal cacheWrite1h,
        BigDecimal output,
        LongContextTier longContext,
        long inputMicros,
        long outputMicros,
        long promptMaxMicros,
        long tierPromptMaxMicros) implements TokenPrices {

    /** A row with every price: the micros are derived. */
    public PriceRow(String version, Instant effectiveFrom, String source, BigDecimal input, BigDecimal cachedInput,
            BigDecimal cacheWrite, BigDecimal cacheWrite1h, BigDecimal output, LongContextTier longContext) {
        this(version, effectiveFrom, source, input, cachedInput, cacheWrite, cacheWrite1h, output, longContext,
                micros(input), micros(output), micros(max(input, cachedInput, cacheWrite, cacheWrite1h)),
                longContext == null ? 0 : micros(longContext.maxPromptPrice()));
    }

    /** The largest of the prices given (a null price is one the provider does not charge apart). */
    private static BigDecimal max(BigDecimal input, BigDecimal... others) {
        BigDecimal max = input;
        for (BigDecimal p : others) {
            if (p != null) {
                max = max.max(p);
            }
        }
        return max;
    }

    /** A row without a 1-hour cache-write price and without a long-context tier. */
    public PriceRow(String version, Instant effectiveFrom, String source, BigDecimal input, BigDecimal cachedInput,
            BigDecimal cacheWrite, BigDecimal output) {
        this(version, effectiveFrom, source, input, cachedInput, cacheWrite, null, output, null);
    }

    /** USD per 1M tokens in millionths of a USD per 1M tokens (exact for prices with at most 6 decimal places). */
    static long micros(BigDecimal perMillion) {
        return perMillion.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /**
     * The rates a call with {@code promptTokens} prompt tokens ({@link Usage#promptTokens}) is billed at, on all its
     * tokens: the long-context tier's once the prompt is above its threshold, else this row's.
     */
    public TokenPrices pricesFor(long promptTokens) {
        return longContext != null && longContext.appliesTo(promptTokens) ? longContext : this;
    }

    /**
     * Estimated cost in pico-USD (1e-12 USD) of {@code inputTokens} and {@code outputTokens} at the input and output
     * prices of the rates {@code inputTokens} is billed at (the long-context tier's above its threshold): exact, and
     * a long, so that routing compares hundreds of offerings without BigDecimal.
     */
    public long estimatePicoUsd(long inputTokens, long outputTokens) {
        TokenPrices p = pricesFor(inputTokens);
        return inputTokens * p.inputMicros() + outputTokens * p.outputMicros();
    }

    /**
     * The highest price, in pico-USD per token, any prompt token of a call with at most {@code promptTokensAtMost}
     * prompt tokens can be billed at: uncached, cached read, 5-minute or 1-hour cache write, at the base rates and,
     * when such a prompt can pass its threshold, at the long-context tier's. A provider decides which prompt tokens
     * it reads from or writes to its cache, so a reservation must assume the dearest kind.
     */
    public long maxPromptMicros(long promptTokensAtMost) {
        return longContext != null && longContext.appliesTo(promptTokensAtMost)
                ? Math.max(promptMaxMicros, tierPromptMaxMicros) : promptMaxMicros;
    }

    /**
     * The highest output price, in pico-USD per token, of a call with at most {@code promptTokensAtMost} prompt
     * tokens: the long-context tier's too when such a prompt can pass its threshold.
     */
    public long maxOutputMicros(long promptTokensAtMost) {
        return longContext != null && longContext.appliesTo(promptTokensAtMost)
                ? Math.max(outputMicros, longContext.outputMicros()) : outputMicros;
    }
}
