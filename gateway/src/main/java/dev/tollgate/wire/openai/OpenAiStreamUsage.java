package dev.tollgate.wire.openai;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Watches a Chat Completions stream that passes through untouched, for the usage and the end. Cheap: a chunk is parsed
 * only when it holds a {@code "usage":{} } object or an {@code "error"}; content is recognised by a text scan. Not
 * thread-safe: one per stream.
 */
public final class OpenAiStreamUsage {

    private TokenCounts usage;
    private boolean done;
    private boolean sawContent;
    private String errorMessage;

    /** Looks at one SSE event ({@code name} is ignored: OpenAI sends none). */
    public void onEvent(String name, String data) {
        String payload = data.trim();
        if (payload.equals("[DONE]")) {
            done = true;
            return;
        }
        if (!sawContent && hasContent(payload)) {
            sawContent = true;
        }
        boolean usageObject = payload.contains("\"usage\":{") || payload.contains("\"usage\": {");
        if (!usageObject && !payload.startsWith("{\"error\"")) {
            return;
        }
        try {
            JsonNode chunk = Json.tree(payload);
            TokenCounts reported = OpenAiUsage.read(chunk.get("usage"));
            if (reported != null) {
                usage = reported;
            }
            JsonNode error = chunk.get("error");
            if (error != null && error.isObject()) {
                errorMessage = error.path("message").asString("");
            }
        } catch (JacksonException e) {
            // not JSON: nothing to read
        }
    }

    private static boolean hasContent(String payload) {
        return nonEmptyString(payload, "\"content\":\"") || nonEmptyString(payload, "\"reasoning_content\":\"")
                || payload.contains("\"tool_calls\":[");
    }

    private static boolean nonEmptyString(String payload, String key) {
        int at = payload.indexOf(key);
        return at >= 0 && at + key.length() < payload.length() && payload.charAt(at + key.length()) != '"';
    }

    /** The latest usage reported, or null. */
    public TokenCounts usage() {
        return usage;
    }

    /** Whether {@code data: [DONE]} passed. */
    public boolean stopped() {
        return done;
    }

    /** Whether any content (text, reasoning or a tool call) passed. */
    public boolean sawContent() {
        return sawContent;
    }

    /** The message of an error chunk, or null. */
    public String errorMessage() {
        return errorMessage;
    }
}
