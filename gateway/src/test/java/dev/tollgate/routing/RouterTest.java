package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;

class RouterTest {

    private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

    /** chat 1.00 / 4.00, streams; summarize 0.10 / 10.00; later only priced from 2030. */
    private static final String ALPHA = """
            provider: alpha
            models:
              - model: chat
                context-window: 8000
                max-output-tokens: 4000
                capabilities: [streaming]
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 1.00
                    output: 4.00
              - model: summarize
                context-window: 200000
                max-output-tokens: 4000
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 0.10
                    output: 10.00
              - model: later
                context-window: 8000
                max-output-tokens: 4000
                prices:
                  - effective-from: 2030-01-01
                    source: announced
                    input: 1.00
                    output: 4.00
            """;

    /** chat 0.50 / 2.00, cannot stream; summarize 0.50 / 2.00. */
    private static final String BETA = """
            provider: beta
            models:
              - model: chat
                context-window: 8000
                max-output-tokens: 4000
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 0.50
                    output: 2.00
              - model: summarize
                context-window: 200000
                max-output-tokens: 4000
                prices:
                  - effective-from: 2025-01-01
                    source: test
                    input: 0.50
                    output: 2.00
            """;

    /** chat at alpha's price (a tie), streams; later only priced from 2030. */
    private static final String GAMMA = ALPHA.replace("provider: alpha", "provider: gamma")
            .replace("""
                      - model: summarize
                        context-window: 200000
                        max-output-tokens: 4000
                        prices:
                          - effective-from: 2025-01-01
                            source: test
                            input: 0.10
                            output: 10.00
                    """, "");

    /** A fixed prompt size for cases where the count does not matter. */
    private static final LongSupplier NEVER_ASKED = () -> 10;

    @TempDir
    Path dir;

    private PriceTable prices;
    private Tables tables;

    @BeforeEach
    void loadTables() throws IOException {
        Files.writeString(dir.resolve("alpha.yaml"), ALPHA);
        Files.writeString(dir.resolve("beta.yaml"), BETA);
        Files.writeString(dir.resolve("gamma.yaml"), GAMMA);
        prices = PriceTableLoader.load(dir);
        tables = tablesWithBackends("alpha", "beta", "gamma");
    }

    /** Each backend priced by the table of the same id, handed to the catalog in the given order. */
    private Tables tablesWithBackends(String... backendIds) {
        Map<String, String> backends = new LinkedHashMap<>();
        for (String id : backendIds) {
            backends.put(id, id);
        }
        return new Tables(prices, new RoutingRules(Map.of(), Map.of()), Catalog.build(prices, backends), 1, NOW);
    }

    private static RouteRequest request(String model, String pinned, long promptTokens, Integer maxOutput,
            boolean stream) {
        return new RouteRequest(model, pinned, () -> promptTokens, maxOutput, stream);
    }

    private Decision.Routed routed(RouteRequest request) {
        Decision decision = Router.decide(request, tables, NOW);
        assertThat(decision).isInstanceOf(Decision.Routed.class);
        return (Decision.Routed) decision;
    }

    private Decision.Refused refused(RouteRequest request) {
        Decision decision = Router.decide(request, tables, NOW);
        assertThat(decision).isInstanceOf(Decision.Refused.class);
        return (Decision.Refused) decision;
    }

    private static List<String> providers(Decision.Routed routed) {
        return routed.candidates().stream().map(c -> c.offering().provider()).toList();
    }

    @Test
    void cheapestProviderComesFirstThenTiesByProviderId() {
        // 1000 prompt tokens + 256 expected output: beta 500 + 512, alpha and gamma 1000 + 1024 (per 1M tokens).
        Decision.Routed routed = routed(request("chat", null, 1000, null, false));

        assertThat(providers(routed)).containsExactly("beta", "alpha", "gamma");
        assertThat(routed.candidates()).extracting(Candidate::estimatedCostUsd).containsExactly(
                new BigDecimal("0.001012000000"), new BigDecimal("0.002024000000"), new BigDecimal("0.002024000000"));
        assertThat(routed.first().price().version()).isEqualTo("beta/chat@2025-01-01");
        assertThat(routed.exclusions()).isEmpty();
    }

    @Test
    void everyChoiceIsEstimated() {
        // n = 3: 1000 prompt tokens + 3 x 256 expected output at beta's 0.5 / 2 per 1M tokens
        Decision.Routed routed = routed(request("chat", null, 1000, null, false).withChoices(3));

        assertThat(routed.first().estimatedCostUsd()).isEqualByComparingTo("0.002036");
        assertThat(routed.expectedOutput()).isEqualTo(768);
    }

    @Test
    void unhealthyBackendIsExcludedWithItsReasonUntilItsTimeIsUp() {
        Instant until = NOW.plusSeconds(30);
        Health health = new Health(Map.of("beta", Map.of("chat",
                new Health.Backend("circuit breaker open: failure rate 60%", until))));

        Decision.Routed during = (Decision.Routed) Router.decide(request("chat", null, 1000, null, false), tables,
                health, NOW);
        Decision.Routed after = (Decision.Routed) Router.decide(request("chat", null, 1000, null, false), tables,
                health, until);

        assertThat(providers(during)).containsExactly("alpha", "gamma");
        assertThat(during.exclusions()).singleElement().satisfies(e -> {
            assertThat(e.provider() + "/" + e.model()).isEqualTo("beta/chat");
            assertThat(e.kind()).isEqualTo(Exclusion.Kind.UNHEALTHY);
            assertThat(e.reason()).isEqualTo("backend unavailable (circuit breaker open: failure rate 60% until "
                    + "2026-01-15T10:00:30Z)");
        });
        assertThat(providers(after)).as("half-open probes let it back in").containsExactly("beta", "alpha", "gamma");
    }

    @Test
    void healthOfOneModelLeavesTheProvidersOtherModelsIn() {
        Health health = new Health(Map.of("beta", Map.of("chat",
                new Health.Backend("circuit breaker forced open", null))));

        Decision.Routed summarize = (Decision.Routed) Router.decide(request("summarize", null, 1000, null, false),
                tables, health, NOW.plusSeconds(86_400));
        Decision chat = Router.decide(request("chat", "beta", 1000, null, false), tables, health,
                NOW.plusSeconds(86_400));

        assertThat(providers(summarize)).contains("beta");
        assertThat(chat).as("no end given: out until further notice").isInstanceOf(Decision.Refused.class);
        assertThat(((Decision.Refused) chat).message()).contains("circuit breaker forced open");
    }

    @Test
    void tieIsBrokenByTheLowerObservedLatencyOfTheCallsKind() {
        // alpha and gamma tie on cost and quality; gamma answers whole calls faster, alpha starts streams faster
        Health health = new Health(Map.of(
                "alpha", Map.of("chat", new Health.Backend(null, null, 900_000, 400_000)),
                "gamma", Map.of("chat", new Health.Backend(null, null, 300_000, 800_000))));

        Decision.Routed whole = (Decision.Routed) Router.decide(request("chat", null, 1000, null, false), tables,
                health, NOW);
        Decision.Routed stream = (Decision.Routed) Router.decide(request("chat", null, 1000, null, true), tables,
                health, NOW);

        assertThat(providers(whole)).containsExactly("beta", "gamma", "alpha");
        assertThat(whole.candidates()).extracting(Candidate::latencyMicros)
                .containsExactly(Health.UNMEASURED, 300_000L, 900_000L);
        assertThat(providers(stream)).containsExactly("alpha", "gamma");
        assertThat(stream.candidates()).extracting(Candidate::latencyMicros).containsExactly(400_000L, 800_000L);
    }

    @Test
    void anUnmeasuredOfferingGoesBeforeAMeasuredOneItTiesWithSoThatItGetsMeasured() {
        Health alphaMeasured = new Health(Map.of("alpha", Map.of("chat",
                new Health.Backend(null, null, 1_000, Health.UNMEASURED))));

        assertThat(providers((Decision.Routed) Router.decide(request("chat", null, 1000, null, false), tables,
                alphaMeasured, NOW))).containsExactly("beta", "gamma", "alpha");
        assertThat(providers((Decision.Routed) Router.decide(request("chat", null, 1000, null, true), tables,
                alphaMeasured, NOW))).as("streams are measured apart").containsExactly("alpha", "gamma");
    }

    @Test
    void aProviderUnavailableAsAWholeTakesEveryModelOut() {
        Instant until = NOW.plusSeconds(30);
        Health health = new Health(Map.of(), Map.of("beta",
                new Health.Backend("provider circuit breaker open: transport failure rate 100%", until)));

        Decision.Routed chat = routedWith(request("chat", null, 1000, null, false), health, NOW);
        Decision.Routed summarize = routedWith(request("summarize", null, 1000, null, false), health, NOW);

        assertThat(providers(chat)).containsExactly("alpha", "gamma");
        assertThat(providers(summarize)).doesNotContain("beta");
        assertThat(chat.exclusions()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(Exclusion.Kind.UNHEALTHY);
            assertThat(e.reason()).isEqualTo("backend unavailable (provider circuit breaker open: transport failure "
                    + "rate 100% until 2026-01-15T10:00:30Z)");
        });
        assertThat(providers(routedWith(request("chat", null, 1000, null, false), health, until)))
                .as("its probes are let in when the wait is over").containsExactly("beta", "alpha", "gamma");
    }

    private Decision.Routed routedWith(RouteRequest request, Health health, Instant now) {
        Decision decision = Router.decide(request, tables, health, now);
        assertThat(decision).isInstanceOf(Decision.Routed.class);
        return (Decision.Routed) decision;
    }

    @Test
    void tieIsBrokenByProviderIdWhateverTheCatalogOrder() {
        Tables reversed = tablesWithBackends("gamma", "alpha");

        Decision.Routed routed = (Decision.Routed) Router.decide(request("chat", null, 1000, null, true), reversed, NOW);

        assertThat(providers(routed)).containsExactly("alpha", "gamma");
    }

    @ParameterizedTest(name = "{0} prompt tokens, max {1} output: {2} first")
    @CsvSource({
            // alpha 0.10 / 10.00 against beta 0.50 / 2.00
            "100000, 10, alpha, 0.010100000000",
            "10, 1000, beta, 0.002005000000",
            // no cap: 256 expected output tokens
            "0, , beta, 0.000512000000"
    })
    void orderFollowsTheEstimatedCostOfThisRequest(long promptTokens, Integer maxOutput, String first,
            String estimate) {
        Decision.Routed routed = routed(request("summarize", null, promptTokens, maxOutput, false));

        assertThat(providers(routed)).hasSize(2).startsWith(first);
        assertThat(routed.first().estimatedCostUsd()).isEqualTo(new BigDecimal(estimate));
        assertThat(routed.candidates().get(1).estimatedCostUsd()).isGreaterThan(routed.first().estimatedCostUsd());
    }

    @Test
    void maxTokensAboveTheModelsOutputLimitExcludesIt() {
        Decision.Refused refused = refused(request("summarize", null, 1000, 1_000_000, false));

        assertThat(refused.code()).isEqualTo("no_eligible_backend");
        assertThat(refused.exclusions()).extracting(Exclusion::kind).containsOnly(Exclusion.Kind.OUTPUT_TOO_LONG);
        assertThat(refused.message()).contains("1000000 > 4000");
    }

    @Test
    void pinnedProviderIsChosenEvenWhenDearer() {
        Decision.Routed routed = routed(new RouteRequest("chat", "gamma", NEVER_ASKED, null, false));

        assertThat(providers(routed)).containsExactly("gamma");
        assertThat(routed.first().estimatedCostUsd()).isPositive();
    }

    @Test
    void pinToAnUnknownProviderIsModelNotFound() {
        Decision.Refused refused = refused(new RouteRequest("chat", "omega", NEVER_ASKED, null, false));

        assertThat(refused.code()).isEqualTo("model_not_found");
        assertThat(refused.message()).contains("'omega'");
    }

    @Test
    void pinToAProviderWithoutTheModelIsModelNotFound() {
        Decision.Refused refused = refused(new RouteRequest("summarize", "gamma", NEVER_ASKED, null, false));

        assertThat(refused.code()).isEqualTo("model_not_found");
    }

    @Test
    void providerSlashModelPinsThatBackend() {
        Decision.Routed routed = routed(new RouteRequest("gamma/chat", null, NEVER_ASKED, null, false));

        assertThat(routed.requested()).isEqualTo("gamma/chat");
        assertThat(providers(routed)).containsExactly("gamma");
        assertThat(routed.first().offering().modelId()).isEqualTo("chat");
    }

    @Test
    void providerSlashModelOfAnUnknownProviderIsModelNotFound() {
        assertThat(refused(new RouteRequest("omega/chat", null, NEVER_ASKED, null, false)).code())
                .isEqualTo("model_not_found");
    }

    @Test
    void unknownModelIsModelNotFound() {
        Decision.Refused refused = refused(new RouteRequest("no-such-model", null, NEVER_ASKED, null, false));

        assertThat(refused.code()).isEqualTo("model_not_found");
        assertThat(refused.requested()).isEqualTo("no-such-model");
        assertThat(refused.exclusions()).isEmpty();
    }

    @Test
    void modelWithoutAPriceInForceIsRefusedAsUnpriced() {
        Decision.Refused refused = refused(new RouteRequest("later", null, NEVER_ASKED, null, false));

        assertThat(refused.code()).isEqualTo("no_eligible_backend");
        assertThat(refused.exclusions()).extracting(Exclusion::provider).containsExactly("alpha", "gamma");
        assertThat(refused.exclusions()).allSatisfy(e -> assertThat(e.reason()).contains("unpriced"));
    }

    @Test
    void streamRequestExcludesTheOfferingThatCannotStream() {
        Decision.Routed routed = routed(request("chat", null, 1000, null, true));

        assertThat(providers(routed)).containsExactly("alpha", "gamma");
        assertThat(routed.exclusions()).containsExactly(new Exclusion("beta", "chat",
                Exclusion.Kind.MISSING_CAPABILITY, "streaming"));
    }

    @Test
    void streamPinnedToTheOfferingThatCannotStreamIsRefused() {
        Decision.Refused refused = refused(new RouteRequest("chat", "beta", NEVER_ASKED, null, true));

        assertThat(refused.code()).isEqualTo("no_eligible_backend");
        assertThat(refused.message()).contains("beta/chat: lacks a capability the request needs (streaming)");
    }

    @Test
    void thePromptIsTokenizedAtMostOncePerDecision() {
        Tables alphaAndBeta = tablesWithBackends("alpha", "beta");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

        Decision decision = Router.decide(new RouteRequest("chat", null, () -> {
            asked.incrementAndGet();
            return 10;
        }, null, true), alphaAndBeta, NOW);

        assertThat(asked).hasValue(1);
        assertThat(decision).isInstanceOfSatisfying(Decision.Routed.class,
                routed -> assertThat(providers(routed)).containsExactly("alpha"));
    }

    @Test
    void backendPricedByAnotherTableIsRoutedUnderItsOwnId() {
        Tables euBackend = new Tables(prices, new RoutingRules(Map.of(), Map.of()),
                Catalog.build(prices, Map.of("beta-eu", "beta", "alpha", "alpha")), 1, NOW);

        Decision decision = Router.decide(request("chat", null, 1000, null, false), euBackend, NOW);

        assertThat(decision).isInstanceOfSatisfying(Decision.Routed.class, routed -> {
            assertThat(providers(routed)).containsExactly("beta-eu", "alpha");
            assertThat(routed.first().price().version()).isEqualTo("beta/chat@2025-01-01");
        });
    }

    @Test
    void sameInputsGiveEqualDecisions() {
        RouteRequest request = request("chat", null, 1234, 50, true);

        assertThat(Router.decide(request, tables, NOW)).isEqualTo(Router.decide(request, tables, NOW));
    }

    @Test
    void decisionDoesNotDependOnTheOrderBackendsAreConfiguredIn() {
        // The backend map comes from configuration (Map.copyOf: iteration order changes from one JVM to the next).
        Tables oneOrder = tablesWithBackends("alpha", "beta", "gamma");
        Tables otherOrder = tablesWithBackends("gamma", "beta", "alpha");
        RouteRequest unpriced = new RouteRequest("later", null, NEVER_ASKED, null, false);

        Decision first = Router.decide(unpriced, oneOrder, NOW);
        Decision second = Router.decide(unpriced, otherOrder, NOW);

        assertThat(second).isEqualTo(first);
        assertThat(otherOrder.catalog().offeringsOf("chat")).extracting(Offering::provider)
                .containsExactly("alpha", "beta", "gamma");
    }

    @Test
    void aBackendWhoseWireFormatCannotCarryTheRequestIsExcludedWithTheField() {
        // chat is offered by alpha (an Anthropic backend here) and beta (OpenAI-compatible)
        Tables mixed = new Tables(prices, new RoutingRules(Map.of(), Map.of()), Catalog.build(prices,
                Map.of("alpha", "alpha", "beta", "beta"), Map.of("alpha", dev.tollgate.call.WireFormat.ANTHROPIC_MESSAGES)),
                1, NOW);
        RouteRequest openAiWithN = new RouteRequest("chat", null, NEVER_ASKED, 100, false).withFormat(
                dev.tollgate.call.WireFormat.OPENAI_CHAT, backend -> "n: Anthropic has no choices");

        Decision.Routed decision = (Decision.Routed) Router.decide(openAiWithN, mixed, NOW);

        assertThat(decision.candidates()).extracting(c -> c.offering().provider()).containsExactly("beta");
        Exclusion excluded = decision.exclusions().stream().filter(e -> e.provider().equals("alpha")).findFirst()
                .orElseThrow();
        assertThat(excluded.kind()).isEqualTo(Exclusion.Kind.UNTRANSLATABLE);
        assertThat(excluded.reason()).contains("anthropic: n: Anthropic has no choices");
        RouteRequest translatable = openAiWithN.withFormat(dev.tollgate.call.WireFormat.OPENAI_CHAT, backend -> null);
        assertThat(((Decision.Routed) Router.decide(translatable, mixed, NOW)).candidates()).hasSize(2);
    }

    @Test
    void aResponsesCallWithStoredStateGoesOnlyToABackendServingTheResponsesApi() {
        // chat is offered by alpha (OpenAI-compatible, Chat Completions only) and beta (serves the Responses API too)
        Tables tables = new Tables(prices, new RoutingRules(Map.of(), Map.of()), Catalog.build(prices,
                Map.of("alpha", "alpha", "beta", "beta"), Map.of(), java.util.Set.of("beta")), 1, NOW);
        // what Untranslatable says of store: true towards Chat Completions; Responses to Responses passes through
        RouteRequest stored = new RouteRequest("chat", null, NEVER_ASKED, 100, false).withFormat(
                dev.tollgate.call.WireFormat.OPENAI_RESPONSES, backend ->
                        backend == dev.tollgate.call.WireFormat.OPENAI_CHAT ? "store: lives at OpenAI" : null);

        Decision.Routed decision = (Decision.Routed) Router.decide(stored, tables, NOW);

        assertThat(decision.candidates()).extracting(c -> c.offering().provider()).containsExactly("beta");
        Exclusion excluded = decision.exclusions().stream().filter(e -> e.provider().equals("alpha")).findFirst()
                .orElseThrow();
        assertThat(excluded.kind()).isEqualTo(Exclusion.Kind.UNTRANSLATABLE);
        assertThat(excluded.reason()).contains("openai: store: lives at OpenAI");
        assertThat(tables.catalog().offering("beta", "chat").formatFor(dev.tollgate.call.WireFormat.OPENAI_RESPONSES))
                .isEqualTo(dev.tollgate.call.WireFormat.OPENAI_RESPONSES);
        assertThat(tables.catalog().offering("beta", "chat").formatFor(dev.tollgate.call.WireFormat.OPENAI_CHAT))
                .isEqualTo(dev.tollgate.call.WireFormat.OPENAI_CHAT);
        // without stored state both serve it: beta passes it through, alpha translates it
        RouteRequest plain = stored.withFormat(dev.tollgate.call.WireFormat.OPENAI_RESPONSES, backend -> null);
        assertThat(((Decision.Routed) Router.decide(plain, tables, NOW)).candidates()).hasSize(2);
    }
}
