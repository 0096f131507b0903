package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calls priced by hand, on the rows of the shipped tables ({@code pricing/}), so that a wrong number in the tables
 * fails here as surely as a wrong formula. Each test gives its arithmetic, in USD per 1M tokens, then divided by 1M.
 */
class CostExamplesTest {

    /** The shipped tables; tests run with the working directory {@code gateway/}. */
    private static final Path SHIPPED = Path.of("..", "pricing");

    private static PriceTable shipped;

    @BeforeAll
    static void loadShippedTables() {
        shipped = PriceTableLoader.load(SHIPPED);
    }

    private static PriceRow row(String provider, String model, String at) {
        return shipped.find(provider, model).orElseThrow().priceAt(Instant.parse(at)).orElseThrow();
    }

    private static BigDecimal cost(Usage usage, PriceRow row) {
        return CostCalculator.cost(usage, row);
    }

    @Test
    void claudeSonnetCallWithAOneHourCacheWriteAndACacheRead() {
        // Anthropic's usage: input_tokens 1,200, cache_read_input_tokens 30,000, cache_creation 5m 2,000 and 1h 8,000,
        // output_tokens 900. 41,200 prompt tokens: the base rates.
        PriceRow sonnet = row("anthropic", "claude-sonnet-4-5", "2025-10-01T00:00:00Z");
        Usage usage = new Usage(1_200, 30_000, 2_000, 8_000, 900, 0, false);

        // 1,200 x 3.00 + 30,000 x 0.30 + 2,000 x 3.75 + 8,000 x 6.00 + 900 x 15.00
        // = 3,600 + 9,000 + 7,500 + 48,000 + 13,500 = 81,600 per 1M = 0.0816 USD
        assertThat(cost(usage, sonnet)).isEqualTo(new BigDecimal("0.081600000000"));
        // billing the 1-hour write as a 5-minute one (8,000 x 3.75 = 30,000) would have said 0.0636
        assertThat(cost(new Usage(1_200, 30_000, 10_000, 0, 900, 0, false), sonnet))
                .isEqualTo(new BigDecimal("0.063600000000"));
    }

    @Test
    void a250kTokenPromptIsBilledAtTheLongContextTierOnEveryToken() {
        PriceRow sonnet = row("anthropic", "claude-sonnet-4-5", "2025-10-01T00:00:00Z");
        PriceRow geminiPro = row("google", "gemini-2.5-pro", "2026-08-01T00:00:00Z");

        // Sonnet 4.5, 250,000 uncached input tokens and 2,000 output: above 200,000, so the tier on all of it
        // 250,000 x 6.00 + 2,000 x 22.50 = 1,500,000 + 45,000 = 1,545,000 per 1M = 1.545 USD
        // (at the base rates it would be 250,000 x 3.00 + 2,000 x 15.00 = 780,000 per 1M = 0.78 USD)
        assertThat(cost(new Usage(250_000, 0, 0, 2_000, 0, false), sonnet))
                .isEqualTo(new BigDecimal("1.545000000000"));
        // the same 250,000 prompt tokens, mostly from the cache: 10,000 input, 200,000 read, 40,000 written for 1 h
        // 10,000 x 6.00 + 200,000 x 0.60 + 40,000 x 12.00 + 2,000 x 22.50
        // = 60,000 + 120,000 + 480,000 + 45,000 = 705,000 per 1M = 0.705 USD
        assertThat(cost(new Usage(10_000, 200_000, 0, 40_000, 2_000, 0, false), sonnet))
                .isEqualTo(new BigDecimal("0.705000000000"));
        // exactly 200,000 prompt tokens stay at the base rates: 200,000 x 3.00 + 2,000 x 15.00 = 630,000 per 1M
        assertThat(cost(new Usage(200_000, 0, 0, 2_000, 0, false), sonnet))
                .isEqualTo(new BigDecimal("0.630000000000"));
        // Gemini 2.5 Pro, promptTokenCount 250,000 of which cachedContentTokenCount 200,000, 2,000 output
        // 50,000 x 2.50 + 200,000 x 0.25 + 2,000 x 15.00 = 125,000 + 50,000 + 30,000 = 205,000 per 1M = 0.205 USD
        assertThat(cost(new Usage(50_000, 200_000, 0, 2_000, 0, false), geminiPro))
                .isEqualTo(new BigDecimal("0.205000000000"));
    }

    @Test
    void openAiCallWithCachedInputAndNoLongContextTier() {
        // GPT-4.1: prompt_tokens 300,000 of which prompt_tokens_details.cached_tokens 200,000; completion_tokens 1,000.
        // GPT-4.1 has no long-context price: 300,000 prompt tokens stay at the standard rates.
        PriceRow gpt41 = row("openai", "gpt-4.1", "2025-06-01T00:00:00Z");

        // 100,000 x 2.00 + 200,000 x 0.50 + 1,000 x 8.00 = 200,000 + 100,000 + 8,000 = 308,000 per 1M = 0.308 USD
        assertThat(cost(new Usage(100_000, 200_000, 0, 1_000, 0, false), gpt41))
                .isEqualTo(new BigDecimal("0.308000000000"));
    }

    @Test
    void deepseekCallWithCacheHits() {
        // DeepSeek: prompt_cache_hit_tokens 40,000, prompt_cache_miss_tokens 10,000, completion_tokens 2,000
        PriceRow chat = row("deepseek", "deepseek-chat", "2026-01-15T00:00:00Z");
        // V3.2 rate: 10,000 x 0.28 + 40,000 x 0.028 + 2,000 x 0.42 = 2,800 + 1,120 + 840 = 4,760 per 1M = 0.00476 USD
        assertThat(cost(new Usage(10_000, 40_000, 0, 2_000, 0, false), chat))
                .isEqualTo(new BigDecimal("0.004760000000"));
        assertThat(chat.version()).isEqualTo("deepseek/deepseek-chat@2025-09-29");

        // deepseek-reasoner in February 2025 (R1 launch price), 3,000 completion tokens of which 2,500 reasoning
        // 10,000 x 0.55 + 40,000 x 0.14 + 3,000 x 2.19 = 5,500 + 5,600 + 6,570 = 17,670 per 1M = 0.01767 USD
        PriceRow reasoner = row("deepseek", "deepseek-reasoner", "2025-02-15T12:00:00Z");
        assertThat(cost(new Usage(10_000, 40_000, 0, 3_000, 2_500, false), reasoner))
                .isEqualTo(new BigDecimal("0.017670000000"));
    }
}
