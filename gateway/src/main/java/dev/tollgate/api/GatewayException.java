package dev.tollgate.api;

import dev.tollgate.call.Outcome;

/**
 * Carries an {@link ApiError} to the error handler, which renders it; or, for an upstream error passed through,
 * the upstream's own JSON body with its status. No stack trace: it is not a bug. Immutable.
 */
public class GatewayException extends RuntimeException {

    private final transient ApiError error;
    private final transient byte[] rawBody;
    private final transient Outcome outcome;
    private final transient String retryAfter;

    public GatewayException(ApiError error) {
        this(error, null, null, null);
    }

    /**
     * @param rawBody    an OpenAI-shaped error body from the upstream, sent as it is (null: render {@code error})
     * @param outcome    how the call ended, when the status alone does not say it (null: derived from the status)
     * @param retryAfter the upstream's {@code retry-after}, passed on with a 429 or 503
     */
    public GatewayException(ApiError error, byte[] rawBody, Outcome outcome, String retryAfter) {
        super(error.message(), null, false, false);
        this.error = error;
        this.rawBody = rawBody;
        this.outcome = outcome;
        this.retryAfter = retryAfter;
    }

    public ApiError error() {
        return error;
    }

    public byte[] rawBody() {
        return rawBody;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String retryAfter() {
        return retryAfter;
    }
}
