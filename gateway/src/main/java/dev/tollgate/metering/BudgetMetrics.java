package dev.tollgate.metering;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.Applicable;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.ResilientLimitStore;
import dev.tollgate.budget.Scope;
import dev.tollgate.budget.SettleResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The budget metrics. Gauges show each team's team-wide budget as this replica last saw it (every admission and
 * settle returns the counter's state; with Redis every replica sees the shared counter, so take {@code max by
 * (team)}). Labels are the team, a reason or a threshold: never a key or app. A budget store that fails on every
 * call is counted on every call and logged through a {@link ThrottledLog}: the first failure, then at most a line
 * a minute, and one when the store answers again. Thread-safe.
 */
public final class BudgetMetrics implements ResilientLimitStore.ErrorListener {

    public static final String LIMIT = "tollgate.budget.limit.usd";
    public static final String SPENT = "tollgate.budget.spent.usd";
    public static final String RESERVED = "tollgate.budget.reserved.usd";
    public static final String REJECTIONS = "tollgate.budget.rejections";
    public static final String THRESHOLD_CROSSED = "tollgate.budget.threshold.crossed";
    public static final String STORE_ERRORS = "tollgate.budget.store.errors";
    public static final String OUTPUT_CAPPED = "tollgate.budget.output.capped";
    public static final String OVERRUN = "tollgate.budget.overrun.usd";

    /** Rejection reasons (the {@code reason} label). Soft and shadow budgets count what they would have refused. */
    public static final String BUDGET = "budget_exceeded";
    public static final String SOFT = "soft_budget_exceeded";
    public static final String SHADOW = "shadow_budget_exceeded";
    public static final String REQUESTS = "requests_per_minute";
    public static final String TOKENS = "tokens_per_minute";
    public static final String STORE_UNAVAILABLE = "store_unavailable";

    private static final Logger log = LoggerFactory.getLogger(BudgetMetrics.class);

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<BudgetState>> teams = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    /** Nano-USD billed beyond reservations, by team (exported exactly, converted at export only). */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> overruns = new ConcurrentHashMap<>();
    private final ThrottledLog storeLog;

    public BudgetMetrics(MeterRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    public BudgetMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.storeLog = new ThrottledLog(log, "budget store", ThrottledLog.DEFAULT_INTERVAL, clock);
    }

    /** One admission's result: gauges, refusals, soft and shadow overruns. */
    public void observed(String team, Applicable applicable, AdmitResult result) {
        for (BudgetState s : result.budgets()) {
            if (s.key().startsWith(Scope.TEAM.id(team, team) + "@")) {
                teamState(team).set(s);
            }
        }
        switch (result.outcome()) {
            case BUDGET_EXCEEDED -> rejected(team, BUDGET);
            case REQUESTS_LIMITED -> rejected(team, REQUESTS);
            case TOKENS_LIMITED -> rejected(team, TOKENS);
            case ADMITTED -> {
                for (String key : result.overSoftLimits()) {
                    BudgetSpec spec = spec(applicable, key);
                    if (spec != null) {
                        rejected(team, spec.mode() == BudgetMode.SHADOW ? SHADOW : SOFT);
                    }
                }
            }
        }
    }

    /**
     * One settle: gauges and each alert threshold the spend crossed (counted once, by the settle that crossed).
     *
     * @param reservedNanos what the settled call had reserved: the reserved gauge drops by it
     */
    public void settled(String team, Applicable applicable, SettleResult result, long reservedNanos) {
        for (SettleResult.Change c : result.changes()) {
            if (c.key().startsWith(Scope.TEAM.id(team, team) + "@")) {
                AtomicReference<BudgetState> ref = teamState(team);
                BudgetState old = ref.get();
                ref.set(new BudgetState(c.key(), c.limitNanos(), c.spentAfterNanos(), old != null
                        && old.key().equals(c.key()) ? Math.max(0, old.reservedNanos() - reservedNanos) : 0));
            }
            BudgetSpec spec = spec(applicable, c.key());
            if (spec == null || c.limitNanos() <= 0) {
                continue;
            }
            for (int pct : spec.thresholds()) {
                long mark = c.limitNanos() / 100 * pct + c.limitNanos() % 100 * pct / 100; // no overflow
                if (c.spentBeforeNanos() < mark && c.spentAfterNanos() >= mark) {
                    counter(THRESHOLD_CROSSED, "team", team, "threshold", Integer.toString(pct)).increment();
                    log.warn("budget {} ({} mode) crossed {}% of {} USD: {} USD spent", spec.id(),
                            spec.mode().yamlName(), pct, spec.amountUsd().toPlainString(),
                            Nanos.toUsd(c.spentAfterNanos()).stripTrailingZeros().toPlainString());
                }
            }
        }
    }

    /** A call whose output a hard budget capped below what it asked (its max_tokens, or the model's limit). */
    public void outputCapped(String team) {
        counter(OUTPUT_CAPPED, "team", team, null, null).increment();
    }

    /**
     * A call that cost more than its reservation (a provider billing past the output cap it was sent): the hard
     * budgets were charged the reservation, the ledger has the provider's figure; the difference is counted here.
     */
    public void overrun(String team, long nanos) {
        overruns.computeIfAbsent(team, t -> {
            java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
            io.micrometer.core.instrument.FunctionCounter.builder(OVERRUN, sum,
                            a -> Nanos.toUsd(a.get()).doubleValue())
                    .description("Cost of calls beyond what was reserved for them (not charged to hard budgets)")
                    .tags("team", t).register(registry);
            return sum;
        }).addAndGet(nanos);
    }

    public void rejected(String team, String reason) {
        counter(REJECTIONS, "team", team, "reason", reason).increment();
    }

    public void storeFailed(String team, Throwable e) {
        rejected(team, STORE_UNAVAILABLE);
        storeError("admit", e);
    }

    public void settleFailed(String team, Throwable e) {
        storeError("settle", e);
    }

    @Override
    public void storeError(String operation, Throwable e) {
        counter(STORE_ERRORS, "operation", operation, null, null).increment();
        storeLog.failure(operation + " failed: " + e);
    }

    /** The budget store answers again after failing: one log line with the number of failures. */
    @Override
    public void storeRecovered() {
        storeLog.recovered();
    }

    private AtomicReference<BudgetState> teamState(String team) {
        return teams.computeIfAbsent(team, t -> {
            AtomicReference<BudgetState> ref = new AtomicReference<>();
            Gauge.builder(LIMIT, ref, r -> usd(r.get(), BudgetState::limitNanos))
                    .description("The team's budget for the current period").tags("team", t).register(registry);
            Gauge.builder(SPENT, ref, r -> usd(r.get(), BudgetState::spentNanos))
                    .description("Spent in the team budget's current period").tags("team", t).register(registry);
            Gauge.builder(RESERVED, ref, r -> usd(r.get(), BudgetState::reservedNanos))
                    .description("Reserved by the team's calls in flight").tags("team", t).register(registry);
            return ref;
        });
    }

    /**
     * A gauge's value: Micrometer gauges are doubles, so the exact nano-USD counter is converted here, at export
     * only (as GatewayMetrics exports its exact spend sums); nothing adds or compares these doubles.
     */
    private static double usd(BudgetState s, java.util.function.ToLongFunction<BudgetState> field) {
        return s == null ? Double.NaN : Nanos.toUsd(field.applyAsLong(s)).doubleValue();
    }

    private Counter counter(String name, String k1, String v1, String k2, String v2) {
        String id = name + '|' + v1 + '|' + v2;
        return counters.computeIfAbsent(id, x -> {
            Counter.Builder b = Counter.builder(name).tag(k1, v1);
            if (k2 != null) {
                b.tag(k2, v2);
            }
            return b.register(registry);
        });
    }

    private static BudgetSpec spec(Applicable applicable, String counterKey) {
        int at = counterKey.lastIndexOf('@');
        String id = at < 0 ? counterKey : counterKey.substring(0, at);
        for (BudgetSpec b : applicable.budgets()) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        return null;
    }
}
