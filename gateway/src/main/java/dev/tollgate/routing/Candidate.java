package dev.tollgate.routing;

import java.math.BigDecimal;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;

/**
 * A backend that may serve the call, with the price in force, the estimated cost of the call in pico-USD (prompt
 * tokens plus the expected output; exact) and its quality score for the task ({@link QualityTable#UNKNOWN} when
 * it has none). Immutable.
 */
public record Candidate(Offering offering, PriceRow price, long estimatedPicoUsd, int quality) {

    /** The estimated cost in USD, exact (12 decimal places). */
    public BigDecimal estimatedCostUsd() {
        return BigDecimal.valueOf(estimatedPicoUsd, 12);
    }
}
