package dev.tollgate.pricing;

import java.math.BigDecimal;

/**
 * The price of every kind of token under one set of rates: a row's base rates ({@link PriceRow}) or its long-context
 * tier ({@link LongContextTier}). Amounts are USD per 1M tokens, exact, with at most
 * {@value PriceTableLoader#MAX_PRICE_SCALE} decimal places. An optional price that is null falls back as the provider
 * bills such tokens when it has no separate price: cached reads and 5-minute cache writes at the input price, 1-hour
 * cache writes at the cache-write price (else the input price). Implementations are immutable.
 */
public sealed interface TokenPrices permits PriceRow, LongContextTier {

    /** Uncached input tokens. */
    BigDecimal input();

    /** Input tokens read from the provider's cache; null: {@link #input}. */
    BigDecimal cachedInput();

    /** Input tokens written to a 5-minute cache (or the provider's only cache); null: {@link #input}. */
    BigDecimal cacheWrite();

    /** Input tokens written to a 1-hour cache; null: {@link #cacheWriteOrInput}. */
    BigDecimal cacheWrite1h();

    /** Output tokens, reasoning tokens included. */
    BigDecimal output();

    /** {@link #input} in millionths of a USD per 1M tokens, i.e. pico-USD per token (exact). */
    long inputMicros();

    /** {@link #output} in millionths of a USD per 1M tokens, i.e. pico-USD per token (exact). */
    long outputMicros();

    /** Price per 1M cached input tokens; the input price where the provider has no cache discount. */
    default BigDecimal cachedInputOrInput() {
        return cachedInput() != null ? cachedInput() : input();
    }

    /** Price per 1M cache-write tokens; the input price where the provider does not charge cache writes apart. */
    default BigDecimal cacheWriteOrInput() {
        return cacheWrite() != null ? cacheWrite() : input();
    }

    /**
     * Price per 1M tokens written to a 1-hour cache; where the table has no such price, a 1-hour write is billed as
     * the provider's one cache write ({@link #cacheWriteOrInput}).
     */
    default BigDecimal cacheWrite1hOrWrite() {
        return cacheWrite1h() != null ? cacheWrite1h() : cacheWriteOrInput();
    }

    /** The highest price any prompt-side token can be billed at: uncached, cached read, or either cache write. */
    default BigDecimal maxPromptPrice() {
        return input().max(cachedInputOrInput()).max(cacheWriteOrInput()).max(cacheWrite1hOrWrite());
    }
}
