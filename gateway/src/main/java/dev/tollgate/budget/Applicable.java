package dev.tollgate.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.tollgate.auth.Principal;

/**
 * The budgets and rate limits that apply to one caller: its team's, its key's and its app's, each from the admin
 * overrides if set there, else from the routing rules. A handful of map lookups per call. Immutable.
 */
public record Applicable(List<BudgetSpec> budgets, List<RateLimitSpec> rateLimits) {

    public static final Applicable NONE = new Applicable(List.of(), List.of());

    public Applicable {
        budgets = List.copyOf(budgets);
        rateLimits = List.copyOf(rateLimits);
    }

    public boolean isEmpty() {
        return budgets.isEmpty() && rateLimits.isEmpty();
    }

    /** What applies to {@code p}, given the rules' budgets and limits and the overrides. */
    public static Applicable of(Principal p, Map<String, BudgetSpec> rules, Map<String, RateLimitSpec> ruleLimits,
            LimitOverrides overrides) {
        if (rules.isEmpty() && ruleLimits.isEmpty() && overrides.budgets().isEmpty()
                && overrides.rateLimits().isEmpty()) {
            return NONE;
        }
        List<BudgetSpec> budgets = new ArrayList<>(3);
        add(budgets, Scope.TEAM.id(p.team(), p.team()), rules, overrides.budgets());
        add(budgets, Scope.KEY.id(p.team(), p.keyId()), rules, overrides.budgets());
        if (p.app() != null) {
            add(budgets, Scope.APP.id(p.team(), p.app()), rules, overrides.budgets());
        }
        List<RateLimitSpec> limits = new ArrayList<>(2);
        add(limits, Scope.KEY.id(p.team(), p.keyId()), ruleLimits, overrides.rateLimits());
        add(limits, Scope.TEAM.id(p.team(), p.team()), ruleLimits, overrides.rateLimits());
        return budgets.isEmpty() && limits.isEmpty() ? NONE : new Applicable(budgets, limits);
    }

    private static <T> void add(List<T> out, String id, Map<String, T> rules, Map<String, T> overrides) {
        T spec = overrides.get(id);
        if (spec == null) {
            spec = rules.get(id);
        }
        if (spec != null) {
            out.add(spec);
        }
    }

    /** Whether a hard budget applies (its reservations bound what calls may cost). */
    public boolean hasHard() {
        for (BudgetSpec b : budgets) {
            if (b.mode() == BudgetMode.HARD) {
                return true;
            }
        }
        return false;
    }

    /** Whether any hard budget that applies lets a cheaper candidate serve when the first does not fit. */
    public boolean downgradeToFit() {
        for (BudgetSpec b : budgets) {
            if (b.mode() == BudgetMode.HARD && b.downgradeToFit()) {
                return true;
            }
        }
        return false;
    }
}
