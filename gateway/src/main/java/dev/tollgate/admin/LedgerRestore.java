package dev.tollgate.admin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.Effective;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.routing.RoutingRules;

/**
 * Fills the budget counters of the current periods from the ledger, so that a restart of a replica with the
 * in-memory store does not start a month's budget from zero. For every budget in force (rules and admin API), the
 * ledger's cost of the budget's subject (a team's calls, a key's, or an app's within its team) since the later of
 * the period's start and the period's last reset is offered to {@link LimitStore#restore}, which takes it only for
 * a counter it does not know yet: a counter the store already keeps (in memory since a previous restore, or in
 * Redis, shared) stays as it is.
 * <p>
 * It runs at start before the web server takes calls, and before a changed rule set or admin change comes into
 * force, so that a budget that starts to apply has its spend before the first call charges its counter (a call
 * would create the counter at zero, and a later restore would no longer change it). Calls still in the ledger
 * writer's queue (at most its flush interval's worth) are not in the ledger yet and not counted; a call that
 * started before a reset and ended after it is in the counter but not counted by a later restore.
 * <p>
 * Blocking (JDBC and a wait for the store): callers run it on their own thread or Reactor's boundedElastic,
 * never on the event loop. Thread-safe.
 */
public final class LedgerRestore {

    /** Longest wait for the store to take the restored amounts. */
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(LedgerRestore.class);

    private final LimitStore store;
    private final SpendQueries spend;
    private final LimitOverridesRepository repository;
    private final Clock clock;
    private final ZoneId zone;

    public LedgerRestore(LimitStore store, SpendQueries spend, LimitOverridesRepository repository, Clock clock,
            ZoneId zone) {
        this.store = store;
        this.spend = spend;
        this.repository = repository;
        this.clock = clock;
        this.zone = zone;
    }

    /**
     * Offers every budget in force under {@code rules} and {@code overrides} its spend of the current period.
     *
     * @return how many counters were offered
     * @throws IllegalStateException when the ledger cannot be read or the store does not answer
     */
    public int restore(RoutingRules rules, LimitOverrides overrides) {
        List<BudgetSpec> budgets = new ArrayList<>();
        Effective.budgets(rules.budgets(), overrides.budgets(), rules.keyTeams()).forEach(e -> budgets.add(e.spec()));
        if (budgets.isEmpty()) {
            return 0;
        }
        List<Target> targets = plan(budgets, clock.instant(), zone, repository.lastResets());
        // one ledger query per distinct start: every monthly budget without a reset shares one
        Map<Instant, List<SpendQueries.SubjectSpend>> ledger = new HashMap<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>(targets.size());
        for (Target t : targets) {
            List<SpendQueries.SubjectSpend> rows = ledger.computeIfAbsent(t.since(), spend::spendSince);
            pending.add(store.restore(t.spec().team(), t.counterKey(), spentNanos(t.spec(), rows))
                    .toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("restoring the budget counters was interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("the " + store.kind() + " budget store did not take the restored "
                    + "counters: " + cause, cause);
        }
        log.info("budgets: {} counters of the current periods offered their spend from the ledger ({} queries)",
                targets.size(), ledger.size());
        return targets.size();
    }

    /**
     * One counter to restore.
     *
     * @param counterKey {@code <budget id>@<period key>}
     * @param since      the ledger counts calls from here: the later of the period's start and its last reset
     */
    record Target(BudgetSpec spec, String counterKey, Instant since) {
    }

    /** The counter of each budget's current period and where its count starts. */
    static List<Target> plan(List<BudgetSpec> budgets, Instant now, ZoneId zone, Map<String, Instant> resets) {
        List<Target> out = new ArrayList<>(budgets.size());
        for (BudgetSpec b : budgets) {
            BudgetPeriod.Window w = b.period().window(now, zone);
            String key = b.id() + "@" + w.key();
            Instant reset = resets.get(key);
            out.add(new Target(b, key, reset != null && reset.isAfter(w.start()) ? reset : w.start()));
        }
        return out;
    }

    /** The budget's subject's share of the ledger rows, rounded up to whole nano-USD like every counter amount. */
    static long spentNanos(BudgetSpec b, List<SpendQueries.SubjectSpend> rows) {
        BigDecimal sum = BigDecimal.ZERO;
        for (SpendQueries.SubjectSpend r : rows) {
            boolean match = switch (b.scope()) {
                case TEAM -> b.team().equals(r.team());
                case KEY -> b.subject().equals(r.keyId());
                case APP -> b.team().equals(r.team()) && b.subject().equals(r.app());
            };
            if (match) {
                // a hard budget was charged each call's cost, but at most its reservation (BudgetSettlement)
                sum = sum.add(b.mode() == BudgetMode.HARD ? r.hardChargedUsd() : r.costUsd());
            }
        }
        return Nanos.ofUsd(sum);
    }
}
