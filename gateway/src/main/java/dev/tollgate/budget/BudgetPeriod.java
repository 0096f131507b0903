package dev.tollgate.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/** How often a budget starts again, aligned to the calendar of a time zone. */
public enum BudgetPeriod {
    /** From local midnight to the next. */
    DAILY,
    /** From Monday 00:00 local to the next Monday (ISO weeks). */
    WEEKLY,
    /** From the 1st 00:00 local to the next month's 1st. */
    MONTHLY,
    /** Never starts again: a lifetime budget. */
    NONE;

    private final String yamlName = name().toLowerCase(Locale.ROOT);

    public String yamlName() {
        return yamlName;
    }

    public static Optional<BudgetPeriod> fromName(String name) {
        for (BudgetPeriod p : values()) {
            if (p.yamlName.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The period that contains {@code now}: its start (inclusive) and end (exclusive; null for {@link #NONE}). */
    public Window window(Instant now, ZoneId zone) {
        if (this == NONE) {
            return new Window(Instant.EPOCH, null);
        }
        LocalDate day = now.atZone(zone).toLocalDate();
        LocalDate start = switch (this) {
            case DAILY -> day;
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1);
            case NONE -> throw new AssertionError();
        };
        LocalDate end = switch (this) {
            case DAILY -> start.plusDays(1);
            case WEEKLY -> start.plusWeeks(1);
            case MONTHLY -> start.plusMonths(1);
            case NONE -> throw new AssertionError();
        };
        // atStartOfDay(zone) resolves a midnight skipped by a DST change to the first valid instant.
        ZonedDateTime from = start.atStartOfDay(zone);
        return new Window(from.toInstant(), end.atStartOfDay(zone).toInstant());
    }

    /**
     * One period of a budget.
     *
     * @param start inclusive
     * @param end   exclusive; null when the budget never starts again
     */
    public record Window(Instant start, Instant end) {
        /** The period's name in counter keys: its start in epoch seconds ({@code 0} for a lifetime budget). */
        public String key() {
            return Long.toString(start.getEpochSecond());
        }
    }
}
