package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

class LimitBodiesTest {

    private static final ObjectReader READER = LimitBodies.reader(JsonMapper.builder().build());

    private static JsonNode json(String text) {
        return LimitBodies.object(text.getBytes(StandardCharsets.UTF_8), READER, "{}");
    }

    private static BudgetSpec budget(String body) {
        return LimitBodies.budget(json(body), Scope.TEAM, "beta", "beta");
    }

    private static ApiError error(Runnable r) {
        try {
            r.run();
        } catch (GatewayException e) {
            return e.error();
        }
        throw new AssertionError("no error");
    }

    @Test
    void leftOutFieldsTakeTheRulesDefaults() {
        BudgetSpec b = budget("{\"amount_usd\": \"25.00\"}");

        assertThat(b).isEqualTo(new BudgetSpec(Scope.TEAM, "beta", "beta", new BigDecimal("25"), BudgetPeriod.MONTHLY,
                BudgetMode.HARD, List.of(50, 80, 100), false));
    }

    @Test
    void everyFieldIsRead() {
        BudgetSpec b = budget("{\"amount_usd\": 0.5, \"period\": \"none\", \"mode\": \"soft\", "
                + "\"alert_thresholds\": [100, 25, 25], \"downgrade_to_fit\": true}");

        assertThat(b.amountUsd()).isEqualTo(new BigDecimal("0.5"));
        assertThat(b.period()).isEqualTo(BudgetPeriod.NONE);
        assertThat(b.mode()).isEqualTo(BudgetMode.SOFT);
        assertThat(b.thresholds()).containsExactly(25, 100);
        assertThat(b.downgradeToFit()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"0.1\"                  | 0.1",
            "0.1                      | 0.1",
            "8999999.999999999        | 8999999.999999999",
            "\"8999999.999999999\"    | 8999999.999999999",
            "9000000                  | 9000000",
            "1e2                      | 100",
            "\"10.000000000\"         | 10",
            "0                        | 0",
            "\"0.000000001\"          | 0.000000001"})
    void amountsAreExactFromStringsAndNumbers(String json, String expected) {
        BigDecimal amount = budget("{\"amount_usd\": " + json + "}").amountUsd();

        assertThat(amount.toPlainString()).isEqualTo(new BigDecimal(expected).stripTrailingZeros().toPlainString());
        assertThat(amount.compareTo(new BigDecimal(expected))).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}                                              | missing_required_parameter | amount_usd",
            "{\"amount_usd\": null}                          | missing_required_parameter | amount_usd",
            "{\"amount_usd\": \"-0.01\"}                     | invalid_value              | amount_usd",
            "{\"amount_usd\": -1}                            | invalid_value              | amount_usd",
            "{\"amount_usd\": \"9000000.000000001\"}         | invalid_value              | amount_usd",
            "{\"amount_usd\": 0.0000000001}                  | invalid_value              | amount_usd",
            "{\"amount_usd\": \"1E2\"}                       | invalid_value              | amount_usd",
            "{\"amount_usd\": \"\"}                          | invalid_value              | amount_usd",
            "{\"amount_usd\": [1]}                           | invalid_type               | amount_usd",
            "{\"amount_usd\": 1, \"period\": \"monthly \"}   | invalid_value              | period",
            "{\"amount_usd\": 1, \"period\": 30}             | invalid_value              | period",
            "{\"amount_usd\": 1, \"mode\": \"HARD\"}         | invalid_value              | mode",
            "{\"amount_usd\": 1, \"alert_thresholds\": [1001]} | invalid_value            | alert_thresholds",
            "{\"amount_usd\": 1, \"alert_thresholds\": [50.5]} | invalid_value            | alert_thresholds",
            "{\"amount_usd\": 1, \"alert_thresholds\": {}}   | invalid_type               | alert_thresholds",
            "{\"amount_usd\": 1, \"downgrade_to_fit\": 1}    | invalid_type               | downgrade_to_fit",
            "{\"amount_usd\": 1, \"team\": \"alpha\"}        | unknown_parameter          | team"})
    void invalidBudgetsNameTheField(String body, String code, String param) {
        ApiError e = error(() -> budget(body));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo(ApiError.INVALID_REQUEST);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.message()).contains(param);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"''", "'[]'", "'\"text\"'", "'{'", "'{} {}'", "'{\"a\": 1, \"a\": 2}'"})
    void aBodyThatIsNotOneJsonObjectIsInvalidJson(String body) {
        ApiError e = error(() -> json(body));

        assertThat(e.code()).isEqualTo("invalid_json");
        assertThat(e.message()).contains("JSON object");
    }

    @Test
    void rateLimitsNeedOneLimitAboveZero() {
        assertThat(LimitBodies.rateLimit(json("{\"requests_per_minute\": 60}"), Scope.KEY, "beta", "beta-batch"))
                .isEqualTo(new RateLimitSpec(Scope.KEY, "beta", "beta-batch", 60, 0));
        assertThat(LimitBodies.rateLimit(json("{\"requests_per_minute\": 0, \"tokens_per_minute\": 2147483647}"),
                Scope.TEAM, "beta", "beta").tokensPerMinute()).isEqualTo(Integer.MAX_VALUE);
        assertThat(error(() -> LimitBodies.rateLimit(json("{\"requests_per_minute\": 0}"), Scope.TEAM, "b", "b"))
                .code()).isEqualTo("missing_required_parameter");
        assertThat(error(() -> LimitBodies.rateLimit(json("{\"tokens_per_minute\": 2147483648}"), Scope.TEAM, "b",
                "b")).param()).isEqualTo("tokens_per_minute");
        assertThat(error(() -> LimitBodies.rateLimit(json("{\"requests_per_minute\": \"60\"}"), Scope.TEAM, "b",
                "b")).param()).isEqualTo("requests_per_minute");
    }

    @Test
    void pathsNameTheScopeAndSubject() {
        assertThat(AdminTarget.parse("/team/beta", "budgets", true))
                .isEqualTo(new AdminTarget(Scope.TEAM, "beta", "beta", false));
        assertThat(AdminTarget.parse("/key/reset", "budgets", true))
                .isEqualTo(new AdminTarget(Scope.KEY, null, "reset", false));
        assertThat(AdminTarget.parse("/key/reset/reset", "budgets", true))
                .isEqualTo(new AdminTarget(Scope.KEY, null, "reset", true));
        AdminTarget app = AdminTarget.parse("/app/alpha/web/reset", "budgets", true);
        assertThat(app).isEqualTo(new AdminTarget(Scope.APP, "alpha", "web", true));
        assertThat(app.id()).isEqualTo("app:alpha/web");
        assertThat(error(() -> AdminTarget.parse("/app/alpha/web", "rate-limits", false)).param()).isEqualTo("scope");
        assertThat(error(() -> AdminTarget.parse("/team/a/b", "budgets", true)).status()).isEqualTo(404);
        assertThat(error(() -> AdminTarget.parse("/team/", "budgets", true)).status()).isEqualTo(404);
        assertThatThrownBy(() -> AdminTarget.parse("/app/alpha", "budgets", true))
                .isInstanceOf(GatewayException.class);
    }
}
