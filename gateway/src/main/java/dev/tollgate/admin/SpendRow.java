package dev.tollgate.admin;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One team's calls and spend on one UTC day at one provider and model, with the tokens of every kind the ledger keeps
 * ({@code outputTokens} includes {@code reasoningTokens}). Immutable.
 */
public record SpendRow(LocalDate day, String provider, String model, long requests, long inputTokens,
        long cachedInputTokens, long cacheWriteTokens, long cacheWrite1hTokens, long outputTokens,
        long reasoningTokens, BigDecimal costUsd, long estimatedRequests, BigDecimal counterfactualUsd) {
}
