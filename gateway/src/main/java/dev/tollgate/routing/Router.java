package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;

/**
 * The routing decision: a pure function of the request, the tables snapshot, backend health and the time (no I/O,
 * no clock read).
 * <p>
 * Scope. An alias ({@code auto}, {@code cheap}, ...) ranges over every offering. A concrete model ranges over its
 * offerings; {@code x-tollgate-provider} or {@code <provider>/<model>} pins one backend; and when the team's
 * policy allows substitution, every offering whose quality for the task is at least the requested model's joins
 * in. An embeddings call ({@link WireFormat#OPENAI_EMBEDDINGS}) is never substituted: vectors of different models are
 * not interchangeable, so it ranges over the offerings of the model it names (an alias must resolve to one embedding
 * model, else the call is refused), and its estimate has no output. Eligibility, checked in this order so that each
 * exclusion names its first reason: provider and model allowed by the team's policy, required data-handling
 * attributes, the endpoint (an embedding model serves embeddings calls only, a chat model chat calls only), a price
 * in force, the capabilities the request
 * needs, max_tokens within the model's output limit, prompt + output within the context window (not for an
 * embeddings call, whose model's window limits each input and which its backend enforces), the quality floor
 * (alias, header), the team's price ceiling, backend health, and the request's cost ceiling. Order: estimated cost
 * (prompt tokens at the input price plus the expected output at the output price, once per choice {@code n},
 * computed exactly in pico-USD longs), then higher quality, then lower observed time to first byte (from the health snapshot, for the call's kind:
 * streamed or whole; an offering not measured yet goes first, so that it gets measured), then provider and model id,
 * so the order is total and reproducible. Stateless, thread-safe.
 */
public final class Router {

    /** Expected output tokens when neither the request nor an alias says, for estimates only. */
    public static final int DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

    private static final BigDecimal PICO = BigDecimal.ONE.movePointRight(12);
    private static final Exclusion.Kind[] KINDS = Exclusion.Kind.values();

    private Router() {
    }

    public static Decision decide(RouteRequest request, Tables tables, Instant now) {
        return decide(request, tables, Health.ALL_UP, now);
    }

    public static Decision decide(RouteRequest request, Tables tables, Health health, Instant now) {
        Catalog catalog = tables.catalog();
        RoutingRules rules = tables.rules();
        QualityTable quality = tables.quality();
        TeamPolicy policy = rules.policy(request.team());
        String model = request.model();
        String pinned = request.pinnedProvider();
        if (pinned != null && !catalog.hasProvider(pinned)) {
            return refused(request, "model_not_found", "The provider '" + pinned
                    + "' named in x-tollgate-provider is not configured or not enabled.", List.of());
        }
        // An embeddings call ranges over embedding models only, a chat call over chat models only; and since vectors
        // of different models are not interchangeable, an embeddings call is never substituted (see below).
        boolean embeddings = request.format() == WireFormat.OPENAI_EMBEDDINGS;
        RouteAlias alias = rules.aliases().get(model);
        TaskFamily task = request.task() != null ? request.task()
                : alias != null && alias.task() != null ? alias.task()
                : policy.task() != null ? policy.task() : TaskFamily.GENERAL;
        int minQuality = Math.max(alias != null ? alias.minQuality() : 0,
                request.minQuality() != null ? request.minQuality() : 0);
        List<Offering> scope;
        String baselineModel;
        if (alias != null) {
            scope = catalog.all();
            baselineModel = alias.baselineModel();
        } else {
            boolean slashPinned = false;
            List<Offering> offerings = catalog.offeringsOf(model);
            int slash = model.indexOf('/');
            if (offerings.isEmpty() && slash > 0 && catalog.hasProvider(model.substring(0, slash))) {
                Offering o = catalog.offering(model.substring(0, slash), model.substring(slash + 1));
                offerings = o == null ? List.of() : List.of(o);
                slashPinned = true;
            }
            if (pinned != null) {
                offerings = offerings.stream().filter(o -> o.provider().equals(pinned)).toList();
            }
            if (offerings.isEmpty()) {
                return refused(request, "model_not_found", "The model '" + model + "' does not exist or no enabled "
                        + "backend" + (pinned != null ? " named '" + pinned + "'" : "") + " offers it. GET /v1/models "
                        + "lists the models this key may use.", List.of());
            }
            scope = offerings;
            baselineModel = offerings.get(0).modelId();
            int requestedQuality = quality.score(baselineModel, task);
            if (policy.allowSubstitution() && pinned == null && !slashPinned && !embeddings
                    && requestedQuality != QualityTable.UNKNOWN) {
                // Any model at least as good for the task may serve; the floor keeps worse ones out.
                scope = catalog.all();
                minQuality = Math.max(minQuality, requestedQuality);
            }
        }
        if (pinned != null && alias != null) {
            scope = scope.stream().filter(o -> o.provider().equals(pinned)).toList();
        }
        Set<Capability> needs = needs(request, alias);
        Integer maxOutput = request.maxOutputTokens();
        int expectedBase = embeddings ? 0 : maxOutput != null ? maxOutput
                : alias != null ? alias.expectedOutputTokens() : DEFAULT_EXPECTED_OUTPUT_TOKENS;
        long maxCostPico = request.maxCostUsd() == null ? Long.MAX_VALUE
                : request.maxCostUsd().multiply(PICO).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
        long promptTokens = -1;

        List<Candidate> eligible = new ArrayList<>();
        ExclusionList exclusions = new ExclusionList(scope);
        long maxInputMicros = micros(policy.maxInputPricePer1m());
        long maxOutputMicros = micros(policy.maxOutputPricePer1m());
        byte[] screen = catalog.screen(policy);
        int[] qualities = catalog.quality(quality, task);
        long needsMask = 0;
        for (Capability c : needs) {
            needsMask |= 1L << c.ordinal();
        }
        long embeddingsBit = 1L << Capability.EMBEDDINGS.ordinal();
        for (int at = 0; at < scope.size(); at++) {
            Offering offering = scope.get(at);
            PricedModel m = offering.model();
            String provider = offering.provider();
            int index = offering.index();
            int screened = index >= 0 ? screen[index] : 0;
            if (screened != 0) {
                exclusions.add(at, KINDS[screened - 1]);
                continue;
            }
            if (((offering.capabilityMask() & embeddingsBit) != 0) != embeddings) {
                exclusions.add(at, Exclusion.Kind.ENDPOINT_MISMATCH);
                continue;
            }
            PriceRow row = m.rowAt(now);
            if (row == null) {
                exclusions.add(at, Exclusion.Kind.UNPRICED);
                continue;
            }
            if ((offering.capabilityMask() & needsMask) != needsMask) {
                exclusions.add(at, Exclusion.Kind.MISSING_CAPABILITY);
                continue;
            }
            WireFormat sentAs = offering.formatFor(request.format());
            if (sentAs != request.format() && request.untranslatableTo(sentAs) != null) {
                exclusions.add(at, Exclusion.Kind.UNTRANSLATABLE);
                continue;
            }
            if (maxOutput != null && maxOutput > m.maxOutputTokens()) {
                exclusions.add(at, Exclusion.Kind.OUTPUT_TOO_LONG);
                continue;
            }
            int expected = Math.min(expectedBase, m.maxOutputTokens());
            if (promptTokens < 0) {
                promptTokens = request.promptTokens().getAsLong();
            }
            // an embedding model's context window limits each input, not their sum: the backend refuses a longer one
            if (!embeddings && promptTokens + expected > m.contextWindow()) {
                exclusions.add(at, Exclusion.Kind.CONTEXT_TOO_SMALL);
                continue;
            }
            int q = index >= 0 ? qualities[index] : quality.score(m.model(), task);
            if (minQuality > 0 && q == QualityTable.UNKNOWN) {
                exclusions.add(at, Exclusion.Kind.QUALITY_UNKNOWN);
                continue;
            }
            if (minQuality > 0 && q < minQuality) {
                exclusions.add(at, Exclusion.Kind.QUALITY_TOO_LOW);
                continue;
            }
            if (row.inputMicros() > maxInputMicros || row.outputMicros() > maxOutputMicros) {
                exclusions.add(at, Exclusion.Kind.PRICE_ABOVE_MAXIMUM);
                continue;
            }
            String unhealthy = health.unavailableReason(provider, offering.modelId(), now);
            if (unhealthy != null) {
                exclusions.add(at, Exclusion.Kind.UNHEALTHY);
                continue;
            }
            long pico = row.estimatePicoUsd(promptTokens, (long) expected * request.choices());
            if (pico > maxCostPico) {
                exclusions.add(at, Exclusion.Kind.COST_ABOVE_MAXIMUM);
                continue;
            }
            eligible.add(new Candidate(offering, row, pico, q,
                    health.latencyMicros(provider, offering.modelId(), request.stream())));
        }
        exclusions.seal(new ExclusionList.Context(now, needs, policy, maxOutput, expectedBase, quality, task, minQuality,
                health, request.maxCostUsd(), request), promptTokens);
        if (eligible.isEmpty()) {
            return refused(request, "no_eligible_backend", "No backend can serve '" + model + "': "
                    + reasons(exclusions), exclusions);
        }
        Candidate[] candidates = sort(eligible);
        if (embeddings && alias != null) {
            String only = candidates[0].offering().modelId();
            for (Candidate c : candidates) {
                if (!c.offering().modelId().equals(only)) {
                    return refused(request, "ambiguous_embedding_model", "The alias '" + model + "' ranges over "
                            + "several embedding models (" + only + ", " + c.offering().modelId() + ", ...): vectors "
                            + "of different models are not interchangeable, so an embeddings call names one model.",
                            exclusions);
                }
            }
            baselineModel = only;
        }
        return new Decision.Routed(model, List.of(candidates), exclusions,
                alias != null ? alias.name() : null, task, minQuality, promptTokens,
                Math.min(expectedBase, candidates[0].offering().model().maxOutputTokens()) * request.choices(),
                baselineModel,
                baselinePrice(catalog, baselineModel, now, promptTokens, (long) expectedBase * request.choices()));
    }

    /** The cheapest price of the baseline model in force now, whatever the policy: what the call would have cost. */
    private static PriceRow baselinePrice(Catalog catalog, String model, Instant now, long promptTokens, long output) {
        PriceRow best = null;
        long bestPico = Long.MAX_VALUE;
        for (Offering o : catalog.offeringsOf(model)) {
            Optional<PriceRow> row = o.model().priceAt(now);
            if (row.isPresent()) {
                long pico = row.get().estimatePicoUsd(Math.max(0, promptTokens), output);
                if (pico < bestPico) {
                    bestPico = pico;
                    best = row.get();
                }
            }
        }
        return best;
    }

    private static Set<Capability> needs(RouteRequest request, RouteAlias alias) {
        if (request.needs().isEmpty() && !request.stream() && (alias == null || alias.require().isEmpty())) {
            return Set.of();
        }
        EnumSet<Capability> needs = EnumSet.noneOf(Capability.class);
        needs.addAll(request.needs());
        if (alias != null) {
            needs.addAll(alias.require());
        }
        if (request.stream()) {
            needs.add(Capability.STREAMING);
        }
        return needs;
    }

    static String missing(Set<Capability> needs, Set<Capability> has) {
        StringBuilder sb = new StringBuilder();
        for (Capability c : needs) {
            if (!has.contains(c)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(c.yamlName());
            }
        }
        return sb.toString();
    }

    /** A price ceiling in millionths of a USD per 1M tokens; none is Long.MAX_VALUE. */
    private static long micros(BigDecimal perMillion) {
        return perMillion == null ? Long.MAX_VALUE
                : perMillion.movePointRight(6).setScale(0, java.math.RoundingMode.FLOOR).longValue();
    }

    static boolean hasAttributes(Map<String, String> required, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(attributes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static String missingAttribute(Map<String, String> required, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(attributes.get(e.getKey()))) {
                return e.getKey() + " must be " + e.getValue() + ", is " + attributes.getOrDefault(e.getKey(),
                        "not declared");
            }
        }
        return null;
    }

    static String overPriceCap(TeamPolicy policy, PriceRow row) {
        if (policy.maxInputPricePer1m() != null && row.input().compareTo(policy.maxInputPricePer1m()) > 0) {
            return "input " + row.input().toPlainString() + " > " + policy.maxInputPricePer1m().toPlainString();
        }
        if (policy.maxOutputPricePer1m() != null && row.output().compareTo(policy.maxOutputPricePer1m()) > 0) {
            return "output " + row.output().toPlainString() + " > " + policy.maxOutputPricePer1m().toPlainString();
        }
        return null;
    }

    private static Decision refused(RouteRequest request, String code, String message, List<Exclusion> exclusions) {
        return new Decision.Refused(request.model(), code, message, exclusions);
    }

    private static String reasons(List<Exclusion> exclusions) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Exclusion e : exclusions) {
            if (shown == 20) {
                sb.append("; and ").append(exclusions.size() - shown).append(" more (POST /v1/route/explain lists all)");
                break;
            }
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(e.provider()).append('/').append(e.model()).append(": ").append(e.reason());
            shown++;
        }
        return sb.toString();
    }

    /** Largest cost (pico-USD) the packed sort handles: 2^52 pico-USD, about 4,500 USD for one call. */
    private static final long PACKED_MAX_PICO = 1L << 52;

    /**
     * Candidates in routing order: cost, then higher quality, lower observed latency (an unmeasured one first, so
     * that it gets measured), provider and model id. Cost decides almost every comparison, so the candidates are
     * sorted by one primitive key, cost and position packed into a long (a primitive sort, no comparator calls), and
     * only runs of equal cost are then sorted with the full comparator. Falls back to the comparator sort for extreme
     * costs or sizes.
     */
    private static Candidate[] sort(List<Candidate> eligible) {
        int n = eligible.size();
        Candidate[] sorted = eligible.toArray(new Candidate[0]);
        Comparator<Candidate> order = (a, b) -> {
            int c = Long.compare(a.estimatedPicoUsd(), b.estimatedPicoUsd());
            if (c != 0) {
                return c;
            }
            c = Integer.compare(b.quality(), a.quality());
            if (c != 0) {
                return c;
            }
            c = Long.compare(a.latencyMicros(), b.latencyMicros()); // UNMEASURED (-1) first
            if (c != 0) {
                return c;
            }
            c = a.offering().provider().compareTo(b.offering().provider());
            return c != 0 ? c : a.offering().modelId().compareTo(b.offering().modelId());
        };
        if (n < 2) {
            return sorted;
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            long pico = sorted[i].estimatedPicoUsd();
            if (pico >= PACKED_MAX_PICO || n > 2048) {
                java.util.Arrays.sort(sorted, order);
                return sorted;
            }
            keys[i] = pico << 11 | i;
        }
        java.util.Arrays.sort(keys);
        Candidate[] byCost = new Candidate[n];
        for (int i = 0; i < n; i++) {
            byCost[i] = sorted[(int) (keys[i] & 2047)];
        }
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && byCost[end].estimatedPicoUsd() == byCost[start].estimatedPicoUsd()) {
                end++;
            }
            if (end - start > 1) {
                java.util.Arrays.sort(byCost, start, end, order);
            }
            start = end;
        }
        return byCost;
    }
}
