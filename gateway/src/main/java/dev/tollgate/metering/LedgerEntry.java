package dev.tollgate.metering;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Everything about one call, as stored in the ledger: one row per request, however it ended. {@code costUsd} is
 * null when the call was unpriced (it then also carries no price version). Immutable.
 */
public record LedgerEntry(
        String requestId,
        Instant time,
        String team,
        String keyId,
        String app,
        String requestedModel,
        String provider,
        String model,
        boolean stream,
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteTokens,
        long outputTokens,
        long reasoningTokens,
        BigDecimal costUsd,
        String priceVersion,
        long latencyMicros,
        Long ttftMicros,
        int status,
        String outcome,
        String errorCode,
        boolean estimated) {
}
