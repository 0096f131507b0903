package dev.tollgate.wire.anthropic;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Watches a Messages stream that passes through untouched, for its usage and its end. Cheap: only
 * {@code message_start}, {@code message_delta} and {@code error} are parsed; content events are recognised by their
 * name. The usage is that of {@code message_start}, each field replaced by the latest {@code message_delta} that
 * carries it: output is cumulative there, so it is taken, never added. Not thread-safe: one per stream.
 */
public final class AnthropicStreamUsage {

    private TokenCounts usage;
    private boolean stopped;
    private boolean sawContent;
    private String errorType;
    private String errorMessage;

    /** Looks at one SSE event; {@code name} null when it had no {@code event:} line (the type is then read). */
    public void onEvent(String name, String data) {
        String type = name != null ? name : typeOf(data);
        if (type == null) {
            return;
        }
        switch (type) {
            case "content_block_start", "content_block_delta" -> sawContent = true;
            case "message_stop" -> stopped = true;
            case "message_start" -> {
                JsonNode event = parse(data);
                TokenCounts start = event == null ? null : AnthropicUsage.read(event.path("message").get("usage"));
                if (start != null) {
                    usage = start;
                }
            }
            case "message_delta" -> {
                JsonNode event = parse(data);
                if (event != null && event.get("usage") != null) {
                    usage = AnthropicUsage.merge(usage != null ? usage : TokenCounts.ZERO, event.get("usage"));
                }
            }
            case "error" -> {
                JsonNode event = parse(data);
                if (event != null) {
                    errorType = event.path("error").path("type").asString("api_error");
                    errorMessage = event.path("error").path("message").asString("");
                }
            }
            default -> { }
        }
    }

    private static JsonNode parse(String data) {
        try {
            JsonNode event = Json.tree(data);
            return event != null && event.isObject() ? event : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** The value of the first {@code "type"} key, found without parsing (Anthropic writes it first). */
    static String typeOf(String data) {
        int key = data.indexOf("\"type\"");
        if (key < 0) {
            return null;
        }
        int colon = data.indexOf(':', key + 6);
        int open = colon < 0 ? -1 : data.indexOf('"', colon + 1);
        int close = open < 0 ? -1 : data.indexOf('"', open + 1);
        return close < 0 ? null : data.substring(open + 1, close);
    }

    /** The usage reported so far, or null when none came. */
    public TokenCounts usage() {
        return usage;
    }

    /** Whether {@code message_stop} passed. */
    public boolean stopped() {
        return stopped;
    }

    /** Whether any content block passed. */
    public boolean sawContent() {
        return sawContent;
    }

    /** The type of an {@code error} event ({@code overloaded_error}...), or null. */
    public String errorType() {
        return errorType;
    }

    public String errorMessage() {
        return errorMessage;
    }
}
