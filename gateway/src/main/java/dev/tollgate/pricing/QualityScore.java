package dev.tollgate.pricing;

import java.time.LocalDate;

/** One model's score (0-100) for one task family, with where it comes from. Immutable. */
public record QualityScore(int score, String source, LocalDate date, String file) {
}
