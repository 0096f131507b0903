package dev.tollgate.wire.gemini;

import java.util.function.Consumer;

import dev.tollgate.call.Part;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.StreamDecoder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a {@code streamGenerateContent?alt=sse} stream into canonical events. Each {@code data:} event is a whole
 * {@code GenerateContentResponse} chunk; there is no {@code [DONE]}: the chunk with a {@code finishReason} is the
 * last one, and the end of the HTTP body ends the stream. Chunks carry no block boundaries, so this decoder opens a
 * block when the kind of part changes (thought, text) and closes the open one before the next opens; a
 * {@code functionCall} comes whole in one part and is a block of its own (start, its whole input, stop). Every chunk
 * repeats the usage so far ({@code usageMetadata}, cumulative): the latest replaces the earlier, nothing is added
 * up. The finish chunk gives the message delta (stop reason and that chunk's usage) and the message stop at once. An
 * {@code {"error": {...}}} event is a stream error. Only the first candidate is read. State: the open block, the
 * latest usage, whether a tool was called; never the content. Not thread-safe: one per stream.
 */
public final class GeminiStreamDecoder implements StreamDecoder {

    private enum Open { NONE, TEXT, THINKING }

    private boolean started;
    private boolean stopped;
    private boolean calledTools;
    private Open open = Open.NONE;
    private int openIndex = -1;
    private int nextIndex;
    private TokenCounts usage = TokenCounts.ZERO;

    @Override
    public void decode(String name, String data, Consumer<StreamEvent> out) {
        String payload = data.trim();
        if (payload.isEmpty() || stopped) {
            return;
        }
        JsonNode chunk;
        try {
            chunk = Json.tree(payload);
        } catch (JacksonException e) {
            return; // not JSON: nothing a client could use
        }
        if (chunk != null && chunk.isArray() && chunk.size() == 1) {
            chunk = chunk.get(0);
        }
        if (chunk == null || !chunk.isObject()) {
            return;
        }
        JsonNode error = chunk.get("error");
        if (error != null && error.isObject()) {
            out.accept(new StreamEvent.StreamError(streamErrorType(error.path("status").asString("")),
                    error.path("message").asString("")));
            return;
        }
        TokenCounts reported = GeminiUsage.read(chunk.get("usageMetadata"));
        if (reported != null) {
            usage = reported;
        }
        if (!started) {
            started = true;
            out.accept(new StreamEvent.MessageStart(Json.text(chunk.get("responseId")),
                    Json.text(chunk.get("modelVersion")),
                    new TokenCounts(usage.input(), usage.cacheRead(), 0, 0, 0, 0)));
        }
        JsonNode candidate = chunk.path("candidates").path(0);
        for (JsonNode part : candidate.path("content").path("parts")) {
            part(part, out);
        }
        String finish = Json.text(candidate.get("finishReason"));
        boolean blocked = finish == null && chunk.path("promptFeedback").has("blockReason");
        if (finish != null || blocked) {
            close(out);
            StopReason stop = blocked ? new StopReason(StopReason.Kind.CONTENT_FILTER, null)
                    : GeminiFinishReasons.read(finish, calledTools);
            out.accept(new StreamEvent.MessageDelta(stop, null, usage));
            stopped = true;
            out.accept(StreamEvent.MESSAGE_STOP);
        }
    }

    private void part(JsonNode part, Consumer<StreamEvent> out) {
        Part p = GeminiResponses.part(part);
        if (p instanceof Part.Thinking t) {
            if (!t.thinking().isEmpty()) {
                open(Open.THINKING, Block.THINKING, out);
                out.accept(new StreamEvent.ThinkingDelta(openIndex, t.thinking()));
            }
        } else if (p instanceof Part.Text t) {
            if (!t.text().isEmpty()) {
                open(Open.TEXT, Block.TEXT, out);
                out.accept(new StreamEvent.TextDelta(openIndex, t.text()));
            }
        } else if (p instanceof Part.ToolUse u) {
            close(out);
            calledTools = true;
            int index = nextIndex++;
            out.accept(new StreamEvent.BlockStart(index, new Block.ToolUse(u.id(), u.name())));
            out.accept(new StreamEvent.ToolInputDelta(index, u.input().json()));
            out.accept(new StreamEvent.BlockStop(index));
        }
    }

    private void open(Open kind, Block block, Consumer<StreamEvent> out) {
        if (open == kind) {
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
        }
    }

    /** A stream error's type in the vocabulary the encoders share (Anthropic's). */
    static String streamErrorType(String googleStatus) {
        return switch (googleStatus) {
            case "RESOURCE_EXHAUSTED" -> "rate_limit_error";
            case "UNAVAILABLE" -> "overloaded_error";
            case "INVALID_ARGUMENT", "FAILED_PRECONDITION" -> "invalid_request_error";
            default -> "api_error";
        };
    }

    /**
     * The body ended. After the finish chunk the answer is whole and was ended there; without it the stream was cut
     * short and nothing is added (the relay reports the cut).
     */
    @Override
    public void end(Consumer<StreamEvent> out) {
    }

    /** The latest usage the upstream reported. */
    public TokenCounts usage() {
        return usage;
    }
}
