package dev.tollgate.routing;

import java.math.BigDecimal;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;

/**
 * A backend that may serve the call, with the price in force, the estimated cost of the call in pico-USD (prompt
 * tokens plus the expected output; exact), its quality score for the task ({@link QualityTable#UNKNOWN} when
 * it has none) and its observed time to first byte for this kind of call (streamed or not; {@link Health#UNMEASURED}
 * when none was observed). Immutable.
 */
public record Candidate(Offering offering, PriceRow price, long estimatedPicoUsd, int quality, long latencyMicros) {

    /** The estimated cost in USD, exact (12 decimal places). */
    public BigDecimal estimatedCostUsd() {
        return BigDecimal.valueOf(estimatedPicoUsd, 12);
    }
}
