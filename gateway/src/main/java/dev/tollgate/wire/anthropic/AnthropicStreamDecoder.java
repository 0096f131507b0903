package dev.tollgate.wire.anthropic;

import java.util.function.Consumer;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.StreamDecoder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a Messages event stream into canonical events, one for one. The message delta carries the whole usage: the
 * input and cache counts of {@code message_start}, updated by any the delta repeats, and the delta's cumulative
 * output. Unknown event and delta types ({@code citations_delta}, future ones) are skipped, as Anthropic asks of
 * clients. State: the usage so far. Not thread-safe: one per stream.
 */
public final class AnthropicStreamDecoder implements StreamDecoder {

    private TokenCounts usage = TokenCounts.ZERO;
    private boolean stopped;

    @Override
    public void decode(String name, String data, Consumer<StreamEvent> out) {
        if (stopped || data.isBlank()) {
            return;
        }
        JsonNode event;
        try {
            event = Json.tree(data);
        } catch (JacksonException e) {
            return;
        }
        if (event == null || !event.isObject()) {
            return;
        }
        String type = name != null ? name : event.path("type").asString("");
        switch (type) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                TokenCounts start = AnthropicUsage.read(message.get("usage"));
                usage = start != null ? start : TokenCounts.ZERO;
                out.accept(new StreamEvent.MessageStart(Json.text(message.get("id")),
                        Json.text(message.get("model")), usage));
            }
            case "content_block_start" -> blockStart(event, out);
            case "content_block_delta" -> delta(event, out);
            case "content_block_stop" -> out.accept(new StreamEvent.BlockStop(event.path("index").asInt(0)));
            case "message_delta" -> {
                usage = AnthropicUsage.merge(usage, event.get("usage"));
                JsonNode delta = event.path("delta");
                StopReason stop = AnthropicStopReasons.read(Json.text(delta.get("stop_reason")));
                out.accept(new StreamEvent.MessageDelta(stop != null ? stop : StopReason.END_TURN,
                        Json.text(delta.get("stop_sequence")), usage));
            }
            case "message_stop" -> {
                stopped = true;
                out.accept(StreamEvent.MESSAGE_STOP);
            }
            case "ping" -> out.accept(StreamEvent.PING);
            case "error" -> {
                JsonNode error = event.path("error");
                out.accept(new StreamEvent.StreamError(error.path("type").asString("api_error"),
                        error.path("message").asString("")));
            }
            default -> { }
        }
    }

    private static void blockStart(JsonNode event, Consumer<StreamEvent> out) {
        int index = event.path("index").asInt(0);
        JsonNode block = event.path("content_block");
        String type = block.path("type").asString("");
        switch (type) {
            case "text" -> {
                out.accept(new StreamEvent.BlockStart(index, Block.TEXT));
                String text = block.path("text").asString("");
                if (!text.isEmpty()) {
                    out.accept(new StreamEvent.TextDelta(index, text));
                }
            }
            case "tool_use" -> {
                out.accept(new StreamEvent.BlockStart(index, new Block.ToolUse(block.path("id").asString(""),
                        block.path("name").asString(""))));
                JsonNode input = block.get("input");
                if (input != null && input.isObject() && !input.isEmpty()) {
                    out.accept(new StreamEvent.ToolInputDelta(index, Json.raw(input).json()));
                }
            }
            case "thinking" -> {
                out.accept(new StreamEvent.BlockStart(index, Block.THINKING));
                String thinking = block.path("thinking").asString("");
                if (!thinking.isEmpty()) {
                    out.accept(new StreamEvent.ThinkingDelta(index, thinking));
                }
            }
            case "redacted_thinking" -> out.accept(new StreamEvent.BlockStart(index,
                    new Block.RedactedThinking(block.path("data").asString(""))));
            default -> out.accept(new StreamEvent.BlockStart(index, new Block.Opaque(type, Json.raw(block))));
        }
    }

    private static void delta(JsonNode event, Consumer<StreamEvent> out) {
        int index = event.path("index").asInt(0);
        JsonNode delta = event.path("delta");
        switch (delta.path("type").asString("")) {
            case "text_delta" -> out.accept(new StreamEvent.TextDelta(index, delta.path("text").asString("")));
            case "input_json_delta" -> out.accept(new StreamEvent.ToolInputDelta(index,
                    delta.path("partial_json").asString("")));
            case "thinking_delta" -> out.accept(new StreamEvent.ThinkingDelta(index,
                    delta.path("thinking").asString("")));
            case "signature_delta" -> out.accept(new StreamEvent.SignatureDelta(index,
                    delta.path("signature").asString("")));
            default -> { }
        }
    }

    /** Anthropic ends its streams with {@code message_stop}; an end without it was a cut and adds nothing. */
    @Override
    public void end(Consumer<StreamEvent> out) {
    }

    /** The usage so far: input and cache counts from the start, output from the latest delta. */
    public TokenCounts usage() {
        return usage;
    }
}
