package dev.tollgate.pricing;

import java.util.Map;

/** One provider's price table (one YAML file): its models by model id, in file order. Immutable. */
public record ProviderPrices(String provider, String displayName, Map<String, PricedModel> models, String file) {
}
