package dev.tollgate.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared {@link LimitStore} (Redis) behind the store-failure policy: every operation waits at most the timeout,
 * and what happens when the store fails or does not answer in time is decided here, once.
 * <ul>
 * <li>{@link Policy#FAIL_CLOSED}: admissions fail (the gateway answers 503 {@code budget_store_unavailable}).</li>
 * <li>{@link Policy#FAIL_OPEN}: admissions go to a local {@link InMemoryLimitStore} whose limits are each request's
 * limits times the fallback share (rounded down, at least 1 where the limit was not 0). Its counters start from
 * zero and are kept across outages, so one replica on its own spends at most that share of each budget per period.
 * The request ids it admitted are remembered so their settles go to it too.</li>
 * </ul>
 * Either way, a settle that fails is kept (up to {@value #MAX_PENDING_SETTLES}) and sent again after the next
 * operation that succeeds: settles are idempotent (an unknown reservation changes nothing), and a lost one would
 * leave the call's cost uncounted. An admission that timed out may still run in Redis later, so a settle at zero
 * that releases its reservation is queued the same way (the gateway admits a request id once).
 * <p>
 * Errors this store absorbs (a fail-open admission, a settle) are reported to the {@link ErrorListener}; errors it
 * passes on (a fail-closed admission, reads, resets) are the caller's to count. Thread-safe.
 */
public final class ResilientLimitStore implements LimitStore, AutoCloseable {

    /** Failed settles kept for a retry; past this the oldest are still queued and new ones dropped (counted). */
    public static final int MAX_PENDING_SETTLES = 100_000;
    /** The ids of fallback admissions are swept of expired ones every this many fallback admissions. */
    static final int FALLBACK_SWEEP_EVERY = 1024;

    /** What to do when the shared store fails ({@code tollgate.budgets.store-failure-policy}). */
    public enum Policy {
        FAIL_CLOSED, FAIL_OPEN;

        /** {@code fail-closed} or {@code fail-open}. */
        public static Policy of(String name) {
            return switch (name) {
                case "fail-closed" -> FAIL_CLOSED;
                case "fail-open" -> FAIL_OPEN;
                default -> throw new IllegalArgumentException(
                        "store-failure-policy must be fail-closed or fail-open, but was " + name);
            };
        }
    }

    /** Hears of each store failure this store absorbed, and of the store answering again; must not throw or block. */
    @FunctionalInterface
    public interface ErrorListener {
        void storeError(String operation, Throwable error);

        /** The shared store answered after it had failed (at most once per outage). */
        default void storeRecovered() {
        }
    }

    /**
     * Whether the shared store answered its last operation, the last error seen (null before any), and since when
     * the store has been in its current state. Immutable.
     */
    public record Status(boolean up, String lastError, Instant since) {
    }

    private final LimitStore primary;
    private final InMemoryLimitStore fallback = new InMemoryLimitStore();
    private final Policy policy;
    private final long timeoutMillis;
    private final BigDecimal share;
    private final ErrorListener listener;
    private final Clock clock;
    /** Request ids the fallback admitted, to the time their reservation expires. */
    private final Map<String, Long> fallbackAdmitted = new ConcurrentHashMap<>();
    private final AtomicLong fallbackAdmissions = new AtomicLong();
    private final Queue<SettleRequest> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicLong droppedSettles = new AtomicLong();
    private volatile Status status;

    /**
     * @param timeout longest wait for one operation of {@code primary}
     * @param share   fail-open: the share of each limit the local fallback allows, greater than 0 and at most 1
     */
    public ResilientLimitStore(LimitStore primary, Policy policy, Duration timeout, BigDecimal share,
            ErrorListener listener, Clock clock) {
        if (share.signum() <= 0 || share.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("fallback-share must be greater than 0 and at most 1, but was "
                    + share.toPlainString());
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the budget store timeout must be positive, but was " + timeout);
        }
        this.primary = primary;
        this.policy = policy;
        this.timeoutMillis = timeout.toMillis();
        this.share = share;
        this.listener = listener;
        this.clock = clock;
        this.status = new Status(true, null, clock.instant());
    }

    @Override
    public String kind() {
        return primary.kind();
    }

    public Policy policy() {
        return policy;
    }

    public Status status() {
        return status;
    }

    /** Settles waiting for the shared store to be back. */
    public int pendingSettles() {
        return pendingCount.get();
    }

    /** Settles dropped because {@value #MAX_PENDING_SETTLES} were already waiting. */
    public long droppedSettles() {
        return droppedSettles.get();
    }

    @Override
    public CompletionStage<AdmitResult> admit(AdmitRequest r) {
        return bounded(primary.admit(r)).handle((result, error) -> {
            if (error == null) {
                up();
                if (fallbackAdmitted.remove(r.requestId()) != null) {
                    fallback.settle(new SettleRequest(r.requestId(), r.team(), r.nowMillis(), 0, 0));
                }
                return CompletableFuture.completedFuture(result);
            }
            Throwable e = cause(error);
            down(e);
            if (isTimeout(e)) {
                // it may still run in Redis: release whatever it reserved there once Redis answers again
                enqueue(new SettleRequest(r.requestId(), r.team(), r.nowMillis(), 0, 0));
            }
            if (policy == Policy.FAIL_CLOSED) {
                // Fail closed (the default): a call the shared budgets cannot count is refused, so that no replica
                // can spend past a limit while Redis is away. The caller maps this to 503 and counts it.
                return CompletableFuture.<AdmitResult>failedFuture(e);
            }
            // Fail open: availability over exactness, bounded. Each replica admits against its own share of every
            // limit, so N replicas overspend by at most N x share of a budget during an outage.
            listener.storeError("admit", e);
            return fallbackAdmit(r);
        }).thenCompose(f -> f);
    }

    private CompletionStage<AdmitResult> fallbackAdmit(AdmitRequest r) {
        List<AdmitRequest.BudgetCheck> budgets = new ArrayList<>(r.budgets().size());
        for (AdmitRequest.BudgetCheck b : r.budgets()) {
            budgets.add(new AdmitRequest.BudgetCheck(b.key(), share(b.limitNanos()), b.mode(), b.periodEndMillis()));
        }
        List<AdmitRequest.RateCheck> rates = new ArrayList<>(r.rates().size());
        for (AdmitRequest.RateCheck rc : r.rates()) {
            rates.add(new AdmitRequest.RateCheck(rc.key(), share(rc.requestsPerMinute()), share(rc.tokensPerMinute())));
        }
        AdmitRequest local = new AdmitRequest(r.requestId(), r.team(), r.nowMillis(), r.reservationTtlMillis(),
                budgets, rates, r.amounts(), r.tokens(), r.flexibleMinimum());
        return fallback.admit(local).thenApply(result -> {
            if (result.admitted()) {
                fallbackAdmitted.put(r.requestId(), r.nowMillis() + r.reservationTtlMillis());
                if (fallbackAdmissions.incrementAndGet() % FALLBACK_SWEEP_EVERY == 0) {
                    fallbackAdmitted.values().removeIf(expires -> expires <= r.nowMillis());
                }
            }
            return result;
        });
    }

    /** A limit times the fallback share, rounded down; at least 1 unless the limit is 0. */
    long share(long limit) {
        if (limit <= 0) {
            return limit;
        }
        long part = BigDecimal.valueOf(limit).multiply(share).setScale(0, RoundingMode.FLOOR).longValueExact();
        return Math.max(1, part);
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest s) {
        if (fallbackAdmitted.remove(s.requestId()) != null) {
            return fallback.settle(s);
        }
        return bounded(primary.settle(s)).handle((result, error) -> {
            if (error == null) {
                up();
                return result;
            }
            Throwable e = cause(error);
            down(e);
            listener.storeError("settle", e);
            enqueue(s);
            return SettleResult.NONE;
        });
    }

    @Override
    public CompletionStage<List<BudgetState>> read(String team, List<String> counterKeys, long nowMillis) {
        return watched(primary.read(team, counterKeys, nowMillis));
    }

    @Override
    public CompletionStage<Void> reset(String team, String counterKey) {
        return watched(primary.reset(team, counterKey));
    }

    @Override
    public CompletionStage<Void> restore(String team, String counterKey, long spentNanos) {
        return watched(primary.restore(team, counterKey, spentNanos));
    }

    /** Asks the shared store whether it answers, and updates {@link #status()}. */
    @Override
    public CompletionStage<Void> ping() {
        return watched(primary.ping());
    }

    /** Closes the shared store (its connection and threads) if it has anything to close. */
    @Override
    public void close() throws Exception {
        if (primary instanceof AutoCloseable c) {
            c.close();
        }
    }

    private <T> CompletableFuture<T> watched(CompletionStage<T> operation) {
        return bounded(operation).handle((result, error) -> {
            if (error == null) {
                up();
                return CompletableFuture.completedFuture(result);
            }
            Throwable e = cause(error);
            down(e);
            return CompletableFuture.<T>failedFuture(e);
        }).thenCompose(f -> f);
    }

    private <T> CompletableFuture<T> bounded(CompletionStage<T> operation) {
        return operation.toCompletableFuture().copy().orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private Throwable cause(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof TimeoutException && e.getMessage() == null) {
            return new TimeoutException("no answer from the " + primary.kind() + " budget store within "
                    + timeoutMillis + " ms");
        }
        return e;
    }

    private static boolean isTimeout(Throwable e) {
        return e.getClass().getSimpleName().endsWith("TimeoutException");
    }

    private void up() {
        Status s = status;
        if (!s.up()) {
            status = new Status(true, s.lastError(), clock.instant());
            listener.storeRecovered();
        }
        if (pendingCount.get() > 0) {
            retryPending();
        }
    }

    private void down(Throwable e) {
        Status s = status;
        String error = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
        status = new Status(false, error, s.up() ? clock.instant() : s.since());
    }

    private void enqueue(SettleRequest s) {
        if (pendingCount.incrementAndGet() > MAX_PENDING_SETTLES) {
            pendingCount.decrementAndGet();
            droppedSettles.incrementAndGet();
            return;
        }
        pending.add(s);
    }

    /** Sends the settles that were waiting (as many as were queued when it started); a failed one waits again. */
    private void retryPending() {
        int n = pendingCount.get();
        for (int i = 0; i < n; i++) {
            SettleRequest s = pending.poll();
            if (s == null) {
                return;
            }
            pendingCount.decrementAndGet();
            bounded(primary.settle(s)).whenComplete((result, error) -> {
                if (error != null) {
                    down(cause(error));
                    enqueue(s);
                }
            });
        }
    }
}
