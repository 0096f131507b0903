package dev.tollgate.pricing;

import java.util.Map;
import java.util.Optional;

/** Every provider's prices, by price-table id (the {@code provider:} of each file). Immutable, thread-safe. */
public record PriceTable(Map<String, ProviderPrices> providers) {

    public Optional<PricedModel> find(String provider, String model) {
        ProviderPrices p = providers.get(provider);
        return p == null ? Optional.empty() : Optional.ofNullable(p.models().get(model));
    }
}
