package dev.tollgate.wire.gemini;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What the relay reads from a Gemini backend: the usage of a whole answer ({@code usageMetadata},
 * {@link GeminiUsage}), its text for counting, a stream's tap ({@link GeminiSseTap}), and Google's error bodies
 * ({@link GeminiErrors}; the {@code RetryInfo} delay as retry-after). Stateless, thread-safe.
 */
public final class GeminiWire implements AnswerReader {

    private final ObjectMapper mapper;

    public GeminiWire(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public WireFormat format() {
        return WireFormat.GEMINI;
    }

    /** Usage from a {@code usageMetadata} object; null when it has none. */
    public static Usage usage(JsonNode usageMetadata) {
        TokenCounts counts = GeminiUsage.read(usageMetadata);
        return counts == null ? null : counts.toUsage();
    }

    /**
     * The usage of a whole answer, reading only its top-level {@code usageMetadata} (the rest is skipped without
     * building a tree, but the whole document is read). Null when the body is valid JSON without usage.
     *
     * @throws JacksonException when the body is not one well-formed JSON document
     */
    @Override
    public Usage usageOfResponse(byte[] body) {
        try (JsonParser parser = mapper.createParser(body)) {
            return usageMetadata(parser);
        }
    }

    /**
     * The {@code usageMetadata} of the one JSON document {@code parser} reads, as usage; null when it has none.
     *
     * @throws JacksonException when the document is not well-formed
     */
    static Usage usageMetadata(JsonParser parser) {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw new StreamReadException(parser, "empty response body");
        }
        Usage found = null;
        if (first == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("usageMetadata".equals(name) && value == JsonToken.START_OBJECT) {
                    found = usage(parser.readValueAsTree());
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

    /** The text, thoughts and function-call arguments of a whole answer, for counting when it reports no usage. */
    @Override
    public String answerText(byte[] body) {
        StringBuilder text = new StringBuilder();
        appendText(mapper.readTree(body), text);
        return text.toString();
    }

    /** Appends the first candidate's text, thoughts and function-call arguments of one response (or chunk). */
    static void appendText(JsonNode response, StringBuilder text) {
        if (response == null) {
            return;
        }
        for (JsonNode part : response.path("candidates").path(0).path("content").path("parts")) {
            text.append(part.path("text").asString(""));
            JsonNode args = part.path("functionCall").get("args");
            if (args != null) {
                text.append(args.toString());
            }
        }
    }

    /** Gemini's streams carry usage in every chunk, which the client never sees raw: nothing is dropped. */
    @Override
    public SseTap tap(boolean dropUsageEvent) {
        return new GeminiSseTap(mapper);
    }

    /** Google's {@code {"error": {"code", "message", "status"}}}: type is the status name; or null. */
    @Override
    public UpstreamError error(byte[] body) {
        JsonNode error = GeminiErrors.errorNode(body);
        if (error == null) {
            return null;
        }
        return new UpstreamError(error.path("status").asString(""), null, error.path("message").asString(""), null);
    }

    /** The {@code google.rpc.RetryInfo} delay, in seconds. */
    @Override
    public String retryAfter(byte[] errorBody) {
        return GeminiErrors.retryDelay(errorBody);
    }
}
