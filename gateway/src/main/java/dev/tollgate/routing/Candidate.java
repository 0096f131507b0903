package dev.tollgate.routing;

import java.math.BigDecimal;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;

/**
 * A backend that may serve the call, with the price in force, the estimated cost of the call (prompt tokens plus
 * the expected output; {@code null} when the decision had a single candidate and no reason to count tokens) and
 * its quality score for the task ({@link QualityTable#UNKNOWN} when it has none). Immutable.
 */
public record Candidate(Offering offering, PriceRow price, BigDecimal estimatedCostUsd, int quality) {

    public Candidate(Offering offering, PriceRow price, BigDecimal estimatedCostUsd) {
        this(offering, price, estimatedCostUsd, QualityTable.UNKNOWN);
    }
}
