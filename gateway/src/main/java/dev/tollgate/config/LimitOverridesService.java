package dev.tollgate.config;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.admin.LimitOverridesRepository;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.RateLimitSpec;

/**
 * The admin API's budgets and rate limits in force on this replica: an immutable snapshot read once per call
 * ({@link #get} is one volatile read, no lock). The snapshot comes from the database: loaded at start, re-read on
 * its own thread every {@code tollgate.budgets.overrides-poll-interval} so that a change made through another
 * replica's admin API arrives here, and replaced at once by this replica's own changes.
 * <p>
 * Before a new snapshot whose budgets changed comes into force, {@code beforeInstall} sees it (the ledger restore of
 * the counters that start to apply; a change of rate limits only needs none). Loads and changes are serialized on this object, so a poll that read the database before a
 * change cannot put the older state back after it. A failure of {@code beforeInstall} is logged and the snapshot
 * comes into force all the same: an operator's change (a tighter budget) must apply. Thread-safe.
 */
public class LimitOverridesService implements Supplier<LimitOverrides>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LimitOverridesService.class);

    private final AtomicReference<LimitOverrides> current = new AtomicReference<>(LimitOverrides.NONE);
    private final LimitOverridesRepository repository;
    private final Clock clock;
    private final Consumer<LimitOverrides> beforeInstall;
    private ScheduledExecutorService poller;

    /**
     * @param beforeInstall sees each new snapshot with changed budgets before it comes into force, on the thread
     *                      that made the change; may block
     */
    public LimitOverridesService(LimitOverridesRepository repository, Clock clock,
            Consumer<LimitOverrides> beforeInstall) {
        this.repository = repository;
        this.clock = clock;
        this.beforeInstall = beforeInstall;
    }

    @Override
    public LimitOverrides get() {
        return current.get();
    }

    /**
     * Reads the database and puts what it holds in force without showing it to {@code beforeInstall}: at start,
     * before the web server takes calls, by a caller that then restores every counter itself (blocking).
     *
     * @throws IllegalStateException when the database cannot be read
     */
    public synchronized void load() {
        LimitOverrides loaded = repository.load();
        replace(loaded);
        log.info("admin overrides: {} budgets and {} rate limits in force", loaded.budgets().size(),
                loaded.rateLimits().size());
    }

    /**
     * Reads the database and puts what it holds in force if it differs from the snapshot in force (blocking).
     *
     * @return whether the snapshot changed
     * @throws IllegalStateException when the database cannot be read (the snapshot in force stays)
     */
    public synchronized boolean reload() {
        LimitOverrides loaded = repository.load();
        if (loaded.equals(current.get())) {
            return false;
        }
        install(loaded);
        log.info("admin overrides: {} budgets and {} rate limits in force", loaded.budgets().size(),
                loaded.rateLimits().size());
        return true;
    }

    /** Stores a budget (new, or replacing the one with its id) and puts it in force here at once (blocking). */
    public synchronized void putBudget(BudgetSpec budget) {
        // as the database gives it back, so that the next poll finds no change
        BudgetSpec spec = new BudgetSpec(budget.scope(), budget.team(), budget.subject(),
                LimitOverridesRepository.normalized(budget.amountUsd()), budget.period(), budget.mode(),
                budget.thresholds(), budget.downgradeToFit());
        repository.putBudget(spec, clock.instant());
        Map<String, BudgetSpec> budgets = new HashMap<>(current.get().budgets());
        budgets.put(spec.id(), spec);
        install(new LimitOverrides(budgets, current.get().rateLimits()));
    }

    /** Deletes a budget (the rules' budget of the same id, if any, applies again); false when there was none. */
    public synchronized boolean removeBudget(String id) {
        boolean stored = repository.deleteBudget(id);
        LimitOverrides now = current.get();
        if (now.budgets().containsKey(id)) {
            Map<String, BudgetSpec> budgets = new HashMap<>(now.budgets());
            budgets.remove(id);
            install(new LimitOverrides(budgets, now.rateLimits()));
            return true;
        }
        return stored;
    }

    /** Stores a rate limit (new, or replacing the one with its id) and puts it in force here at once. */
    public synchronized void putRateLimit(RateLimitSpec spec) {
        repository.putRateLimit(spec, clock.instant());
        Map<String, RateLimitSpec> limits = new HashMap<>(current.get().rateLimits());
        limits.put(spec.id(), spec);
        install(new LimitOverrides(current.get().budgets(), limits));
    }

    /** Deletes a rate limit (the rules' limit of the same id, if any, applies again); false when there was none. */
    public synchronized boolean removeRateLimit(String id) {
        boolean stored = repository.deleteRateLimit(id);
        LimitOverrides now = current.get();
        if (now.rateLimits().containsKey(id)) {
            Map<String, RateLimitSpec> limits = new HashMap<>(now.rateLimits());
            limits.remove(id);
            install(new LimitOverrides(now.budgets(), limits));
            return true;
        }
        return stored;
    }

    /** Re-reads the database every {@code interval} on a thread of its own; zero or negative: never. */
    public synchronized void startPolling(Duration interval) {
        if (poller != null || interval.isZero() || interval.isNegative()) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-overrides-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollOnce, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * One poll. Nothing may escape: a scheduled task that throws is never run again, which would silently stop
     * every later change from arriving. A failure is logged and the next poll tries again.
     */
    private void pollOnce() {
        try {
            reload();
        } catch (RuntimeException | Error e) {
            log.error("admin overrides: reading the budgets and rate limits from the database failed; the ones in "
                    + "force stay, trying again at the next poll", e);
        }
    }

    /** Puts a snapshot in force; callers hold this object's lock. */
    protected void replace(LimitOverrides overrides) {
        current.set(overrides);
    }

    private void install(LimitOverrides next) {
        try {
            if (!next.budgets().equals(current.get().budgets())) {
                beforeInstall.accept(next);
            }
        } catch (RuntimeException e) {
            log.error("admin overrides: preparing the budget counters for the change failed; the change is in force "
                    + "all the same, and a budget that starts to apply here counts from what the store holds", e);
        }
        replace(next);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
