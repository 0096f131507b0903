package dev.tollgate.call;

import java.util.List;
import java.util.Objects;

/**
 * A whole (non-streamed) answer: the upstream's id and model, the content parts (text, tool calls, thinking), why it
 * stopped ({@code stopSequence} is the sequence that matched, when known) and the tokens. Immutable.
 */
public record CallResponse(String id, String model, List<Part> content, StopReason stopReason, String stopSequence,
        TokenCounts usage) {

    public CallResponse {
        content = content == null ? List.of() : List.copyOf(content);
        Objects.requireNonNull(stopReason, "stopReason");
        usage = usage == null ? TokenCounts.ZERO : usage;
    }
}
