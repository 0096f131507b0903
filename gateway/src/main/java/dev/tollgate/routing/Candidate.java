package dev.tollgate.routing;

import java.math.BigDecimal;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;

/**
 * A backend that may serve the call, with the price in force, the estimated cost of the call in pico-USD (prompt
 * tokens plus the expected output, for every choice; exact), its quality score for the task
 * ({@link QualityTable#UNKNOWN} when it has none) and its observed time to first byte for this kind of call (streamed
 * or not; {@link Health#UNMEASURED} when none was observed). Immutable.
 *
 * @param outputCap output tokens per choice the upstream request must be capped at (admission sets it when a hard
 *                  budget applies: what the reservation covers at this backend); 0 = the request's own cap, unchanged
 */
public record Candidate(Offering offering, PriceRow price, long estimatedPicoUsd, int quality, long latencyMicros,
        int outputCap) {

    public Candidate(Offering offering, PriceRow price, long estimatedPicoUsd, int quality, long latencyMicros) {
        this(offering, price, estimatedPicoUsd, quality, latencyMicros, 0);
    }

    public Candidate(Offering offering, PriceRow price, long estimatedPicoUsd, int quality) {
        this(offering, price, estimatedPicoUsd, quality, Health.UNMEASURED, 0);
    }

    /** The estimated cost in USD, exact (12 decimal places). */
    public BigDecimal estimatedCostUsd() {
        return BigDecimal.valueOf(estimatedPicoUsd, 12);
    }

    /** This candidate with its upstream output capped at {@code cap} tokens per choice. */
    public Candidate withOutputCap(int cap) {
        return new Candidate(offering, price, estimatedPicoUsd, quality, latencyMicros, cap);
    }
}
