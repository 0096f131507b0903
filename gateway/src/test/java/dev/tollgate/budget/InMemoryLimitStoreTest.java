package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The in-memory store against the {@link LimitStoreContract}; and the calendar of budget periods. */
class InMemoryLimitStoreTest extends LimitStoreContract {

    @Override
    protected LimitStore newStore() {
        return new InMemoryLimitStore();
    }

    @ParameterizedTest(name = "{0} at {1} in {2}: {3} .. {4}")
    @CsvSource({
        "DAILY,   2026-11-15T23:30:00Z, Europe/Berlin, 2026-11-15T23:00:00Z, 2026-11-16T23:00:00Z",
        "WEEKLY,  2026-11-15T12:00:00Z, UTC,           2026-11-09T00:00:00Z, 2026-11-16T00:00:00Z",
        "MONTHLY, 2026-11-30T23:59:59Z, UTC,           2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
        "MONTHLY, 2026-03-31T22:30:00Z, Europe/Berlin, 2026-03-31T22:00:00Z, 2026-04-30T22:00:00Z"})
    void periodsFollowTheCalendarOfTheTimeZone(BudgetPeriod period, Instant now, String zone, Instant start,
            Instant end) {
        BudgetPeriod.Window w = period.window(now, ZoneId.of(zone));

        assertThat(w.start()).isEqualTo(start);
        assertThat(w.end()).isEqualTo(end);
        assertThat(w.key()).isEqualTo(Long.toString(start.getEpochSecond()));
        assertThat(BudgetPeriod.NONE.window(now, ZoneOffset.UTC)).isEqualTo(new BudgetPeriod.Window(Instant.EPOCH,
                null));
    }
}
