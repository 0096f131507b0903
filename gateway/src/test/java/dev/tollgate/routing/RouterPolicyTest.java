package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityTableLoader;
import dev.tollgate.pricing.TaskFamily;

/**
 * Quality-aware routing rules: aliases, team policies, substitution, header tightenings, features. Three models at
 * two providers: "premium" (dear, quality 90), "mid" (quality 75, also served by a cheaper EU host "euro"),
 * "budget" (cheap, quality 55, no tools); "unscored" has no quality.
 */
class RouterPolicyTest {

    private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

    private static final String ACME = """
            provider: acme
            models:
              - model: premium
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [tools, vision, json-schema, streaming]
                attributes: {region: us, zero-data-retention: "true"}
                prices:
                  - {effective-from: 2025-01-01, source: t, input: 10.00, output: 40.00}
              - model: mid
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [tools, streaming]
                attributes: {region: us, zero-data-retention: "false"}
                prices:
                  - {effective-from: 2025-01-01, source: t, input: 2.00, output: 8.00}
              - model: budget
                context-window: 8000
                max-output-tokens: 2000
                capabilities: [streaming]
                attributes: {region: us}
                prices:
                  - {effective-from: 2025-01-01, source: t, input: 0.10, output: 0.40}
              - model: unscored
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [tools, streaming]
                prices:
                  - {effective-from: 2025-01-01, source: t, input: 0.01, output: 0.01}
            """;
    private static final String EURO = """
            provider: euro
            models:
              - model: mid
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [tools, streaming]
                attributes: {region: eu, zero-data-retention: "true"}
                prices:
                  - {effective-from: 2025-01-01, source: t, input: 1.00, output: 4.00}
            """;
    private static final String QUALITY = """
            models:
              - ids: [premium]
                scores:
                  general: {score: 90, source: t, date: 2025-01-01}
                  code: {score: 88, source: t, date: 2025-01-01}
              - ids: [mid]
                scores:
                  general: {score: 75, source: t, date: 2025-01-01}
                  code: {score: 60, source: t, date: 2025-01-01}
              - ids: [budget]
                scores:
                  general: {score: 55, source: t, date: 2025-01-01}
            """;
    private static final String RULES = """
            aliases:
              - {name: auto, min-quality: 70, expected-output-tokens: 500, baseline-model: premium}
              - {name: cheap, min-quality: 50, baseline-model: mid}
              - {name: coder, min-quality: 80, task: code, baseline-model: premium}
            teams:
              - id: open
              - id: strict
                policy:
                  deny-providers: [acme]
              - id: private
                policy:
                  require-attributes: {zero-data-retention: "true"}
              - id: frugal
                policy:
                  max-output-price-per-1m: 10.00
              - id: subs
                policy:
                  allow-substitution: true
              - id: coders
                policy:
                  task: code
                  allow-models: [premium, mid]
            """;

    @TempDir
    Path dir;

    private Tables tables;

    @BeforeEach
    void setUp() throws IOException {
        Path pricing = Files.createDirectories(dir.resolve("pricing"));
        Files.writeString(pricing.resolve("acme.yaml"), ACME);
        Files.writeString(pricing.resolve("euro.yaml"), EURO);
        Files.writeString(pricing.resolve("quality.yaml"), QUALITY);
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("rules.yaml"), RULES);
        PriceTable prices = PriceTableLoader.load(pricing);
        tables = new Tables(prices, QualityTableLoader.load(pricing), RulesLoader.load(rules),
                Catalog.build(prices, Map.of("acme", "acme", "euro", "euro")), 1, NOW);
    }

    private Decision decide(String model, String team) {
        return decide(new RouteRequest(model, null, () -> 1000, null, false).with(Set.of(), team, null, null, null));
    }

    private Decision decide(RouteRequest request) {
        return Router.decide(request, tables, NOW);
    }

    private static List<String> chosen(Decision d) {
        assertThat(d).isInstanceOf(Decision.Routed.class);
        return ((Decision.Routed) d).candidates().stream()
                .map(c -> c.offering().provider() + "/" + c.offering().modelId()).toList();
    }

    @ParameterizedTest(name = "{0} for team {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            auto   | open    | euro/mid acme/mid acme/premium
            cheap  | open    | acme/budget euro/mid acme/mid acme/premium
            auto   | strict  | euro/mid
            auto   | private | euro/mid acme/premium
            auto   | frugal  | euro/mid acme/mid
            coder  | open    | acme/premium
            mid    | open    | euro/mid acme/mid
            mid    | strict  | euro/mid
            premium| subs    | acme/premium
            mid    | subs    | euro/mid acme/mid acme/premium
            budget | subs    | acme/budget euro/mid acme/mid acme/premium
            """)
    void aliasesPoliciesAndSubstitutionChooseTheCheapestAcceptable(String model, String team, String expected) {
        assertThat(chosen(decide(model, team))).containsExactly(expected.split(" "));
    }

    @Test
    void teamTaskFamilyJudgesQualityForThatTask() {
        // coders judge by code quality: mid scores 60 for code, below coder's floor of 80
        assertThat(chosen(decide("coder", "coders"))).containsExactly("acme/premium");
        Decision.Routed auto = (Decision.Routed) decide("auto", "coders");
        assertThat(auto.task()).isEqualTo(TaskFamily.CODE);
        assertThat(chosen(auto)).containsExactly("acme/premium");
    }

    @Test
    void unscoredModelsAreExcludedWhenAFloorAppliesAndAllowedWithout() {
        Decision.Routed auto = (Decision.Routed) decide("auto", "open");
        assertThat(auto.exclusions()).anySatisfy(e -> {
            assertThat(e.model()).isEqualTo("unscored");
            assertThat(e.kind()).isEqualTo(Exclusion.Kind.QUALITY_UNKNOWN);
        });
        assertThat(chosen(decide("unscored", "open"))).containsExactly("acme/unscored");
    }

    @Test
    void headersTightenButNeverLoosen() {
        RouteRequest base = new RouteRequest("auto", null, () -> 1000, null, false);
        assertThat(chosen(decide(base.with(Set.of(), "open", 85, null, null)))).containsExactly("acme/premium");
        // a lower header floor does not loosen the alias's 70
        assertThat(chosen(decide(base.with(Set.of(), "open", 10, null, null))))
                .doesNotContain("acme/budget");
        Decision capped = decide(base.with(Set.of(), "open", null, null, new BigDecimal("0.003")));
        // euro/mid: 1000 x 1.00 + 500 x 4.00 per 1M = 0.003 exactly, the cap; the others cost more
        assertThat(chosen(capped)).containsExactly("euro/mid");
    }

    @Test
    void capabilitiesAndContextWindowExclude() {
        RouteRequest vision = new RouteRequest("cheap", null, () -> 1000, null, false)
                .with(Set.of(Capability.VISION), "open", null, null, null);
        assertThat(chosen(decide(vision))).containsExactly("acme/premium");

        RouteRequest longPrompt = new RouteRequest("cheap", null, () -> 7_900, 200, false)
                .with(Set.of(), "open", null, null, null);
        Decision.Routed routed = (Decision.Routed) decide(longPrompt);
        assertThat(chosen(routed)).doesNotContain("acme/budget");
        assertThat(routed.exclusions()).anySatisfy(e -> assertThat(e.reason())
                .contains("7900 prompt + 200 output tokens > 8000"));
    }

    @Test
    void noEligibleBackendListsEveryReason() {
        RouteRequest impossible = new RouteRequest("auto", null, () -> 1000, null, false)
                .with(Set.of(), "strict", 95, null, null);
        Decision.Refused refused = (Decision.Refused) decide(impossible);
        assertThat(refused.code()).isEqualTo("no_eligible_backend");
        assertThat(refused.message()).contains("acme/premium: provider not allowed by the team's policy")
                .contains("euro/mid: quality below the minimum (75 < 95 for general)");
    }

    @Test
    void baselineIsTheRequestedModelOrTheAliasBaseline() {
        Decision.Routed alias = (Decision.Routed) decide("auto", "open");
        assertThat(alias.alias()).isEqualTo("auto");
        assertThat(alias.baselineModel()).isEqualTo("premium");
        assertThat(alias.baselinePrice().version()).isEqualTo("acme/premium@2025-01-01");
        Decision.Routed concrete = (Decision.Routed) decide("mid", "open");
        assertThat(concrete.baselineModel()).isEqualTo("mid");
        // the cheapest price of the baseline model
        assertThat(concrete.baselinePrice().version()).isEqualTo("euro/mid@2025-01-01");
    }

    @Test
    void equalCostPrefersHigherQuality() throws IOException {
        Files.writeString(dir.resolve("pricing").resolve("acme.yaml"), ACME.replace("input: 2.00, output: 8.00",
                "input: 1.00, output: 4.00"));
        PriceTable prices = PriceTableLoader.load(dir.resolve("pricing"));
        Path quality = dir.resolve("pricing");
        Files.writeString(quality.resolve("quality-local.yaml"), """
                models:
                  - ids: [mid]
                    scores:
                      general: {score: 80, source: own eval, date: 2026-01-01}
                """);
        tables = new Tables(prices, QualityTableLoader.load(quality), tables.rules(),
                Catalog.build(prices, Map.of("acme", "acme", "euro", "euro")), 2, NOW);
        // same price at both hosts and the same model: same quality, so provider id decides
        assertThat(chosen(decide("mid", "open"))).containsExactly("acme/mid", "euro/mid");
        assertThat(((Decision.Routed) decide("mid", "open")).first().quality()).isEqualTo(80);
    }
}
