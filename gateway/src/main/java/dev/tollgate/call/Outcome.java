package dev.tollgate.call;

import java.util.Locale;

/** How a call ended; the {@code outcome} label of the request metrics and the ledger. Bounded by design. */
public enum Outcome {
    /** The upstream answered and the answer reached the client. */
    SUCCESS,
    /** The gateway refused the request (malformed, unknown model, too large, ...). */
    REJECTED,
    /** The upstream refused the request (4xx, passed through). */
    UPSTREAM_CLIENT_ERROR,
    /** The upstream failed (5xx, unreachable, bad answer). */
    UPSTREAM_ERROR,
    /** The upstream did not answer in time. */
    TIMEOUT,
    /** The upstream cut a stream after it had started. */
    STREAM_INTERRUPTED,
    /** The client went away before the answer was complete. */
    CANCELLED,
    /** A bug in the gateway. */
    INTERNAL_ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
