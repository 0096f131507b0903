package dev.tollgate.api;

import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.call.Outcome;

/**
 * A backend's failure to answer one attempt, classified so failover knows whether to try the next candidate.
 * Rendered like any {@link GatewayException} if it is the call's last word. Immutable.
 */
public final class UpstreamException extends GatewayException {

    private final transient AttemptOutcome attemptOutcome;
    private final int upstreamStatus;

    /**
     * @param upstreamStatus the upstream's HTTP status, 0 when it sent none
     */
    public UpstreamException(AttemptOutcome attemptOutcome, int upstreamStatus, ApiError error, byte[] rawBody,
            Outcome outcome, String retryAfter) {
        super(error, rawBody, outcome, retryAfter);
        this.attemptOutcome = attemptOutcome;
        this.upstreamStatus = upstreamStatus;
    }

    public AttemptOutcome attemptOutcome() {
        return attemptOutcome;
    }

    public int upstreamStatus() {
        return upstreamStatus;
    }
}
