package dev.tollgate.routing;

import java.math.BigDecimal;

import dev.tollgate.pricing.PriceRow;

/**
 * A backend that may serve the call, with the price in force and the estimated cost of the call ({@code null} when
 * the decision had a single candidate and so no order to compute). Immutable.
 */
public record Candidate(Offering offering, PriceRow price, BigDecimal estimatedCostUsd) {
}
