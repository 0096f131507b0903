package dev.tollgate.routing;

import java.time.Instant;
import java.util.Map;

/**
 * What routing knows of each backend's health at decision time: which offerings may not take calls, why, and until
 * when (an offering's own breaker, or its whole provider's), and each offering's observed time to first byte. A
 * plain snapshot passed into the decision (built by the resilience layer from its circuit breakers, cool-downs and
 * latency averages), so the decision stays a pure function of its inputs: an entry whose {@code until} has passed at
 * the decision's {@code now} counts as available again. Immutable.
 *
 * @param byProvider provider id -> model id -> entry; only offerings with something to say are present, so the
 *                   common case (everything healthy, nothing measured) is one map miss per provider
 * @param providers  provider id -> entry for a provider unavailable as a whole (its provider breaker); its latency
 *                   fields are unused
 */
public record Health(Map<String, Map<String, Backend>> byProvider, Map<String, Backend> providers) {

    /** A latency not observed yet. It sorts before every observed one: an unmeasured offering gets measured. */
    public static final long UNMEASURED = -1;

    /** Every backend available, no latency observed. */
    public static final Health ALL_UP = new Health(Map.of(), Map.of());

    public Health {
        byProvider = Map.copyOf(byProvider);
        providers = Map.copyOf(providers);
    }

    /** Offerings' entries only; every provider available as a whole. */
    public Health(Map<String, Map<String, Backend>> byProvider) {
        this(byProvider, Map.of());
    }

    /**
     * @param unavailableReason   null when the offering may take calls; otherwise why not (e.g. {@code circuit
     *                            breaker open})
     * @param until               when the offering may take calls again (a half-open probe, the end of a
     *                            cool-down); null = until further notice
     * @param wholeLatencyMicros  moving average of the time to a whole (non-streamed) answer, for tie-breaking;
     *                            {@link #UNMEASURED} when not observed
     * @param streamLatencyMicros moving average of the time to a stream's first event; {@link #UNMEASURED} when not
     *                            observed
     */
    public record Backend(String unavailableReason, Instant until, long wholeLatencyMicros,
            long streamLatencyMicros) {

        /** An unavailability, no latency observed. */
        public Backend(String unavailableReason, Instant until) {
            this(unavailableReason, until, UNMEASURED, UNMEASURED);
        }
    }

    /** Why the offering may not take calls at {@code now} (its provider's reason first), or null. */
    public String unavailableReason(String provider, String model, Instant now) {
        String reason = providerUnavailableReason(provider, now);
        return reason != null ? reason : reason(entry(provider, model), now);
    }

    /** Why no model of the provider may take calls at {@code now}, or null. */
    public String providerUnavailableReason(String provider, Instant now) {
        return providers.isEmpty() ? null : reason(providers.get(provider), now);
    }

    /** The offering's observed time to first byte (a stream's first event, or a whole answer), or UNMEASURED. */
    public long latencyMicros(String provider, String model, boolean stream) {
        Backend b = entry(provider, model);
        return b == null ? UNMEASURED : stream ? b.streamLatencyMicros() : b.wholeLatencyMicros();
    }

    private static String reason(Backend b, Instant now) {
        if (b == null || b.unavailableReason() == null) {
            return null;
        }
        return b.until() == null || now.isBefore(b.until()) ? b.unavailableReason() + describeUntil(b.until()) : null;
    }

    private Backend entry(String provider, String model) {
        Map<String, Backend> models = byProvider.get(provider);
        return models == null ? null : models.get(model);
    }

    private static String describeUntil(Instant until) {
        return until == null ? "" : " until " + until;
    }
}
