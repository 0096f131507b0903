package dev.tollgate.routing;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a rule set would have done to past calls, per team and in total: the result of {@link Replay#run}. Money is
 * exact; every cost figure except {@code refusedActualUsd} covers only the calls the replayed rules could route, so
 * that actual, replayed and counterfactual costs are compared over the same calls. Immutable.
 *
 * @param teams per team, by team id
 * @param total every team together ({@link TeamReplay#team()} is null)
 */
public record ReplayReport(List<TeamReplay> teams, TeamReplay total) {

    public ReplayReport {
        teams = List.copyOf(teams);
    }

    /**
     * The replay of one team's calls. Immutable.
     *
     * @param team              the team id, or null for the total
     * @param calls             calls replayed
     * @param refused           of which the replayed rules could route none
     * @param refusalReasons    why, most frequent first (ties by reason): {@code model_not_found}, or
     *                          {@code no_eligible_backend (<code>)} naming the exclusion that came furthest in the
     *                          checks
     * @param refusedActualUsd  what the refused calls actually cost (kept out of the comparison below)
     * @param actualUsd         what the routable calls actually cost (ledger {@code cost_usd})
     * @param replayedUsd       what they would cost on the first backend the replayed rules choose, with the same
     *                          usage at the prices in force at each call's time
     * @param counterfactualUsd what they would have cost on the requested model (ledger
     *                          {@code counterfactual_cost_usd}, else {@code cost_usd})
     * @param qualityFloor      the lowest quality score, for each decision's task family, among the chosen
     *                          backends that have one; null when none has
     * @param unscoredCalls     routable calls whose chosen model has no score for the task family
     */
    public record TeamReplay(String team, long calls, long refused, List<ReasonCount> refusalReasons,
            BigDecimal refusedActualUsd, BigDecimal actualUsd, BigDecimal replayedUsd, BigDecimal counterfactualUsd,
            Integer qualityFloor, long unscoredCalls) {

        public TeamReplay {
            refusalReasons = List.copyOf(refusalReasons);
        }

        /** Calls the replayed rules could route. */
        public long routed() {
            return calls - refused;
        }

        /** Actual minus replayed cost: positive when the replayed rules are cheaper than what happened. */
        public BigDecimal savingVsActualUsd() {
            return actualUsd.subtract(replayedUsd);
        }

        /** Counterfactual minus replayed cost: positive when they are cheaper than the requested models. */
        public BigDecimal savingVsCounterfactualUsd() {
            return counterfactualUsd.subtract(replayedUsd);
        }

        /** The {@code n} most frequent refusal reasons. */
        public List<ReasonCount> topRefusalReasons(int n) {
            return refusalReasons.subList(0, Math.min(n, refusalReasons.size()));
        }
    }

    /** A refusal reason and how many calls it refused. Immutable. */
    public record ReasonCount(String reason, long count) {
    }
}
