package dev.tollgate.wire;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;

/**
 * What the relay reads from a backend's answer in that backend's wire format: usage, the text to count when usage
 * is missing, a stream's events ({@link SseTap}) and error bodies. One per format, stateless, thread-safe.
 */
public interface AnswerReader {

    WireFormat format();

    /**
     * The usage of a whole answer; null when the body is valid JSON without usage.
     *
     * @throws tools.jackson.core.JacksonException when the body is not one well-formed JSON document
     */
    Usage usageOfResponse(byte[] body);

    /** The generated text of a whole answer (text, reasoning, tool arguments), for counting. */
    String answerText(byte[] body);

    /**
     * A tap for one stream.
     *
     * @param dropUsageEvent remove an event that only carries usage the client did not ask for
     */
    SseTap tap(boolean dropUsageEvent);

    /** An error body in this format, or null when it is not one. */
    UpstreamError error(byte[] body);

    /** An error a backend sent: its format's type, code (null where the format has none), message, parameter. */
    record UpstreamError(String type, String code, String message, String param) {
    }
}
