package dev.tollgate.pricing;

import java.util.Locale;
import java.util.Optional;

/** The task families quality is scored by. Immutable. */
public enum TaskFamily {
    GENERAL, CODE, MATH, REASONING;

    private final String yamlName = name().toLowerCase(Locale.ROOT);

    /** The name in the quality tables, headers and API responses. */
    public String yamlName() {
        return yamlName;
    }

    public static Optional<TaskFamily> fromName(String name) {
        for (TaskFamily f : values()) {
            if (f.yamlName.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
