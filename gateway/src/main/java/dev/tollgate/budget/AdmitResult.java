package dev.tollgate.budget;

import java.util.List;

/**
 * What admission found. On a refusal nothing was taken or reserved. Immutable.
 *
 * @param outcome          admitted, or which limit refused
 * @param option           index of the reserved amount (admitted only), else -1; {@code amounts.length} for the
 *                         flexible amount
 * @param reservedNanos    the amount reserved (admitted only), else 0
 * @param refusedKey       the counter that refused, else null
 * @param retryAfterMillis for a rate limit: when enough will be back (-1: never, the call is larger than the
 *                         limit); for a budget: -1
 * @param budgets          every budget counter after the step
 * @param rates            every rate limit after the step
 * @param overSoftLimits   soft and shadow budget keys the reservation went over (they did not refuse)
 */
public record AdmitResult(Outcome outcome, int option, long reservedNanos, String refusedKey, long retryAfterMillis,
        List<BudgetState> budgets, List<RateState> rates, List<String> overSoftLimits) {

    public AdmitResult {
        budgets = List.copyOf(budgets);
        rates = List.copyOf(rates);
        overSoftLimits = List.copyOf(overSoftLimits);
    }

    /** A refusal: nothing reserved. */
    public static AdmitResult refused(Outcome outcome, String refusedKey, long retryAfterMillis,
            List<BudgetState> budgets, List<RateState> rates) {
        return new AdmitResult(outcome, -1, 0, refusedKey, retryAfterMillis, budgets, rates, List.of());
    }

    public enum Outcome {
        ADMITTED, BUDGET_EXCEEDED, REQUESTS_LIMITED, TOKENS_LIMITED
    }

    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }
}
