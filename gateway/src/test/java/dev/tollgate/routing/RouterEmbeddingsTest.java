package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityScore;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;

/**
 * Routing of embeddings calls: only offerings of the named embedding model, never another model (not even a cheaper
 * one, not through substitution), never a backend without the embeddings API; and a chat call never reaches an
 * embedding model.
 */
class RouterEmbeddingsTest {

    private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

    /** small (embeddings) at 0.02, and a chat model. Also the table of the Anthropic-type backend {@code anth}. */
    private static final String CHEAP = """
            provider: cheap
            models:
              - model: small
                context-window: 8191
                capabilities: [embeddings]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.02, output: 0}
              - model: chat
                context-window: 8000
                max-output-tokens: 4000
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 1.00, output: 4.00}
            """;

    /** small at 0.025. */
    private static final String DEAR = """
            provider: dear
            models:
              - model: small
                context-window: 8191
                capabilities: [embeddings]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.025, output: 0}
            """;

    /** large: another embedding model, cheaper than small anywhere. */
    private static final String OTHER = """
            provider: other
            models:
              - model: large
                context-window: 8191
                capabilities: [embeddings]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.01, output: 0}
            """;

    @TempDir
    Path dir;

    private PriceTable prices;

    @BeforeEach
    void load() throws IOException {
        Files.writeString(dir.resolve("cheap.yaml"), CHEAP);
        Files.writeString(dir.resolve("dear.yaml"), DEAR);
        Files.writeString(dir.resolve("other.yaml"), OTHER);
        prices = PriceTableLoader.load(dir);
    }

    private Tables tables(Map<String, RouteAlias> aliases) {
        Catalog catalog = Catalog.build(prices, Map.of("cheap", "cheap", "dear", "dear", "other", "other",
                "anth", "cheap"), Map.of("anth", WireFormat.ANTHROPIC_MESSAGES));
        return new Tables(prices, new RoutingRules(Map.of(), Map.of(), Map.of(), aliases), catalog, 1, NOW);
    }

    private static RouteRequest embeddings(String model, String pinned, long promptTokens) {
        return new RouteRequest(model, pinned, () -> promptTokens, null, false, Set.of(Capability.EMBEDDINGS), null,
                null, null, null, 1).withFormat(WireFormat.OPENAI_EMBEDDINGS,
                backend -> backend == WireFormat.ANTHROPIC_MESSAGES ? "no embeddings API" : null);
    }

    private static EnumMap<TaskFamily, QualityScore> score(int score) {
        EnumMap<TaskFamily, QualityScore> scores = new EnumMap<>(TaskFamily.class);
        scores.put(TaskFamily.GENERAL, new QualityScore(score, "test", LocalDate.of(2025, 1, 1), "quality.yaml"));
        return scores;
    }

    private static RouteRequest chat(String model) {
        return new RouteRequest(model, null, () -> 10, null, false);
    }

    private static List<String> providers(Decision.Routed routed) {
        return routed.candidates().stream().map(c -> c.offering().provider() + "/" + c.offering().modelId()).toList();
    }

    private static List<String> exclusions(List<Exclusion> exclusions) {
        return exclusions.stream().map(e -> e.provider() + "/" + e.model() + ":" + e.kind().code()).toList();
    }

    @Test
    void anEmbeddingsCallRangesOverItsModelsBackendsCheapestFirst() {
        Decision.Routed routed = (Decision.Routed) Router.decide(embeddings("small", null, 10), tables(Map.of()), NOW);

        assertThat(providers(routed)).containsExactly("cheap/small", "dear/small");
        assertThat(exclusions(routed.exclusions())).containsExactly("anth/small:untranslatable");
        // 10 tokens x 0.02 USD per 1M = 0.0000002 USD = 200,000 pico-USD; no output
        assertThat(routed.candidates().get(0).estimatedPicoUsd()).isEqualTo(200_000);
        assertThat(routed.expectedOutput()).isZero();
    }

    @Test
    void theSumOfTheInputsIsNotHeldAgainstTheModelsPerInputWindow() {
        Decision decision = Router.decide(embeddings("small", null, 100_000), tables(Map.of()), NOW);

        assertThat(decision).isInstanceOf(Decision.Routed.class);
    }

    @Test
    void anAliasOverSeveralEmbeddingModelsIsRefusedAndOverOneIsRouted() {
        Tables tables = tables(Map.of("emb", new RouteAlias("emb", 0, null, 0, "chat", Set.of())));

        Decision.Refused refused = (Decision.Refused) Router.decide(embeddings("emb", null, 10), tables, NOW);
        assertThat(refused.code()).isEqualTo("ambiguous_embedding_model");
        assertThat(refused.message()).contains("large").contains("small");

        Decision.Routed pinned = (Decision.Routed) Router.decide(embeddings("emb", "dear", 10), tables, NOW);
        assertThat(providers(pinned)).containsExactly("dear/small");
        assertThat(pinned.baselineModel()).isEqualTo("small");
    }

    @Test
    void aChatCallNeverReachesAnEmbeddingModel() {
        Decision.Refused refused = (Decision.Refused) Router.decide(chat("small"), tables(Map.of()), NOW);
        assertThat(refused.code()).isEqualTo("no_eligible_backend");
        assertThat(exclusions(refused.exclusions())).containsExactly("anth/small:endpoint_mismatch",
                "cheap/small:endpoint_mismatch", "dear/small:endpoint_mismatch");
        assertThat(refused.exclusions().get(0).reason()).contains("an embedding model: call it with POST /v1/embeddings");

        Tables withAlias = tables(Map.of("any", new RouteAlias("any", 0, null, 100, "chat", Set.of())));
        Decision.Routed routed = (Decision.Routed) Router.decide(chat("any"), withAlias, NOW);
        assertThat(providers(routed)).containsExactly("anth/chat", "cheap/chat");
    }

    @Test
    void anEmbeddingsCallNeverReachesAChatModel() {
        Decision.Refused refused = (Decision.Refused) Router.decide(embeddings("chat", null, 10), tables(Map.of()),
                NOW);

        assertThat(exclusions(refused.exclusions())).containsExactly("anth/chat:endpoint_mismatch",
                "cheap/chat:endpoint_mismatch");
        assertThat(refused.exclusions().get(0).reason()).contains("not an embedding model");
    }

    /** Were large a substitute (scored at least as high as small), a chat call would go to it, as it is cheaper. */
    @Test
    void aSubstitutingTeamStillGetsTheModelItNamed() {
        TeamPolicy substitute = new TeamPolicy(Set.of(), Set.of(), Set.of(), Set.of(), Map.of(), null, null, null,
                true);
        Catalog catalog = tables(Map.of()).catalog();
        QualityTable quality = new QualityTable(Map.of("small", score(60), "large", score(70)));
        Tables tables = new Tables(prices, quality, new RoutingRules(Map.of(), Map.of(), Map.of("t", substitute),
                Map.of()), catalog, 1, NOW);
        RouteRequest request = embeddings("small", null, 10).with(Set.of(Capability.EMBEDDINGS), "t", null, null,
                null);

        Decision.Routed routed = (Decision.Routed) Router.decide(request, tables, NOW);

        assertThat(providers(routed)).containsExactly("cheap/small", "dear/small");
    }
}
