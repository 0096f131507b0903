package dev.tollgate.pricing;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model as one provider's price table describes it: limits, capabilities, attributes and its price history
 * (oldest first, effective dates strictly increasing). Immutable.
 */
public record PricedModel(
        String provider,
        String model,
        int contextWindow,
        int maxOutputTokens,
        Set<Capability> capabilities,
        Map<String, String> attributes,
        List<PriceRow> prices,
        String file,
        int line) {

    /**
     * The row in force at {@code at}: the last row whose effective-from is not after it. Empty when {@code at} is
     * before the first row, i.e. the model had no price yet: such a call is unpriced, never billed at $0.
     */
    public Optional<PriceRow> priceAt(Instant at) {
        for (int i = prices.size() - 1; i >= 0; i--) {
            PriceRow row = prices.get(i);
            if (!row.effectiveFrom().isAfter(at)) {
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #priceAt}, without the Optional: the row in force at {@code at}, or null. */
    public PriceRow rowAt(Instant at) {
        for (int i = prices.size() - 1; i >= 0; i--) {
            PriceRow row = prices.get(i);
            if (!row.effectiveFrom().isAfter(at)) {
                return row;
            }
        }
        return null;
    }

    public boolean supports(Capability capability) {
        return capabilities.contains(capability);
    }
}
