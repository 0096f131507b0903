package dev.tollgate.wire.responses;

import java.nio.charset.StandardCharsets;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The OpenAI Responses wire format as an OpenAI backend answers it ({@code POST <base-url>/responses}): usage of a
 * whole answer from its top-level {@code usage} ({@link ResponsesUsage}), of a stream from the response that
 * {@code response.completed}, {@code response.incomplete} or {@code response.failed} carries
 * ({@link ResponsesSseTap}); errors in OpenAI's shape ({@code {"error": {...}}}). Stateless, thread-safe.
 */
public final class ResponsesWire implements AnswerReader {

    private final ObjectMapper mapper;

    public ResponsesWire(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Usage from a Responses {@code usage} object; null when it has no counts. */
    public static Usage usage(JsonNode usage) {
        TokenCounts counts = ResponsesUsage.read(usage);
        return counts == null ? null : counts.toUsage();
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_RESPONSES;
    }

    /**
     * The usage of a whole Response, reading only its top-level {@code usage} (the rest is skipped without building a
     * tree, but the whole document is read). Null when the body is valid JSON without usage.
     *
     * @throws JacksonException when the body is not one well-formed JSON document
     */
    @Override
    public Usage usageOfResponse(byte[] body) {
        return AnswerReader.topLevelUsage(mapper, body, ResponsesWire::usage);
    }

    /** The text, refusals, reasoning and function-call arguments of the output items, for counting. */
    @Override
    public String answerText(byte[] body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode item : mapper.readTree(body).path("output")) {
            for (JsonNode part : item.path("content")) {
                text.append(part.path("text").asString(""));
                text.append(part.path("refusal").asString(""));
            }
            for (JsonNode part : item.path("summary")) {
                text.append(part.path("text").asString(""));
            }
            text.append(item.path("arguments").asString(""));
        }
        return text.toString();
    }

    /** Nothing is ever dropped from a Responses stream. */
    @Override
    public SseTap tap(boolean dropUsageEvent) {
        return new ResponsesSseTap(mapper);
    }

    /** {@code {"error": {"message", "type", "code", "param"}}}, or null. */
    @Override
    public UpstreamError error(byte[] body) {
        try {
            JsonNode root = mapper.readTree(body);
            JsonNode error = root != null ? root.get("error") : null;
            if (error == null || !error.isObject()) {
                return null;
            }
            return new UpstreamError(text(error, "type"), text(error, "code"), error.path("message").asString(""),
                    text(error, "param"));
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString(null);
    }

    /**
     * The sequence number of the last event in {@code bytes} plus one (what an event the gateway appends after them
     * gets), or {@code fallback} when they hold none. Scans back from the end for {@code "sequence_number":}.
     */
    public static int nextSequenceNumber(byte[] bytes, int fallback) {
        byte[] key = "\"sequence_number\":".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = bytes.length - key.length; i >= 0; i--) {
            for (int j = 0; j < key.length; j++) {
                if (bytes[i + j] != key[j]) {
                    continue outer;
                }
            }
            int k = i + key.length;
            while (k < bytes.length && bytes[k] == ' ') {
                k++;
            }
            long n = 0;
            int digits = 0;
            while (k < bytes.length && bytes[k] >= '0' && bytes[k] <= '9' && digits < 10) {
                n = n * 10 + (bytes[k++] - '0');
                digits++;
            }
            return digits == 0 ? fallback : (int) Math.min(Integer.MAX_VALUE, n + 1);
        }
        return fallback;
    }
}
