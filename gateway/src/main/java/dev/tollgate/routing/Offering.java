package dev.tollgate.routing;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PricedModel;

/**
 * One model served by one configured backend: the backend's provider id (which may differ from the price table it
 * is priced by) and the priced model from that table, with its position in {@link Catalog#all()} and its
 * capabilities as a bit mask, so that routing checks them with array lookups and one AND, the wire format its
 * backend speaks, and whether it also serves OpenAI's Responses API natively ({@code responses}). Immutable.
 */
public record Offering(String provider, PricedModel model, int index, long capabilityMask, WireFormat format,
        boolean responses) {

    public Offering(String provider, PricedModel model, int index, long capabilityMask, WireFormat format) {
        this(provider, model, index, capabilityMask, format, false);
    }

    /** An offering of a backend speaking OpenAI's format. */
    public Offering(String provider, PricedModel model) {
        this(provider, model, -1, mask(model), WireFormat.OPENAI_CHAT);
    }

    public Offering(String provider, PricedModel model, WireFormat format) {
        this(provider, model, -1, mask(model), format);
    }

    /** The format a call of {@code client} is sent in to this backend ({@link WireFormat#forCall}). */
    public WireFormat formatFor(WireFormat client) {
        return WireFormat.forCall(client, format, responses);
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
