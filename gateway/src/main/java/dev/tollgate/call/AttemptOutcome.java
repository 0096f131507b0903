package dev.tollgate.call;

import java.util.Locale;

/**
 * How one attempt at one backend ended: the {@code outcome} label of {@code tollgate_upstream_attempts_total}, the
 * {@code reason} label of {@code tollgate_failovers_total}, and the outcome of each attempt on the ledger row.
 * Bounded by design.
 */
public enum AttemptOutcome {
    /** The answer (or, for a stream, its first event) reached the client. */
    SUCCESS(false, false),
    /** The upstream answered 5xx. */
    HTTP_5XX(true, true),
    /** The upstream answered 429 (rate limited or overloaded). */
    HTTP_429(true, true),
    /** The upstream refused the request itself (400, 404, 422, ...): the next backend would refuse it too. */
    HTTP_4XX(false, false),
    /** The upstream refused the gateway's provider key (401, 403): an operator must fix it; not retried. */
    AUTH_FAILED(false, true),
    /** The upstream could not be reached (refused, reset, DNS, connect timeout). */
    CONNECT_ERROR(true, true),
    /** No first byte within the first-byte timeout, the total timeout or the call's deadline. */
    TIMEOUT(true, true),
    /** The upstream answered with something unusable: malformed JSON, the wrong content type, a body too large. */
    BAD_RESPONSE(true, true),
    /** The stream broke (cut, idle or total timeout) after its first byte had reached the client. */
    STREAM_INTERRUPTED(false, false),
    /** The client went away during the attempt. */
    CANCELLED(false, false),
    /** Not sent: the backend's circuit breaker did not permit a call (open, or half-open with its probes busy). */
    BREAKER_OPEN(true, false),
    /** Not sent: the provider's bulkhead (max concurrent calls) was full. */
    BULKHEAD_FULL(true, false),
    /**
     * Not sent: no connection to the provider's host became free in time, or too many calls were already waiting
     * for one ({@code tollgate.limits.upstream-*}). A limit of this gateway, not a failure of the provider.
     */
    POOL_EXHAUSTED(true, false);

    private final String label = name().toLowerCase(Locale.ROOT);
    private final boolean failover;
    private final boolean breakerFailure;

    AttemptOutcome(boolean failover, boolean breakerFailure) {
        this.failover = failover;
        this.breakerFailure = breakerFailure;
    }

    public String label() {
        return label;
    }

    /** The next candidate may be tried (only ever before the first byte reached the client). */
    public boolean failover() {
        return failover;
    }

    /** Counts as a failure in the backend's circuit breaker. */
    public boolean breakerFailure() {
        return breakerFailure;
    }

    /** True when no call was sent upstream. */
    public boolean skipped() {
        return this == BREAKER_OPEN || this == BULKHEAD_FULL || this == POOL_EXHAUSTED;
    }
}
