package dev.tollgate.pricing;

import java.util.Arrays;
import java.util.Optional;

/**
 * The request field that caps a model's output at its provider's API, as the price tables declare it per model
 * ({@code output-cap-field}): {@code max_tokens} (the default, what every OpenAI-compatible API reads) or
 * {@code max_completion_tokens} (OpenAI's reasoning models, which refuse {@code max_tokens}). Immutable.
 */
public enum OutputCapField {
    MAX_TOKENS("max_tokens"),
    MAX_COMPLETION_TOKENS("max_completion_tokens");

    private final String json;

    OutputCapField(String json) {
        this.json = json;
    }

    /** The field's name in the request body, which is also its name in the YAML tables. */
    public String json() {
        return json;
    }

    public static Optional<OutputCapField> fromYaml(String name) {
        return Arrays.stream(values()).filter(f -> f.json.equals(name)).findFirst();
    }
}
