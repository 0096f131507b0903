package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.tollgate.admin.LimitOverridesRepository;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;

/** The overrides service over a migrated in-memory H2: loading, own changes, polling that survives failures. */
class LimitOverridesServiceTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-15T12:00:00Z"), ZoneOffset.UTC);
    private static final BudgetSpec BETA = new BudgetSpec(Scope.TEAM, "beta", "beta", new BigDecimal("12.5"),
            BudgetPeriod.MONTHLY, BudgetMode.HARD, List.of(50, 100), false);

    private JdbcTemplate jdbc;
    private LimitOverridesRepository repository;
    private final List<LimitOverrides> seen = new ArrayList<>();
    private LimitOverridesService service;

    @BeforeEach
    void database() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:overrides-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        jdbc = new JdbcTemplate(ds);
        repository = new LimitOverridesRepository(ds);
        service = new LimitOverridesService(repository, CLOCK, next -> {
            synchronized (seen) {
                seen.add(next);
            }
        });
    }

    @AfterEach
    void close() {
        service.close();
    }

    @Test
    void ownChangesApplyAtOnceAndBudgetChangesAreShownBeforeTheyApply() {
        service.putBudget(BETA);

        assertThat(service.get().budgets()).containsEntry("team:beta", BETA);
        assertThat(seen).containsExactly(service.get());
        assertThat(service.reload()).as("the database holds what is in force").isFalse();

        service.putRateLimit(new RateLimitSpec(Scope.KEY, "beta", "beta-batch", 10, 0));
        assertThat(service.get().rateLimits()).containsOnlyKeys("key:beta-batch");
        assertThat(seen).as("a rate limit restores no counter").hasSize(1);

        assertThat(service.removeBudget("team:beta")).isTrue();
        assertThat(service.removeBudget("team:beta")).isFalse();
        assertThat(service.removeRateLimit("key:beta-batch")).isTrue();
        assertThat(service.get()).isEqualTo(LimitOverrides.NONE);
        assertThat(repository.load()).isEqualTo(LimitOverrides.NONE);
    }

    @Test
    void aFailingHookDoesNotKeepTheChangeOut() {
        LimitOverridesService failing = new LimitOverridesService(repository, CLOCK, next -> {
            throw new IllegalStateException("ledger down");
        });

        failing.putBudget(BETA);

        assertThat(failing.get().budgets()).containsKey("team:beta");
    }

    @Test
    void pollingBringsOtherReplicasChangesAndSurvivesAFailingDatabase() {
        service.load();
        service.startPolling(Duration.ofMillis(20));
        jdbc.execute("ALTER TABLE budget_override RENAME TO budget_override_away");
        assertThatThrownBy(() -> service.reload()).isInstanceOf(IllegalStateException.class);
        // several polls fail meanwhile (each logged); the poller must still be scheduled afterwards
        await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> true);
        jdbc.execute("ALTER TABLE budget_override_away RENAME TO budget_override");

        new LimitOverridesRepository(jdbc.getDataSource()).putBudget(BETA, CLOCK.instant());

        await().atMost(Duration.ofSeconds(5)).until(() -> service.get().budgets().containsKey("team:beta"));
        assertThat(service.get().budgets().get("team:beta")).isEqualTo(BETA);
    }

    @Test
    void amountsReadBackEqualTheOnesStored() {
        BudgetSpec written = new BudgetSpec(Scope.APP, "alpha", "web", new BigDecimal("8999999.999999999"),
                BudgetPeriod.NONE, BudgetMode.SHADOW, List.of(), true);
        service.putBudget(written);
        service.putBudget(new BudgetSpec(Scope.TEAM, "beta", "beta", new BigDecimal("100.00"), BudgetPeriod.DAILY,
                BudgetMode.SOFT, List.of(1, 1000), false));

        LimitOverrides loaded = repository.load();

        assertThat(loaded).isEqualTo(service.get());
        assertThat(loaded.budgets().get("team:beta").amountUsd().toPlainString()).isEqualTo("100");
        assertThat(jdbc.queryForObject("SELECT alert_thresholds FROM budget_override WHERE id = 'app:alpha/web'",
                String.class)).isEmpty();
    }
}
