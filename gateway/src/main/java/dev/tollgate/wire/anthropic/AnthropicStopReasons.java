package dev.tollgate.wire.anthropic;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StopReason.Kind;

/** Anthropic's {@code stop_reason} and the canonical stop reason; a content filter becomes a refusal. Stateless. */
final class AnthropicStopReasons {

    private AnthropicStopReasons() {
    }

    /** The canonical reason; null for a null {@code stop_reason}. */
    static StopReason read(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        Kind kind = switch (stopReason) {
            case "end_turn" -> Kind.END_TURN;
            case "max_tokens" -> Kind.MAX_TOKENS;
            case "stop_sequence" -> Kind.STOP_SEQUENCE;
            case "tool_use" -> Kind.TOOL_USE;
            case "pause_turn" -> Kind.PAUSE_TURN;
            case "refusal" -> Kind.REFUSAL;
            case "model_context_window_exceeded" -> Kind.CONTEXT_WINDOW_EXCEEDED;
            default -> Kind.OTHER;
        };
        return new StopReason(kind, stopReason);
    }

    static String write(StopReason reason) {
        return switch (reason.kind()) {
            case END_TURN -> "end_turn";
            case MAX_TOKENS -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case TOOL_USE -> "tool_use";
            case PAUSE_TURN -> "pause_turn";
            case REFUSAL, CONTENT_FILTER -> "refusal";
            case CONTEXT_WINDOW_EXCEEDED -> "model_context_window_exceeded";
            case OTHER -> reason.raw() != null ? reason.raw() : "end_turn";
        };
    }
}
