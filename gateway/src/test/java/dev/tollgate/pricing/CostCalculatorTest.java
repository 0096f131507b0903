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

    /** input 1.00, cached 0.10, 5-minute write 1.25, 1-hour write 2.00, output 4.00; above 1,000 prompt tokens x2. */
    private static final PriceRow TIERED = new PriceRow("p/m@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"),
            "test", new BigDecimal("1.00"), new BigDecimal("0.10"), new BigDecimal("1.25"), new BigDecimal("2.00"),
            new BigDecimal("4.00"), new LongContextTier(1_000, new BigDecimal("2.00"), new BigDecimal("0.20"),
                    new BigDecimal("2.50"), new BigDecimal("4.00"), new BigDecimal("6.00")));

    @Test
    void oneHourCacheWritesWithoutTheirOwnPriceAreBilledAsTheCacheWriteElseAsInput() {
        Instant from = Instant.parse("2025-01-01T00:00:00Z");
        PriceRow withWrite = new PriceRow("p/m@2025-01-01", from, "test", new BigDecimal("3.00"), null,
                new BigDecimal("3.75"), new BigDecimal("15.00"));
        PriceRow plain = new PriceRow("p/m@2025-01-01", from, "test", new BigDecimal("3.00"), null, null,
                new BigDecimal("15.00"));
        Usage oneHour = new Usage(0, 0, 0, 1000, 0, 0, false);

        // 1000 x 3.75 / 1M and 1000 x 3.00 / 1M
        assertThat(CostCalculator.cost(oneHour, withWrite)).isEqualTo(new BigDecimal("0.003750000000"));
        assertThat(CostCalculator.cost(oneHour, plain)).isEqualTo(new BigDecimal("0.003000000000"));
        // with its own price: 1000 x 2.00 / 1M, not the 5-minute 1.25
        assertThat(CostCalculator.cost(oneHour, TIERED)).isEqualTo(new BigDecimal("0.002000000000"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // prompt of exactly 1,000 tokens: base rates. 400 + 300 x 0.10 + 200 x 1.25 + 100 x 2.00 + 50 x 4.00
            // = 400 + 30 + 250 + 200 + 200 = 1080 per 1M
            "at the threshold, 400, 300, 200, 100, 50, 0.001080000000",
            // 1,001 prompt tokens: the tier on every token. 401 x 2 + 300 x 0.20 + 200 x 2.50 + 100 x 4.00 + 50 x 6.00
            // = 802 + 60 + 500 + 400 + 300 = 2062 per 1M
            "one above the threshold, 401, 300, 200, 100, 50, 0.002062000000",
            // cache reads alone pass it: 1 x 2.00 + 1000 x 0.20 = 202 per 1M
            "cache reads count toward it, 1, 1000, 0, 0, 0, 0.000202000000",
            // 1-hour writes alone pass it: 1001 x 4.00 = 4004 per 1M
            "cache writes count toward it, 0, 0, 0, 1001, 0, 0.004004000000",
            // output does not: 1000 x 1.00 + 5000 x 4.00 = 21000 per 1M
            "output does not count toward it, 1000, 0, 0, 0, 5000, 0.021000000000"
    })
    void aPromptAboveTheThresholdIsBilledAtTheTierOnEveryToken(String name, long input, long cached, long write,
            long write1h, long output, String expected) {
        BigDecimal cost = CostCalculator.cost(new Usage(input, cached, write, write1h, output, 0, false), TIERED);

        assertThat(cost).isEqualTo(new BigDecimal(expected));
    }

    @Test
    void routingEstimatesUseTheTierAboveItsThreshold() {
        // 1000 x 1.00 + 10 x 4.00 = 1040 per 1M = 1,040,000,000 pico-USD; 1001 x 2.00 + 10 x 6.00 = 2062 per 1M
        assertThat(TIERED.estimatePicoUsd(1_000, 10)).isEqualTo(1_040_000_000L);
        assertThat(TIERED.estimatePicoUsd(1_001, 10)).isEqualTo(2_062_000_000L);
        assertThat(TIERED.estimatePicoUsd(1_001, 10)).isEqualTo(CostCalculator.cost(new Usage(1_001, 0, 0, 10, 0,
                false), TIERED).movePointRight(12).longValueExact());
    }

    @Test
    void theDearestPromptAndOutputPricesIncludeTheTierOnlyWhenThePromptCanPassIt() {
        // base: max(1.00, 0.10, 1.25, 2.00) = 2.00; tier: max(2.00, 0.20, 2.50, 4.00) = 4.00
        assertThat(TIERED.maxPromptMicros(1_000)).isEqualTo(2_000_000);
        assertThat(TIERED.maxPromptMicros(1_001)).isEqualTo(4_000_000);
        assertThat(TIERED.maxOutputMicros(1_000)).isEqualTo(4_000_000);
        assertThat(TIERED.maxOutputMicros(1_001)).isEqualTo(6_000_000);
        PriceRow openAi = shippedPrice("openai", "gpt-4o-mini", FEBRUARY_2025);
        assertThat(openAi.maxPromptMicros(Long.MAX_VALUE)).as("no write price: writes cost input")
                .isEqualTo(openAi.inputMicros());
        assertThat(openAi.maxOutputMicros(Long.MAX_VALUE)).isEqualTo(openAi.outputMicros());
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
