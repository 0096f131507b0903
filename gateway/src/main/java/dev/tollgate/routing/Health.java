package dev.tollgate.routing;

import java.util.Map;

/**
 * What routing knows of each backend's health at decision time: whether it may take calls (and why not), and its
 * observed latency for tie-breaking. A plain snapshot passed into the decision, so the decision stays a pure
 * function of its inputs. Immutable.
 */
public record Health(Map<String, Backend> backends) {

    /** Every backend available, no latency observed. */
    public static final Health ALL_UP = new Health(Map.of());

    /** @param unavailableReason null when the backend may take calls */
    public record Backend(String unavailableReason, long latencyMicros) {
    }

    String unavailableReason(String provider) {
        Backend b = backends.get(provider);
        return b == null ? null : b.unavailableReason();
    }

    long latencyMicros(String provider) {
        Backend b = backends.get(provider);
        return b == null ? Long.MAX_VALUE : b.latencyMicros();
    }
}
