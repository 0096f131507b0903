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
    REASONING("reasoning");

    private final String yamlName;

    Capability(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in the YAML tables and in API responses. */
    public String yamlName() {
        return yamlName;
    }

    public static Optional<Capability> fromYaml(String name) {
        return Arrays.stream(values()).filter(c -> c.yamlName.equals(name)).findFirst();
    }
}
