package dev.tollgate.api;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Exclusion;
import dev.tollgate.routing.Health;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders a routing decision as JSON: whole for {@code POST /v1/route/explain}, and as a short header-safe summary
 * (ASCII, one line, top candidates and exclusion counts) for {@code x-tollgate-explain}. Amounts are exact decimal
 * strings. Thread-safe.
 */
public final class DecisionJson {

    /** Candidates shown in the header summary. */
    static final int SUMMARY_CANDIDATES = 5;

    private final ObjectMapper mapper;

    public DecisionJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The whole decision. */
    public ObjectNode full(Decision decision) {
        ObjectNode root = mapper.createObjectNode();
        if (decision instanceof Decision.Refused r) {
            root.put("object", "route.decision").put("requested", r.requested()).put("routed", false)
                    .put("code", r.code()).put("message", r.message());
            exclusions(root.putArray("excluded"), r.exclusions());
            return root;
        }
        Decision.Routed d = (Decision.Routed) decision;
        header(root, d);
        ArrayNode candidates = root.putArray("candidates");
        for (Candidate c : d.candidates()) {
            candidate(candidates.addObject(), c);
        }
        exclusions(root.putArray("excluded"), d.exclusions());
        return root;
    }

    /** One line of ASCII JSON for a response header. */
    public String summary(Decision.Routed d) {
        ObjectNode root = mapper.createObjectNode();
        header(root, d);
        ArrayNode candidates = root.putArray("top_candidates");
        for (Candidate c : d.candidates().subList(0, Math.min(SUMMARY_CANDIDATES, d.candidates().size()))) {
            candidate(candidates.addObject(), c);
        }
        Map<Exclusion.Kind, Integer> counts = new EnumMap<>(Exclusion.Kind.class);
        d.exclusions().forEach(e -> counts.merge(e.kind(), 1, Integer::sum));
        ObjectNode excluded = root.putObject("excluded_by_reason");
        counts.forEach((k, n) -> excluded.put(k.code(), n));
        return ascii(mapper.writeValueAsString(root));
    }

    /**
     * The {@code x-tollgate-route} value of the attempt that is serving: requested, its backend, its estimated cost,
     * the number of candidates, and after a failover which attempt it is and the backends that failed before it
     * ({@code provider/model:reason,...}).
     */
    public static String routeHeader(Decision.Routed d, Candidate served, int attempt, String failedOver) {
        String head = "requested=" + ascii(d.requested()) + "; backend=" + served.offering().provider() + "/"
                + ascii(served.offering().modelId()) + "; estimated_cost_usd="
                + CostCalculator.format(served.estimatedCostUsd()) + "; candidates=" + d.candidates().size();
        return failedOver == null ? head : head + "; attempt=" + attempt + "; failed_over=" + ascii(failedOver);
    }

    /**
     * The {@code x-tollgate-route} value of a call no backend served: {@code backend=none}, how many upstream calls
     * were made, and every attempt ({@code provider/model:outcome,...}, skipped candidates included).
     */
    public static String failedRouteHeader(Decision.Routed d, int sent, String attempts) {
        return "requested=" + ascii(d.requested()) + "; backend=none; candidates=" + d.candidates().size()
                + "; attempts=" + sent + "; failed=" + ascii(attempts);
    }

    private void header(ObjectNode root, Decision.Routed d) {
        root.put("object", "route.decision").put("requested", d.requested()).put("routed", true)
                .put("alias", d.alias()).put("task", d.task().yamlName()).put("min_quality", d.minQuality())
                .put("prompt_tokens", d.promptTokens()).put("expected_output_tokens", d.expectedOutput())
                .put("baseline_model", d.baselineModel());
        if (d.baselinePrice() != null) {
            root.put("baseline_price_version", d.baselinePrice().version());
        }
        Candidate first = d.first();
        root.put("chosen", first.offering().provider() + "/" + first.offering().modelId());
        root.put("candidate_count", d.candidates().size()).put("excluded_count", d.exclusions().size());
    }

    private static void candidate(ObjectNode o, Candidate c) {
        o.put("provider", c.offering().provider()).put("model", c.offering().modelId())
                .put("estimated_cost_usd", CostCalculator.format(c.estimatedCostUsd()))
                .put("input_usd_per_1m", c.price().input().toPlainString())
                .put("output_usd_per_1m", c.price().output().toPlainString())
                .put("price_version", c.price().version());
        if (c.quality() >= 0) {
            o.put("quality", c.quality());
        } else {
            o.putNull("quality");
        }
        if (c.latencyMicros() != Health.UNMEASURED) {
            o.put("latency_us", c.latencyMicros());
        } else {
            o.putNull("latency_us");
        }
    }

    private static void exclusions(ArrayNode out, List<Exclusion> exclusions) {
        for (Exclusion e : exclusions) {
            out.addObject().put("provider", e.provider()).put("model", e.model()).put("code", e.kind().code())
                    .put("reason", e.reason());
        }
    }

    /** Escapes everything outside printable ASCII, so the text is a valid header value. */
    static String ascii(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x20 || ch > 0x7e) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) ch));
            } else if (sb != null) {
                sb.append(ch);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
