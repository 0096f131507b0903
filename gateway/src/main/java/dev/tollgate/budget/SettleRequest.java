package dev.tollgate.budget;

/**
 * Settling one call: its actual cost (nano-USD, rounded up) and tokens. Immutable.
 */
public record SettleRequest(String requestId, String team, long nowMillis, long actualNanos, long actualTokens) {
}
