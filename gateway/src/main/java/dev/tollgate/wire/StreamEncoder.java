package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;

import dev.tollgate.call.StreamEvent;

/**
 * Writes canonical stream events as one format's SSE bytes, with the model name the client is to see. Not
 * thread-safe: one per stream.
 */
public interface StreamEncoder {

    /** Appends the SSE bytes for {@code event} (possibly none) to {@code out}. */
    void encode(StreamEvent event, ByteArrayOutputStream out);
}
