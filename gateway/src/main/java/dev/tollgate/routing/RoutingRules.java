package dev.tollgate.routing;

import java.util.Map;

import dev.tollgate.auth.Principal;

/**
 * The routing rules in force: teams and the gateway keys that belong to them, by key hash. Immutable.
 *
 * @param teams       team id -> display name
 * @param keysByHash  {@code sha256:<hex>} -> who that key is
 */
public record RoutingRules(Map<String, String> teams, Map<String, Principal> keysByHash) {
}
