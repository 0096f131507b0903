package dev.tollgate.pricing;

import java.util.EnumMap;
import java.util.Map;

/**
 * Quality scores by model id and task family. A model or family without a score is unknown, never zero: routing
 * that needs a quality floor excludes it with that reason. Immutable, thread-safe.
 */
public final class QualityTable {

    /** No scores at all. */
    public static final QualityTable EMPTY = new QualityTable(Map.of());

    /** Value of {@link #score} when there is none. */
    public static final int UNKNOWN = -1;

    private final Map<String, EnumMap<TaskFamily, QualityScore>> scores;

    public QualityTable(Map<String, EnumMap<TaskFamily, QualityScore>> scores) {
        this.scores = scores;
    }

    /** The score of {@code model} for {@code family}, or {@link #UNKNOWN}. */
    public int score(String model, TaskFamily family) {
        EnumMap<TaskFamily, QualityScore> byFamily = scores.get(model);
        if (byFamily == null) {
            return UNKNOWN;
        }
        QualityScore s = byFamily.get(family);
        return s == null ? UNKNOWN : s.score();
    }

    /** The full score record, or null. */
    public QualityScore detail(String model, TaskFamily family) {
        EnumMap<TaskFamily, QualityScore> byFamily = scores.get(model);
        return byFamily == null ? null : byFamily.get(family);
    }

    public int models() {
        return scores.size();
    }
}
