package dev.tollgate.routing;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PricedModel;

/**
 * One model served by one configured backend: the backend's provider id (which may differ from the price table it
 * is priced by) and the priced model from that table, with its position in {@link Catalog#all()} and its
 * capabilities as a bit mask, so that routing checks them with array lookups and one AND, and the wire format its
 * backend speaks. Immutable.
 */
public record Offering(String provider, PricedModel model, int index, long capabilityMask, WireFormat format) {

    /** An offering of a backend speaking OpenAI's format. */
    public Offering(String provider, PricedModel model) {
        this(provider, model, -1, mask(model), WireFormat.OPENAI_CHAT);
    }

    public Offering(String provider, PricedModel model, WireFormat format) {
        this(provider, model, -1, mask(model), format);
    }

    public String modelId() {
        return model.model();
    }

    static long mask(PricedModel model) {
        long mask = 0;
        for (Capability c : model.capabilities()) {
            mask |= 1L << c.ordinal();
        }
        return mask;
    }
}
