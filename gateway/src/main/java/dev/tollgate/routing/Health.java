package dev.tollgate.routing;

import java.time.Instant;
import java.util.Map;

/**
 * What routing knows of each backend's health at decision time: which offerings may not take calls, why, and until
 * when. A plain snapshot passed into the decision (built by the resilience layer from its circuit breakers and
 * cool-downs), so the decision stays a pure function of its inputs: an entry whose {@code until} has passed at the
 * decision's {@code now} counts as available again. Immutable.
 *
 * @param byProvider provider id -> model id -> entry; only offerings with something to say are present, so the
 *                   common case (everything healthy) is one map miss per provider
 */
public record Health(Map<String, Map<String, Backend>> byProvider) {

    /** Every backend available, no latency observed. */
    public static final Health ALL_UP = new Health(Map.of());

    public Health {
        byProvider = Map.copyOf(byProvider);
    }

    /**
     * @param unavailableReason null when the offering may take calls; otherwise why not (e.g. {@code circuit
     *                          breaker open})
     * @param until             when the offering may take calls again (a half-open probe, the end of a cool-down);
     *                          null = until further notice
     * @param latencyMicros     observed latency for tie-breaking; {@link Long#MAX_VALUE} when not observed
     */
    public record Backend(String unavailableReason, Instant until, long latencyMicros) {
    }

    /** Why the offering may not take calls at {@code now}, or null. */
    public String unavailableReason(String provider, String model, Instant now) {
        Backend b = entry(provider, model);
        if (b == null || b.unavailableReason() == null) {
            return null;
        }
        return b.until() == null || now.isBefore(b.until()) ? b.unavailableReason() + describeUntil(b.until()) : null;
    }

    long latencyMicros(String provider, String model) {
        Backend b = entry(provider, model);
        return b == null ? Long.MAX_VALUE : b.latencyMicros();
    }

    private Backend entry(String provider, String model) {
        Map<String, Backend> models = byProvider.get(provider);
        return models == null ? null : models.get(model);
    }

    private static String describeUntil(Instant until) {
        return until == null ? "" : " until " + until;
    }
}
