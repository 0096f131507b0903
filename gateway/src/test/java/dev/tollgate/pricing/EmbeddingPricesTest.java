package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Embedding models in the price tables: input-only prices, no output limit, nothing a chat model has. */
class EmbeddingPricesTest {

    private static final String VALID = """
            provider: x
            models:
              - model: emb
                context-window: 8191
                capabilities: [embeddings]
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 0.02
                    output: 0
            """;

    @TempDir
    Path dir;

    @Test
    void anEmbeddingModelHasAnInputPriceAndNoOutput() throws IOException {
        Files.writeString(dir.resolve("x.yaml"), VALID);

        PricedModel m = PriceTableLoader.load(dir).find("x", "emb").orElseThrow();

        assertThat(m.capabilities()).containsExactly(Capability.EMBEDDINGS);
        assertThat(m.maxOutputTokens()).isZero();
        PriceRow row = m.rowAt(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(row.input()).isEqualByComparingTo("0.02");
        assertThat(row.output()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    /** 0.80 USD per hour over 20,000 input tokens per second: 0.8 x 1e6 / (20000 x 3600) = 0.011111 USD per 1M. */
    @Test
    void aSelfServedEmbeddingModelIsPricedFromItsInputThroughputAlone() throws IOException {
        Files.writeString(dir.resolve("x.yaml"), VALID.replace("""
                    input: 0.02
                    output: 0
            """, """
                    usd-per-hour: 0.80
                    input-tokens-per-second: 20000
            """));

        PriceRow row = PriceTableLoader.load(dir).find("x", "emb").orElseThrow()
                .rowAt(Instant.parse("2026-01-01T00:00:00Z"));

        assertThat(row.input()).isEqualByComparingTo("0.011111");
        assertThat(row.output()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "output: 0|output: 0.01|output must be 0, but was 0.01",
            "capabilities: [embeddings]|capabilities: [embeddings, tools]|has no other capability",
            "context-window: 8191|context-window: 8191\\n    max-output-tokens: 10|leave max-output-tokens out",
            "input: 0.02\\n        output: 0|usd-per-hour: 1\\n        tokens-per-second: 10|input-tokens-per-second, not tokens-per-second",
            "output: 0|output: 0\\n        long-context: {above-prompt-tokens: 100, input: 1, output: 0}|no long-context tier",
            "capabilities: [embeddings]|capabilities: [embedding]|expected one of tools, vision, json-schema, streaming, reasoning, embeddings"
    })
    void whatAnEmbeddingModelCannotHaveIsRefusedWithItsLine(String from, String to, String problem)
            throws IOException {
        String yaml = VALID.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
        assertThat(yaml).isNotEqualTo(VALID);
        Files.writeString(dir.resolve("x.yaml"), yaml);

        TableValidationException e = catchThrowableOfType(TableValidationException.class,
                () -> PriceTableLoader.load(dir));

        assertThat(e).as(to).isNotNull();
        assertThat(e.problems()).as(to).anySatisfy(p -> assertThat(p).contains(problem).contains("x.yaml line"));
    }

    @Test
    void theShippedTablesPriceTheEmbeddingModels() {
        PriceTable shipped = PriceTableLoader.load(Path.of("..", "pricing"));
        Instant now = Instant.parse("2026-11-15T00:00:00Z");

        assertThat(shipped.find("openai", "text-embedding-3-small").orElseThrow().rowAt(now).input())
                .isEqualByComparingTo("0.02");
        assertThat(shipped.find("openai", "text-embedding-3-large").orElseThrow().rowAt(now).input())
                .isEqualByComparingTo("0.13");
        assertThat(shipped.find("openai", "text-embedding-ada-002").orElseThrow().rowAt(now).input())
                .isEqualByComparingTo("0.10");
        assertThat(shipped.find("azure", "text-embedding-3-small").orElseThrow().rowAt(now).input())
                .isEqualByComparingTo("0.02");
        assertThat(shipped.find("self-hosted", "BAAI/bge-m3").orElseThrow().rowAt(now).input())
                .isEqualByComparingTo("0.011111");
        shipped.providers().values().forEach(p -> p.models().values().stream()
                .filter(m -> m.supports(Capability.EMBEDDINGS))
                .forEach(m -> assertThat(m.rowAt(now).output()).as(m.model()).isEqualByComparingTo("0")));
    }
}
