package dev.tollgate.wire.gemini;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StopReason.Kind;

/**
 * Gemini's {@code finishReason} and the canonical stop reason. Gemini says {@code STOP} both for a finished turn, a
 * matched stop sequence (it does not tell them apart) and a turn that ends in function calls: a {@code STOP} after a
 * function call is {@link Kind#TOOL_USE}. Every safety-like reason ({@code SAFETY}, {@code RECITATION},
 * {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}, {@code SPII}, {@code IMAGE_SAFETY}, ...) is a content filter; anything
 * else ({@code MALFORMED_FUNCTION_CALL}, {@code OTHER}, ...) is {@link Kind#OTHER} without a raw value, so that each
 * client format writes its own default. Stateless.
 */
final class GeminiFinishReasons {

    private GeminiFinishReasons() {
    }

    /** The canonical reason; null for a null {@code finishReason}. */
    static StopReason read(String finishReason, boolean calledTools) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "STOP" -> calledTools ? new StopReason(Kind.TOOL_USE, finishReason)
                    : new StopReason(Kind.END_TURN, finishReason);
            case "MAX_TOKENS" -> new StopReason(Kind.MAX_TOKENS, finishReason);
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                    "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> new StopReason(Kind.CONTENT_FILTER, finishReason);
            default -> new StopReason(Kind.OTHER, null);
        };
    }
}
