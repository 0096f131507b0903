package dev.tollgate.budget;

/**
 * One rate limit after a step: limits, what is left, and how long until the bucket is full again (OpenAI's
 * {@code x-ratelimit-reset-*} meaning). 0 limits mean no limit of that kind. Immutable.
 */
public record RateState(String key, long requestsLimit, long requestsRemaining, long requestsResetMillis,
        long tokensLimit, long tokensRemaining, long tokensResetMillis) {

    /**
     * Units of the token buckets behind a rate limit: a limit of L per minute holds {@code L * UNITS} units when full
     * and refills L units per millisecond; one request (or token) costs {@code UNITS} units.
     */
    public static final long UNITS = 60_000;

    /** The state of a rate limit whose request and token buckets hold these units (either may be negative). */
    public static RateState ofUnits(String key, long requestsPerMinute, long tokensPerMinute, long requestUnits,
            long tokenUnits) {
        long rpm = requestsPerMinute;
        long tpm = tokensPerMinute;
        return new RateState(key, rpm, rpm == 0 ? 0 : Math.max(0, requestUnits / UNITS),
                rpm == 0 ? 0 : millisToRefill(rpm * UNITS - requestUnits, rpm), tpm,
                tpm == 0 ? 0 : Math.max(0, tokenUnits / UNITS),
                tpm == 0 ? 0 : millisToRefill(tpm * UNITS - tokenUnits, tpm));
    }

    /** Milliseconds until a bucket refilling {@code perMinute} units per millisecond gains {@code missingUnits}. */
    public static long millisToRefill(long missingUnits, long perMinute) {
        return missingUnits <= 0 ? 0 : (missingUnits + perMinute - 1) / perMinute;
    }
}
