package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
 * in. Eligibility, checked in this order so that each exclusion names its first reason: provider and model
 * allowed by the team's policy, required data-handling attributes, a price in force, the capabilities the request
 * needs, max_tokens within the model's output limit, prompt + output within the context window, the quality floor
 * (alias, header), the team's price ceiling, backend health, and the request's cost ceiling. Order: estimated cost
 * (prompt tokens at the input price plus the expected output at the output price, computed exactly in pico-USD
 * longs), then higher quality, then lower observed latency, then provider and model id, so the order is total and
 * reproducible. Stateless, thread-safe.
 */
public final class Router {

    /** Expected output tokens when neither the request nor an alias says, for estimates only. */
    public static final int DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

    private static final BigDecimal PICO = BigDecimal.ONE.movePointRight(12);

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
            if (policy.allowSubstitution() && pinned == null && !slashPinned
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
        int expectedBase = maxOutput != null ? maxOutput
                : alias != null ? alias.expectedOutputTokens() : DEFAULT_EXPECTED_OUTPUT_TOKENS;
        long maxCostPico = request.maxCostUsd() == null ? Long.MAX_VALUE
                : request.maxCostUsd().multiply(PICO).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
        long promptTokens = -1;

        List<Eligible> eligible = new ArrayList<>();
        List<Exclusion> exclusions = new ArrayList<>();
        for (Offering offering : scope) {
            PricedModel m = offering.model();
            String provider = offering.provider();
            if (!policy.providerAllowed(provider)) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.PROVIDER_NOT_ALLOWED, (String) null));
                continue;
            }
            if (!policy.modelAllowed(m.model())) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.MODEL_NOT_ALLOWED, (String) null));
                continue;
            }
            if (!policy.requireAttributes().isEmpty() && !hasAttributes(policy.requireAttributes(), m.attributes())) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.ATTRIBUTE_MISMATCH,
                        () -> missingAttribute(policy.requireAttributes(), m.attributes())));
                continue;
            }
            Optional<PriceRow> price = m.priceAt(now);
            if (price.isEmpty()) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.UNPRICED, () -> "at " + now));
                continue;
            }
            if (!m.capabilities().containsAll(needs)) {
                exclusions.add(Exclusion.of(provider, m.model(), Exclusion.Kind.MISSING_CAPABILITY, 0, 0,
                        new MissingCapabilities(needs, m.capabilities())));
                continue;
            }
            if (maxOutput != null && maxOutput > m.maxOutputTokens()) {
                exclusions.add(Exclusion.of(provider, m.model(), Exclusion.Kind.OUTPUT_TOO_LONG, maxOutput,
                        m.maxOutputTokens(), "max_tokens"));
                continue;
            }
            int expected = Math.min(expectedBase, m.maxOutputTokens());
            if (promptTokens < 0) {
                promptTokens = request.promptTokens().getAsLong();
            }
            if (promptTokens + expected > m.contextWindow()) {
                exclusions.add(Exclusion.of(provider, m.model(), Exclusion.Kind.CONTEXT_TOO_SMALL, expected,
                        m.contextWindow(), promptTokens + " prompt"));
                continue;
            }
            int q = quality.score(m.model(), task);
            if (minQuality > 0 && q == QualityTable.UNKNOWN) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.QUALITY_UNKNOWN, task.yamlName()));
                continue;
            }
            if (minQuality > 0 && q < minQuality) {
                exclusions.add(Exclusion.of(provider, m.model(), Exclusion.Kind.QUALITY_TOO_LOW, q, minQuality,
                        task.yamlName()));
                continue;
            }
            PriceRow row = price.get();
            String overCap = overPriceCap(policy, row);
            if (overCap != null) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.PRICE_ABOVE_MAXIMUM, overCap));
                continue;
            }
            String unhealthy = health.unavailableReason(provider);
            if (unhealthy != null) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.UNHEALTHY, unhealthy));
                continue;
            }
            long pico = row.estimatePicoUsd(promptTokens, expected);
            if (pico > maxCostPico) {
                exclusions.add(new Exclusion(provider, m.model(), Exclusion.Kind.COST_ABOVE_MAXIMUM,
                        () -> BigDecimal.valueOf(pico, 12).stripTrailingZeros().toPlainString() + " > "
                                + request.maxCostUsd().toPlainString()));
                continue;
            }
            eligible.add(new Eligible(offering, row, pico, q, health.latencyMicros(provider)));
        }
        if (eligible.isEmpty()) {
            return refused(request, "no_eligible_backend", "No backend can serve '" + model + "': "
                    + reasons(exclusions), exclusions);
        }
        sort(eligible);
        Candidate[] candidates = new Candidate[eligible.size()];
        for (int i = 0; i < candidates.length; i++) {
            Eligible e = eligible.get(i);
            candidates[i] = new Candidate(e.offering, e.price, e.pico, e.quality);
        }
        return new Decision.Routed(model, List.of(candidates), Collections.unmodifiableList(exclusions),
                alias != null ? alias.name() : null, task, minQuality, promptTokens,
                Math.min(expectedBase, eligible.get(0).offering.model().maxOutputTokens()), baselineModel,
                baselinePrice(catalog, baselineModel, now, promptTokens, expectedBase));
    }

    /** The cheapest price of the baseline model in force now, whatever the policy: what the call would have cost. */
    private static PriceRow baselinePrice(Catalog catalog, String model, Instant now, long promptTokens, int output) {
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

    /** Formats the missing capabilities when an explanation asks for them. */
    private record MissingCapabilities(Set<Capability> needs, Set<Capability> has) {
        @Override
        public String toString() {
            return missing(needs, has);
        }
    }

    private static String missing(Set<Capability> needs, Set<Capability> has) {
        StringBuilder sb = new StringBuilder();
        for (Capability c : needs) {
            if (!has.contains(c)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(c.yamlName());
            }
        }
        return sb.toString();
    }

    private static boolean hasAttributes(Map<String, String> required, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(attributes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static String missingAttribute(Map<String, String> required, Map<String, String> attributes) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(attributes.get(e.getKey()))) {
                return e.getKey() + " must be " + e.getValue() + ", is " + attributes.getOrDefault(e.getKey(),
                        "not declared");
            }
        }
        return null;
    }

    private static String overPriceCap(TeamPolicy policy, PriceRow row) {
        if (policy.maxInputPricePer1m() != null && row.input().compareTo(policy.maxInputPricePer1m()) > 0) {
            return "input " + row.input().toPlainString() + " > " + policy.maxInputPricePer1m().toPlainString();
        }
        if (policy.maxOutputPricePer1m() != null && row.output().compareTo(policy.maxOutputPricePer1m()) > 0) {
            return "output " + row.output().toPlainString() + " > " + policy.maxOutputPricePer1m().toPlainString();
        }
        return null;
    }

    private static Decision refused(RouteRequest request, String code, String message, List<Exclusion> exclusions) {
        return new Decision.Refused(request.model(), code, message, List.copyOf(exclusions));
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
     * Sorts by {@link Eligible#ORDER}. Cost decides almost every comparison, so the list is sorted by one primitive
     * key, cost and index packed into a long (a primitive sort, no comparator calls), and only runs of equal cost
     * are then sorted with the full comparator. Falls back to the comparator sort for extreme costs.
     */
    private static void sort(List<Eligible> eligible) {
        int n = eligible.size();
        if (n < 2) {
            return;
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            long pico = eligible.get(i).pico;
            if (pico >= PACKED_MAX_PICO || n > 2048) {
                eligible.sort(Eligible.ORDER);
                return;
            }
            keys[i] = pico << 11 | i;
        }
        java.util.Arrays.sort(keys);
        Eligible[] sorted = new Eligible[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = eligible.get((int) (keys[i] & 2047));
        }
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && sorted[end].pico == sorted[start].pico) {
                end++;
            }
            if (end - start > 1) {
                java.util.Arrays.sort(sorted, start, end, Eligible.ORDER);
            }
            start = end;
        }
        for (int i = 0; i < n; i++) {
            eligible.set(i, sorted[i]);
        }
    }

    /** An eligible offering with what ordering needs, in longs. */
    private record Eligible(Offering offering, PriceRow price, long pico, int quality, long latencyMicros) {
        /** Cost first; the rest only breaks ties, so the common case is one long comparison. */
        static final Comparator<Eligible> ORDER = (a, b) -> {
            int c = Long.compare(a.pico, b.pico);
            if (c != 0) {
                return c;
            }
            c = Integer.compare(b.quality, a.quality);
            if (c != 0) {
                return c;
            }
            c = Long.compare(a.latencyMicros, b.latencyMicros);
            if (c != 0) {
                return c;
            }
            c = a.offering.provider().compareTo(b.offering.provider());
            return c != 0 ? c : a.offering.modelId().compareTo(b.offering.modelId());
        };
    }
}
