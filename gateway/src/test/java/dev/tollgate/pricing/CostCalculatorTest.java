package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CostCalculatorTest {

    /** The shipped tables; tests run with the working directory {@code gateway/}. */
    private static final Path SHIPPED = Path.of("..", "pricing");
    private static final Instant FEBRUARY_2025 = Instant.parse("2025-02-15T12:00:00Z");

    private static PriceTable shipped;

    @BeforeAll
    static void loadShippedTables() {
        shipped = PriceTableLoader.load(SHIPPED);
    }

    private static PriceRow shippedPrice(String provider, String model, Instant at) {
        return shipped.find(provider, model).orElseThrow().priceAt(at).orElseThrow();
    }

    private static Usage output(long tokens) {
        return new Usage(0, 0, 0, tokens, 0, false);
    }

    @Test
    void millionOutputTokensOnDeepseekReasonerInFebruary2025Cost219() {
        PriceRow price = shippedPrice("deepseek", "deepseek-reasoner", FEBRUARY_2025);

        BigDecimal cost = CostCalculator.cost(output(1_000_000), price);

        assertThat(cost).isEqualByComparingTo(new BigDecimal("2.19"));
        assertThat(price.version()).isEqualTo("deepseek/deepseek-reasoner@2025-01-20");
    }

    @Test
    void millionOutputTokensOnO1InFebruary2025Cost60() {
        BigDecimal cost = CostCalculator.cost(output(1_000_000), shippedPrice("openai", "o1", FEBRUARY_2025));

        assertThat(cost).isEqualByComparingTo(new BigDecimal("60.00"));
    }

    @Test
    void everyKindOfTokenIsBilledAtItsOwnPrice() {
        // claude-sonnet-4-5: input 3.00, cached-input 0.30, cache-write 3.75, output 15.00 per 1M tokens.
        PriceRow price = shippedPrice("anthropic", "claude-sonnet-4-5", Instant.parse("2025-10-01T00:00:00Z"));
        Usage usage = new Usage(1234, 5678, 910, 321, 100, false);

        // 1234 x 3.00 + 5678 x 0.30 + 910 x 3.75 + 321 x 15.00 = 3702 + 1703.4 + 3412.5 + 4815 = 13632.9 per 1M
        BigDecimal cost = CostCalculator.cost(usage, price);

        assertThat(cost).isEqualTo(new BigDecimal("0.013632900000"));
    }

    @Test
    void cachedAndCacheWriteTokensWithoutTheirOwnPriceAreBilledAtTheInputPrice() {
        PriceRow noCachePrices = new PriceRow("p/m@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"), "test",
                new BigDecimal("2.50"), null, null, new BigDecimal("10.00"));

        BigDecimal cached = CostCalculator.cost(new Usage(0, 1000, 0, 0, 0, false), noCachePrices);
        BigDecimal written = CostCalculator.cost(new Usage(0, 0, 1000, 0, 0, false), noCachePrices);
        BigDecimal uncached = CostCalculator.cost(new Usage(1000, 0, 0, 0, 0, false), noCachePrices);

        assertThat(cached).isEqualByComparingTo("0.0025").isEqualTo(uncached);
        assertThat(written).isEqualTo(uncached);
    }

    @Test
    void reasoningTokensAreNotBilledOnTopOfOutputTokens() {
        PriceRow price = shippedPrice("openai", "o1", FEBRUARY_2025);

        BigDecimal withReasoning = CostCalculator.cost(new Usage(0, 0, 0, 1000, 800, false), price);

        assertThat(withReasoning).isEqualTo(CostCalculator.cost(output(1000), price));
    }

    @Test
    void noTokensCostZeroAtFullScale() {
        BigDecimal cost = CostCalculator.cost(Usage.NONE, shippedPrice("openai", "o1", FEBRUARY_2025));

        assertThat(cost).isEqualTo(new BigDecimal("0.000000000000"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "2.190000000000, 2.190000",
            "60.000000000000, 60.000000",
            "0.000040950000, 0.00004095",
            "0.013632900000, 0.0136329",
            "0.000000000001, 0.000000000001",
            "0.000000000000, 0.000000",
            "100.000000000000, 100.000000",
            "1234.5, 1234.500000"
    })
    void formatKeepsAtLeastSixDecimalsAndDropsFurtherTrailingZeros(String cost, String expected) {
        assertThat(CostCalculator.format(new BigDecimal(cost))).isEqualTo(expected);
    }

    @Test
    void formatOfARealCallIsItsPlainDecimalText() {
        // 273 input tokens on gpt-4o-mini at 0.15 USD per 1M tokens.
        PriceRow price = shippedPrice("openai", "gpt-4o-mini", FEBRUARY_2025);

        String text = CostCalculator.format(CostCalculator.cost(new Usage(273, 0, 0, 0, 0, false), price));

        assertThat(text).isEqualTo("0.00004095");
    }
}
