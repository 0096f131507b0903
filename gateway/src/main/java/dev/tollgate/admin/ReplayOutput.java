package dev.tollgate.admin;

import java.math.BigDecimal;
import java.time.LocalDate;

import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.routing.ReplayReport;
import dev.tollgate.routing.ReplayReport.ReasonCount;
import dev.tollgate.routing.ReplayReport.TeamReplay;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a {@link ReplayReport} as text (for people) or JSON (for tools). Money is a plain decimal string, exact,
 * with at least six decimal places; in JSON too, so that no figure goes through a double. Stateless, thread-safe.
 */
public final class ReplayOutput {

    /** How many refusal reasons are shown per team, most frequent first. */
    public static final int TOP_REASONS = 5;

    static final String CATALOG = "every price table is taken as offered by a backend of the same id (the gateway's "
            + "enabled backends are not read)";

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ReplayOutput() {
    }

    /** What the report was made from, for its heading (null dates: unbounded). Immutable. */
    public record Source(String rules, String pricing, LocalDate from, LocalDate to) {
    }

    public static String text(ReplayReport report, Source source) {
        StringBuilder sb = new StringBuilder();
        sb.append("Replay of ").append(report.total().calls()).append(" ledger calls (")
                .append(source.from() == null ? "first day" : source.from()).append(" to ")
                .append(source.to() == null ? "last day" : source.to()).append(") with the rules in ")
                .append(source.rules()).append(" and the prices in ").append(source.pricing()).append('\n');
        sb.append("Catalog: ").append(CATALOG).append(".\n");
        sb.append("Costs cover the calls the rules can route; a positive saving means the rules are cheaper.\n");
        for (TeamReplay team : report.teams()) {
            sb.append('\n').append("team ").append(team.team()).append('\n');
            team(sb, team);
        }
        sb.append('\n').append("all teams").append('\n');
        team(sb, report.total());
        return sb.toString();
    }

    private static void team(StringBuilder sb, TeamReplay t) {
        line(sb, "calls replayed", Long.toString(t.calls()));
        line(sb, "refused", t.refused() + (t.refused() == 0 ? ""
                : " (their actual cost " + usd(t.refusedActualUsd()) + " USD)"));
        for (ReasonCount r : t.topRefusalReasons(TOP_REASONS)) {
            sb.append("    ").append(r.count()).append(" x ").append(r.reason()).append('\n');
        }
        line(sb, "actual cost", usd(t.actualUsd()) + " USD");
        line(sb, "replayed cost", usd(t.replayedUsd()) + " USD");
        line(sb, "counterfactual cost", usd(t.counterfactualUsd()) + " USD");
        line(sb, "saving vs actual", usd(t.savingVsActualUsd()) + " USD");
        line(sb, "saving vs counterfactual", usd(t.savingVsCounterfactualUsd()) + " USD");
        line(sb, "quality floor", t.qualityFloor() == null ? "none (no chosen model has a score)"
                : t.qualityFloor().toString());
        line(sb, "calls to unscored models", Long.toString(t.unscoredCalls()));
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append("  ").append(label).append(" ".repeat(Math.max(1, 27 - label.length()))).append(value).append('\n');
    }

    public static String json(ReplayReport report, Source source) {
        ObjectNode root = JSON.createObjectNode();
        root.put("rules", source.rules());
        root.put("pricing", source.pricing());
        root.put("from", source.from() == null ? null : source.from().toString());
        root.put("to", source.to() == null ? null : source.to().toString());
        root.put("catalog", CATALOG);
        ArrayNode teams = root.putArray("teams");
        report.teams().forEach(t -> team(teams.addObject(), t));
        team(root.putObject("total"), report.total());
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void team(ObjectNode o, TeamReplay t) {
        if (t.team() != null) {
            o.put("team", t.team());
        }
        o.put("calls", t.calls());
        o.put("refused", t.refused());
        ArrayNode reasons = o.putArray("refusal_reasons");
        t.topRefusalReasons(TOP_REASONS).forEach(r -> reasons.addObject().put("reason", r.reason())
                .put("count", r.count()));
        o.put("refused_actual_usd", usd(t.refusedActualUsd()));
        o.put("actual_usd", usd(t.actualUsd()));
        o.put("replayed_usd", usd(t.replayedUsd()));
        o.put("counterfactual_usd", usd(t.counterfactualUsd()));
        o.put("saving_vs_actual_usd", usd(t.savingVsActualUsd()));
        o.put("saving_vs_counterfactual_usd", usd(t.savingVsCounterfactualUsd()));
        if (t.qualityFloor() == null) {
            o.putNull("quality_floor");
        } else {
            o.put("quality_floor", t.qualityFloor());
        }
        o.put("unscored_calls", t.unscoredCalls());
    }

    private static String usd(BigDecimal usd) {
        return CostCalculator.format(usd);
    }
}
