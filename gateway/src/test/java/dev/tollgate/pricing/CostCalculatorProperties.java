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

    @Property
    void costIsNonNegativeWithScaleTwelve(@ForAll("usages") Usage usage, @ForAll("prices") PriceRow price) {
        BigDecimal cost = CostCalculator.cost(usage, price);

        assertThat(cost.signum()).isGreaterThanOrEqualTo(0);
        assertThat(cost.scale()).isEqualTo(CostCalculator.COST_SCALE);
    }

    @Property
    void costEqualsTheExactFormula(@ForAll("usages") Usage usage, @ForAll("prices") PriceRow price) {
        BigDecimal cached = price.cachedInput() != null ? price.cachedInput() : price.input();
        BigDecimal write = price.cacheWrite() != null ? price.cacheWrite() : price.input();
        BigDecimal expected = new BigDecimal(usage.inputTokens()).multiply(price.input())
                .add(new BigDecimal(usage.cachedInputTokens()).multiply(cached))
                .add(new BigDecimal(usage.cacheWriteTokens()).multiply(write))
                .add(new BigDecimal(usage.outputTokens()).multiply(price.output()))
                .divide(MILLION);

        BigDecimal cost = CostCalculator.cost(usage, price);

        assertThat(cost).isEqualByComparingTo(expected);
    }

    @Property
    void costIsAdditiveOverUsage(@ForAll("usages") Usage first, @ForAll("usages") Usage second,
            @ForAll("prices") PriceRow price) {
        Usage sum = new Usage(first.inputTokens() + second.inputTokens(),
                first.cachedInputTokens() + second.cachedInputTokens(),
                first.cacheWriteTokens() + second.cacheWriteTokens(),
                first.outputTokens() + second.outputTokens(),
                first.reasoningTokens() + second.reasoningTokens(), false);

        BigDecimal together = CostCalculator.cost(sum, price);
        BigDecimal apart = CostCalculator.cost(first, price).add(CostCalculator.cost(second, price));

        assertThat(together).isEqualTo(apart);
    }

    @Provide
    Arbitrary<Usage> usages() {
        Arbitrary<Long> tokens = Arbitraries.longs().between(0, 10_000_000_000L).edgeCases(c -> c.includeOnly(0L,
                1L, 10_000_000_000L));
        return Combinators.combine(tokens, tokens, tokens, tokens)
                .as((input, cached, write, output) -> new Usage(input, cached, write, output, 0, false));
    }

    @Provide
    Arbitrary<PriceRow> prices() {
        // 0 to 1000 USD per 1M tokens with 0 to 6 decimal places, as the loader allows.
        Arbitrary<BigDecimal> amount = Arbitraries.integers().between(0, PriceTableLoader.MAX_PRICE_SCALE)
                .flatMap(scale -> Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal(1000))
                        .ofScale(scale));
        Arbitrary<BigDecimal> optional = amount.injectNull(0.3);
        return Combinators.combine(amount, optional, optional, amount)
                .as((input, cached, write, output) -> new PriceRow("p/m@2025-01-01",
                        Instant.parse("2025-01-01T00:00:00Z"), "generated", input, cached, write, output));
    }
}
