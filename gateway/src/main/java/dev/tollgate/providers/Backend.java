package dev.tollgate.providers;

import dev.tollgate.call.WireFormat;
import reactor.core.publisher.Flux;

/**
 * One configured backend (a {@code tollgate.providers.<id>} entry). Implementations are thread-safe and are built
 * once at start.
 */
public interface Backend {

    /** The provider id from configuration. */
    String id();

    /** The price table this backend is priced by. */
    String priceTable();

    /** The wire format the backend speaks. */
    WireFormat format();

    /** Whether the backend also serves OpenAI's Responses API natively ({@code responses: true}). */
    default boolean servesResponses() {
        return false;
    }

    /** The format a call of {@code client} is sent in ({@link WireFormat#forCall}). */
    default WireFormat formatFor(WireFormat client) {
        return WireFormat.forCall(client, format(), servesResponses());
    }

    /** True for the in-process simulated backend: its responses are labelled as such. */
    boolean simulated();

    /**
     * Sends one call. Transport failures (connect refused or timed out, no response in time) are signalled as
     * errors of the returned flux; any HTTP answer, error statuses included, goes to {@code handler}.
     */
    <T> Flux<T> exchange(UpstreamCall call, UpstreamHandler<T> handler);
}
