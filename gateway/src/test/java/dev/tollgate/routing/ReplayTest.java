package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityTableLoader;
import dev.tollgate.pricing.Usage;
import dev.tollgate.routing.ReplayReport.ReasonCount;
import dev.tollgate.routing.ReplayReport.TeamReplay;

/**
 * Replay over two teams. Tables (USD per 1M tokens; general quality):
 * acme/big 10.00 in, 5.00 cached, 30.00 out (80); acme/mid 1.00 / 4.00 (85); acme/small 0.10 / 0.40 until
 * 2025-07-01, then 0.05 / 0.20 (60); acme/nameless 0.20 / 0.20, no streaming (no score); budget/mid 0.50 / 2.00, no
 * cached price (85). Team {@code app} may substitute; alias {@code fast} has floor 50.
 */
class ReplayTest {

    private static final String ACME = """
            provider: acme
            models:
              - model: big
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [streaming]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 10.00, cached-input: 5.00, output: 30.00}
              - model: mid
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [streaming]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 1.00, output: 4.00}
              - model: small
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [streaming]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.10, output: 0.40}
                  - {effective-from: 2025-07-01, source: test, input: 0.05, output: 0.20}
              - model: nameless
                context-window: 100000
                max-output-tokens: 8000
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.20, output: 0.20}
            """;
    private static final String BUDGET = """
            provider: budget
            models:
              - model: mid
                context-window: 100000
                max-output-tokens: 8000
                capabilities: [streaming]
                prices:
                  - {effective-from: 2025-01-01, source: test, input: 0.50, output: 2.00}
            """;
    private static final String QUALITY = """
            models:
              - ids: [big]
                scores: {general: {score: 80, source: test, date: 2025-01-01}}
              - ids: [mid]
                scores: {general: {score: 85, source: test, date: 2025-01-01}}
              - ids: [small]
                scores: {general: {score: 60, source: test, date: 2025-01-01}}
            """;
    private static final String RULES = """
            teams:
              - id: app
                policy: {allow-substitution: true}
              - id: ops
            aliases:
              - name: fast
                min-quality: 50
                baseline-model: big
            """;

    @TempDir
    Path dir;

    private Tables tables;

    @BeforeEach
    void loadTables() throws IOException {
        Path pricing = Files.createDirectory(dir.resolve("pricing"));
        Files.writeString(pricing.resolve("acme.yaml"), ACME);
        Files.writeString(pricing.resolve("budget.yaml"), BUDGET);
        Files.writeString(pricing.resolve("quality.yaml"), QUALITY);
        Path rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("rules.yaml"), RULES);
        tables = Replay.tables(PriceTableLoader.load(pricing), QualityTableLoader.load(pricing),
                RulesLoader.load(rules));
    }

    private static ReplayCall call(String team, String time, String model, boolean stream, long input, long cached,
            long write, long output, String actual, String counterfactual) {
        return new ReplayCall(team, Instant.parse(time), model, stream, new Usage(input, cached, write, output, 0,
                false), new BigDecimal(actual), counterfactual == null ? null : new BigDecimal(counterfactual));
    }

    /** app: two calls for big, both substituted by mid at budget, the cheapest model at least as good. */
    private static final List<ReplayCall> APP = List.of(
            // replayed 1000 x 0.50 + 500 x 0.50 (no cached price) + 200 x 2.00 = 1,150 per 1M
            call("app", "2025-06-01T10:00:00Z", "big", false, 1000, 500, 0, 200, "0.0185", null),
            // replayed 3000 x 0.50 + 0 output = 1,500 per 1M; output 0 asks for max_tokens 1
            call("app", "2025-06-02T10:00:00Z", "big", false, 2000, 0, 1000, 0, "0.03", "0.03"));

    /** ops: the alias moves to small; an unknown model and a stream to a non-streaming model are refused. */
    private static final List<ReplayCall> OPS = List.of(
            // served by mid under the old rules (actual 0.014), counterfactual on big 0.13; replayed on small at its
            // August price: 10000 x 0.05 + 1000 x 0.20 = 700 per 1M
            call("ops", "2025-08-01T10:00:00Z", "fast", false, 10000, 0, 0, 1000, "0.014", "0.13"),
            call("ops", "2025-08-01T11:00:00Z", "ghost", false, 100, 0, 0, 10, "0.001", null),
            call("ops", "2025-08-01T12:00:00Z", "nameless", true, 100, 0, 0, 10, "0.003", null),
            // the same model without a stream: 5000 x 0.20 + 5000 x 0.20 = 2,000 per 1M, no score
            call("ops", "2025-08-01T13:00:00Z", "nameless", false, 5000, 0, 0, 5000, "0.002", null));

    @Test
    void substitutionMovesEveryCallOfTheTeamToTheCheapestModelAtLeastAsGood() {
        ReplayReport report = Replay.run(APP, tables);

        TeamReplay app = report.teams().get(0);
        assertThat(app.team()).isEqualTo("app");
        assertThat(app.calls()).isEqualTo(2);
        assertThat(app.refused()).isZero();
        assertThat(app.actualUsd()).isEqualByComparingTo("0.0485");
        assertThat(app.replayedUsd()).isEqualByComparingTo("0.00265");
        assertThat(app.counterfactualUsd()).isEqualByComparingTo("0.0485");
        assertThat(app.savingVsActualUsd()).isEqualByComparingTo("0.04585");
        assertThat(app.savingVsCounterfactualUsd()).isEqualByComparingTo("0.04585");
        assertThat(app.qualityFloor()).isEqualTo(85);
        assertThat(app.unscoredCalls()).isZero();
    }

    @Test
    void refusedCallsAreCountedWithTheirReasonAndKeptOutOfTheCostComparison() {
        ReplayReport report = Replay.run(OPS, tables);

        TeamReplay ops = report.teams().get(0);
        assertThat(ops.calls()).isEqualTo(4);
        assertThat(ops.refused()).isEqualTo(2);
        assertThat(ops.routed()).isEqualTo(2);
        assertThat(ops.refusalReasons()).containsExactly(
                new ReasonCount("model_not_found", 1),
                new ReasonCount("no_eligible_backend (missing_capability)", 1));
        assertThat(ops.refusedActualUsd()).isEqualByComparingTo("0.004");
        assertThat(ops.actualUsd()).isEqualByComparingTo("0.016");
        assertThat(ops.replayedUsd()).isEqualByComparingTo("0.0027");
        assertThat(ops.counterfactualUsd()).isEqualByComparingTo("0.132");
        assertThat(ops.savingVsActualUsd()).isEqualByComparingTo("0.0133");
        assertThat(ops.savingVsCounterfactualUsd()).isEqualByComparingTo("0.1293");
        assertThat(ops.qualityFloor()).isEqualTo(60);
        assertThat(ops.unscoredCalls()).isEqualTo(1);
    }

    @Test
    void theTotalAddsUpEveryTeamAndTeamsComeInIdOrder() {
        List<ReplayCall> calls = new java.util.ArrayList<>(OPS);
        calls.addAll(APP);

        ReplayReport report = Replay.run(calls, tables);

        assertThat(report.teams()).extracting(TeamReplay::team).containsExactly("app", "ops");
        TeamReplay total = report.total();
        assertThat(total.team()).isNull();
        assertThat(total.calls()).isEqualTo(6);
        assertThat(total.refused()).isEqualTo(2);
        assertThat(total.refusedActualUsd()).isEqualByComparingTo("0.004");
        assertThat(total.actualUsd()).isEqualByComparingTo("0.0645");
        assertThat(total.replayedUsd()).isEqualByComparingTo("0.00535");
        assertThat(total.counterfactualUsd()).isEqualByComparingTo("0.1805");
        assertThat(total.savingVsActualUsd()).isEqualByComparingTo("0.05915");
        assertThat(total.savingVsCounterfactualUsd()).isEqualByComparingTo("0.17515");
        assertThat(total.qualityFloor()).isEqualTo(60);
        assertThat(total.unscoredCalls()).isEqualTo(1);
    }

    @Test
    void theCallIsPricedAtItsOwnTimeNotTheLatestPrice() {
        // Before 2025-07-01 small costs 0.10 / 0.40: 10000 x 0.10 + 1000 x 0.40 = 1,400 per 1M.
        ReplayCall june = call("ops", "2025-06-30T23:59:59Z", "fast", false, 10000, 0, 0, 1000, "0.014", "0.13");

        assertThat(Replay.run(List.of(june), tables).total().replayedUsd()).isEqualByComparingTo("0.0014");
    }

    @Test
    void theRequestCarriesTheCallsTokensStreamFlagAndTeam() {
        RouteRequest request = Replay.request(call("app", "2025-06-01T10:00:00Z", "big", true, 1000, 500, 25, 0,
                "0", null));

        assertThat(request.promptTokens().getAsLong()).isEqualTo(1525);
        assertThat(request.maxOutputTokens()).isEqualTo(1);
        assertThat(request.stream()).isTrue();
        assertThat(request.team()).isEqualTo("app");
        assertThat(request.pinnedProvider()).isNull();
    }

    @Test
    void noCallsGiveAnEmptyReportWithZeroTotals() {
        ReplayReport report = Replay.run(List.of(), tables);

        assertThat(report.teams()).isEmpty();
        assertThat(report.total().calls()).isZero();
        assertThat(report.total().replayedUsd()).isEqualByComparingTo("0");
        assertThat(report.total().qualityFloor()).isNull();
    }

    @Test
    void aCallWithoutCounterfactualCountsItsActualCost() {
        ReplayCall c = call("ops", "2025-08-01T13:00:00Z", "nameless", false, 1, 0, 0, 1, "0.5", null);

        assertThat(c.counterfactualCostUsd()).isEqualByComparingTo("0.5");
    }

    @Test
    void aCallWithoutRequestedModelIsRejectedWithWhatWasGiven() {
        assertThatThrownBy(() -> call("ops", "2025-08-01T13:00:00Z", " ", false, 1, 0, 0, 1, "0", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestedModel must be a model id or alias, but was ' '");
    }
}
