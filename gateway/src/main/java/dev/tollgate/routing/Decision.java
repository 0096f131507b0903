package dev.tollgate.routing;

import java.util.List;

/**
 * The outcome of routing one request: either candidates in the order to try them, or a refusal with its reason.
 * Immutable.
 */
public sealed interface Decision {

    /** @param candidates cheapest estimated cost first; never empty */
    record Routed(String requested, List<Candidate> candidates, List<Exclusion> exclusions) implements Decision {
        public Candidate first() {
            return candidates.get(0);
        }
    }

    /** @param code {@code model_not_found} (404) or {@code no_eligible_backend} (400) */
    record Refused(String requested, String code, String message, List<Exclusion> exclusions) implements Decision {
    }
}
