package dev.tollgate.routing;

import java.util.List;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.TaskFamily;

/**
 * The outcome of routing one request: either candidates in the order to try them, or a refusal with its reason.
 * Immutable.
 */
public sealed interface Decision {

    /**
     * @param candidates      cheapest estimated cost first (ties: higher quality, lower latency, provider, model);
     *                        never empty
     * @param alias           the alias the client asked for, or null for a concrete model
     * @param task            the task family quality was judged for
     * @param minQuality      the quality floor applied (0: none)
     * @param promptTokens    prompt tokens counted for the estimates (-1: not counted)
     * @param expectedOutput  output tokens the estimates assume, every choice ({@code n}) included
     * @param baselineModel   the model the savings are measured against (the requested model, or the alias's)
     * @param baselinePrice   the cheapest price of the baseline model in force, or null when it has none
     */
    record Routed(String requested, List<Candidate> candidates, List<Exclusion> exclusions, String alias,
            TaskFamily task, int minQuality, long promptTokens, int expectedOutput, String baselineModel,
            PriceRow baselinePrice) implements Decision {

        public Candidate first() {
            return candidates.get(0);
        }

        /** The same decision with fewer candidates (admission keeps those its reservation covers). */
        public Routed withCandidates(List<Candidate> kept) {
            return new Routed(requested, List.copyOf(kept), exclusions, alias, task, minQuality, promptTokens,
                    expectedOutput, baselineModel, baselinePrice);
        }
    }

    /** @param code {@code model_not_found} (404) or {@code no_eligible_backend} (400) */
    record Refused(String requested, String code, String message, List<Exclusion> exclusions) implements Decision {
    }
}
