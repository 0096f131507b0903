package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.Usage;

/**
 * "What would this rule set have saved?": re-runs {@link Router#decide} over past calls with other tables and
 * prices each call, with its own usage, on the first backend the decision chooses. A pure function (no I/O, no
 * clock read). Each call becomes a {@link RouteRequest} for its requested model, with no pinned provider, prompt
 * tokens = its input + cached + cache-write tokens (both durations), max output = its output tokens (at least 1),
 * its stream flag and its team; all backends are taken as healthy. Stateless, thread-safe.
 */
public final class Replay {

    private static final Comparator<ReplayReport.ReasonCount> MOST_FREQUENT = Comparator
            .comparingLong(ReplayReport.ReasonCount::count).reversed()
            .thenComparing(ReplayReport.ReasonCount::reason);

    private Replay() {
    }

    /**
     * The tables a replay decides with. The catalog assumes every price table is offered by a backend of the same
     * id (the gateway's configuration of enabled backends is not part of a replay), so a model is offered wherever
     * a price table lists it.
     */
    public static Tables tables(PriceTable prices, QualityTable quality, RoutingRules rules) {
        Map<String, String> backends = prices.providers().keySet().stream()
                .collect(Collectors.toMap(Function.identity(), Function.identity()));
        return new Tables(prices, quality, rules, Catalog.build(prices, backends), 0, Instant.EPOCH);
    }

    /** Replays {@code calls} with {@code tables}; the report lists teams by id. */
    public static ReplayReport run(List<ReplayCall> calls, Tables tables) {
        Map<String, Totals> byTeam = new TreeMap<>();
        Totals total = new Totals(null);
        for (ReplayCall call : calls) {
            Decision decision = Router.decide(request(call), tables, call.time());
            byTeam.computeIfAbsent(call.team(), Totals::new).add(call, decision);
            total.add(call, decision);
        }
        List<ReplayReport.TeamReplay> teams = new ArrayList<>(byTeam.size());
        byTeam.values().forEach(t -> teams.add(t.report()));
        return new ReplayReport(teams, total.report());
    }

    /** The request the call would make today, from what the ledger kept of it. */
    static RouteRequest request(ReplayCall call) {
        Usage usage = call.usage();
        long prompt = usage.promptTokens();
        int maxOutput = (int) Math.min(Integer.MAX_VALUE, Math.max(1, usage.outputTokens()));
        return new RouteRequest(call.requestedModel(), null, () -> prompt, maxOutput, call.stream())
                .with(Set.of(), call.team(), null, null, null);
    }

    /** The refusal reason reported: the code, and for no eligible backend the exclusion that came furthest. */
    static String reason(Decision.Refused refused) {
        Exclusion furthest = null;
        for (Exclusion e : refused.exclusions()) {
            if (furthest == null || e.kind().ordinal() > furthest.kind().ordinal()) {
                furthest = e;
            }
        }
        return furthest == null ? refused.code() : refused.code() + " (" + furthest.kind().code() + ")";
    }

    /** Running sums of one team (or of all). Not thread-safe: used by one replay only. */
    private static final class Totals {
        private final String team;
        private final Map<String, Long> reasons = new HashMap<>();
        private long calls;
        private long refused;
        private BigDecimal refusedActual = BigDecimal.ZERO;
        private BigDecimal actual = BigDecimal.ZERO;
        private BigDecimal replayed = BigDecimal.ZERO;
        private BigDecimal counterfactual = BigDecimal.ZERO;
        private int floor = Integer.MAX_VALUE;
        private long unscored;

        Totals(String team) {
            this.team = team;
        }

        void add(ReplayCall call, Decision decision) {
            calls++;
            if (decision instanceof Decision.Refused r) {
                refused++;
                refusedActual = refusedActual.add(call.actualCostUsd());
                reasons.merge(reason(r), 1L, Long::sum);
                return;
            }
            Candidate first = ((Decision.Routed) decision).first();
            actual = actual.add(call.actualCostUsd());
            counterfactual = counterfactual.add(call.counterfactualCostUsd());
            replayed = replayed.add(CostCalculator.cost(call.usage(), first.price()));
            if (first.quality() == QualityTable.UNKNOWN) {
                unscored++;
            } else {
                floor = Math.min(floor, first.quality());
            }
        }

        ReplayReport.TeamReplay report() {
            List<ReplayReport.ReasonCount> sorted = new ArrayList<>();
            reasons.forEach((reason, count) -> sorted.add(new ReplayReport.ReasonCount(reason, count)));
            sorted.sort(MOST_FREQUENT);
            return new ReplayReport.TeamReplay(team, calls, refused, sorted, refusedActual, actual, replayed,
                    counterfactual, floor == Integer.MAX_VALUE ? null : floor, unscored);
        }
    }
}
