package dev.tollgate.wire.responses;

import java.nio.charset.StandardCharsets;

import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Watches a Responses event stream as it passes ({@link SseTap}), for a call passed through to an OpenAI backend.
 * Only the events that end a response are parsed: {@code response.completed}, {@code response.incomplete} and
 * {@code response.failed} carry the response with its {@code usage} (the exact, final counts) and end the stream;
 * an {@code error} event is recorded. Every other event is scanned for its name and passed on untouched; nothing is
 * dropped (a Responses stream always carries its usage, and a client always gets it). An {@code error} event does not
 * count as the stream's first data: a stream that fails before anything else is the attempt's failure, and failover
 * may try the next backend. A stream cut before its end reports no usage: the relay counts what was delivered (the
 * text, argument and reasoning deltas kept by this tap). Not thread-safe: one instance per stream.
 */
public final class ResponsesSseTap extends SseTap {

    private static final byte[] DELTA = ".delta\"".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private String errorCode;
    private String errorMessage;

    public ResponsesSseTap(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected boolean inspect(byte[] data, int start, int end) {
        String type = type(data, start, end);
        switch (type) {
            case "response.completed", "response.incomplete", "response.failed" -> {
                JsonNode event = parse(data, start, end);
                if (event != null) {
                    Usage usage = ResponsesWire.usage(event.path("response").get("usage"));
                    if (usage != null) {
                        reported(usage);
                    }
                    if (type.equals("response.failed") && errorCode == null) {
                        JsonNode error = event.path("response").path("error");
                        errorCode = error.path("code").asString("server_error");
                        errorMessage = error.path("message").asString("");
                    }
                }
                ended();
            }
            case "error" -> {
                JsonNode event = parse(data, start, end);
                if (event != null && errorCode == null) {
                    errorCode = event.path("code").asString("server_error");
                    errorMessage = event.path("message").asString("");
                }
            }
            default -> {
                // items, parts, deltas: passed on unread
            }
        }
        return false;
    }

    /** Every event with data counts, but {@code error}. */
    @Override
    protected boolean isData(byte[] data, int start, int end) {
        return !type(data, start, end).equals("error") && hasData(data, start, end);
    }

    /** The first {@code error} event, or the error of {@code response.failed}; null when none passed. */
    @Override
    public AnswerReader.UpstreamError streamError() {
        return errorCode == null ? null : new AnswerReader.UpstreamError(errorCode, errorCode, errorMessage, null);
    }

    /** The deltas of text, refusals, function-call arguments and reasoning. */
    @Override
    protected void appendDeltaText(byte[] bytes, int start, int end, StringBuilder text) {
        if (indexOf(bytes, start, end, DELTA) < 0) {
            return;
        }
        JsonNode event = parse(bytes, start, end);
        if (event == null) {
            return;
        }
        JsonNode delta = event.get("delta");
        if (delta != null && delta.isString()) {
            text.append(delta.stringValue());
        }
    }

    /**
     * The event's type from its {@code event:} line (the Responses API names every event), else from the data's
     * {@code "type"}; only the names the tap cares about are told apart, anything else is {@code "other"}.
     */
    static String type(byte[] data, int start, int end) {
        int line = start;
        while (line < end) {
            int eol = line;
            while (eol < end && data[eol] != '\n' && data[eol] != '\r') {
                eol++;
            }
            if (eol - line > 6 && data[line] == 'e' && data[line + 1] == 'v' && data[line + 2] == 'e'
                    && data[line + 3] == 'n' && data[line + 4] == 't' && data[line + 5] == ':') {
                return known(new String(data, line + 6, eol - line - 6, StandardCharsets.US_ASCII).strip());
            }
            line = eol + 1;
        }
        String payload = dataPayload(data, start, end);
        int at = payload.indexOf("\"type\"");
        if (at < 0) {
            return "other";
        }
        int open = payload.indexOf('"', payload.indexOf(':', at) + 1);
        int close = open < 0 ? -1 : payload.indexOf('"', open + 1);
        return close < 0 ? "other" : known(payload.substring(open + 1, close));
    }

    private static String known(String name) {
        return switch (name) {
            case "response.completed", "response.incomplete", "response.failed", "error" -> name;
            default -> "other";
        };
    }

    private JsonNode parse(byte[] data, int start, int end) {
        String payload = dataPayload(data, start, end).trim();
        if (payload.isEmpty() || payload.charAt(0) != '{') {
            return null;
        }
        try {
            return mapper.readTree(payload);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
