package dev.tollgate.config;

import java.time.Clock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.admin.AdminAuth;
import dev.tollgate.admin.AdminRoutes;
import dev.tollgate.admin.BudgetAdminHandler;
import dev.tollgate.admin.HealthDetailsFilter;
import dev.tollgate.admin.LedgerRestore;
import dev.tollgate.admin.LimitOverridesRepository;
import dev.tollgate.admin.RateLimitAdminHandler;
import dev.tollgate.admin.SpendQueries;
import dev.tollgate.budget.LimitStore;
import tools.jackson.databind.ObjectMapper;

/**
 * Wires the admin API ({@code /admin}), the budgets and rate limits it sets (stored in the database, polled by every
 * replica) and the restore of the budget counters from the ledger. Picked up by component scanning like
 * {@link GatewayConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

    /**
     * The restore at start: after the ledger writer has started (its spill file replayed into the ledger,
     * {@link GatewayConfiguration#LEDGER_PHASE}) and before the web server takes calls (Spring Boot starts the
     * reactive web server in phase {@code DEFAULT_PHASE - 2048}). An {@code ApplicationRunner} would be too late: runners
     * run after the context is refreshed, when the server already accepts connections.
     */
    static final int RESTORE_PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

    private static final Logger log = LoggerFactory.getLogger(AdminConfiguration.class);

    @Bean
    LimitOverridesRepository limitOverridesRepository(DataSource dataSource) {
        return new LimitOverridesRepository(dataSource);
    }

    @Bean
    LedgerRestore ledgerRestore(LimitStore store, SpendQueries spend, LimitOverridesRepository repository,
            Clock clock, TollgateProperties properties) {
        return new LedgerRestore(store, spend, repository, clock, properties.budgets().timeZone());
    }

    /** Admin changes, from this replica or read from the database, restore their new counters before they apply. */
    @Bean(destroyMethod = "close")
    LimitOverridesService limitOverrides(LimitOverridesRepository repository, Clock clock, LedgerRestore restore,
            TablesService tables) {
        return new LimitOverridesService(repository, clock, next -> restore.restore(tables.current().rules(), next));
    }

    @Bean
    SmartLifecycle budgetRestoreLifecycle(LimitOverridesService overrides, LedgerRestore restore,
            TablesService tables, TollgateProperties properties) {
        // Lifecycles start after every singleton exists, so Flyway has migrated the schema by then.
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                // a rule set that changes from now on restores its new counters before it applies
                tables.beforeRulesInstall(rules -> restore.restore(rules, overrides.get()));
                overrides.load();
                // A failure stops the start: a replica with the in-memory store would otherwise take calls
                // against budgets that count from zero in the middle of their period.
                restore.restore(tables.current().rules(), overrides.get());
                overrides.startPolling(properties.budgets().overridesPollInterval());
                running = true;
            }

            @Override
            public void stop() {
                overrides.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return RESTORE_PHASE;
            }
        };
    }

    @Bean
    AdminAuth adminAuth(TollgateProperties properties) {
        AdminAuth auth = new AdminAuth(properties.admin().keyHash());
        log.info("admin API: {}", auth.enabled() ? "on (/admin and /actuator/health/details, admin key required)"
                : "off (set tollgate.admin.key-hash to turn it on)");
        return auth;
    }

    /** Health details for the admin key only; the health status and the probes' groups stay open. */
    @Bean
    HealthDetailsFilter healthDetailsFilter(AdminAuth auth) {
        return new HealthDetailsFilter(auth);
    }

    @Bean
    RouterFunction<ServerResponse> tollgateAdmin(AdminAuth auth, TollgateProperties properties,
            LimitOverridesService overrides, TablesService tables, LimitStore store,
            LimitOverridesRepository repository, ObjectMapper mapper, Clock clock) {
        BudgetAdminHandler budgets = new BudgetAdminHandler(overrides, tables, store, repository, mapper, clock,
                properties.budgets().timeZone());
        RateLimitAdminHandler limits = new RateLimitAdminHandler(overrides, tables, mapper);
        return AdminRoutes.routes(auth, budgets, limits);
    }
}
