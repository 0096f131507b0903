package dev.tollgate.wire;

import java.util.function.Function;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

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

    /**
     * How long an error body asks the client to wait before retrying, as {@code retry-after} would say it (seconds),
     * for a format that says it in the body (Google's {@code RetryInfo}); null when the body does not say. The
     * relay uses it when the answer has no {@code retry-after} header, so that it feeds the same cool-down.
     */
    default String retryAfter(byte[] errorBody) {
        return null;
    }

    /**
     * The top-level {@code usage} object of a whole answer, read with {@code reader}: only that object becomes a tree,
     * the rest is skipped (but the whole document is read, so a truncated body is refused).
     *
     * @return null when the body is valid JSON without a usage object
     * @throws JacksonException when the body is not one well-formed JSON document
     */
    static Usage topLevelUsage(ObjectMapper mapper, byte[] body, Function<JsonNode, Usage> reader) {
        try (JsonParser parser = mapper.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new StreamReadException(parser, "empty response body");
            }
            Usage found = null;
            if (first == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                        found = reader.apply(parser.readValueAsTree());
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
            if (parser.nextToken() != null) {
                throw new StreamReadException(parser, "content after the end of the JSON document");
            }
            return found;
        }
    }

    /** An error a backend sent: its format's type, code (null where the format has none), message, parameter. */
    record UpstreamError(String type, String code, String message, String param) {
    }
}
