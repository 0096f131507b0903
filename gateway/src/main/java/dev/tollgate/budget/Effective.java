package dev.tollgate.budget;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A budget or rate limit in force and where it was set: the routing rules, or the admin API (which takes precedence
 * for the same id, as in {@link Applicable}). Immutable.
 *
 * @param spec   the budget or rate limit
 * @param source where it was set
 */
public record Effective<T>(T spec, Source source) {

    /** Where a budget or rate limit was set. */
    public enum Source {
        RULES, ADMIN;

        public String label() {
            return this == RULES ? "rules" : "admin";
        }
    }

    /**
     * Every budget in force, by id: the rules' with the admin API's in their place or added. A key's team is taken
     * from the rules when the key is there ({@code keyTeams}), so an override set before the key moved to another
     * team still counts under the team its calls are admitted in.
     *
     * @param keyTeams key id -> its team in the rules in force
     */
    public static List<Effective<BudgetSpec>> budgets(Map<String, BudgetSpec> rules,
            Map<String, BudgetSpec> overrides, Map<String, String> keyTeams) {
        Map<String, Effective<BudgetSpec>> out = new TreeMap<>();
        rules.forEach((id, spec) -> out.put(id, new Effective<>(spec, Source.RULES)));
        overrides.forEach((id, spec) -> {
            String team = spec.scope() == Scope.KEY ? keyTeams.getOrDefault(spec.subject(), spec.team()) : spec.team();
            BudgetSpec s = team.equals(spec.team()) ? spec : new BudgetSpec(spec.scope(), team, spec.subject(),
                    spec.amountUsd(), spec.period(), spec.mode(), spec.thresholds(), spec.downgradeToFit());
            out.put(id, new Effective<>(s, Source.ADMIN));
        });
        return List.copyOf(out.values());
    }

    /** Every rate limit in force, by id; see {@link #budgets}. */
    public static List<Effective<RateLimitSpec>> rateLimits(Map<String, RateLimitSpec> rules,
            Map<String, RateLimitSpec> overrides, Map<String, String> keyTeams) {
        Map<String, Effective<RateLimitSpec>> out = new TreeMap<>();
        rules.forEach((id, spec) -> out.put(id, new Effective<>(spec, Source.RULES)));
        overrides.forEach((id, spec) -> {
            String team = spec.scope() == Scope.KEY ? keyTeams.getOrDefault(spec.subject(), spec.team()) : spec.team();
            RateLimitSpec s = team.equals(spec.team()) ? spec : new RateLimitSpec(spec.scope(), team, spec.subject(),
                    spec.requestsPerMinute(), spec.tokensPerMinute());
            out.put(id, new Effective<>(s, Source.ADMIN));
        });
        return List.copyOf(out.values());
    }
}
