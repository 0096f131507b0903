package dev.tollgate.call;

import java.util.Objects;

/**
 * Why the model stopped, in one vocabulary for every format, with the value the upstream sent ({@code raw}, null when
 * the reason was made by the gateway). Immutable.
 */
public record StopReason(Kind kind, String raw) {

    public enum Kind {
        /** The model finished its turn (OpenAI {@code stop}, Anthropic {@code end_turn}). */
        END_TURN,
        /** The output cap was reached (OpenAI {@code length}). */
        MAX_TOKENS,
        /** A stop sequence matched. */
        STOP_SEQUENCE,
        /** The model called tools (OpenAI {@code tool_calls}). */
        TOOL_USE,
        /** Anthropic paused a long server-tool turn; the client continues it. */
        PAUSE_TURN,
        /** The model declined (Anthropic {@code refusal}). */
        REFUSAL,
        /** A content filter cut the answer (OpenAI {@code content_filter}). */
        CONTENT_FILTER,
        /** The context window was full (Anthropic {@code model_context_window_exceeded}). */
        CONTEXT_WINDOW_EXCEEDED,
        /** A value neither vocabulary knows; {@code raw} has it. */
        OTHER
    }

    public static final StopReason END_TURN = new StopReason(Kind.END_TURN, null);

    public StopReason {
        Objects.requireNonNull(kind, "kind");
    }

    public static StopReason of(Kind kind) {
        return new StopReason(kind, null);
    }
}
