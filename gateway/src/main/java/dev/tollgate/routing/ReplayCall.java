package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

import dev.tollgate.pricing.Usage;

/**
 * One past call as the ledger recorded it, the input of a {@link Replay}: who made it, when, what it asked for,
 * the tokens it used and what it cost. Immutable.
 *
 * @param team                  the caller's team (its policy in the replayed rules applies)
 * @param time                  the call's start time: prices and the decision are taken at this instant
 * @param requestedModel        the {@code model} field as the client sent it (a model id or an alias)
 * @param stream                whether the client asked for a stream
 * @param usage                 the tokens the call used
 * @param actualCostUsd         what the call cost (ledger {@code cost_usd})
 * @param counterfactualCostUsd what it would have cost on the requested model (ledger
 *                              {@code counterfactual_cost_usd}); null is read as {@code actualCostUsd}
 */
public record ReplayCall(String team, Instant time, String requestedModel, boolean stream, Usage usage,
        BigDecimal actualCostUsd, BigDecimal counterfactualCostUsd) {

    public ReplayCall {
        Objects.requireNonNull(team, "team must be a team id, but was null");
        Objects.requireNonNull(time, "time must be the call's start instant, but was null");
        Objects.requireNonNull(usage, "usage must be the call's token counts, but was null");
        Objects.requireNonNull(actualCostUsd, "actualCostUsd must be the ledger's cost in USD, but was null");
        if (requestedModel == null || requestedModel.isBlank()) {
            throw new IllegalArgumentException("requestedModel must be a model id or alias, but was '"
                    + requestedModel + "'");
        }
        if (counterfactualCostUsd == null) {
            counterfactualCostUsd = actualCostUsd;
        }
    }
}
