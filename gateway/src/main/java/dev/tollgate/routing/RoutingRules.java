package dev.tollgate.routing;

import java.util.Map;

import dev.tollgate.auth.Principal;

/**
 * The routing rules in force: teams and their gateway keys (by key hash), each team's policy, and the route
 * aliases. Immutable.
 *
 * @param teams       team id -> display name
 * @param keysByHash  {@code sha256:<hex>} -> who that key is
 * @param policies    team id -> policy (absent: {@link TeamPolicy#OPEN})
 * @param aliases     alias name -> alias
 */
public record RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash,
        Map<String, TeamPolicy> policies, Map<String, RouteAlias> aliases) {

    public RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash) {
        this(teams, keysByHash, Map.of(), Map.of());
    }

    public TeamPolicy policy(String team) {
        return team == null ? TeamPolicy.OPEN : policies.getOrDefault(team, TeamPolicy.OPEN);
    }
}
