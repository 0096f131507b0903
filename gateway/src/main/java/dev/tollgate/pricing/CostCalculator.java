package dev.tollgate.pricing;

import java.math.BigDecimal;

/**
 * Exact cost of a call: input x input price + cached reads x cached price + 5-minute cache writes x write price +
 * 1-hour cache writes x 1-hour write price + output x output price, prices in USD per 1M tokens. The rates are those
 * of {@link PriceRow#pricesFor} the call's prompt tokens (input + cached reads + cache writes): a call whose prompt
 * is above the row's long-context threshold is billed at the tier's rates on every token, output included, as the
 * providers bill it. No rounding happens: prices (tier prices too) have at most
 * {@value PriceTableLoader#MAX_PRICE_SCALE} decimal places, so a cost has at most {@value #COST_SCALE} and fits the
 * ledger's {@code NUMERIC(30,12)} column exactly. Stateless, thread-safe.
 */
public final class CostCalculator {

    /** Decimal places of every cost: price scale (6) + the 6 places of "per 1M tokens". */
    public static final int COST_SCALE = 12;

    private CostCalculator() {
    }

    public static BigDecimal cost(Usage usage, PriceRow price) {
        TokenPrices p = price.pricesFor(usage.promptTokens());
        BigDecimal perMillion = times(usage.inputTokens(), p.input())
                .add(times(usage.cachedInputTokens(), p.cachedInputOrInput()))
                .add(times(usage.cacheWriteTokens(), p.cacheWriteOrInput()))
                .add(times(usage.cacheWrite1hTokens(), p.cacheWrite1hOrWrite()))
                .add(times(usage.outputTokens(), p.output()));
        return perMillion.movePointLeft(6).setScale(COST_SCALE);
    }

    private static BigDecimal times(long tokens, BigDecimal pricePerMillion) {
        return tokens == 0 ? BigDecimal.ZERO : BigDecimal.valueOf(tokens).multiply(pricePerMillion);
    }

    /** The plain decimal text of a cost, trailing zeros kept to six places at least: {@code 2.190000}. */
    public static String format(BigDecimal usd) {
        BigDecimal stripped = usd.stripTrailingZeros();
        return (stripped.scale() < 6 ? usd.setScale(6) : stripped).toPlainString();
    }
}
