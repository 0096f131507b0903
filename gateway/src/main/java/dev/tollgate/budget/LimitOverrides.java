package dev.tollgate.budget;

import java.util.Map;

/**
 * Budgets and rate limits set through the admin API (persisted in the database), which take precedence over the
 * routing rules' for the same id. Immutable; replaced whole when an operator changes one.
 */
public record LimitOverrides(Map<String, BudgetSpec> budgets, Map<String, RateLimitSpec> rateLimits) {

    public static final LimitOverrides NONE = new LimitOverrides(Map.of(), Map.of());

    public LimitOverrides {
        budgets = Map.copyOf(budgets);
        rateLimits = Map.copyOf(rateLimits);
    }
}
