package dev.tollgate.routing;

import dev.tollgate.pricing.PricedModel;

/**
 * One model served by one configured backend: the backend's provider id (which may differ from the price table it
 * is priced by) and the priced model from that table. Immutable.
 */
public record Offering(String provider, PricedModel model) {

    public String modelId() {
        return model.model();
    }
}
