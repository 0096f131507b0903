package dev.tollgate.call;

import java.util.Objects;

/** A tool the model may call. Immutable. */
public sealed interface ToolDef {

    String name();

    /**
     * A function the client runs: its JSON schema ({@code inputSchema}, an object), and whether the provider must hold
     * the call's input to it ({@code strict}, null when not said).
     */
    record Function(String name, String description, RawJson inputSchema, Boolean strict, CacheControl cache)
            implements ToolDef {
        public Function {
            Objects.requireNonNull(name, "name");
            inputSchema = inputSchema == null ? RawJson.EMPTY_OBJECT : inputSchema;
        }
    }

    /** A provider-run or otherwise typed tool (Anthropic's web search, OpenAI's custom tools), kept as it came. */
    record Opaque(String type, String name, RawJson json) implements ToolDef {
        public Opaque {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(json, "json");
        }
    }
}
