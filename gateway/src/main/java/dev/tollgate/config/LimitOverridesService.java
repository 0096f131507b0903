package dev.tollgate.config;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import dev.tollgate.budget.LimitOverrides;

/**
 * The admin API's budgets and rate limits in force on this replica: an immutable snapshot read once per call.
 * Thread-safe.
 */
public class LimitOverridesService implements Supplier<LimitOverrides> {

    private final AtomicReference<LimitOverrides> current = new AtomicReference<>(LimitOverrides.NONE);

    @Override
    public LimitOverrides get() {
        return current.get();
    }

    protected void replace(LimitOverrides overrides) {
        current.set(overrides);
    }
}
