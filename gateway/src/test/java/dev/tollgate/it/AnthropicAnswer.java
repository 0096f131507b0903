package dev.tollgate.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One assistant message as Anthropic's Messages API returns it, rendered either as the non-streamed JSON body
 * ({@link #json}) or as the exact server-sent event sequence of the same message streamed ({@link #events}). The
 * {@code model} is given at rendering time, so {@link FakeAnthropic} can echo the model that was asked for.
 *
 * <p>Usage follows Anthropic's accounting: {@code input_tokens} counts only the uncached input; tokens written to the
 * prompt cache ({@code cache_creation_input_tokens}, split by lifetime in {@code cache_creation}) and read from it
 * ({@code cache_read_input_tokens}) are counted apart. A stream's {@code message_start} reports the input counts and
 * {@value #START_OUTPUT_TOKENS} output token; its {@code message_delta} repeats the input counts and carries the
 * cumulative (final, not incremental) {@code output_tokens}.
 *
 * <p>Immutable and thread-safe.
 */
public final class AnthropicAnswer {

    /** The {@code output_tokens} of a stream's {@code message_start} event, as the API reports it. */
    static final long START_OUTPUT_TOKENS = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** One content block. Its pieces are how it streams, one delta each; joined, they are the block's content. */
    public sealed interface Block permits Text, ToolUse, Thinking {
    }

    /** A {@code text} block, streamed as one {@code text_delta} per piece. */
    public record Text(List<String> pieces) implements Block {
        public Text {
            pieces = List.copyOf(pieces);
        }

        public String text() {
            return String.join("", pieces);
        }
    }

    /**
     * A {@code tool_use} block: the tool call's id ({@code toolu_...}), the tool's name, and its input as JSON text in
     * pieces, streamed as one {@code input_json_delta} per piece after an empty one (the API's first
     * {@code partial_json} is {@code ""}). Joined, the pieces must be one JSON object.
     */
    public record ToolUse(String id, String name, List<String> jsonPieces) implements Block {
        public ToolUse {
            jsonPieces = List.copyOf(jsonPieces);
        }

        public String inputJson() {
            return String.join("", jsonPieces);
        }
    }

    /** A {@code thinking} block, streamed as one {@code thinking_delta} per piece, then one {@code signature_delta}. */
    public record Thinking(List<String> pieces, String signature) implements Block {
        public Thinking {
            pieces = List.copyOf(pieces);
        }

        public String thinking() {
            return String.join("", pieces);
        }
    }

    /**
     * Token counts: uncached input, output, input written to the cache with a 5-minute and a 1-hour lifetime, and
     * input read from the cache.
     */
    public record Usage(long input, long output, long cacheWrite5m, long cacheWrite1h, long cacheRead) {
        public long cacheCreation() {
            return cacheWrite5m + cacheWrite1h;
        }
    }

    /** One server-sent event: its {@code event:} name and its {@code data:} JSON. */
    public record SseEvent(String name, String data) {
        /** The event as it goes on the wire, blank line included. */
        public String wire() {
            return "event: " + name + "\ndata: " + data + "\n\n";
        }
    }

    private final String id;
    private final List<Block> content;
    private final String stopReason;
    private final String stopSequence;
    private final Usage usage;

    private AnthropicAnswer(String id, List<Block> content, String stopReason, String stopSequence, Usage usage) {
        this.id = Objects.requireNonNull(id);
        this.content = List.copyOf(content);
        this.stopReason = stopReason;
        this.stopSequence = stopSequence;
        this.usage = Objects.requireNonNull(usage);
    }

    // ------------------------------------------------------------------ builders

    /** Any content, stop reason and usage. */
    public static AnthropicAnswer of(List<Block> content, String stopReason, Usage usage) {
        return new AnthropicAnswer("msg_01FakeAnthropic000000001", content, stopReason, null, usage);
    }

    /** A text answer ({@code end_turn}), streamed one word (with its leading space) per {@code text_delta}. */
    public static AnthropicAnswer text(String text, long inputTokens, long outputTokens) {
        return textPieces(words(text), inputTokens, outputTokens);
    }

    /** A text answer ({@code end_turn}) streamed one {@code text_delta} per given piece. */
    public static AnthropicAnswer textPieces(List<String> pieces, long inputTokens, long outputTokens) {
        return of(List.of(new Text(pieces)), "end_turn", new Usage(inputTokens, outputTokens, 0, 0, 0));
    }

    /**
     * A tool call ({@code stop_reason} {@code tool_use}): the tool call's id, the tool's name and its input JSON,
     * streamed as {@code input_json_delta} fragments cut at the given character offsets of {@code inputJson}.
     */
    public static AnthropicAnswer toolUse(String toolId, String name, String inputJson, long inputTokens,
            long outputTokens, int... splitAt) {
        return of(List.of(new ToolUse(toolId, name, split(inputJson, splitAt))), "tool_use",
                new Usage(inputTokens, outputTokens, 0, 0, 0));
    }

    /**
     * Extended thinking then a text answer ({@code end_turn}): the thinking streams one {@code thinking_delta} per
     * word and then its signature; the text one {@code text_delta} per word.
     */
    public static AnthropicAnswer thinking(String thinking, String signature, String text, long inputTokens,
            long outputTokens) {
        return of(List.of(new Thinking(words(thinking), signature), new Text(words(text))), "end_turn",
                new Usage(inputTokens, outputTokens, 0, 0, 0));
    }

    /** The same answer with these prompt-cache counts: written with a 5-minute, a 1-hour lifetime, and read. */
    public AnthropicAnswer withCache(long cacheWrite5m, long cacheWrite1h, long cacheRead) {
        return new AnthropicAnswer(id, content, stopReason, stopSequence,
                new Usage(usage.input(), usage.output(), cacheWrite5m, cacheWrite1h, cacheRead));
    }

    /** The same answer with another {@code stop_reason} ({@code max_tokens}, {@code refusal}, ...). */
    public AnthropicAnswer withStopReason(String reason) {
        return new AnthropicAnswer(id, content, reason, null, usage);
    }

    /** The same answer stopped by one of the request's stop sequences ({@code stop_reason} {@code stop_sequence}). */
    public AnthropicAnswer withStopSequence(String sequence) {
        return new AnthropicAnswer(id, content, "stop_sequence", sequence, usage);
    }

    public AnthropicAnswer withId(String messageId) {
        return new AnthropicAnswer(messageId, content, stopReason, stopSequence, usage);
    }

    public String id() {
        return id;
    }

    public List<Block> content() {
        return content;
    }

    public String stopReason() {
        return stopReason;
    }

    public Usage usage() {
        return usage;
    }

    // ------------------------------------------------------------------ renderings

    /** The non-streamed response body. */
    public String json(String model) {
        ObjectNode message = messageHead(model);
        ArrayNode blocks = message.putArray("content");
        for (Block block : content) {
            blocks.add(completeBlock(block));
        }
        message.put("stop_reason", stopReason);
        message.put("stop_sequence", stopSequence);
        message.set("usage", usage(usage.output()));
        return message.toString();
    }

    /**
     * The streamed response, event by event: {@code message_start}; for each block {@code content_block_start}, its
     * deltas and {@code content_block_stop}, with one {@code ping} after the first block's start; {@code message_delta}
     * with the stop reason and the usage; {@code message_stop}.
     */
    public List<SseEvent> events(String model) {
        List<SseEvent> events = new ArrayList<>();
        ObjectNode start = MAPPER.createObjectNode().put("type", "message_start");
        ObjectNode message = messageHead(model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", usage(Math.min(START_OUTPUT_TOKENS, usage.output())));
        start.set("message", message);
        events.add(event(start));
        for (int index = 0; index < content.size(); index++) {
            Block block = content.get(index);
            ObjectNode blockStart = MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
            blockStart.set("content_block", emptyBlock(block));
            events.add(event(blockStart));
            if (index == 0) {
                events.add(ping());
            }
            for (ObjectNode delta : deltas(block)) {
                ObjectNode deltaEvent = MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
                deltaEvent.set("delta", delta);
                events.add(event(deltaEvent));
            }
            events.add(event(MAPPER.createObjectNode().put("type", "content_block_stop").put("index", index)));
        }
        ObjectNode messageDelta = MAPPER.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason).put("stop_sequence", stopSequence);
        messageDelta.putObject("usage").put("input_tokens", usage.input())
                .put("cache_creation_input_tokens", usage.cacheCreation())
                .put("cache_read_input_tokens", usage.cacheRead()).put("output_tokens", usage.output());
        events.add(event(messageDelta));
        events.add(event(MAPPER.createObjectNode().put("type", "message_stop")));
        return events;
    }

    /** A {@code ping} event. */
    public static SseEvent ping() {
        return new SseEvent("ping", "{\"type\": \"ping\"}");
    }

    /** An {@code error} event, as the API sends one in place of the rest of a stream. */
    public static SseEvent errorEvent(String errorType, String message) {
        return event(errorBody(errorType, message, null));
    }

    /** Anthropic's error body; {@code requestId} may be null (then absent). */
    public static ObjectNode errorBody(String errorType, String message, String requestId) {
        ObjectNode body = MAPPER.createObjectNode().put("type", "error");
        body.putObject("error").put("type", errorType).put("message", message);
        if (requestId != null) {
            body.put("request_id", requestId);
        }
        return body;
    }

    private static SseEvent event(ObjectNode data) {
        return new SseEvent(data.get("type").asString(), data.toString());
    }

    private ObjectNode messageHead(String model) {
        return MAPPER.createObjectNode().put("id", id).put("type", "message").put("role", "assistant")
                .put("model", model);
    }

    private ObjectNode usage(long outputTokens) {
        ObjectNode node = MAPPER.createObjectNode().put("input_tokens", usage.input())
                .put("cache_creation_input_tokens", usage.cacheCreation())
                .put("cache_read_input_tokens", usage.cacheRead());
        node.putObject("cache_creation").put("ephemeral_5m_input_tokens", usage.cacheWrite5m())
                .put("ephemeral_1h_input_tokens", usage.cacheWrite1h());
        return node.put("output_tokens", outputTokens).put("service_tier", "standard");
    }

    // Java 17: no pattern matching in switch, so the sealed Block is dispatched with instanceof.

    private static ObjectNode completeBlock(Block block) {
        if (block instanceof Text t) {
            return MAPPER.createObjectNode().put("type", "text").put("text", t.text());
        }
        if (block instanceof ToolUse u) {
            return toolUseBlock(u, MAPPER.readTree(u.inputJson()));
        }
        Thinking k = (Thinking) block;
        return MAPPER.createObjectNode().put("type", "thinking").put("thinking", k.thinking())
                .put("signature", k.signature());
    }

    private static ObjectNode emptyBlock(Block block) {
        if (block instanceof Text) {
            return MAPPER.createObjectNode().put("type", "text").put("text", "");
        }
        if (block instanceof ToolUse u) {
            return toolUseBlock(u, MAPPER.createObjectNode());
        }
        return MAPPER.createObjectNode().put("type", "thinking").put("thinking", "").put("signature", "");
    }

    private static ObjectNode toolUseBlock(ToolUse use, JsonNode input) {
        ObjectNode node = MAPPER.createObjectNode().put("type", "tool_use").put("id", use.id()).put("name", use.name());
        node.set("input", input);
        node.putObject("caller").put("type", "direct");
        return node;
    }

    private static List<ObjectNode> deltas(Block block) {
        List<ObjectNode> deltas = new ArrayList<>();
        if (block instanceof Text t) {
            t.pieces().forEach(p -> deltas.add(delta("text_delta").put("text", p)));
        } else if (block instanceof ToolUse u) {
            deltas.add(delta("input_json_delta").put("partial_json", ""));
            u.jsonPieces().forEach(p -> deltas.add(delta("input_json_delta").put("partial_json", p)));
        } else {
            Thinking k = (Thinking) block;
            k.pieces().forEach(p -> deltas.add(delta("thinking_delta").put("thinking", p)));
            deltas.add(delta("signature_delta").put("signature", k.signature()));
        }
        return deltas;
    }

    private static ObjectNode delta(String type) {
        return MAPPER.createObjectNode().put("type", type);
    }

    /** "Hello there" -> ["Hello", " there"]: each piece keeps the whitespace before it. */
    static List<String> words(String text) {
        return text.isEmpty() ? List.of("") : Arrays.asList(text.split("(?<=\\S)(?=\\s)"));
    }

    private static List<String> split(String text, int... at) {
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int cut : at) {
            if (cut <= from || cut >= text.length()) {
                throw new IllegalArgumentException("split points must rise within (0, " + text.length()
                        + "), but were " + Arrays.toString(at));
            }
            pieces.add(text.substring(from, cut));
            from = cut;
        }
        pieces.add(text.substring(from));
        return pieces;
    }
}
