package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code replay} over an H2 file ledger with the shipped price tables ({@code ../pricing}). Rules: team
 * {@code research} (openai and deepseek, task math, substitution) and team {@code web} (openai and mistral, gpt-4o
 * denied). Ledger rows, with the shipped prices (USD per 1M tokens):
 * <ul>
 * <li>research, 2025-03-10, o1, 1,000 in + 2,000 out: actual 15.00 / 60.00 = 0.135; replayed on deepseek-reasoner
 * (math 80 >= o1's 79) at its launch price 0.55 / 2.19 = 550 + 4,380 per 1M = 0.00493</li>
 * <li>research, 2025-10-01, o1, 2,000 in + 1,000 cached + 500 out: actual 30,000 + 7,500 (7.50 cached) + 30,000 =
 * 0.0675; replayed on deepseek-reasoner at 0.28 / 0.028 / 0.42 = 560 + 28 + 210 per 1M = 0.000798</li>
 * <li>web, 2025-06-01, gpt-4o, 10,000 in + 1,000 out: actual 25,000 + 10,000 = 0.035; refused (azure: provider
 * not allowed, openai: model not allowed)</li>
 * <li>web, 2025-06-02, gpt-4o-mini, stream, 4,000 in + 2,000 cached + 1,000 out: 600 + 150 + 600 = 0.00135 both
 * ways (general 55)</li>
 * <li>web, 2026-08-01, mistral-small-latest, 100,000 in + 10,000 out: 6,000 + 1,800 = 0.0078 both ways, no
 * score; no counterfactual recorded</li>
 * <li>web, 2024-12-31, gpt-4o-mini, refused by the gateway then (no provider): never replayed</li>
 * </ul>
 */
class ReplayCommandTest {

    private static final String RULES = """
            teams:
              - id: research
                policy: {allow-providers: [openai, deepseek], task: math, allow-substitution: true}
              - id: web
                policy: {allow-providers: [openai, mistral], deny-models: [gpt-4o]}
            """;

    @TempDir
    Path dir;

    private String url;
    private Path rules;

    @BeforeEach
    void ledgerAndRules() throws IOException, SQLException {
        url = "jdbc:h2:file:" + dir.resolve("ledger").toAbsolutePath();
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/migration").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            insert(c, "r1", "2025-03-10T12:00:00Z", "research", "o1", "openai", "o1", false, 1000, 0, 2000,
                    "0.135", "0.135");
            insert(c, "r2", "2025-10-01T08:00:00Z", "research", "o1", "openai", "o1", false, 2000, 1000, 500,
                    "0.0675", "0.0675");
            insert(c, "w1", "2025-06-01T09:00:00Z", "web", "gpt-4o", "openai", "gpt-4o", false, 10000, 0, 1000,
                    "0.035", "0.035");
            insert(c, "w2", "2025-06-02T09:00:00Z", "web", "gpt-4o-mini", "openai", "gpt-4o-mini", true, 4000, 2000,
                    1000, "0.00135", "0.00135");
            insert(c, "w3", "2026-08-01T09:00:00Z", "web", "mistral-small-latest", "mistral", "mistral-small-latest",
                    false, 100000, 0, 10000, "0.0078", null);
            insert(c, "w0", "2024-12-31T23:00:00Z", "web", "gpt-4o-mini", null, null, false, 0, 0, 0, null, null);
        }
        rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("teams.yaml"), RULES);
    }

    private static void insert(Connection c, String id, String time, String team, String requested, String provider,
            String model, boolean stream, long input, long cached, long output, String cost, String counterfactual)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger (request_id, ts, day_utc, team, key_id, "
                + "requested_model, provider, model, stream, input_tokens, cached_input_tokens, cache_write_tokens, "
                + "output_tokens, reasoning_tokens, cost_usd, latency_us, status, outcome, estimated, "
                + "counterfactual_cost_usd) VALUES (?, ?, ?, ?, 'k', ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, 1000, ?, ?, FALSE, ?)")) {
            OffsetDateTime ts = OffsetDateTime.parse(time);
            ps.setString(1, id);
            ps.setObject(2, ts);
            ps.setObject(3, ts.toLocalDate());
            ps.setString(4, team);
            ps.setString(5, requested);
            ps.setString(6, provider);
            ps.setString(7, model);
            ps.setBoolean(8, stream);
            ps.setLong(9, input);
            ps.setLong(10, cached);
            ps.setLong(11, output);
            ps.setBigDecimal(12, cost == null ? null : new BigDecimal(cost));
            ps.setInt(13, provider == null ? 400 : 200);
            ps.setString(14, provider == null ? "rejected" : "success");
            ps.setBigDecimal(15, counterfactual == null ? null : new BigDecimal(counterfactual));
            ps.executeUpdate();
        }
    }

    /** Runs the command; stdout, stderr and the exit code. */
    private record Run(int code, String out, String err) {
    }

    private Run replay(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ReplayCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String[] args(String... more) {
        List<String> all = new ArrayList<>(List.of("--ledger", url, "--user", "sa", "--password", "",
                "--rules", rules.toString(), "--pricing", "../pricing"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void jsonReportGivesEachTeamsExactFiguresAndTheTotal() {
        Run run = replay(args("--format", "json"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = JsonMapper.builder().build().readTree(run.out());
        JsonNode research = root.get("teams").get(0);
        assertThat(research.get("team").asString()).isEqualTo("research");
        assertThat(research.get("calls").asLong()).isEqualTo(2);
        assertThat(research.get("refused").asLong()).isZero();
        assertThat(research.get("actual_usd").asString()).isEqualTo("0.202500");
        assertThat(research.get("replayed_usd").asString()).isEqualTo("0.005728");
        assertThat(research.get("counterfactual_usd").asString()).isEqualTo("0.202500");
        assertThat(research.get("saving_vs_actual_usd").asString()).isEqualTo("0.196772");
        assertThat(research.get("saving_vs_counterfactual_usd").asString()).isEqualTo("0.196772");
        assertThat(research.get("quality_floor").asInt()).isEqualTo(80);
        assertThat(research.get("unscored_calls").asLong()).isZero();

        JsonNode web = root.get("teams").get(1);
        assertThat(web.get("team").asString()).isEqualTo("web");
        assertThat(web.get("calls").asLong()).isEqualTo(3);
        assertThat(web.get("refused").asLong()).isEqualTo(1);
        assertThat(web.get("refusal_reasons").get(0).get("reason").asString())
                .isEqualTo("no_eligible_backend (model_not_allowed)");
        assertThat(web.get("refusal_reasons").get(0).get("count").asLong()).isEqualTo(1);
        assertThat(web.get("refused_actual_usd").asString()).isEqualTo("0.035000");
        assertThat(web.get("actual_usd").asString()).isEqualTo("0.009150");
        assertThat(web.get("replayed_usd").asString()).isEqualTo("0.009150");
        assertThat(web.get("counterfactual_usd").asString()).isEqualTo("0.009150");
        assertThat(web.get("saving_vs_actual_usd").asString()).isEqualTo("0.000000");
        assertThat(web.get("quality_floor").asInt()).isEqualTo(55);
        assertThat(web.get("unscored_calls").asLong()).isEqualTo(1);

        JsonNode total = root.get("total");
        assertThat(total.get("calls").asLong()).isEqualTo(5);
        assertThat(total.get("refused").asLong()).isEqualTo(1);
        assertThat(total.get("actual_usd").asString()).isEqualTo("0.211650");
        assertThat(total.get("replayed_usd").asString()).isEqualTo("0.014878");
        assertThat(total.get("saving_vs_counterfactual_usd").asString()).isEqualTo("0.196772");
        assertThat(total.get("quality_floor").asInt()).isEqualTo(55);
        assertThat(root.get("catalog").asString()).contains("same id");
    }

    @Test
    void textReportShowsTheSameFigures() {
        Run run = replay(args());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("Replay of 5 ledger calls (first day to last day)")
                .contains("team research\n  calls replayed             2\n  refused                    0\n"
                        + "  actual cost                0.202500 USD\n  replayed cost              0.005728 USD\n")
                .contains("  refused                    1 (their actual cost 0.035000 USD)\n"
                        + "    1 x no_eligible_backend (model_not_allowed)\n")
                .contains("all teams\n  calls replayed             5\n")
                .contains("  saving vs actual           0.196772 USD\n  saving vs counterfactual   0.196772 USD\n"
                        + "  quality floor              55\n  calls to unscored models   1\n");
    }

    @Test
    void fromAndToKeepOnlyTheCallsOfThoseUtcDays() {
        Run run = replay(args("--from", "2025-06-01", "--to", "2025-10-01", "--format", "json"));

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode total = JsonMapper.builder().build().readTree(run.out()).get("total");
        assertThat(total.get("calls").asLong()).isEqualTo(3); // r2, w1, w2
        assertThat(total.get("actual_usd").asString()).isEqualTo("0.068850"); // 0.0675 + 0.00135; w1 refused
        assertThat(total.get("replayed_usd").asString()).isEqualTo("0.002148"); // 0.000798 + 0.00135
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--ledger", "--format=json", "--bogus x", "--from 2025-13-01", "--format xml",
            "--from 2025-02-01 --to 2025-01-01", "--user sa", "--rules r --rules s"})
    void badArgumentsPrintTheUsageAndExitWith2(String extra) {
        List<String> args = new ArrayList<>(extra.isEmpty() ? List.of() : List.of(extra.split(" ")));
        if (!extra.startsWith("--ledger") && !extra.isEmpty()) {
            args.addAll(0, List.of("--ledger", "jdbc:h2:mem:x", "--rules", "r"));
            if (extra.startsWith("--rules")) {
                args.subList(2, 4).clear();
            }
        }

        Run run = replay(args.toArray(String[]::new));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("replay: ").contains(ReplayCommand.USAGE);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aMissingRulesFolderPrintsTheLoadersMessageAndExitsWith1() {
        Run run = replay("--ledger", url, "--user", "sa", "--password", "", "--rules",
                dir.resolve("nowhere").toString(), "--pricing", "../pricing");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("nowhere: the routing-rules folder does not exist");
    }

    @Test
    void aDatabaseWithoutLedgerPrintsTheCauseAndExitsWith1() {
        Run run = replay("--ledger", "jdbc:h2:mem:empty", "--rules", rules.toString(), "--pricing", "../pricing");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).startsWith("replay: cannot read the ledger: ").containsIgnoringCase("ledger");
    }
}
