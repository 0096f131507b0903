package dev.tollgate.wire.anthropic;

import java.nio.charset.StandardCharsets;

import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Watches an Anthropic Messages stream as it passes ({@link SseTap}). Only {@code message_start} (the prompt's
 * counts), {@code message_delta} (the final, cumulative output count, and updated prompt counts when sent) and
 * {@code error} events are parsed; {@code message_stop} ends the stream; every other event is scanned for its name
 * and passed on untouched. {@code ping} and {@code error} events do not count as the stream's first data: a stream
 * that fails before any content (an {@code overloaded_error} event first) is the attempt's failure, and failover may
 * try the next backend. Usage is reported once {@code message_delta} has passed: before it, only the prompt's
 * counts are known ({@link #reportedPromptUsage}). Not thread-safe: one instance per stream.
 */
public final class AnthropicSseTap extends SseTap {

    private static final byte[] MESSAGE_START = "message_start".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_DELTA = "message_delta".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_STOP = "message_stop".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private Usage promptUsage;
    private String errorType;
    private String errorMessage;

    public AnthropicSseTap(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected boolean inspect(byte[] data, int start, int end) {
        String type = type(data, start, end);
        switch (type) {
            case "message_start" -> {
                JsonNode event = parse(data, start, end);
                if (event != null) {
                    promptUsage = AnthropicWire.usage(event.path("message").get("usage"));
                }
            }
            case "message_delta" -> {
                JsonNode event = parse(data, start, end);
                if (event != null) {
                    reported(AnthropicWire.finalUsage(promptUsage, event.get("usage")));
                }
            }
            case "message_stop" -> ended();
            case "error" -> {
                JsonNode event = parse(data, start, end);
                if (event != null && errorType == null) {
                    errorType = event.path("error").path("type").asString("api_error");
                    errorMessage = event.path("error").path("message").asString("");
                }
            }
            default -> {
                // content blocks, ping: passed on unread
            }
        }
        return false;
    }

    /** Content, tool use and {@code message_*} events count as data; {@code ping} and {@code error} do not. */
    @Override
    protected boolean isData(byte[] data, int start, int end) {
        String type = type(data, start, end);
        return !type.equals("ping") && !type.equals("error") && hasData(data, start, end);
    }

    /** The prompt's counts from {@code message_start}, exact even when the stream ended before its usage. */
    @Override
    public Usage reportedPromptUsage() {
        return promptUsage;
    }

    /** The first {@code error} event ({@code overloaded_error}, ...), or null. */
    @Override
    public AnswerReader.UpstreamError streamError() {
        return errorType == null ? null : new AnswerReader.UpstreamError(errorType, null, errorMessage, null);
    }

    @Override
    protected void appendDeltaText(byte[] bytes, int start, int end, StringBuilder text) {
        if (indexOf(bytes, start, end, "content_block_delta".getBytes(StandardCharsets.US_ASCII)) < 0) {
            return;
        }
        JsonNode event = parse(bytes, start, end);
        if (event == null) {
            return;
        }
        JsonNode delta = event.path("delta");
        text.append(delta.path("text").asString(""));
        text.append(delta.path("thinking").asString(""));
        text.append(delta.path("partial_json").asString(""));
    }

    /**
     * The event's type from its {@code event:} line (Anthropic names every event), else from the data's
     * {@code "type"}; only the names the tap cares about are told apart, anything else is {@code "other"}.
     */
    private static String type(byte[] data, int start, int end) {
        int line = start;
        while (line < end) {
            int eol = line;
            while (eol < end && data[eol] != '\n' && data[eol] != '\r') {
                eol++;
            }
            if (eol - line > 6 && data[line] == 'e' && data[line + 1] == 'v' && data[line + 2] == 'e'
                    && data[line + 3] == 'n' && data[line + 4] == 't' && data[line + 5] == ':') {
                String name = new String(data, line + 6, eol - line - 6, StandardCharsets.US_ASCII).strip();
                return switch (name) {
                    case "message_start", "message_delta", "message_stop", "error", "ping" -> name;
                    default -> "other";
                };
            }
            line = eol + 1;
        }
        // no event line: look at the data's own type (the first of the names found)
        if (indexOf(data, start, end, MESSAGE_START) >= 0) {
            return "message_start";
        }
        if (indexOf(data, start, end, MESSAGE_DELTA) >= 0) {
            return "message_delta";
        }
        if (indexOf(data, start, end, MESSAGE_STOP) >= 0) {
            return "message_stop";
        }
        if (indexOf(data, start, end, PING) >= 0 && indexOf(data, start, end, "content_block".getBytes(
                StandardCharsets.US_ASCII)) < 0) {
            return "ping";
        }
        return indexOf(data, start, end, ERROR) >= 0 && indexOf(data, start, end, "\"delta\"".getBytes(
                StandardCharsets.US_ASCII)) < 0 ? "error" : "other";
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
