package dev.tollgate.budget;

import java.util.Locale;
import java.util.Optional;

/** What a budget does when a call would exceed it. */
public enum BudgetMode {
    /** Refuse the call (429 {@code budget_exceeded}). */
    HARD,
    /** Allow it; count it and alert (thresholds, rejections metric with reason {@code budget_soft}). */
    SOFT,
    /** Evaluate and record only, for a safe rollout: nothing changes for the client. */
    SHADOW;

    private final String yamlName = name().toLowerCase(Locale.ROOT);

    public String yamlName() {
        return yamlName;
    }

    public static Optional<BudgetMode> fromName(String name) {
        for (BudgetMode m : values()) {
            if (m.yamlName.equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
