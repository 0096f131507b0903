package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tollgate.admin.LedgerRestore;
import dev.tollgate.admin.LimitOverridesRepository;
import dev.tollgate.admin.SpendQueries;
import dev.tollgate.auth.KeyHasher;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.InMemoryLimitStore;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import dev.tollgate.config.LimitOverridesService;
import dev.tollgate.config.TablesService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API through real HTTP: its key, listing the budgets and rate limits in force, changes that apply to the
 * very next call, that are stored in the database and reach other replicas by polling, period resets, and the
 * restore of the budget counters from the ledger. Its own context: an admin key hash, rules with budgets
 * ({@code rules-admin}) and a 200 ms overrides poll; closed after the class.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class AdminApiIT extends GatewayITSupport {

    static final String ADMIN = "sk-test-admin-key";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @DynamicPropertySource
    static void admin(DynamicPropertyRegistry r) {
        r.add("tollgate.admin.key-hash", () -> KeyHasher.hash(ADMIN));
        r.add("tollgate.rules.location", () -> "src/test/resources/rules-admin");
        r.add("tollgate.budgets.overrides-poll-interval", () -> "200ms");
    }

    @Autowired
    LimitOverridesService overrides;
    @Autowired
    TablesService tables;

    @BeforeEach
    void upstreamAnswers() {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hello", 10, 5)));
    }

    @AfterEach
    void dropEveryOverride() {
        jdbc.update("DELETE FROM budget_override");
        jdbc.update("DELETE FROM rate_limit_override");
        jdbc.update("DELETE FROM budget_reset");
        overrides.reload();
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void everyAdminCallNeedsTheAdminKey() throws Exception {
        assertError(admin("GET", "/admin/budgets", null, null), 401, "invalid_api_key");
        assertError(admin("GET", "/admin/budgets", null, "sk-wrong"), 401, "invalid_api_key");
        assertThat(assertError(admin("GET", "/admin/budgets", null, ALPHA), 401, "invalid_api_key").path("message")
                .asString()).contains("gateway keys do not open");
        assertError(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": \"1\"}", null), 401,
                "invalid_api_key");
        assertError(admin("GET", "/admin/nothing-here", null, null), 401, "invalid_api_key");

        assertThat(admin("GET", "/admin/budgets", null, ADMIN).statusCode()).isEqualTo(200);
        HttpRequest viaHeader = HttpRequest.newBuilder(uri("/admin/rate-limits")).header("x-api-key", ADMIN).GET()
                .build();
        assertThat(HTTP.send(viaHeader, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void healthShowsStatusesToAnyoneAndItsDetailsOnlyToTheAdminKey() throws Exception {
        JsonNode health = JSON.readTree(admin("GET", "/actuator/health", null, null).body());
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.path("components").path("budgetStore").path("status").asString()).isEqualTo("UP");
        assertThat(health.path("components").path("backends").path("status").asString()).isEqualTo("UP");
        assertThat(health.findValues("details")).as("no details without the admin key: %s", health).isEmpty();
        assertThat(JSON.readTree(admin("GET", "/actuator/health/budgetStore", null, null).body()).has("details"))
                .isFalse();
        for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            HttpResponse<String> response = admin("GET", probe, null, null);
            assertThat(response.statusCode()).as(probe).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).path("status").asString()).isEqualTo("UP");
        }

        assertError(admin("GET", "/actuator/health/details", null, null), 401, "invalid_api_key");
        assertError(admin("GET", "/actuator/health/details", null, ALPHA), 401, "invalid_api_key");
        assertError(admin("GET", "/actuator/health/details/budgetStore", null, "sk-wrong"), 401, "invalid_api_key");

        HttpResponse<String> details = admin("GET", "/actuator/health/details", null, ADMIN);
        assertThat(details.statusCode()).as(details.body()).isEqualTo(200);
        JsonNode components = JSON.readTree(details.body()).path("components");
        assertThat(components.path("budgetStore").path("details").path("store").asString()).isEqualTo("memory");
        assertThat(components.path("backends").path("details").has("circuitBreakers")).isTrue();
        JsonNode store = JSON.readTree(admin("GET", "/actuator/health/details/budgetStore", null, ADMIN).body());
        assertThat(store.path("details").path("store").asString()).isEqualTo("memory");
    }

    @Test
    void theAdminKeyDoesNotOpenTheGatewayApi() throws Exception {
        assertThat(get(ADMIN, "/v1/budgets").statusCode()).isEqualTo(401);
    }

    @Test
    void unknownAdminPathsAndMethodsAreJsonErrors() throws Exception {
        JsonNode error = assertError(admin("GET", "/admin/nothing-here", null, ADMIN), 404, "not_found");
        assertThat(error.path("message").asString()).contains("GET /admin/budgets");

        HttpResponse<String> patch = admin("PATCH", "/admin/budgets/team/beta", "{}", ADMIN);
        assertError(patch, 405, "method_not_allowed");
        assertThat(patch.headers().firstValue("allow").orElseThrow()).contains("PUT").contains("DELETE");
        assertError(admin("PUT", "/admin/budgets", "{}", ADMIN), 405, "method_not_allowed");
        assertError(admin("GET", "/admin/budgets/team/beta/reset", null, ADMIN), 405, "method_not_allowed");
        assertError(admin("GET", "/admin/budgets/team", null, ADMIN), 404, "not_found");
    }

    // ------------------------------------------------------------------ listing

    @Test
    void listShowsTheRulesBudgetsWithTheirCurrentPeriod() throws Exception {
        JsonNode root = ok(admin("GET", "/admin/budgets", null, ADMIN));

        assertThat(root.path("object").asString()).isEqualTo("list");
        assertThat(root.path("time_zone").asString()).isEqualTo("Z");
        assertThat(ids(root)).containsExactly("app:alpha/web", "team:alpha");
        JsonNode team = byId(root, "team:alpha");
        assertThat(team.path("scope").asString()).isEqualTo("team");
        assertThat(team.path("team").asString()).isEqualTo("alpha");
        assertThat(team.path("subject").asString()).isEqualTo("alpha");
        assertThat(team.path("amount_usd").isString()).isTrue();
        assertThat(team.path("amount_usd").asString()).isEqualTo("100.00");
        assertThat(team.path("period").asString()).isEqualTo("monthly");
        assertThat(team.path("mode").asString()).isEqualTo("soft");
        assertThat(team.path("alert_thresholds").toString()).isEqualTo("[80,100]");
        assertThat(team.path("downgrade_to_fit").asBoolean()).isFalse();
        assertThat(team.path("source").asString()).isEqualTo("rules");
        assertThat(team.path("period_start").asString()).isEqualTo("2026-11-01T00:00:00Z");
        assertThat(team.path("resets_at").asString()).isEqualTo("2026-12-01T00:00:00Z");
        assertThat(team.path("spent_usd").isString()).isTrue();
        assertThat(team.path("reserved_usd").asString()).isEqualTo("0");
        JsonNode app = byId(root, "app:alpha/web");
        assertThat(app.path("period").asString()).isEqualTo("daily");
        assertThat(app.path("period_start").asString()).isEqualTo("2026-11-15T00:00:00Z");
        assertThat(app.path("resets_at").asString()).isEqualTo("2026-11-16T00:00:00Z");

        JsonNode limits = ok(admin("GET", "/admin/rate-limits", null, ADMIN));
        assertThat(limits.path("data")).hasSize(1);
        JsonNode limit = limits.path("data").get(0);
        assertThat(limit.path("id").asString()).isEqualTo("team:alpha");
        assertThat(limit.path("requests_per_minute").asLong()).isEqualTo(10_000);
        assertThat(limit.path("tokens_per_minute").asLong()).isZero();
        assertThat(limit.path("source").asString()).isEqualTo("rules");
    }

    // ------------------------------------------------------------------ changes

    @Test
    void aTinyHardBudgetPutOnBetaRefusesItsNextCall() throws Exception {
        assertThat(post(BETA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);

        JsonNode put = ok(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": \"0.000001\"}", ADMIN));

        assertThat(put.path("id").asString()).isEqualTo("team:beta");
        assertThat(put.path("amount_usd").asString()).isEqualTo("0.000001");
        assertThat(put.path("period").asString()).isEqualTo("monthly");
        assertThat(put.path("mode").asString()).isEqualTo("hard");
        assertThat(put.path("alert_thresholds").toString()).isEqualTo("[50,80,100]");
        assertThat(put.path("source").asString()).isEqualTo("admin");
        HttpResponse<String> refused = post(BETA, chatBody("gpt-4o-mini", false));
        assertThat(assertError(refused, 429, "budget_exceeded").path("message").asString()).contains("team:beta");
        // alpha has no such budget
        assertThat(post(ALPHA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        assertThat(ids(ok(admin("GET", "/admin/budgets", null, ADMIN)))).contains("team:beta");

        // stored: the row exists, and another replica's service reads it
        Map<String, Object> row = jdbc.queryForMap("SELECT * FROM budget_override WHERE id = 'team:beta'");
        assertThat(row).containsEntry("scope", "team").containsEntry("team", "beta").containsEntry("subject", "beta")
                .containsEntry("budget_period", "monthly").containsEntry("budget_mode", "hard")
                .containsEntry("alert_thresholds", "50,80,100").containsEntry("downgrade_to_fit", false);
        assertThat((BigDecimal) row.get("amount_usd")).isEqualByComparingTo("0.000001");
        assertThat(row.get("updated_at")).isNotNull();
        LimitOverridesService otherReplica = new LimitOverridesService(new LimitOverridesRepository(dataSource),
                CLOCK, next -> { });
        otherReplica.load();
        BudgetSpec stored = otherReplica.get().budgets().get("team:beta");
        assertThat(stored).isEqualTo(overrides.get().budgets().get("team:beta"));
        assertThat(stored.amountUsd()).isEqualByComparingTo("0.000001");
        assertThat(stored.limitNanos()).isEqualTo(1_000);

        JsonNode deleted = ok(admin("DELETE", "/admin/budgets/team/beta", null, ADMIN));

        assertThat(deleted.path("deleted").asBoolean()).isTrue();
        assertThat(deleted.path("in_force").isNull()).isTrue();
        assertThat(post(BETA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM budget_override", Integer.class)).isZero();
        assertError(admin("DELETE", "/admin/budgets/team/beta", null, ADMIN), 404, "budget_not_found");
        assertError(admin("GET", "/admin/budgets/team/beta", null, ADMIN), 404, "budget_not_found");
    }

    @Test
    void anAdminBudgetReplacesTheRulesOneUntilDeleted() throws Exception {
        JsonNode put = ok(admin("PUT", "/admin/budgets/team/alpha", "{\"amount_usd\": 5, \"period\": \"weekly\", "
                + "\"mode\": \"shadow\", \"alert_thresholds\": [90, 10, 90], \"downgrade_to_fit\": true}", ADMIN));

        assertThat(put.path("source").asString()).isEqualTo("admin");
        assertThat(put.path("amount_usd").asString()).isEqualTo("5");
        assertThat(put.path("period_start").asString()).isEqualTo("2026-11-09T00:00:00Z");
        assertThat(put.path("alert_thresholds").toString()).isEqualTo("[10,90]");
        assertThat(put.path("downgrade_to_fit").asBoolean()).isTrue();
        JsonNode budgets = ok(get(ALPHA, "/v1/budgets"));
        JsonNode team = byId(budgets, "team:alpha");
        assertThat(team.path("amount_usd").asString()).isEqualTo("5");
        assertThat(team.path("mode").asString()).isEqualTo("shadow");

        JsonNode deleted = ok(admin("DELETE", "/admin/budgets/team/alpha", null, ADMIN));

        assertThat(deleted.path("in_force").path("source").asString()).isEqualTo("rules");
        assertThat(deleted.path("in_force").path("amount_usd").asString()).isEqualTo("100.00");
        assertThat(byId(ok(get(ALPHA, "/v1/budgets")), "team:alpha").path("amount_usd").asString())
                .isEqualTo("100.00");
    }

    @Test
    void keyAndAppBudgetsAreSetByTheirIds() throws Exception {
        JsonNode key = ok(admin("PUT", "/admin/budgets/key/beta-batch", "{\"amount_usd\": \"7.5\"}", ADMIN));
        JsonNode app = ok(admin("PUT", "/admin/budgets/app/alpha/web", "{\"amount_usd\": \"2\"}", ADMIN));

        assertThat(key.path("id").asString()).isEqualTo("key:beta-batch");
        assertThat(key.path("team").asString()).as("a key's team comes from the rules").isEqualTo("beta");
        assertThat(app.path("id").asString()).isEqualTo("app:alpha/web");
        assertThat(app.path("source").asString()).isEqualTo("admin");
        assertThat(byId(ok(get(BETA, "/v1/budgets")), "key:beta-batch").path("amount_usd").asString())
                .isEqualTo("7.5");
        assertThat(ok(admin("GET", "/admin/budgets/app/alpha/web", null, ADMIN)).path("amount_usd").asString())
                .isEqualTo("2");
    }

    @Test
    void amountsAreReadExactlyFromJsonNumbersAndStrings() throws Exception {
        // as a double, 8999999.999999999 would be 8999999.999999998
        JsonNode number = ok(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": 8999999.999999999}", ADMIN));
        assertThat(number.path("amount_usd").asString()).isEqualTo("8999999.999999999");
        assertThat(jdbc.queryForObject("SELECT amount_usd FROM budget_override WHERE id = 'team:beta'",
                BigDecimal.class)).isEqualByComparingTo("8999999.999999999");

        JsonNode text = ok(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": \"0.1\"}", ADMIN));
        assertThat(text.path("amount_usd").asString()).isEqualTo("0.1");
        assertThat(overrides.get().budgets().get("team:beta").limitNanos()).isEqualTo(100_000_000);
    }

    @Test
    void invalidBodiesAndTargetsAreRefusedNamingTheField() throws Exception {
        record Case(String path, String body, int status, String code, String param) {
        }
        List<Case> cases = List.of(
                new Case("/admin/budgets/team/beta", "{}", 400, "missing_required_parameter", "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": \"-1\"}", 400, "invalid_value", "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": \"1e3\"}", 400, "invalid_value", "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": \"0.0000000001\"}", 400, "invalid_value",
                        "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 9000000.01}", 400, "invalid_value",
                        "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": true}", 400, "invalid_type", "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": \"ten\"}", 400, "invalid_value",
                        "amount_usd"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"period\": \"yearly\"}", 400,
                        "invalid_value", "period"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"mode\": \"loud\"}", 400, "invalid_value",
                        "mode"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"alert_thresholds\": [0]}", 400,
                        "invalid_value", "alert_thresholds"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"alert_thresholds\": 50}", 400,
                        "invalid_type", "alert_thresholds"),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"downgrade_to_fit\": \"yes\"}", 400,
                        "invalid_type", "downgrade_to_fit"),
                new Case("/admin/budgets/team/beta", "{\"amount\": 1}", 400, "unknown_parameter", "amount"),
                new Case("/admin/budgets/team/beta", "[1]", 400, "invalid_json", null),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1", 400, "invalid_json", null),
                new Case("/admin/budgets/team/beta", "{\"amount_usd\": 1, \"amount_usd\": 2}", 400, "invalid_json",
                        null),
                new Case("/admin/budgets/org/beta", "{\"amount_usd\": 1}", 400, "invalid_value", "scope"),
                new Case("/admin/budgets/team/gamma", "{\"amount_usd\": 1}", 404, "team_not_found", "subject"),
                new Case("/admin/budgets/key/sk-test-beta", "{\"amount_usd\": 1}", 404, "key_not_found", "subject"),
                new Case("/admin/budgets/app/gamma/web", "{\"amount_usd\": 1}", 404, "team_not_found", "subject"),
                new Case("/admin/rate-limits/app/alpha/web", "{\"requests_per_minute\": 1}", 400, "invalid_value",
                        "scope"),
                new Case("/admin/rate-limits/team/beta", "{}", 400, "missing_required_parameter",
                        "requests_per_minute"),
                new Case("/admin/rate-limits/team/beta", "{\"requests_per_minute\": -1}", 400, "invalid_value",
                        "requests_per_minute"),
                new Case("/admin/rate-limits/team/beta", "{\"tokens_per_minute\": 1.5}", 400, "invalid_value",
                        "tokens_per_minute"),
                new Case("/admin/rate-limits/team/beta", "{\"requests_per_minute\": 1, \"rpm\": 2}", 400,
                        "unknown_parameter", "rpm"));
        for (Case c : cases) {
            HttpResponse<String> response = admin("PUT", c.path(), c.body(), ADMIN);
            JsonNode error = assertError(response, c.status(), c.code());
            assertThat(error.path("param").isNull() ? null : error.path("param").asString()).as(c.toString())
                    .isEqualTo(c.param());
            assertThat(error.path("message").asString()).as(c.toString()).isNotBlank();
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM budget_override", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM rate_limit_override", Integer.class)).isZero();
    }

    @Test
    void rateLimitsAreSetReplacedAndDeleted() throws Exception {
        JsonNode put = ok(admin("PUT", "/admin/rate-limits/key/beta-batch", "{\"requests_per_minute\": 1}", ADMIN));

        assertThat(put.path("id").asString()).isEqualTo("key:beta-batch");
        assertThat(put.path("team").asString()).isEqualTo("beta");
        assertThat(put.path("requests_per_minute").asLong()).isEqualTo(1);
        assertThat(put.path("tokens_per_minute").asLong()).isZero();
        assertThat(put.path("source").asString()).isEqualTo("admin");
        assertThat(post(BETA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        assertError(post(BETA, chatBody("gpt-4o-mini", false)), 429, "rate_limit_exceeded");

        JsonNode replaced = ok(admin("PUT", "/admin/rate-limits/team/alpha",
                "{\"requests_per_minute\": 0, \"tokens_per_minute\": 500000}", ADMIN));
        assertThat(replaced.path("source").asString()).isEqualTo("admin");
        assertThat(replaced.path("requests_per_minute").asLong()).isZero();

        JsonNode deleted = ok(admin("DELETE", "/admin/rate-limits/team/alpha", null, ADMIN));
        assertThat(deleted.path("in_force").path("source").asString()).isEqualTo("rules");
        assertThat(deleted.path("in_force").path("requests_per_minute").asLong()).isEqualTo(10_000);
        ok(admin("DELETE", "/admin/rate-limits/key/beta-batch", null, ADMIN));
        assertThat(post(BETA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        assertError(admin("GET", "/admin/rate-limits/key/beta-batch", null, ADMIN), 404, "rate_limit_not_found");
    }

    @Test
    void anotherReplicasChangeArrivesByPolling() throws Exception {
        // what another replica's admin API does: the row only, nothing in this replica's memory
        new LimitOverridesRepository(dataSource).putRateLimit(new RateLimitSpec(Scope.KEY, "beta", "beta-batch", 3,
                0), CLOCK.instant());

        await().atMost(Duration.ofSeconds(5))
                .until(() -> overrides.get().rateLimits().containsKey("key:beta-batch"));

        JsonNode limit = ok(admin("GET", "/admin/rate-limits/key/beta-batch", null, ADMIN));
        assertThat(limit.path("requests_per_minute").asLong()).isEqualTo(3);
        assertThat(limit.path("source").asString()).isEqualTo("admin");
    }

    // ------------------------------------------------------------------ resets and restores

    @Test
    void resetStartsTheCurrentPeriodAgainAndIsRecorded() throws Exception {
        CLOCK.set(Instant.parse("2027-01-20T08:00:00Z")); // a month no other test spends in
        ok(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": \"100\"}", ADMIN));
        assertThat(post(BETA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        // 10 x 0.15 / 1M + 5 x 0.60 / 1M, settled when the call completes
        await().atMost(Duration.ofSeconds(5)).until(() -> "0.0000045".equals(
                ok(admin("GET", "/admin/budgets/team/beta", null, ADMIN)).path("spent_usd").asString()));
        CLOCK.set(Instant.parse("2027-01-20T09:30:00Z"));

        JsonNode reset = ok(admin("POST", "/admin/budgets/team/beta/reset", null, ADMIN));

        assertThat(reset.path("spent_usd").asString()).isEqualTo("0");
        assertThat(reset.path("remaining_usd").asString()).isEqualTo("100");
        assertThat(reset.path("reset_at").asString()).isEqualTo("2027-01-20T09:30:00Z");
        assertThat(byId(ok(get(BETA, "/v1/budgets")), "team:beta").path("spent_usd").asString()).isEqualTo("0");
        String periodKey = Long.toString(Instant.parse("2027-01-01T00:00:00Z").getEpochSecond());
        Map<String, Object> row = jdbc.queryForMap("SELECT * FROM budget_reset WHERE budget_id = 'team:beta'");
        assertThat(row).containsEntry("period_key", periodKey);
        assertThat(new LimitOverridesRepository(dataSource).lastResets())
                .containsEntry("team:beta@" + periodKey, Instant.parse("2027-01-20T09:30:00Z"));
        assertError(admin("POST", "/admin/budgets/team/gamma/reset", null, ADMIN), 404, "budget_not_found");
    }

    @Test
    void countersAreRestoredFromTheLedgerSinceThePeriodStartOrItsLastReset() throws Exception {
        Instant now = Instant.parse("2027-03-10T12:00:00Z"); // a month no other test spends in
        CLOCK.set(now);
        String periodKey = BudgetPeriod.MONTHLY.window(now, ZoneOffset.UTC).key();
        ledgerRow("beta", "beta-batch", null, "2027-02-28T23:59:59Z", "1.000000000000");   // before the period
        ledgerRow("beta", "beta-batch", null, "2027-03-02T10:00:00Z", "0.250000000000");   // before the reset
        ledgerRow("beta", "beta-batch", null, "2027-03-05T00:00:00Z", "0.125000000000");   // at the reset
        ledgerRow("beta", "beta-batch", null, "2027-03-09T10:00:00Z", "0.000000000001");   // rounds up to 1 nano
        ledgerRow("beta", "beta-batch", null, "2027-03-09T11:00:00Z", null);               // unpriced
        ledgerRow("alpha", "alpha-web", "web", "2027-03-09T10:00:00Z", "3.000000000000");  // another team
        new LimitOverridesRepository(dataSource).recordReset("team:beta", periodKey,
                Instant.parse("2027-03-05T00:00:00Z"));

        // a budget that starts to apply is restored before it does
        ok(admin("PUT", "/admin/budgets/team/beta", "{\"amount_usd\": \"10\"}", ADMIN));

        JsonNode mine = byId(ok(get(BETA, "/v1/budgets")), "team:beta");
        assertThat(mine.path("spent_usd").asString()).isEqualTo("0.125000001");
        assertThat(mine.path("remaining_usd").asString()).isEqualTo("9.874999999");
        // every budget in force was offered its spend: the rules' team budget of alpha too
        assertThat(byId(ok(admin("GET", "/admin/budgets", null, ADMIN)), "team:alpha").path("spent_usd").asString())
                .isEqualTo("3");

        // a restart with the in-memory store: a fresh store, restored from the same database
        InMemoryLimitStore fresh = new InMemoryLimitStore();
        LimitOverridesService overridesAfterRestart = new LimitOverridesService(
                new LimitOverridesRepository(dataSource), CLOCK, next -> { });
        overridesAfterRestart.load();
        LedgerRestore restore = new LedgerRestore(fresh, new SpendQueries(dataSource),
                new LimitOverridesRepository(dataSource), CLOCK, ZoneOffset.UTC);
        assertThat(restore.restore(tables.current().rules(), overridesAfterRestart.get())).isEqualTo(3);
        List<BudgetState> states = fresh.read("beta", List.of("team:beta@" + periodKey), now.toEpochMilli())
                .toCompletableFuture().join();
        assertThat(states.get(0).spentNanos()).isEqualTo(125_000_001L);
        List<BudgetState> alpha = fresh.read("alpha", List.of("team:alpha@" + periodKey), now.toEpochMilli())
                .toCompletableFuture().join();
        assertThat(alpha.get(0).spentNanos()).isEqualTo(3_000_000_000L);
        // a counter the store knows already keeps its value
        restore.restore(tables.current().rules(), LimitOverrides.NONE);
        assertThat(fresh.read("alpha", List.of("team:alpha@" + periodKey), now.toEpochMilli()).toCompletableFuture()
                .join().get(0).spentNanos()).isEqualTo(3_000_000_000L);
    }

    // ------------------------------------------------------------------ helpers

    private void ledgerRow(String team, String keyId, String app, String ts, String cost) {
        insertLedgerRow(jdbc, team, keyId, app, ts, cost);
    }

    /** A ledger row of a call that reached a backend, as the ledger writer would store it. */
    static void insertLedgerRow(org.springframework.jdbc.core.JdbcTemplate jdbc, String team, String keyId,
            String app, String ts, String cost) {
        Instant at = Instant.parse(ts);
        jdbc.update("INSERT INTO ledger (request_id, ts, day_utc, team, key_id, app, provider, model, stream, "
                + "input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, "
                + "latency_us, status, outcome, estimated) VALUES (?, ?, ?, ?, ?, ?, 'fake-openai', 'gpt-4o-mini', "
                + "FALSE, 1, 0, 0, 1, 0, ?, 1000, 200, 'success', FALSE)",
                "restore-" + team + "-" + ts, OffsetDateTime.ofInstant(at, ZoneOffset.UTC),
                java.sql.Date.valueOf(at.atOffset(ZoneOffset.UTC).toLocalDate()), team, keyId, app,
                cost == null ? null : new BigDecimal(cost));
    }

    private HttpResponse<String> admin(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            printThreads(method + " " + path);
            throw e;
        }
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        return JSON.readTree(response.body());
    }

    static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).as(response.body()).isEqualTo(code);
        assertThat(error.has("type") && error.has("message") && error.has("param")).isTrue();
        return error;
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(b -> ids.add(b.path("id").asString()));
        return ids;
    }

    private static JsonNode byId(JsonNode list, String id) {
        for (JsonNode b : list.path("data")) {
            if (b.path("id").asString().equals(id)) {
                return b;
            }
        }
        throw new AssertionError("no " + id + " in " + list);
    }
}
