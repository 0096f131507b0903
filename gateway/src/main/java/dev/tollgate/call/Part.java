package dev.tollgate.call;

import java.util.List;
import java.util.Objects;

/**
 * One content part of a message (or of a response). Immutable; {@code cache} is null when the part carries no cache
 * breakpoint.
 */
public sealed interface Part {

    record Text(String text, CacheControl cache) implements Part {
        public Text {
            Objects.requireNonNull(text, "text");
        }

        public static Text of(String text) {
            return new Text(text, null);
        }
    }

    /** An image; {@code detail} is OpenAI's resolution hint (low/high/auto) or null. */
    record Image(ImageSource source, String detail, CacheControl cache) implements Part {
        public Image {
            Objects.requireNonNull(source, "source");
        }
    }

    /** A tool call by the assistant; {@code input} is a JSON object. */
    record ToolUse(String id, String name, RawJson input, CacheControl cache) implements Part {
        public ToolUse {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            input = input == null ? RawJson.EMPTY_OBJECT : input;
        }
    }

    /** The result of a tool call, sent by the user side; {@code content} holds text and image parts. */
    record ToolResult(String toolUseId, List<Part> content, boolean isError, CacheControl cache) implements Part {
        public ToolResult {
            Objects.requireNonNull(toolUseId, "toolUseId");
            content = content == null ? List.of() : List.copyOf(content);
        }
    }

    /**
     * Reasoning text. {@code signature} is Anthropic's integrity signature, null when the text came from a backend that
     * signs nothing (DeepSeek-style {@code reasoning_content}).
     */
    record Thinking(String thinking, String signature) implements Part {
        public Thinking {
            Objects.requireNonNull(thinking, "thinking");
        }

        public boolean signed() {
            return signature != null && !signature.isEmpty();
        }
    }

    /** Reasoning the provider encrypted; only the provider that made it can read it. */
    record RedactedThinking(String data) implements Part {
        public RedactedThinking {
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * A part the canonical call does not model (an Anthropic document or server-tool block, an OpenAI audio or file
     * part), kept as it came so that it reaches a backend of the same format; it cannot be translated.
     */
    record Opaque(String type, RawJson json) implements Part {
        public Opaque {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(json, "json");
        }
    }
}
