package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import dev.tollgate.pricing.TableValidationException;

class BudgetRulesLoaderTest {

    private static final String HASH = "sha256:" + "a".repeat(64);

    @TempDir
    Path dir;

    @Test
    void budgetsAndRateLimitsAreReadForTeamsKeysAndApps() throws IOException {
        Files.writeString(dir.resolve("teams.yaml"), """
                teams:
                  - id: t
                    budget: {amount-usd: 250.5, period: weekly, mode: soft, alert-thresholds: [100, 50], downgrade-to-fit: true}
                    rate-limit: {requests-per-minute: 600}
                    apps:
                      web: {budget: {amount-usd: 10}}
                    keys:
                      - id: k
                        hash: %s
                        budget: {amount-usd: 0.000000001, period: none, mode: shadow}
                        rate-limit: {tokens-per-minute: 50000}
                """.formatted(HASH));

        RoutingRules rules = RulesLoader.load(dir);

        assertThat(rules.budgets()).containsOnlyKeys("team:t", "key:k", "app:t/web");
        assertThat(rules.budgets().get("team:t")).isEqualTo(new BudgetSpec(Scope.TEAM, "t", "t",
                new BigDecimal("250.5"), BudgetPeriod.WEEKLY, BudgetMode.SOFT, List.of(50, 100), true));
        assertThat(rules.budgets().get("app:t/web")).isEqualTo(new BudgetSpec(Scope.APP, "t", "web",
                new BigDecimal("10"), BudgetPeriod.MONTHLY, BudgetMode.HARD, BudgetSpec.DEFAULT_THRESHOLDS, false));
        assertThat(rules.budgets().get("key:k").limitNanos()).isOne();
        assertThat(rules.rateLimits()).containsEntry("team:t", new RateLimitSpec(Scope.TEAM, "t", "t", 600, 0))
                .containsEntry("key:k", new RateLimitSpec(Scope.KEY, "t", "k", 0, 50_000));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no amount              | teams: [{id: t, budget: {period: daily}}]                      | missing required field 'amount-usd'
            negative amount        | teams: [{id: t, budget: {amount-usd: -1}}]                     | amount-usd must be >= 0
            amount too precise     | teams: [{id: t, budget: {amount-usd: 0.0000000001}}]           | amount-usd
            amount too large       | teams: [{id: t, budget: {amount-usd: 9000001}}]                | amount-usd must be at most 9000000
            unknown period         | teams: [{id: t, budget: {amount-usd: 1, period: hourly}}]      | period must be one of daily, weekly, monthly, none, but was 'hourly'
            unknown mode           | teams: [{id: t, budget: {amount-usd: 1, mode: strict}}]        | mode must be one of hard, soft, shadow
            unknown budget field   | teams: [{id: t, budget: {amount-usd: 1, currency: eur}}]       | unknown field 'currency'
            threshold not positive | teams: [{id: t, budget: {amount-usd: 1, alert-thresholds: [0]}}] | expected a whole number > 0, but was '0'
            empty rate limit       | teams: [{id: t, rate-limit: {}}]                               | a rate limit needs requests-per-minute and/or tokens-per-minute
            rate not positive      | teams: [{id: t, rate-limit: {requests-per-minute: 0}}]         | expected a whole number > 0, but was '0'
            """)
    void invalidBudgetsAreRejectedWithFileAndLine(String problem, String yaml, String message) throws IOException {
        Files.writeString(dir.resolve("rules.yaml"), yaml + "\n");

        TableValidationException e = catchThrowableOfType(TableValidationException.class, () -> RulesLoader.load(dir));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.getMessage()).as(problem).contains("rules.yaml line 1").contains(message);
    }
}
