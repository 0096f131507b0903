package dev.tollgate.routing;

import java.util.HashMap;
import java.util.Map;

import dev.tollgate.auth.Principal;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.RateLimitSpec;

/**
 * The routing rules in force: teams and their gateway keys (by key hash), each team's policy, and the route
 * aliases. Immutable.
 *
 * @param teams       team id -> display name
 * @param keysByHash  {@code sha256:<hex>} -> who that key is
 * @param policies    team id -> policy (absent: {@link TeamPolicy#OPEN})
 * @param aliases     alias name -> alias
 * @param budgets     budget id ({@code team:alpha}, {@code key:alpha-web}, {@code app:alpha/web}) -> budget
 * @param rateLimits  rate-limit id ({@code team:alpha}, {@code key:alpha-web}) -> limit
 */
public record RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash,
        Map<String, TeamPolicy> policies, Map<String, RouteAlias> aliases, Map<String, BudgetSpec> budgets,
        Map<String, RateLimitSpec> rateLimits) {

    public RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash) {
        this(teams, keysByHash, Map.of(), Map.of());
    }

    public RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash,
            Map<String, TeamPolicy> policies, Map<String, RouteAlias> aliases) {
        this(teams, keysByHash, policies, aliases, Map.of(), Map.of());
    }

    /** Key id -> its team. Built on each call: for the admin API and restores, not the request path. */
    public Map<String, String> keyTeams() {
        Map<String, String> out = new HashMap<>();
        keysByHash.values().forEach(p -> out.put(p.keyId(), p.team()));
        return out;
    }

    public TeamPolicy policy(String team) {
        return team == null ? TeamPolicy.OPEN : policies.getOrDefault(team, TeamPolicy.OPEN);
    }
}
