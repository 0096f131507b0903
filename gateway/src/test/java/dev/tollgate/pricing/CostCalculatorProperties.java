package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CostCalculatorProperties {

    private static final BigDecimal MILLION = new BigDecimal(1_000_000);
    private static final Instant FROM = Instant.parse("2025-01-01T00:00:00Z");

    @Property
    void costIsNonNegativeWithScaleTwelve(@ForAll("usages") Usage usage, @ForAll("prices") PriceRow price) {
        BigDecimal cost = CostCalculator.cost(usage, price);

        assertThat(cost.signum()).isGreaterThanOrEqualTo(0);
        assertThat(cost.scale()).isEqualTo(CostCalculator.COST_SCALE);
    }

    @Property
    void costEqualsTheExactFormula(@ForAll("usages") Usage usage, @ForAll("prices") PriceRow price) {
        // written out again, without TokenPrices: which rates, and each kind's fallback
        long prompt = usage.inputTokens() + usage.cachedInputTokens() + usage.cacheWriteTokens()
                + usage.cacheWrite1hTokens();
        LongContextTier tier = price.longContext();
        boolean tiered = tier != null && prompt > tier.abovePromptTokens();
        BigDecimal input = tiered ? tier.input() : price.input();
        BigDecimal cachedPrice = tiered ? tier.cachedInput() : price.cachedInput();
        BigDecimal writePrice = tiered ? tier.cacheWrite() : price.cacheWrite();
        BigDecimal write1hPrice = tiered ? tier.cacheWrite1h() : price.cacheWrite1h();
        BigDecimal output = tiered ? tier.output() : price.output();
        BigDecimal cached = cachedPrice != null ? cachedPrice : input;
        BigDecimal write = writePrice != null ? writePrice : input;
        BigDecimal write1h = write1hPrice != null ? write1hPrice : write;
        BigDecimal expected = new BigDecimal(usage.inputTokens()).multiply(input)
                .add(new BigDecimal(usage.cachedInputTokens()).multiply(cached))
                .add(new BigDecimal(usage.cacheWriteTokens()).multiply(write))
                .add(new BigDecimal(usage.cacheWrite1hTokens()).multiply(write1h))
                .add(new BigDecimal(usage.outputTokens()).multiply(output))
                .divide(MILLION);

        BigDecimal cost = CostCalculator.cost(usage, price);

        assertThat(cost).isEqualByComparingTo(expected);
    }

    @Property
    void costIsAdditiveOverUsageAtOneSetOfRates(@ForAll("usages") Usage first, @ForAll("usages") Usage second,
            @ForAll("flatPrices") PriceRow price) {
        Usage sum = new Usage(first.inputTokens() + second.inputTokens(),
                first.cachedInputTokens() + second.cachedInputTokens(),
                first.cacheWriteTokens() + second.cacheWriteTokens(),
                first.cacheWrite1hTokens() + second.cacheWrite1hTokens(),
                first.outputTokens() + second.outputTokens(),
                first.reasoningTokens() + second.reasoningTokens(), false);

        BigDecimal together = CostCalculator.cost(sum, price);
        BigDecimal apart = CostCalculator.cost(first, price).add(CostCalculator.cost(second, price));

        assertThat(together).isEqualTo(apart);
    }

    @Property
    void aTieredRowBillsTheWholeCallAtTheRatesItsPromptSelects(@ForAll("usages") Usage usage,
            @ForAll("prices") PriceRow price) {
        TokenPrices rates = price.pricesFor(usage.promptTokens());
        PriceRow flat = new PriceRow("p/m@2025-01-01", FROM, "flat", rates.input(), rates.cachedInput(),
                rates.cacheWrite(), rates.cacheWrite1h(), rates.output(), null);

        assertThat(CostCalculator.cost(usage, price)).isEqualTo(CostCalculator.cost(usage, flat));
    }

    /**
     * The bound budget reservations rely on: whatever split of a prompt of at most N tokens a provider reports, the
     * cost is at most N x the dearest prompt price + output x the dearest output price for prompts of at most N.
     */
    @Property
    void noSplitOfThePromptCostsMoreThanTheDearestPrices(@ForAll("usages") Usage usage,
            @ForAll("prices") PriceRow price) {
        long prompt = usage.promptTokens();
        BigDecimal bound = new BigDecimal(prompt).multiply(BigDecimal.valueOf(price.maxPromptMicros(prompt)))
                .add(new BigDecimal(usage.outputTokens()).multiply(BigDecimal.valueOf(price.maxOutputMicros(prompt))))
                .movePointLeft(12);

        assertThat(CostCalculator.cost(usage, price)).isLessThanOrEqualTo(bound);
    }

    @Property
    void theRoutingEstimateIsTheExactCostOfUncachedInputAndOutput(@ForAll("prices") PriceRow price,
            @ForAll("smallCounts") long input, @ForAll("smallCounts") long output) {
        long pico = price.estimatePicoUsd(input, output);

        assertThat(BigDecimal.valueOf(pico, 12)).isEqualByComparingTo(CostCalculator.cost(new Usage(input, 0, 0, output,
                0, false), price));
    }

    @Provide
    Arbitrary<Usage> usages() {
        Arbitrary<Long> tokens = Arbitraries.longs().between(0, 10_000_000_000L).edgeCases(c -> c.includeOnly(0L,
                1L, 10_000_000_000L));
        return Combinators.combine(tokens, tokens, tokens, tokens, tokens)
                .as((input, cached, write, write1h, output) -> new Usage(input, cached, write, write1h, output, 0,
                        false));
    }

    /** Counts whose estimate cannot overflow a long at up to 1000 USD per 1M tokens. */
    @Provide
    Arbitrary<Long> smallCounts() {
        return Arbitraries.longs().between(0, 1_000_000_000L);
    }

    /** 0 to 1000 USD per 1M tokens with 0 to 6 decimal places, as the loader allows. */
    private static Arbitrary<BigDecimal> amounts() {
        return Arbitraries.integers().between(0, PriceTableLoader.MAX_PRICE_SCALE)
                .flatMap(scale -> Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal(1000))
                        .ofScale(scale));
    }

    @Provide
    Arbitrary<PriceRow> flatPrices() {
        Arbitrary<BigDecimal> amount = amounts();
        Arbitrary<BigDecimal> optional = amount.injectNull(0.3);
        return Combinators.combine(amount, optional, optional, optional, amount)
                .as((input, cached, write, write1h, output) -> new PriceRow("p/m@2025-01-01", FROM, "generated", input,
                        cached, write, write1h, output, null));
    }

    /** Rows with and without a long-context tier; a tier prices the same kinds as its row, as the loader checks. */
    @Provide
    Arbitrary<PriceRow> prices() {
        Arbitrary<BigDecimal> amount = amounts();
        Arbitrary<Long> threshold = Arbitraries.longs().between(1, 30_000_000_000L);
        Arbitrary<LongContextTier> tiers = Combinators.combine(threshold, amount, amount, amount, amount, amount)
                .as((above, input, cached, write, write1h, output) -> new LongContextTier(above, input, cached, write,
                        write1h, output));
        Arbitrary<Boolean> present = Arbitraries.of(true, false);
        return Combinators.combine(flatPrices(), tiers.injectNull(0.3), present, present, present)
                .as((row, tier, keepCached, keepWrite, keepWrite1h) -> {
                    BigDecimal cached = keepCached ? row.cachedInput() : null;
                    BigDecimal write = keepWrite ? row.cacheWrite() : null;
                    BigDecimal write1h = keepWrite1h ? row.cacheWrite1h() : null;
                    LongContextTier matched = tier == null ? null : new LongContextTier(tier.abovePromptTokens(),
                            tier.input(), cached == null ? null : tier.cachedInput(),
                            write == null ? null : tier.cacheWrite(), write1h == null ? null : tier.cacheWrite1h(),
                            tier.output());
                    return new PriceRow(row.version(), FROM, "generated", row.input(), cached, write, write1h,
                            row.output(), matched);
                });
    }
}
