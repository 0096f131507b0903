package dev.tollgate.pricing;

import java.util.Arrays;
import java.util.Optional;

/** What an offering can do, as declared in the price tables. Immutable. */
public enum Capability {
    TOOLS("tools"),
    VISION("vision"),
    JSON_SCHEMA("json-schema"),
    STREAMING("streaming"),
    /** Reasons before answering when asked ({@code reasoning_effort}, Anthropic's {@code thinking}). */
    REASONING("reasoning"),
    /**
     * An embedding model, served at {@code POST /v1/embeddings} only: it has no output tokens (its output price is 0)
     * and takes no chat call; a chat model takes no embeddings call.
     */
    EMBEDDINGS("embeddings");

    private final String yamlName;

    Capability(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in the YAML tables and in API responses. */
    public String yamlName() {
        return yamlName;
    }

    /** Every capability's YAML name, comma-separated, for error messages. */
    public static String yamlNames() {
        StringBuilder sb = new StringBuilder();
        for (Capability c : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(c.yamlName);
        }
        return sb.toString();
    }

    public static Optional<Capability> fromYaml(String name) {
        return Arrays.stream(values()).filter(c -> c.yamlName.equals(name)).findFirst();
    }
}
