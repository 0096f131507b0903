package dev.tollgate.budget;

import java.util.List;

/**
 * What admitting one call asks of a {@link LimitStore}. Immutable (the amounts array is not copied: callers build it
 * for this request and do not change it).
 *
 * @param requestId      the call's id: the reservation's key, so a settle finds it
 * @param team           the team whose counters these are
 * @param nowMillis      the time, from the gateway's clock
 * @param reservationTtlMillis a reservation never settled (a crashed replica) is released after this long
 * @param budgets        the budgets that apply, tightest first or in any order
 * @param rates          the rate limits that apply
 * @param amounts        worst-case costs to reserve in nano-USD, in order of preference: the first that fits every
 *                       hard budget is reserved (its index is returned)
 * @param tokens         tokens to take from the tokens-per-minute buckets (prompt + output cap)
 * @param flexibleMinimum when no amount fits: reserve whatever every hard budget has left, if that is at least this
 *                       much (nano-USD; the call's output is then capped to what it covers); 0 = refuse instead. Soft
 *                       and shadow budgets report going over only when even this much would not have fit
 */
public record AdmitRequest(String requestId, String team, long nowMillis, long reservationTtlMillis,
        List<BudgetCheck> budgets, List<RateCheck> rates, long[] amounts, long tokens, long flexibleMinimum) {

    public AdmitRequest {
        budgets = List.copyOf(budgets);
        rates = List.copyOf(rates);
        if (amounts.length == 0) {
            throw new IllegalArgumentException("at least one amount to reserve");
        }
        if (flexibleMinimum < 0) {
            throw new IllegalArgumentException("flexibleMinimum must be >= 0, but was " + flexibleMinimum);
        }
    }

    /** A request without a flexible amount: one of {@code amounts} is reserved, or the call is refused. */
    public AdmitRequest(String requestId, String team, long nowMillis, long reservationTtlMillis,
            List<BudgetCheck> budgets, List<RateCheck> rates, long[] amounts, long tokens) {
        this(requestId, team, nowMillis, reservationTtlMillis, budgets, rates, amounts, tokens, 0);
    }

    /**
     * The amount a soft or shadow budget is checked against when {@code reserved} was reserved: what a hard budget
     * would have needed at least (the flexible minimum, when there is one), so that they report what a hard budget
     * would have refused.
     */
    public long softCheckAmount(long reserved) {
        return flexibleMinimum > 0 ? Math.min(flexibleMinimum, reserved) : reserved;
    }

    /**
     * One budget counter to check and charge.
     *
     * @param periodEndMillis when the counter's period ends (a shared store lets the counter expire some time
     *                        after); 0 = never
     */
    public record BudgetCheck(String key, long limitNanos, BudgetMode mode, long periodEndMillis) {

        public BudgetCheck(String key, long limitNanos, BudgetMode mode) {
            this(key, limitNanos, mode, 0);
        }
    }

    /** One rate limit to check and charge; 0 = no limit of that kind. */
    public record RateCheck(String key, long requestsPerMinute, long tokensPerMinute) {
    }
}
