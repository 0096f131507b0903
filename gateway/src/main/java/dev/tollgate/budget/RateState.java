package dev.tollgate.budget;

/**
 * One rate limit after a step: limits, what is left, and how long until the bucket is full again (OpenAI's
 * {@code x-ratelimit-reset-*} meaning). 0 limits mean no limit of that kind. Immutable.
 */
public record RateState(String key, long requestsLimit, long requestsRemaining, long requestsResetMillis,
        long tokensLimit, long tokensRemaining, long tokensResetMillis) {
}
