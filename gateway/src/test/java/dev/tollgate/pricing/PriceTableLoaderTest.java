package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PriceTableLoaderTest {

    /** The shipped tables; tests run with the working directory {@code gateway/}. */
    private static final Path SHIPPED = Path.of("..", "pricing");

    /** A valid file {@code x.yaml}; the line numbers below are those of this text. */
    private static final String VALID = """
            provider: x
            models:
              - model: m
                context-window: 1000
                max-output-tokens: 100
                capabilities: [streaming]
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 1.00
                    output: 2.00
            """;

    /** {@link #VALID} with every optional price and a long-context tier; line numbers as in this text. */
    private static final String TIERED = VALID.replace("""
                    input: 1.00
                    output: 2.00
            """, """
                    input: 1.00
                    cached-input: 0.10
                    cache-write: 1.25
                    cache-write-1h: 2.00
                    output: 2.00
                    long-context:
                      above-prompt-tokens: 500
                      input: 2.00
                      cached-input: 0.20
                      cache-write: 2.50
                      cache-write-1h: 4.00
                      output: 3.00
            """);

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    @Test
    void shippedFolderLoadsWithEveryProviderFile() {
        PriceTable table = PriceTableLoader.load(SHIPPED);

        assertThat(table.providers()).containsOnlyKeys("openai", "azure", "anthropic", "deepseek", "google", "groq",
                "together", "deepinfra", "mistral", "self-hosted");
        table.providers().forEach((id, prices) -> assertThat(prices.file()).isEqualTo(id + ".yaml"));
        assertThat(table.find("deepseek", "deepseek-reasoner").orElseThrow().prices()).hasSizeGreaterThan(1);
    }

    @ParameterizedTest(name = "at {0}: {1}")
    @CsvSource({
            "2025-01-19T23:59:59Z, ",
            "2025-01-20T00:00:00Z, deepseek/deepseek-reasoner@2025-01-20",
            "2025-09-05T15:59:59Z, deepseek/deepseek-reasoner@2025-01-20",
            "2025-09-05T16:00:00Z, deepseek/deepseek-reasoner@2025-09-05T16:00:00Z",
            "2025-09-28T23:59:59Z, deepseek/deepseek-reasoner@2025-09-05T16:00:00Z",
            "2025-09-29T00:00:00Z, deepseek/deepseek-reasoner@2025-09-29",
            "2030-01-01T00:00:00Z, deepseek/deepseek-reasoner@2025-09-29"
    })
    void priceAtPicksTheRowInForceAndNothingBeforeTheFirstRow(String at, String expectedVersion) {
        PricedModel reasoner = PriceTableLoader.load(SHIPPED).find("deepseek", "deepseek-reasoner").orElseThrow();

        assertThat(reasoner.priceAt(Instant.parse(at)).map(PriceRow::version).orElse(null))
                .isEqualTo(expectedVersion);
    }

    @Test
    void shippedSelfHostedRowIsPricedFromItsRunningCost() {
        PriceRow row = PriceTableLoader.load(SHIPPED).find("self-hosted", "meta-llama/Llama-3.3-70B-Instruct")
                .orElseThrow().prices().get(0);

        // 4.98 USD/h x 1e6 / (2500 tokens/s x 3600) and / (25000 x 3600), half-up to 6 places
        assertThat(row.output()).isEqualTo(new BigDecimal("0.553333"));
        assertThat(row.input()).isEqualTo(new BigDecimal("0.055333"));
    }

    @Test
    void runningCostRoundsHalfUpAndInputDefaultsToOutputThroughput() throws IOException {
        // 0.000018 x 1e6 / (10000 x 3600) = 0.0000005 exactly: half-up gives 0.000001.
        write("x.yaml", VALID.replace("""
                        input: 1.00
                        output: 2.00
                """, """
                        usd-per-hour: 0.000018
                        tokens-per-second: 10000
                """));

        PriceRow row = PriceTableLoader.load(dir).find("x", "m").orElseThrow().prices().get(0);

        assertThat(row.output()).isEqualTo(new BigDecimal("0.000001"));
        assertThat(row.input()).isEqualTo(row.output());
    }

    @Test
    void validFileKeepsEveryDeclaredFact() throws IOException {
        write("x.yaml", VALID);

        PricedModel m = PriceTableLoader.load(dir).find("x", "m").orElseThrow();

        assertThat(m.contextWindow()).isEqualTo(1000);
        assertThat(m.maxOutputTokens()).isEqualTo(100);
        assertThat(m.capabilities()).containsExactly(Capability.STREAMING);
        assertThat(m.prices()).containsExactly(new PriceRow("x/m@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"),
                "test", new BigDecimal("1.00"), null, null, new BigDecimal("2.00")));
    }

    @Test
    void theOutputCapFieldAndThePerImageBoundDefaultAndCanBeDeclared() throws IOException {
        write("x.yaml", VALID);
        PricedModel plain = PriceTableLoader.load(dir).find("x", "m").orElseThrow();
        write("x.yaml", VALID.replace("    prices:\n", "    output-cap-field: max_completion_tokens\n"
                + "    image-tokens-max: 48169\n    prices:\n"));
        PricedModel declared = PriceTableLoader.load(dir).find("x", "m").orElseThrow();

        assertThat(plain.outputCapField()).isEqualTo(OutputCapField.MAX_TOKENS);
        assertThat(plain.imageTokensMax()).isEqualTo(PricedModel.DEFAULT_IMAGE_TOKENS_MAX);
        assertThat(declared.outputCapField()).isEqualTo(OutputCapField.MAX_COMPLETION_TOKENS);
        assertThat(declared.imageTokensMax()).isEqualTo(48_169);
        assertThat(PriceTableLoader.load(SHIPPED).find("openai", "o1").orElseThrow().outputCapField())
                .isEqualTo(OutputCapField.MAX_COMPLETION_TOKENS);
        assertThat(PriceTableLoader.load(SHIPPED).find("openai", "gpt-4o-mini").orElseThrow().imageTokensMax())
                .isEqualTo(48_169);
    }

    @Test
    void theOneHourCacheWriteAndTheLongContextTierAreLoaded() throws IOException {
        write("x.yaml", TIERED);

        PriceRow row = PriceTableLoader.load(dir).find("x", "m").orElseThrow().prices().get(0);

        assertThat(row.cacheWrite1h()).isEqualTo(new BigDecimal("2.00"));
        assertThat(row.longContext()).isEqualTo(new LongContextTier(500, new BigDecimal("2.00"),
                new BigDecimal("0.20"), new BigDecimal("2.50"), new BigDecimal("4.00"), new BigDecimal("3.00")));
        assertThat(row.longContext().inputMicros()).isEqualTo(2_000_000);
        assertThat(row.longContext().outputMicros()).isEqualTo(3_000_000);
    }

    @Test
    void shippedAnthropicRowsPriceOneHourWritesAtTwiceTheInputAndSonnetHasItsLongContextTier() {
        PriceTable table = PriceTableLoader.load(SHIPPED);
        PricedModel sonnet = table.find("anthropic", "claude-sonnet-4-5").orElseThrow();
        for (PricedModel m : table.providers().get("anthropic").models().values()) {
            for (PriceRow row : m.prices()) {
                assertThat(row.cacheWrite1h()).as(row.version()).isEqualByComparingTo(row.input().multiply(
                        BigDecimal.valueOf(2)));
                assertThat(row.cacheWrite()).as(row.version()).isEqualByComparingTo(row.input().multiply(
                        new BigDecimal("1.25")));
                assertThat(row.cachedInput()).as(row.version()).isEqualByComparingTo(row.input().multiply(
                        new BigDecimal("0.1")));
            }
        }

        assertThat(sonnet.contextWindow()).isEqualTo(1_000_000);
        assertThat(sonnet.prices()).allSatisfy(row -> assertThat(row.longContext()).isEqualTo(new LongContextTier(
                200_000, new BigDecimal("6.00"), new BigDecimal("0.60"), new BigDecimal("7.50"),
                new BigDecimal("12.00"), new BigDecimal("22.50"))));
        assertThat(table.find("anthropic", "claude-haiku-4-5").orElseThrow().prices())
                .allSatisfy(row -> assertThat(row.longContext()).isNull());
        assertThat(table.find("anthropic", "claude-opus-4-5").orElseThrow().prices())
                .allSatisfy(row -> assertThat(row.longContext()).isNull());
    }

    @Test
    void shippedGeminiProHasItsLongContextTierAndGpt41HasNone() {
        PriceTable table = PriceTableLoader.load(SHIPPED);

        assertThat(table.find("google", "gemini-2.5-pro").orElseThrow().prices()).allSatisfy(row -> assertThat(
                row.longContext()).isEqualTo(new LongContextTier(200_000, new BigDecimal("2.50"),
                new BigDecimal("0.25"), null, null, new BigDecimal("15.00"))));
        assertThat(table.find("openai", "gpt-4.1").orElseThrow().prices())
                .allSatisfy(row -> assertThat(row.longContext()).isNull());
        // only the two models whose providers publish a tier have one
        assertThat(table.providers().values().stream().flatMap(p -> p.models().values().stream())
                .filter(m -> m.prices().stream().anyMatch(r -> r.longContext() != null)).map(PricedModel::model))
                .containsExactlyInAnyOrder("claude-sonnet-4-5", "gemini-2.5-pro");
    }

    @Test
    void shippedDeepseekRowsPriceCacheHitsApart() {
        PriceTable table = PriceTableLoader.load(SHIPPED);

        for (String model : new String[] {"deepseek-chat", "deepseek-reasoner"}) {
            assertThat(table.find("deepseek", model).orElseThrow().prices()).allSatisfy(row -> {
                assertThat(row.cachedInput()).as(row.version()).isNotNull();
                assertThat(row.cachedInput()).as(row.version()).isLessThan(row.input());
                assertThat(row.cacheWrite()).as(row.version()).isNull();
            });
        }
    }

    static Stream<Arguments> invalidFiles() {
        return Stream.of(
                Arguments.of("unknown field",
                        VALID.replace("    prices:\n", "    colour: red\n    prices:\n"),
                        "x.yaml line 7: unknown field 'colour'"),
                Arguments.of("negative price",
                        VALID.replace("input: 1.00", "input: -1"),
                        "x.yaml line 10: input must be >= 0, but was -1"),
                Arguments.of("missing output price",
                        VALID.replace("        output: 2.00\n", ""),
                        "x.yaml line 8: missing required field 'output'"),
                Arguments.of("more than 6 decimals",
                        VALID.replace("input: 1.00", "input: 0.0000001"),
                        "x.yaml line 10: input must have at most 6 decimal places, but was 0.0000001"),
                Arguments.of("exponent notation",
                        VALID.replace("output: 2.00", "output: 7.5e-2"),
                        "x.yaml line 11: output must be written as a plain decimal (no exponent), but was 7.5e-2"),
                Arguments.of("duplicate model",
                        VALID + VALID.substring(VALID.indexOf("  - model: m")),
                        "x.yaml line 12: model 'm' is listed twice (first at line 3)"),
                Arguments.of("effective-from equal to the previous row's (overlap)",
                        VALID + """
                                  - effective-from: 2025-01-01
                                    source: again
                                    input: 1.50
                                    output: 3.00
                            """,
                        "x.yaml line 12: effective-from 2025-01-01T00:00:00Z must be after the previous row's"),
                Arguments.of("effective-from before the previous row's",
                        VALID + """
                                  - effective-from: 2024-12-31T23:00:00Z
                                    source: again
                                    input: 1.50
                                    output: 3.00
                            """,
                        "x.yaml line 12: effective-from 2024-12-31T23:00:00Z must be after the previous row's"),
                Arguments.of("provider not matching the file name",
                        VALID.replace("provider: x", "provider: y"),
                        "x.yaml line 1: provider must equal the file name 'x', but was 'y'"),
                Arguments.of("list price and running cost in one row",
                        VALID.replace("output: 2.00\n", "output: 2.00\n        usd-per-hour: 4.98\n"),
                        "x.yaml line 8: a price row has either input/output or usd-per-hour/tokens-per-second"),
                Arguments.of("unknown output cap field",
                        VALID.replace("    prices:\n", "    output-cap-field: max_new_tokens\n    prices:\n"),
                        "x.yaml line 7: output-cap-field must be max_tokens or max_completion_tokens, but was "
                        + "'max_new_tokens'"),
                Arguments.of("image bound not positive",
                        VALID.replace("    prices:\n", "    image-tokens-max: 0\n    prices:\n"),
                        "x.yaml line 7: expected a whole number > 0, but was '0'"),
                Arguments.of("unknown capability",
                        VALID.replace("[streaming]", "[streaming, telepathy]"),
                        "x.yaml line 6: unknown capability 'telepathy'"),
                Arguments.of("field given twice (the second value must not silently win)",
                        VALID.replace("input: 1.00\n", "input: 1.00\n        input: 0.10\n"),
                        "x.yaml line 11: field 'input' is given twice"),
                Arguments.of("negative 1-hour cache write",
                        TIERED.replace("        cache-write-1h: 2.00", "        cache-write-1h: -2"),
                        "x.yaml line 13: cache-write-1h must be >= 0, but was -2"),
                Arguments.of("long-context threshold not positive",
                        TIERED.replace("above-prompt-tokens: 500", "above-prompt-tokens: 0"),
                        "x.yaml line 16: long-context above-prompt-tokens must be a whole number > 0, but was '0'"),
                Arguments.of("long-context threshold not below the context window",
                        TIERED.replace("above-prompt-tokens: 500", "above-prompt-tokens: 1000"),
                        "x.yaml line 16: long-context above-prompt-tokens must be below the context-window 1000 of "
                        + "model 'm', but was 1000 (no prompt could pass it)"),
                Arguments.of("long-context without its threshold",
                        TIERED.replace("          above-prompt-tokens: 500\n", ""),
                        "x.yaml line 16: missing required field 'above-prompt-tokens'"),
                Arguments.of("long-context without its output price",
                        TIERED.replace("          output: 3.00\n", ""),
                        "x.yaml line 16: missing required field 'output'"),
                Arguments.of("negative long-context price",
                        TIERED.replace("      input: 2.00", "      input: -2.00"),
                        "x.yaml line 17: long-context input must be >= 0, but was -2.00"),
                Arguments.of("long-context price with more than 6 decimals",
                        TIERED.replace("      output: 3.00", "      output: 3.0000001"),
                        "x.yaml line 21: long-context output must have at most 6 decimal places, but was 3.0000001"),
                Arguments.of("long-context missing a price its row has",
                        TIERED.replace("          cache-write-1h: 4.00\n", ""),
                        "x.yaml line 16: long-context of model 'm' must give cache-write-1h, since its row does"),
                Arguments.of("long-context giving a price its row has not",
                        TIERED.replace("        cache-write: 1.25\n", ""),
                        "x.yaml line 18: long-context of model 'm' gives cache-write, but its row does not"),
                Arguments.of("unknown long-context field",
                        TIERED.replace("      output: 3.00", "      output: 3.00\n          cache-read: 0.2"),
                        "x.yaml line 22: unknown field 'cache-read'"),
                Arguments.of("long-context on a running-cost row",
                        VALID.replace("""
                                        input: 1.00
                                        output: 2.00
                                """, """
                                        usd-per-hour: 4.98
                                        tokens-per-second: 2500
                                        long-context:
                                          above-prompt-tokens: 500
                                          input: 2.00
                                          output: 3.00
                                """),
                        "x.yaml line 13: long-context goes with input/output list prices, not with usd-per-hour "
                        + "(model 'm')"),
                Arguments.of("invalid YAML syntax",
                        VALID.replace("    max-output-tokens: 100", "\tmax-output-tokens: 100"),
                        "x.yaml line 5: not valid YAML"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void invalidFileIsRejectedNamingFileAndLine(String problem, String yaml, String expected) throws IOException {
        write("x.yaml", yaml);

        TableValidationException e = catchThrowableOfType(TableValidationException.class,
                () -> PriceTableLoader.load(dir));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.problems()).as(problem).hasSize(1);
        assertThat(e).hasMessageStartingWith(expected);
    }

    @Test
    void missingFolderIsRejected() {
        Path missing = dir.resolve("no-such-folder");

        assertThatThrownBy(() -> PriceTableLoader.load(missing))
                .isInstanceOf(TableValidationException.class)
                .hasMessage(missing + ": the pricing folder does not exist (set tollgate.pricing.location)");
    }

    @Test
    void everyProblemOfEveryFileIsReportedTogether() throws IOException {
        write("x.yaml", VALID.replace("input: 1.00", "input: -1").replace("[streaming]", "[streaming, telepathy]"));
        write("y.yaml", VALID.replace("provider: x", "provider: y").replace("output: 2.00", "output: 2.0000001"));
        write("z.yaml", VALID.replace("provider: x", "provider: z"));

        TableValidationException e = catchThrowableOfType(TableValidationException.class,
                () -> PriceTableLoader.load(dir));

        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).startsWith("x.yaml line 6: unknown capability 'telepathy'");
        assertThat(e.problems().get(1)).startsWith("x.yaml line 10: input must be >= 0");
        assertThat(e.problems().get(2)).startsWith("y.yaml line 11: output must have at most 6 decimal places");
        assertThat(e).hasMessage(String.join("\n", e.problems()));
    }
}
