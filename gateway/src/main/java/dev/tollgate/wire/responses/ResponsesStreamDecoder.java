package dev.tollgate.wire.responses;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.StreamDecoder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a Responses event stream into canonical events: {@code response.created} starts the message; a message
 * item's {@code output_text} or {@code refusal} content part, a {@code function_call} item and a {@code reasoning}
 * item each become a block (opened when they are added, closed when their part or item is done); text, refusal,
 * argument and reasoning deltas become the block's deltas; {@code response.completed}, {@code response.incomplete}
 * end the message with its stop reason and usage; {@code response.failed} and {@code error} become a stream error.
 * Other events (searches, annotations, in-progress notices) have no canonical meaning and are skipped. State: the
 * open blocks by item id and content index; never the content. Not thread-safe: one per stream.
 */
public final class ResponsesStreamDecoder implements StreamDecoder {

    private boolean started;
    private boolean stopped;
    private boolean calls;
    private int nextIndex;
    /** {@code item_id} (with {@code #content_index} for a message's parts) to open canonical block index. */
    private final Map<String, Integer> open = new HashMap<>();

    @Override
    public void decode(String name, String data, Consumer<StreamEvent> out) {
        String payload = data.trim();
        if (payload.isEmpty() || stopped) {
            return;
        }
        JsonNode event;
        try {
            event = Json.tree(payload);
        } catch (JacksonException e) {
            return;
        }
        if (event == null || !event.isObject()) {
            return;
        }
        String type = event.path("type").asString(name == null ? "" : name);
        if (type.equals("error")) {
            stopped = true;
            out.accept(new StreamEvent.StreamError(event.path("code").asString("api_error"),
                    event.path("message").asString("")));
            return;
        }
        if (!started && !type.equals("response.failed")) {
            started = true;
            JsonNode response = event.path("response");
            out.accept(new StreamEvent.MessageStart(Json.text(response.get("id")), Json.text(response.get("model")),
                    TokenCounts.ZERO));
        }
        switch (type) {
            case "response.output_item.added" -> {
                JsonNode item = event.path("item");
                String id = item.path("id").asString("");
                switch (item.path("type").asString("")) {
                    case "function_call" -> {
                        calls = true;
                        String callId = Json.text(item.get("call_id"));
                        start(id, new Block.ToolUse(callId == null ? Ids.toolUseId() : callId,
                                item.path("name").asString("")), out);
                    }
                    case "reasoning" -> start(id, Block.THINKING, out);
                    default -> { }
                }
            }
            case "response.content_part.added" -> {
                String part = event.path("part").path("type").asString("");
                if (part.equals("output_text") || part.equals("refusal")) {
                    start(partKey(event), Block.TEXT, out);
                }
            }
            case "response.output_text.delta", "response.refusal.delta" -> {
                Integer block = open.get(partKey(event));
                if (block != null) {
                    out.accept(new StreamEvent.TextDelta(block, event.path("delta").asString("")));
                }
            }
            case "response.function_call_arguments.delta" -> {
                Integer block = open.get(event.path("item_id").asString(""));
                if (block != null) {
                    out.accept(new StreamEvent.ToolInputDelta(block, event.path("delta").asString("")));
                }
            }
            case "response.reasoning_text.delta", "response.reasoning_summary_text.delta" -> {
                Integer block = open.get(event.path("item_id").asString(""));
                if (block != null) {
                    out.accept(new StreamEvent.ThinkingDelta(block, event.path("delta").asString("")));
                }
            }
            case "response.content_part.done" -> stop(partKey(event), out);
            case "response.output_item.done" -> stop(event.path("item").path("id").asString(""), out);
            case "response.completed", "response.incomplete" -> {
                for (Integer block : open.values()) {
                    out.accept(new StreamEvent.BlockStop(block));
                }
                open.clear();
                JsonNode response = event.path("response");
                TokenCounts usage = ResponsesUsage.read(response.get("usage"));
                out.accept(new StreamEvent.MessageDelta(ResponsesResponses.stopReason(response, calls), null, usage));
                out.accept(StreamEvent.MESSAGE_STOP);
                stopped = true;
            }
            case "response.failed" -> {
                JsonNode error = event.path("response").path("error");
                out.accept(new StreamEvent.StreamError(error.path("code").asString("server_error"),
                        error.path("message").asString("The response failed.")));
                stopped = true;
            }
            default -> { }
        }
    }

    private void start(String key, Block block, Consumer<StreamEvent> out) {
        int index = nextIndex++;
        open.put(key, index);
        out.accept(new StreamEvent.BlockStart(index, block));
    }

    private void stop(String key, Consumer<StreamEvent> out) {
        Integer block = open.remove(key);
        if (block != null) {
            out.accept(new StreamEvent.BlockStop(block));
        }
    }

    private static String partKey(JsonNode event) {
        return event.path("item_id").asString("") + "#" + event.path("content_index").asInt(0);
    }

    /** The stream ended: a Responses stream says its own end ({@code response.completed}); a cut adds nothing. */
    @Override
    public void end(Consumer<StreamEvent> out) {
    }
}
