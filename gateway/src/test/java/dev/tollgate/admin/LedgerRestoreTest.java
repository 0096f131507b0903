package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.Scope;

class LedgerRestoreTest {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static BudgetSpec budget(Scope scope, String team, String subject, BudgetPeriod period) {
        return new BudgetSpec(scope, team, subject, BigDecimal.TEN, period, BudgetMode.HARD, List.of(), false);
    }

    @Test
    void theCountStartsAtThePeriodStartInTheConfiguredZoneOrAtALaterReset() {
        BudgetSpec monthly = budget(Scope.TEAM, "beta", "beta", BudgetPeriod.MONTHLY);
        BudgetSpec daily = budget(Scope.KEY, "beta", "beta-batch", BudgetPeriod.DAILY);
        BudgetSpec lifetime = budget(Scope.APP, "alpha", "web", BudgetPeriod.NONE);
        Instant monthStart = Instant.parse("2026-10-31T23:00:00Z"); // 1 November, 00:00 in Berlin (CET)
        Instant dayStart = Instant.parse("2026-11-14T23:00:00Z");
        Map<String, Instant> resets = Map.of(
                "team:beta@" + monthStart.getEpochSecond(), Instant.parse("2026-11-03T10:00:00Z"),
                "key:beta-batch@" + dayStart.getEpochSecond(), Instant.parse("2026-11-14T22:00:00Z"), // before: moot
                "team:beta@1", Instant.parse("2026-11-10T00:00:00Z")); // another period's reset

        List<LedgerRestore.Target> plan = LedgerRestore.plan(List.of(monthly, daily, lifetime), NOW, BERLIN, resets);

        assertThat(plan).containsExactly(
                new LedgerRestore.Target(monthly, "team:beta@" + monthStart.getEpochSecond(),
                        Instant.parse("2026-11-03T10:00:00Z")),
                new LedgerRestore.Target(daily, "key:beta-batch@" + dayStart.getEpochSecond(), dayStart),
                new LedgerRestore.Target(lifetime, "app:alpha/web@0", Instant.EPOCH));
    }

    @Test
    void eachScopeCountsItsSubjectsRowsRoundedUpToWholeNanoUsd() {
        List<SpendQueries.SubjectSpend> rows = List.of(
                new SpendQueries.SubjectSpend("alpha", "alpha-web", "web", new BigDecimal("0.000000000001")),
                new SpendQueries.SubjectSpend("alpha", "alpha-cli", null, new BigDecimal("1.5")),
                new SpendQueries.SubjectSpend("alpha", "alpha-web-2", "web", new BigDecimal("0.25")),
                new SpendQueries.SubjectSpend("beta", "beta-web", "web", new BigDecimal("7")));

        assertThat(LedgerRestore.spentNanos(budget(Scope.TEAM, "alpha", "alpha", BudgetPeriod.MONTHLY), rows))
                .isEqualTo(1_750_000_001L);
        assertThat(LedgerRestore.spentNanos(budget(Scope.KEY, "alpha", "alpha-web", BudgetPeriod.MONTHLY), rows))
                .isEqualTo(1L);
        assertThat(LedgerRestore.spentNanos(budget(Scope.APP, "alpha", "web", BudgetPeriod.MONTHLY), rows))
                .isEqualTo(250_000_001L);
        assertThat(LedgerRestore.spentNanos(budget(Scope.TEAM, "gamma", "gamma", BudgetPeriod.MONTHLY), rows))
                .isZero();
    }
}
