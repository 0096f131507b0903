package dev.tollgate.call;

import java.util.Objects;

/**
 * One event of a streamed answer in the canonical vocabulary, which follows Anthropic's (the richer of the two):
 * a message start, content blocks (start, deltas, stop) in order, a message delta with the stop reason and the
 * cumulative tokens, a message stop; pings and an error may come at any point. Immutable.
 */
public sealed interface StreamEvent {

    MessageStop MESSAGE_STOP = new MessageStop();
    Ping PING = new Ping();

    /** The answer begins; {@code usage} holds what is known so far (input counts, from Anthropic). */
    record MessageStart(String id, String model, TokenCounts usage) implements StreamEvent {
        public MessageStart {
            usage = usage == null ? TokenCounts.ZERO : usage;
        }
    }

    /** Content block {@code index} begins. */
    record BlockStart(int index, Block block) implements StreamEvent {
        public BlockStart {
            Objects.requireNonNull(block, "block");
        }
    }

    record TextDelta(int index, String text) implements StreamEvent {
    }

    /** A fragment of a tool call's input JSON; the fragments of a block concatenate to the input. */
    record ToolInputDelta(int index, String partialJson) implements StreamEvent {
    }

    record ThinkingDelta(int index, String thinking) implements StreamEvent {
    }

    record SignatureDelta(int index, String signature) implements StreamEvent {
    }

    record BlockStop(int index) implements StreamEvent {
    }

    /** The answer's end state: stop reason, matched stop sequence (or null), and every token counted so far. */
    record MessageDelta(StopReason stopReason, String stopSequence, TokenCounts usage) implements StreamEvent {
        public MessageDelta {
            Objects.requireNonNull(stopReason, "stopReason");
            usage = usage == null ? TokenCounts.ZERO : usage;
        }
    }

    record MessageStop() implements StreamEvent {
    }

    record Ping() implements StreamEvent {
    }

    /** The upstream failed mid-stream; {@code type} in the upstream's vocabulary (e.g. {@code overloaded_error}). */
    record StreamError(String type, String message) implements StreamEvent {
    }

    /** What kind of content a block holds. */
    sealed interface Block {

        Text TEXT = new Text();
        Thinking THINKING = new Thinking();

        record Text() implements Block {
        }

        record ToolUse(String id, String name) implements Block {
        }

        record Thinking() implements Block {
        }

        record RedactedThinking(String data) implements Block {
        }

        /** A block only its own format knows (Anthropic's server-tool blocks), with its start payload. */
        record Opaque(String type, RawJson json) implements Block {
        }
    }
}
