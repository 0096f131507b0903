package dev.tollgate.routing;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

import dev.tollgate.pricing.TaskFamily;

/**
 * A team's routing policy. Empty allow-sets allow everything; deny-sets win over allow-sets. Immutable.
 *
 * @param requireAttributes  offering attributes that must match exactly (e.g. {@code zero-data-retention: true})
 * @param maxInputPricePer1m highest input price per 1M tokens the team accepts, or null
 * @param maxOutputPricePer1m highest output price per 1M tokens the team accepts, or null
 * @param task               task family assumed for the team's calls, or null (general)
 * @param allowSubstitution  whether a concretely requested model may be served by a cheaper model of equal or
 *                           better quality for the task (default false)
 */
public record TeamPolicy(Set<String> allowProviders, Set<String> denyProviders, Set<String> allowModels,
        Set<String> denyModels, Map<String, String> requireAttributes, BigDecimal maxInputPricePer1m,
        BigDecimal maxOutputPricePer1m, TaskFamily task, boolean allowSubstitution) {

    /** No restrictions, no substitution: what a team without a policy gets. */
    public static final TeamPolicy OPEN = new TeamPolicy(Set.of(), Set.of(), Set.of(), Set.of(), Map.of(), null, null,
            null, false);

    boolean providerAllowed(String provider) {
        return !denyProviders.contains(provider) && (allowProviders.isEmpty() || allowProviders.contains(provider));
    }

    boolean modelAllowed(String model) {
        return !denyModels.contains(model) && (allowModels.isEmpty() || allowModels.contains(model));
    }
}
