package dev.tollgate.budget;

import java.util.List;

/**
 * What a settle changed: each budget counter's spent amount before and after (to detect crossed alert thresholds,
 * once, by the one settle that crossed them). Empty when the reservation was unknown. Immutable.
 */
public record SettleResult(List<Change> changes) {

    public static final SettleResult NONE = new SettleResult(List.of());

    public SettleResult {
        changes = List.copyOf(changes);
    }

    public record Change(String key, long limitNanos, long spentBeforeNanos, long spentAfterNanos) {
    }
}
