package dev.tollgate.wire;

import java.util.function.Consumer;

import dev.tollgate.call.StreamEvent;

/**
 * Reads one format's stream, one SSE event at a time, into canonical events. Keeps only the small state the format
 * needs (which block is open, the stop reason waiting for its usage), never the content. Not thread-safe: one per
 * stream.
 */
public interface StreamDecoder {

    /**
     * The canonical events of one SSE event ({@code name} null when it had no {@code event:} line), zero or more,
     * given to {@code out} in order.
     */
    void decode(String name, String data, Consumer<StreamEvent> out);

    /** The upstream ended: whatever the format leaves implicit at its end (nothing when the stream was cut short). */
    void end(Consumer<StreamEvent> out);
}
