package dev.tollgate.budget;

/** One budget counter: its limit, what is spent and what is reserved by calls in flight, in nano-USD. Immutable. */
public record BudgetState(String key, long limitNanos, long spentNanos, long reservedNanos) {

    /** What is left for new calls (negative when soft or shadow budgets went over). */
    public long remainingNanos() {
        return limitNanos - spentNanos - reservedNanos;
    }
}
