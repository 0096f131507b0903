package dev.tollgate.wire.openai;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.StreamDecoder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a Chat Completions chunk stream into canonical events. Chunks carry no block boundaries, so this decoder
 * opens a block when the kind of delta changes (reasoning, text, a new tool call) and closes the open one before the
 * next opens and at the finish. The stop reason comes in the finish chunk but the usage in a later chunk (with
 * {@code stream_options.include_usage}), so the message delta waits: it is emitted when the usage arrives, or at
 * {@code [DONE]} with what is known, followed by the message stop. Only the first choice is read. State: the open
 * block, tool-call index to block index, the stop reason and the latest usage; never the content. Not thread-safe:
 * one per stream.
 */
public final class OpenAiStreamDecoder implements StreamDecoder {

    private enum Open { NONE, TEXT, THINKING, TOOL }

    private boolean started;
    private boolean finished;
    private boolean deltaSent;
    private boolean stopped;
    private boolean refused;
    private Open open = Open.NONE;
    private int openIndex = -1;
    private int nextIndex;
    /** OpenAI tool-call index to canonical block index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private int openTool = -1;
    private StopReason stopReason;
    private String stopSequence;
    private TokenCounts usage;

    @Override
    public void decode(String name, String data, Consumer<StreamEvent> out) {
        String payload = data.trim();
        if (payload.isEmpty() || stopped) {
            return;
        }
        if (payload.equals("[DONE]")) {
            finish(out);
            return;
        }
        JsonNode chunk;
        try {
            chunk = Json.tree(payload);
        } catch (JacksonException e) {
            return; // not JSON: nothing a client could use
        }
        if (chunk == null || !chunk.isObject()) {
            return;
        }
        JsonNode error = chunk.get("error");
        if (error != null && error.isObject()) {
            out.accept(new StreamEvent.StreamError(error.path("type").asString("api_error"),
                    error.path("message").asString("")));
            return;
        }
        if (!started) {
            started = true;
            out.accept(new StreamEvent.MessageStart(Json.text(chunk.get("id")), Json.text(chunk.get("model")),
                    TokenCounts.ZERO));
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) == 0) {
                choice(choice, out);
            }
        }
        TokenCounts reported = OpenAiUsage.read(chunk.get("usage"));
        if (reported != null) {
            usage = reported;
            if (finished) {
                sendDelta(out);
            }
        }
    }

    private void choice(JsonNode choice, Consumer<StreamEvent> out) {
        JsonNode delta = choice.path("delta");
        String reasoning = Json.text(delta.get("reasoning_content"));
        if (reasoning == null) {
            reasoning = Json.text(delta.get("reasoning"));
        }
        if (reasoning != null && !reasoning.isEmpty()) {
            open(Open.THINKING, Block.THINKING, out);
            out.accept(new StreamEvent.ThinkingDelta(openIndex, reasoning));
        }
        String content = Json.text(delta.get("content"));
        if (content != null && !content.isEmpty()) {
            open(Open.TEXT, Block.TEXT, out);
            out.accept(new StreamEvent.TextDelta(openIndex, content));
        }
        String refusal = Json.text(delta.get("refusal"));
        if (refusal != null && !refusal.isEmpty()) {
            refused = true;
            open(Open.TEXT, Block.TEXT, out);
            out.accept(new StreamEvent.TextDelta(openIndex, refusal));
        }
        JsonNode calls = delta.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (int i = 0; i < calls.size(); i++) {
                toolCall(calls.get(i), i, out);
            }
        }
        String finish = Json.text(choice.get("finish_reason"));
        if (finish != null && !finished) {
            finished = true;
            close(out);
            String matched = Json.text(choice.get("stop_reason"));
            stopReason = OpenAiFinishReasons.read(finish, matched);
            if (stopReason.kind() == StopReason.Kind.STOP_SEQUENCE) {
                stopSequence = matched;
            } else if (refused && stopReason.kind() == StopReason.Kind.END_TURN) {
                stopReason = new StopReason(StopReason.Kind.REFUSAL, finish);
            }
        }
    }

    private void toolCall(JsonNode call, int position, Consumer<StreamEvent> out) {
        int toolIndex = call.path("index").asInt(position);
        JsonNode function = call.path("function");
        Integer block = toolBlocks.get(toolIndex);
        if (block == null) {
            close(out);
            String id = Json.text(call.get("id"));
            block = nextIndex++;
            toolBlocks.put(toolIndex, block);
            open = Open.TOOL;
            openIndex = block;
            openTool = toolIndex;
            out.accept(new StreamEvent.BlockStart(block, new Block.ToolUse(
                    id == null || id.isEmpty() ? Ids.toolUseId() : id, function.path("name").asString(""))));
        } else if (open != Open.TOOL || openTool != toolIndex) {
            // a fragment of a call whose block was closed: passed on under its own index (not seen in practice)
            close(out);
        }
        String arguments = Json.text(function.get("arguments"));
        if (arguments != null && !arguments.isEmpty()) {
            out.accept(new StreamEvent.ToolInputDelta(block, arguments));
        }
    }

    private void open(Open kind, Block block, Consumer<StreamEvent> out) {
        if (open == kind && kind != Open.TOOL) {
            return;
        }
        close(out);
        open = kind;
        openIndex = nextIndex++;
        out.accept(new StreamEvent.BlockStart(openIndex, block));
    }

    private void close(Consumer<StreamEvent> out) {
        if (open != Open.NONE) {
            out.accept(new StreamEvent.BlockStop(openIndex));
            open = Open.NONE;
            openTool = -1;
        }
    }

    private void sendDelta(Consumer<StreamEvent> out) {
        if (!deltaSent) {
            deltaSent = true;
            out.accept(new StreamEvent.MessageDelta(stopReason != null ? stopReason : StopReason.END_TURN,
                    stopSequence, usage));
        }
    }

    /** {@code [DONE]}, or an end after the finish chunk: the delta if it still waits, then the stop. */
    private void finish(Consumer<StreamEvent> out) {
        if (!started || stopped) {
            return;
        }
        close(out);
        sendDelta(out);
        stopped = true;
        out.accept(StreamEvent.MESSAGE_STOP);
    }

    /**
     * The upstream ended without {@code [DONE]}: when the finish chunk came, the answer is whole and ends as
     * {@code [DONE]} would end it; otherwise it was cut short and nothing is added (the relay reports the cut).
     */
    @Override
    public void end(Consumer<StreamEvent> out) {
        if (finished) {
            finish(out);
        }
    }

    /** The latest usage the upstream reported, or null. */
    public TokenCounts usage() {
        return usage;
    }
}
