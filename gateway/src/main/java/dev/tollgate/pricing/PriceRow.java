package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One price of one model at one provider, in force from {@code effectiveFrom} until the next row of the same
 * model. Every amount is USD per 1M tokens, exact, with at most {@value PriceTableLoader#MAX_PRICE_SCALE}
 * decimal places. {@code cachedInput} and {@code cacheWrite} are null where the provider has no separate price:
 * such tokens are billed at the input price, which is what the provider charges for them. Immutable.
 *
 * @param version      stable id of this row, {@code provider/model@effective-from}, recorded on every ledger row
 * @param inputMicros  the input price in millionths of a USD per 1M tokens (exact: at most 6 decimals), for fast
 *                     cost comparisons in routing; derived from {@code input}
 * @param outputMicros likewise for the output price
 */
public record PriceRow(
        String version,
        Instant effectiveFrom,
        String source,
        BigDecimal input,
        BigDecimal cachedInput,
        BigDecimal cacheWrite,
        BigDecimal output,
        long inputMicros,
        long outputMicros) {

    public PriceRow(String version, Instant effectiveFrom, String source, BigDecimal input, BigDecimal cachedInput,
            BigDecimal cacheWrite, BigDecimal output) {
        this(version, effectiveFrom, source, input, cachedInput, cacheWrite, output, micros(input), micros(output));
    }

    private static long micros(BigDecimal perMillion) {
        return perMillion.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }

    /**
     * Estimated cost in pico-USD (1e-12 USD) of {@code inputTokens} and {@code outputTokens} at this row's input and
     * output prices: exact, and a long, so that routing compares hundreds of offerings without BigDecimal.
     */
    public long estimatePicoUsd(long inputTokens, long outputTokens) {
        return inputTokens * inputMicros + outputTokens * outputMicros;
    }

    /** Price per 1M cached input tokens; the input price where the provider has no cache discount. */
    public BigDecimal cachedInputOrInput() {
        return cachedInput != null ? cachedInput : input;
    }

    /** Price per 1M cache-write tokens; the input price where the provider does not charge cache writes apart. */
    public BigDecimal cacheWriteOrInput() {
        return cacheWrite != null ? cacheWrite : input;
    }
}
