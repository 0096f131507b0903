package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tollgate.admin.LimitOverridesRepository;
import dev.tollgate.admin.SpendQueries;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import dev.tollgate.metering.LedgerEntry;
import dev.tollgate.metering.LedgerWriter;
import dev.tollgate.metering.TokenCounter;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway with its ledger on a real PostgreSQL (embedded, started once for the class): Flyway migrates the
 * production schema, every kind of call leaves exactly one row with its exact NUMERIC cost, and {@code GET /v1/spend}
 * reads it back. Its own Spring context (the datasource differs from {@link GatewayITSupport}'s H2), closed after
 * the class.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class LedgerPostgresIT extends GatewayITSupport {

    private static final EmbeddedPostgres POSTGRES = startPostgres();

    @Autowired
    private LedgerWriter ledger;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry r) {
        r.add("spring.datasource.url", () -> POSTGRES.getJdbcUrl("postgres", "postgres"));
        r.add("spring.datasource.username", () -> "postgres");
        r.add("spring.datasource.password", () -> "");
    }

    /**
     * Runs before Spring closes this class's context (@DirtiesContext): nothing touches the database in between,
     * since every test waited for its ledger rows, so the ledger writer stops with an empty queue.
     */
    @AfterAll
    static void stopPostgres() throws IOException {
        POSTGRES.close();
    }

    private static EmbeddedPostgres startPostgres() {
        try {
            return EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void upstreamAnswersByDefault() {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hello", 10, 5)));
    }

    @Test
    void flywayMigratedTheLedgerSchemaOnPostgres() {
        assertThat(jdbc.queryForObject("SELECT version()", String.class)).startsWith("PostgreSQL");
        assertThat(jdbc.queryForList("SELECT version FROM flyway_schema_history WHERE success", String.class))
                .containsExactly("1", "2", "3", "4", "5", "6");
        Map<String, String> types = jdbc.query("SELECT column_name, data_type, numeric_precision, numeric_scale "
                + "FROM information_schema.columns WHERE table_name = 'ledger'", rs -> {
                    Map<String, String> m = new TreeMap<>();
                    while (rs.next()) {
                        String type = rs.getString(2);
                        if ("numeric".equals(type)) {
                            type += "(" + rs.getInt(3) + "," + rs.getInt(4) + ")";
                        }
                        m.put(rs.getString(1), type);
                    }
                    return m;
                });
        assertThat(types).hasSize(30).containsEntry("request_id", "character varying")
                .containsEntry("cached_input_tokens", "bigint").containsEntry("cache_write_tokens", "bigint")
                .containsEntry("cache_write_1h_tokens", "bigint").containsEntry("output_tokens", "bigint")
                .containsEntry("reasoning_tokens", "bigint")
                .containsEntry("reserved_usd", "numeric(30,12)")
                .containsEntry("attempts", "character varying").containsEntry("failover_count", "integer")
                .containsEntry("counterfactual_cost_usd", "numeric(30,12)")
                .containsEntry("ts", "timestamp with time zone").containsEntry("day_utc", "date")
                .containsEntry("stream", "boolean").containsEntry("input_tokens", "bigint")
                .containsEntry("cost_usd", "numeric(30,12)").containsEntry("status", "integer")
                .containsEntry("estimated", "boolean");
        assertThat(jdbc.queryForList("SELECT kcu.column_name FROM information_schema.table_constraints tc "
                + "JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name "
                + "WHERE tc.table_name = 'ledger' AND tc.constraint_type = 'PRIMARY KEY'", String.class))
                .containsExactly("request_id");
        assertThat(jdbc.queryForList("SELECT indexname FROM pg_indexes WHERE tablename = 'ledger'", String.class))
                .contains("ledger_team_day", "ledger_ts");
    }

    @Test
    void adminOverridesResetsAndTheRestoreQueryWorkOnPostgres() {
        LimitOverridesRepository repository = new LimitOverridesRepository(dataSource);
        Instant at = Instant.parse("2026-03-04T05:06:07Z");
        BudgetSpec budget = new BudgetSpec(Scope.APP, "alpha", "web", new BigDecimal("8999999.999999999"),
                BudgetPeriod.WEEKLY, BudgetMode.SOFT, List.of(10, 90), true);
        repository.putBudget(new BudgetSpec(Scope.APP, "alpha", "web", BigDecimal.ONE, BudgetPeriod.DAILY,
                BudgetMode.HARD, List.of(), false), at);
        repository.putBudget(budget, at); // the update path of the upsert
        repository.putRateLimit(new RateLimitSpec(Scope.KEY, "beta", "beta-batch", 5, 0), at);
        repository.recordReset("app:alpha/web", "1772409600", at);
        repository.recordReset("app:alpha/web", "1772409600", at.minusSeconds(60)); // earlier: ignored
        repository.recordReset("app:alpha/web", "1772409600", at); // the same again: harmless

        LimitOverrides loaded = repository.load();

        assertThat(loaded.budgets()).containsOnlyKeys("app:alpha/web");
        assertThat(loaded.budgets().get("app:alpha/web")).isEqualTo(budget);
        assertThat(loaded.rateLimits().get("key:beta-batch").requestsPerMinute()).isEqualTo(5);
        assertThat(repository.lastResets()).containsExactly(Map.entry("app:alpha/web@1772409600", at));
        assertThat(repository.deleteBudget("app:alpha/web")).isTrue();
        assertThat(repository.deleteBudget("app:alpha/web")).isFalse();
        assertThat(repository.deleteRateLimit("key:beta-batch")).isTrue();
        assertThat(repository.load()).isEqualTo(LimitOverrides.NONE);
        jdbc.update("DELETE FROM budget_reset");

        // the restore's ledger query binds its instant as a timestamp with time zone: the boundary is exact
        Instant ts = Instant.parse("2099-01-01T00:00:00Z");
        jdbc.update("INSERT INTO ledger (request_id, ts, day_utc, team, key_id, app, stream, input_tokens, "
                + "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, latency_us, "
                + "status, outcome, estimated) VALUES ('pg-restore-1', ?, ?, 'beta', 'beta-batch', NULL, FALSE, 0, 0, "
                + "0, 0, 0, 0.000000000001, 1, 200, 'success', FALSE)", Timestamp.from(ts),
                Date.valueOf(LocalDate.of(2099, 1, 1)));
        assertThat(new SpendQueries(dataSource).spendSince(ts)).containsExactly(
                new SpendQueries.SubjectSpend("beta", "beta-batch", null, new BigDecimal("0.000000000001")));
        assertThat(new SpendQueries(dataSource).spendSince(ts.plusSeconds(1))).isEmpty();
    }

    @Test
    void nonStreamedCallLeavesOneRowWithItsExactCostAndPostgresTypes() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hi", 1234, 567)));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        String id = requestId(response);
        Map<String, Object> row = ledgerRow(id);
        assertThat(countRows(id)).isOne();
        assertThat(row).containsEntry("team", "alpha").containsEntry("key_id", "alpha-web").containsEntry("app", "web")
                .containsEntry("provider", "fake-openai").containsEntry("model", "gpt-4o-mini")
                .containsEntry("stream", false).containsEntry("input_tokens", 1234L)
                .containsEntry("output_tokens", 567L).containsEntry("status", 200).containsEntry("outcome", "success")
                .containsEntry("estimated", false).containsEntry("price_version", "openai/gpt-4o-mini@2024-10-01");
        // 1234 x 0.15 / 1M + 567 x 0.60 / 1M = 0.0001851 + 0.0003402
        BigDecimal cost = (BigDecimal) row.get("cost_usd");
        assertThat(cost).isEqualByComparingTo("0.0005253").isEqualByComparingTo(costHeader(response));
        assertThat(cost.scale()).as("NUMERIC(30,12) keeps all 12 decimals").isEqualTo(12);
        assertThat(row.get("ts")).isInstanceOf(Timestamp.class);
        assertThat(((Timestamp) row.get("ts")).toInstant()).isEqualTo(NOW);
        assertThat(row.get("day_utc")).isInstanceOf(Date.class);
        assertThat(((Date) row.get("day_utc")).toLocalDate()).isEqualTo(LocalDate.of(2026, 11, 15));
        assertThat(row.get("latency_us")).isInstanceOf(Long.class);
        assertThat(row.get("ttft_us")).isInstanceOf(Long.class);
        assertThat((String) row.get("attempts")).matches(
                "\\[\\{\"provider\":\"fake-openai\",\"model\":\"gpt-4o-mini\",\"outcome\":\"success\",\"latency_us\":\\d+}]");
        assertThat(row).containsEntry("failover_count", 0);
    }

    @Test
    void everyKindOfTokenTheUpstreamReportsIsStoredApartAndPricedAtItsOwnRate() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, "{\"id\":\"chatcmpl-kinds\",\"object\":\"chat.completion\","
                + "\"created\":1735689600,\"model\":\"upstream-model\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":"
                + "{\"prompt_tokens\":1500,\"completion_tokens\":300,\"total_tokens\":1800,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1000},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":200}}}"));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(row).containsEntry("input_tokens", 500L).containsEntry("cached_input_tokens", 1000L)
                .containsEntry("cache_write_tokens", 0L).containsEntry("cache_write_1h_tokens", 0L)
                .containsEntry("output_tokens", 300L).containsEntry("reasoning_tokens", 200L);
        // 500 x 0.15 + 1000 x 0.075 + 300 x 0.60 = 75 + 75 + 180 = 330 per 1M
        assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo("0.00033")
                .isEqualByComparingTo(costHeader(response));
    }

    @Test
    void oneHourCacheWritesAreStoredAndSummedInTheSpendReport() throws Exception {
        // no upstream speaks Anthropic's usage through the gateway yet: the row goes through the gateway's own writer
        Instant day = Instant.parse("2026-04-04T10:00:00Z");
        ledger.append(new LedgerEntry("pg-kinds-1", day, "beta", "beta-batch", null, "claude-sonnet-4-5", "anthropic",
                "claude-sonnet-4-5", false, 1_200, 30_000, 2_000, 8_000, 900, 100, new BigDecimal("0.081600000000"),
                "anthropic/claude-sonnet-4-5@2025-09-29", 1_000, null, 200, "success", null, false, null, null, null,
                List.of(), 0, null));
        Map<String, Object> row = ledgerRow("pg-kinds-1");
        assertThat(row).containsEntry("cache_write_tokens", 2_000L).containsEntry("cache_write_1h_tokens", 8_000L)
                .containsEntry("cached_input_tokens", 30_000L).containsEntry("reasoning_tokens", 100L);

        HttpResponse<String> response = get(BETA, "/v1/spend?from=2026-04-04&to=2026-04-04");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode spendRow = JsonMapper.builder().build().readTree(response.body()).get("rows").get(0);
        assertThat(spendRow.get("model").asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(spendRow.get("input_tokens").asLong()).isEqualTo(1_200);
        assertThat(spendRow.get("cached_input_tokens").asLong()).isEqualTo(30_000);
        assertThat(spendRow.get("cache_write_tokens").asLong()).isEqualTo(2_000);
        assertThat(spendRow.get("cache_write_1h_tokens").asLong()).isEqualTo(8_000);
        assertThat(spendRow.get("output_tokens").asLong()).isEqualTo(900);
        assertThat(spendRow.get("reasoning_tokens").asLong()).isEqualTo(100);
        assertThat(new BigDecimal(spendRow.get("cost_usd").asString())).isEqualByComparingTo("0.0816");
    }

    @Test
    void streamedCallLeavesOneRowBilledFromTheUpstreamUsage() throws Exception {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(21, 2),
                "[DONE]"), Duration.ofMillis(2)));

        HttpResponse<InputStream> response = openStream(BETA, chatBody("gpt-4o", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).endsWith("data: [DONE]");
        String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
        Map<String, Object> row = ledgerRow(id);
        assertThat(countRows(id)).isOne();
        assertThat(row).containsEntry("team", "beta").containsEntry("app", null).containsEntry("stream", true)
                .containsEntry("input_tokens", 21L).containsEntry("output_tokens", 2L)
                .containsEntry("outcome", "success").containsEntry("status", 200).containsEntry("estimated", false);
        // 21 x 2.50 / 1M + 2 x 10.00 / 1M
        assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo("0.0000725");
        assertThat((Long) row.get("ttft_us")).isPositive();
    }

    @Test
    void upstreamErrorLeavesOneRowWithZeroCost() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "boom", "The server had an error")));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(502);
        String id = requestId(response);
        Map<String, Object> row = ledgerRow(id);
        assertThat(countRows(id)).isOne();
        assertThat(row).containsEntry("status", 502).containsEntry("outcome", "upstream_error")
                .containsEntry("error_code", "upstream_error").containsEntry("provider", "fake-openai")
                .containsEntry("input_tokens", 0L).containsEntry("output_tokens", 0L)
                .containsEntry("price_version", "openai/gpt-4o-mini@2024-10-01");
        assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo("0");
    }

    @Test
    void streamCutByTheUpstreamLeavesOneEstimatedRowPricedExactly() throws Exception {
        UPSTREAM.behave(FakeUpstream.cutSse(List.of(chunk("The quick brown"), chunk(" fox"))));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        try {
            ChatCompletionsIT.readAll(lines(response));
        } catch (IOException expected) {
            // the gateway may end the client's stream abruptly too
        }

        String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
        Map<String, Object> row = ledgerRow(id);
        assertThat(countRows(id)).isOne();
        long output = new TokenCounter().count("The quick brown fox");
        assertThat(row).containsEntry("stream", true).containsEntry("outcome", "stream_interrupted")
                .containsEntry("estimated", true).containsEntry("output_tokens", output);
        long input = (Long) row.get("input_tokens");
        assertThat(input).isPositive();
        BigDecimal expected = BigDecimal.valueOf(input).multiply(new BigDecimal("0.15"))
                .add(BigDecimal.valueOf(output).multiply(new BigDecimal("0.60"))).movePointLeft(6);
        assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo(expected);
    }

    @Test
    void spendIsReadFromThePostgresLedgerExactly() throws Exception {
        CLOCK.set(Instant.parse("2026-03-03T10:00:00Z")); // a day no other test writes on
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("a", 1234, 567)));
        String big = requestId(post(BETA, chatBody("gpt-4o", false)));
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("b", 7, 3)));
        String small = requestId(post(BETA, chatBody("gpt-4o-mini", false)));
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("c"), finishChunk(), usageChunk(1, 1), "[DONE]"),
                Duration.ofMillis(1)));
        HttpResponse<InputStream> streamed = openStream(BETA, chatBody("gpt-4o-mini", true));
        ChatCompletionsIT.readAll(lines(streamed));
        UPSTREAM.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "boom", "down")));
        String failed = requestId(post(BETA, chatBody("gpt-4o", false)));
        String refused = requestId(post(BETA, chatBody("no-such-model", false)));
        List.of(big, small, streamed.headers().firstValue("x-tollgate-request-id").orElseThrow(), failed, refused)
                .forEach(this::ledgerRow);

        HttpResponse<String> response = get(BETA, "/v1/spend?from=2026-03-03&to=2026-03-03");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode spend = JsonMapper.builder().build().readTree(response.body());
        assertThat(spend.get("team").asString()).isEqualTo("beta");
        // gpt-4o: 1234 x 2.50 + 567 x 10.00 = 8755 per 1M, and the failed call costs 0
        // gpt-4o-mini: 7 x 0.15 + 3 x 0.60 = 2.85 per 1M, and 1 x 0.15 + 1 x 0.60 = 0.75 per 1M
        assertThat(new BigDecimal(spend.get("total_usd").asString())).isEqualByComparingTo("0.0087586");
        assertThat(spend.get("requests").asLong()).as("the refused call reached no backend").isEqualTo(4);
        assertThat(new BigDecimal(spend.get("by_model").get("gpt-4o").asString())).isEqualByComparingTo("0.008755");
        assertThat(new BigDecimal(spend.get("by_model").get("gpt-4o-mini").asString()))
                .isEqualByComparingTo("0.0000036");
        assertThat(spend.get("rows")).hasSize(2);
        JsonNode mini = spend.get("rows").get(1);
        assertThat(mini.get("day").asString()).isEqualTo("2026-03-03");
        assertThat(mini.get("model").asString()).isEqualTo("gpt-4o-mini");
        assertThat(mini.get("requests").asLong()).isEqualTo(2);
        assertThat(mini.get("input_tokens").asLong()).isEqualTo(8);
        assertThat(mini.get("output_tokens").asLong()).isEqualTo(4);
        assertThat(spend.get("rows").get(0).get("requests").asLong()).isEqualTo(2);
    }

    private static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    }

    private static BigDecimal costHeader(HttpResponse<?> response) {
        return new BigDecimal(response.headers().firstValue("x-tollgate-cost-usd").orElseThrow());
    }
}
