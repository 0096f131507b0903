package dev.tollgate.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * Everything about one call, as stored in the ledger: one row per request, however it ended. The token counts are
 * those of {@link dev.tollgate.pricing.Usage}, every kind apart (5-minute and 1-hour cache writes, reasoning tokens as
 * the part of the output the upstream reported as reasoning). {@code costUsd} is
 * null when the call was unpriced (it then also carries no price version). {@code counterfactualCostUsd} is what the
 * same usage would have cost on {@code baselineModel} (the requested model, or the alias's baseline).
 * {@code attempts} are the backends tried in failover order (skipped ones included); {@code failoverCount} is how
 * many times the call moved on to another backend after a failed upstream call. {@code reservedUsd} is what the
 * call's budgets reserved for it (null when no budget applied): a hard budget was charged at most that. Immutable.
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
        long cacheWrite1hTokens,
        long outputTokens,
        long reasoningTokens,
        BigDecimal costUsd,
        String priceVersion,
        long latencyMicros,
        Long ttftMicros,
        int status,
        String outcome,
        String errorCode,
        boolean estimated,
        BigDecimal counterfactualCostUsd,
        String baselineModel,
        String routeAlias,
        List<Attempt> attempts,
        int failoverCount,
        BigDecimal reservedUsd) {

    public LedgerEntry {
        attempts = attempts != null ? List.copyOf(attempts) : List.of();
    }

    /** A row without 1-hour cache writes. */
    public LedgerEntry(String requestId, Instant time, String team, String keyId, String app, String requestedModel,
            String provider, String model, boolean stream, long inputTokens, long cachedInputTokens,
            long cacheWriteTokens, long outputTokens, long reasoningTokens, BigDecimal costUsd, String priceVersion,
            long latencyMicros, Long ttftMicros, int status, String outcome, String errorCode, boolean estimated,
            BigDecimal counterfactualCostUsd, String baselineModel, String routeAlias, List<Attempt> attempts,
            int failoverCount, BigDecimal reservedUsd) {
        this(requestId, time, team, keyId, app, requestedModel, provider, model, stream, inputTokens, cachedInputTokens,
                cacheWriteTokens, 0, outputTokens, reasoningTokens, costUsd, priceVersion, latencyMicros, ttftMicros,
                status, outcome, errorCode, estimated, counterfactualCostUsd, baselineModel, routeAlias, attempts,
                failoverCount, reservedUsd);
    }

    /** A row without counterfactual (calls that reached no backend) and without 1-hour cache writes. */
    public LedgerEntry(String requestId, Instant time, String team, String keyId, String app, String requestedModel,
            String provider, String model, boolean stream, long inputTokens, long cachedInputTokens,
            long cacheWriteTokens, long outputTokens, long reasoningTokens, BigDecimal costUsd, String priceVersion,
            long latencyMicros, Long ttftMicros, int status, String outcome, String errorCode, boolean estimated) {
        this(requestId, time, team, keyId, app, requestedModel, provider, model, stream, inputTokens, cachedInputTokens,
                cacheWriteTokens, 0, outputTokens, reasoningTokens, costUsd, priceVersion, latencyMicros, ttftMicros,
                status, outcome, errorCode, estimated, null, null, null, List.of(), 0, null);
    }
}
