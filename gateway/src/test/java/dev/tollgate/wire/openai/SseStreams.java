package dev.tollgate.wire.openai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** OpenAI-style Chat Completions SSE streams for the tap's tests: each event as its own text. */
final class SseStreams {

    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    /** The usage-only chunk a stream with {@code stream_options.include_usage} ends with. */
    static final String USAGE_JSON = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":2}}}";

    private SseStreams() {
    }

    static String event(String payload, String newline) {
        return "data: " + payload + newline + newline;
    }

    static String chunkJson(String deltaJson, String finishReason) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":" + deltaJson + ",\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    static String contentJson(String text) {
        return chunkJson("{\"content\":" + MAPPER.writeValueAsString(text) + "}", null);
    }

    /**
     * The events of a whole stream: role chunk, one content chunk per delta, finish chunk, the usage-only chunk
     * (when {@code withUsage}), then {@code data: [DONE]}.
     */
    static List<String> events(List<String> deltas, boolean withUsage, String newline) {
        List<String> events = new ArrayList<>();
        events.add(event(chunkJson("{\"role\":\"assistant\",\"content\":\"\"}", null), newline));
        deltas.forEach(d -> events.add(event(contentJson(d), newline)));
        events.add(event(chunkJson("{}", "stop"), newline));
        if (withUsage) {
            events.add(event(USAGE_JSON, newline));
        }
        events.add(event("[DONE]", newline));
        return events;
    }

    static String usageEvent(String newline) {
        return event(USAGE_JSON, newline);
    }

    static byte[] bytes(List<String> events) {
        return String.join("", events).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Feeds {@code stream} cut at {@code cuts} (sorted offsets) and returns everything the tap let through. */
    static byte[] feed(SseUsageTap tap, byte[] stream, List<Integer> cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            out.writeBytes(tap.onChunk(slice(stream, from, cut)));
            from = cut;
        }
        out.writeBytes(tap.onChunk(slice(stream, from, stream.length)));
        out.writeBytes(tap.onComplete());
        return out.toByteArray();
    }

    static byte[] slice(byte[] data, int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(data, from, out, 0, out.length);
        return out;
    }
}
