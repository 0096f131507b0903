package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.Usage;

/**
 * The routing decision: a pure function of the request, the tables snapshot and the time (no I/O, no clock read).
 * <p>
 * The model is resolved to its offerings: {@code x-tollgate-provider} or a {@code <provider>/<model>} name pins one
 * backend; otherwise every enabled backend offering that model id is a candidate. An offering is excluded when it
 * has no price in force at {@code now} (unpriced: refused, never served at $0) or cannot stream a streamed call.
 * Candidates are ordered by estimated cost (prompt tokens at the input price plus the expected output at the output
 * price), then by provider id so that the order is total and reproducible. Stateless, thread-safe.
 */
public final class Router {

    /** Expected output tokens when the request sets no cap, for ordering only. */
    public static final int DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

    private static final Comparator<Candidate> CHEAPEST_FIRST = Comparator
            .comparing(Candidate::estimatedCostUsd)
            .thenComparing(c -> c.offering().provider());

    private Router() {
    }

    public static Decision decide(RouteRequest request, Tables tables, Instant now) {
        Catalog catalog = tables.catalog();
        String model = request.model();
        String pinned = request.pinnedProvider();
        List<Offering> offerings;
        if (pinned != null) {
            if (!catalog.hasProvider(pinned)) {
                return refused(request, "model_not_found", "The provider '" + pinned
                        + "' named in x-tollgate-provider is not configured or not enabled.", List.of());
            }
            Offering o = catalog.offering(pinned, model);
            offerings = o == null ? List.of() : List.of(o);
        } else {
            offerings = catalog.offeringsOf(model);
            int slash = model.indexOf('/');
            if (offerings.isEmpty() && slash > 0 && catalog.hasProvider(model.substring(0, slash))) {
                Offering o = catalog.offering(model.substring(0, slash), model.substring(slash + 1));
                offerings = o == null ? List.of() : List.of(o);
            }
        }
        if (offerings.isEmpty()) {
            return refused(request, "model_not_found", "The model '" + model + "' does not exist or no enabled backend"
                    + (pinned != null ? " named '" + pinned + "'" : "") + " offers it. GET /v1/models lists the models "
                    + "this key may use.", List.of());
        }
        List<Candidate> candidates = new ArrayList<>(offerings.size());
        List<Exclusion> exclusions = new ArrayList<>(0);
        for (Offering offering : offerings) {
            Optional<PriceRow> price = offering.model().priceAt(now);
            if (price.isEmpty()) {
                exclusions.add(new Exclusion(offering.provider(), offering.modelId(),
                        "unpriced: no price row in force at " + now));
            } else if (request.stream() && !offering.model().supports(Capability.STREAMING)) {
                exclusions.add(new Exclusion(offering.provider(), offering.modelId(), "does not support streaming"));
            } else {
                candidates.add(new Candidate(offering, price.get(), null));
            }
        }
        if (candidates.isEmpty()) {
            return refused(request, "no_eligible_backend", "No backend can serve '" + model + "': " + reasons(exclusions),
                    exclusions);
        }
        if (candidates.size() == 1) {
            // Nothing to order: the estimate (which needs the tokenizer) is left out.
            return new Decision.Routed(model, List.copyOf(candidates), List.copyOf(exclusions));
        }
        candidates.replaceAll(c -> withEstimate(c, request));
        candidates.sort(CHEAPEST_FIRST);
        return new Decision.Routed(model, List.copyOf(candidates), List.copyOf(exclusions));
    }

    private static Candidate withEstimate(Candidate c, RouteRequest request) {
        int cap = c.offering().model().maxOutputTokens();
        int output = request.maxOutputTokens() != null ? Math.min(request.maxOutputTokens(), cap)
                : Math.min(DEFAULT_EXPECTED_OUTPUT_TOKENS, cap);
        Usage expected = new Usage(request.promptTokens().getAsLong(), 0, 0, output, 0, true);
        BigDecimal cost = CostCalculator.cost(expected, c.price());
        return new Candidate(c.offering(), c.price(), cost);
    }

    private static Decision refused(RouteRequest request, String code, String message, List<Exclusion> exclusions) {
        return new Decision.Refused(request.model(), code, message, List.copyOf(exclusions));
    }

    private static String reasons(List<Exclusion> exclusions) {
        StringBuilder sb = new StringBuilder();
        for (Exclusion e : exclusions) {
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(e.provider()).append('/').append(e.model()).append(": ").append(e.reason());
        }
        return sb.toString();
    }
}
