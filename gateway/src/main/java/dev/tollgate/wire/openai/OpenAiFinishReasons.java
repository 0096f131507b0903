package dev.tollgate.wire.openai;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StopReason.Kind;

/**
 * OpenAI's {@code finish_reason} and the canonical stop reason. {@code stop} is an end of turn unless the backend said
 * which stop sequence matched (vLLM's {@code stop_reason}); a refusal becomes {@code content_filter}, Anthropic's
 * context-window stop becomes {@code length}. Stateless.
 */
final class OpenAiFinishReasons {

    private OpenAiFinishReasons() {
    }

    /** The canonical reason for {@code finishReason} (never null: a missing one is an end of turn). */
    static StopReason read(String finishReason, String matchedStop) {
        if (finishReason == null) {
            return StopReason.END_TURN;
        }
        Kind kind = switch (finishReason) {
            case "stop" -> matchedStop != null ? Kind.STOP_SEQUENCE : Kind.END_TURN;
            case "length" -> Kind.MAX_TOKENS;
            case "tool_calls", "function_call" -> Kind.TOOL_USE;
            case "content_filter" -> Kind.CONTENT_FILTER;
            default -> Kind.OTHER;
        };
        return new StopReason(kind, finishReason);
    }

    static String write(StopReason reason) {
        return switch (reason.kind()) {
            case END_TURN, STOP_SEQUENCE, PAUSE_TURN -> "stop";
            case MAX_TOKENS, CONTEXT_WINDOW_EXCEEDED -> "length";
            case TOOL_USE -> "tool_calls";
            case REFUSAL, CONTENT_FILTER -> "content_filter";
            case OTHER -> reason.raw() != null ? reason.raw() : "stop";
        };
    }
}
