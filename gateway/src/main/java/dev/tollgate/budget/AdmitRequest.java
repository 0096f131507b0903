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
 */
public record AdmitRequest(String requestId, String team, long nowMillis, long reservationTtlMillis,
        List<BudgetCheck> budgets, List<RateCheck> rates, long[] amounts, long tokens) {

    public AdmitRequest {
        budgets = List.copyOf(budgets);
        rates = List.copyOf(rates);
        if (amounts.length == 0) {
            throw new IllegalArgumentException("at least one amount to reserve");
        }
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
