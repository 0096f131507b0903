package dev.tollgate.budget;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where budget and rate-limit counters live: {@link InMemoryLimitStore} (one replica) or the Redis store (shared by
 * replicas). Every operation is atomic over all the counters of one team (a call's team, key and app budgets and
 * its key and team rate limits), so concurrent calls can never all pass a check that only one of them fits: the
 * check and the reservation are one step. The time is always passed in, never read by the store.
 * <p>
 * Counter keys are {@code <budget id>@<period start in epoch seconds>} ({@code team:alpha@1764547200}): a new period
 * is a new counter, so a rollover needs no reset job, and a call reserved in one period settles in that period.
 * Implementations are thread-safe.
 */
public interface LimitStore {

    /**
     * Checks the rate limits and the hard budgets and, only if every one passes, takes one request and the
     * estimated tokens from the rate buckets and reserves the first amount of {@link AdmitRequest#amounts} that fits
     * every hard budget. Soft and shadow budgets never refuse; the ones the amount would exceed are reported.
     */
    CompletionStage<AdmitResult> admit(AdmitRequest request);

    /**
     * Settles a reservation to the call's actual cost and tokens (0 for a call that cost nothing) and releases the
     * rest. Does nothing when the reservation is unknown (already settled, or expired long ago): a retried settle
     * is harmless.
     */
    CompletionStage<SettleResult> settle(SettleRequest request);

    /** The current state of budget counters (absent ones read as zero spent and reserved). */
    CompletionStage<List<BudgetState>> read(String team, List<String> counterKeys, long nowMillis);

    /** Starts a budget's current period again: spent to zero (reservations in flight stay). */
    CompletionStage<Void> reset(String team, String counterKey);

    /** Sets a counter's spent amount if the store does not know the counter yet (restoring from the ledger). */
    CompletionStage<Void> restore(String team, String counterKey, long spentNanos);

    /** A short name for logs and health: {@code memory} or {@code redis}. */
    String kind();

    /** Completes normally when the store can be reached (for health); the in-memory store always can. */
    default CompletionStage<Void> ping() {
        return CompletableFuture.completedFuture(null);
    }
}
