package dev.tollgate.wire.openai;

import java.nio.charset.StandardCharsets;

import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.SseTap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Watches an OpenAI Chat Completions stream as it passes ({@link SseTap}): an event is parsed only when it carries a
 * {@code "usage": {...}} object; {@code data: [DONE]} ends the stream. The usage-only event (empty {@code choices})
 * is removed when the gateway, not the client, asked for it. Delivered text for counting: the content, reasoning
 * and tool-call argument deltas. Not thread-safe: one instance per stream.
 */
public final class SseUsageTap extends SseTap {

    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private final boolean dropUsageEvent;

    public SseUsageTap(ObjectMapper mapper, boolean dropUsageEvent) {
        this.mapper = mapper;
        this.dropUsageEvent = dropUsageEvent;
    }

    @Override
    protected boolean inspect(byte[] data, int start, int end) {
        if (!isEnded() && SseTap.indexOf(data, start, end, DONE) >= 0 && SseTap.dataPayload(data, start, end).trim().equals("[DONE]")) {
            ended();
            return false;
        }
        int key = SseTap.indexOf(data, start, end, USAGE_KEY);
        if (key < 0 || !objectFollows(data, key + USAGE_KEY.length, end)) {
            return false;
        }
        JsonNode event;
        try {
            event = mapper.readTree(SseTap.dataPayload(data, start, end));
        } catch (RuntimeException e) {
            return false;
        }
        Usage reported = OpenAiWire.usage(event.get("usage"));
        if (reported != null) {
            reported(reported);
        }
        JsonNode choices = event.get("choices");
        return dropUsageEvent && reported != null && choices != null && choices.isArray() && choices.isEmpty();
    }

    @Override
    protected void appendDeltaText(byte[] bytes, int start, int end, StringBuilder text) {
        String payload = SseTap.dataPayload(bytes, start, end).trim();
        if (payload.isEmpty() || payload.charAt(0) != '{') {
            return;
        }
        try {
            for (JsonNode choice : mapper.readTree(payload).path("choices")) {
                JsonNode delta = choice.path("delta");
                text.append(delta.path("content").asString(""));
                text.append(delta.path("reasoning_content").asString(""));
                for (JsonNode call : delta.path("tool_calls")) {
                    text.append(call.path("function").path("arguments").asString(""));
                }
            }
        } catch (RuntimeException ignored) {
            // not JSON: nothing to count
        }
    }

    private static boolean objectFollows(byte[] data, int i, int end) {
        while (i < end && (data[i] == ' ' || data[i] == '\t')) {
            i++;
        }
        if (i >= end || data[i] != ':') {
            return false;
        }
        i++;
        while (i < end && (data[i] == ' ' || data[i] == '\t')) {
            i++;
        }
        return i < end && data[i] == '{';
    }
}
