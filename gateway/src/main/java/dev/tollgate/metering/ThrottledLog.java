package dev.tollgate.metering;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;

/**
 * Logs a failure that can recur on every call (a store that is down, a queue that is full) without a line per
 * call: the first failure is logged at once, then at most one line per interval with the number of failures since
 * the last line, and one line when it is over ({@link #recovered}) with the number in all. Thread-safe; the
 * decision is taken under a lock, the logging outside it.
 */
public final class ThrottledLog {

    /** The default interval between two lines of one ongoing failure. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

    private final Logger log;
    private final String what;
    private final Duration interval;
    private final Clock clock;
    private boolean failing;
    private Instant since;
    private Instant lastLine;
    private long sinceLastLine;
    private long total;

    /**
     * @param what     what fails, the start of every line ("budget store", "ledger: rows lost")
     * @param interval the least time between two lines of one ongoing failure
     */
    public ThrottledLog(Logger log, String what, Duration interval, Clock clock) {
        this.log = log;
        this.what = what;
        this.interval = interval;
        this.clock = clock;
    }

    /** One failure; {@code detail} says what happened this time (an error message, never a secret). */
    public void failure(String detail) {
        String line;
        synchronized (this) {
            Instant now = clock.instant();
            total++;
            if (!failing) {
                failing = true;
                since = now;
                lastLine = now;
                sinceLastLine = 0;
                line = what + ": " + detail + " (further failures are counted and logged at most once every "
                        + interval.toSeconds() + " s)";
            } else if (!now.isBefore(lastLine.plus(interval))) {
                line = what + ": " + (sinceLastLine + 1) + " more failures in the last "
                        + Duration.between(lastLine, now).toSeconds() + " s (failing since " + since + "); last: "
                        + detail;
                lastLine = now;
                sinceLastLine = 0;
            } else {
                sinceLastLine++;
                return;
            }
        }
        log.warn(line);
    }

    /** The failure is over (the store answers again): one line, if anything failed since the last recovery. */
    public void recovered() {
        String line;
        synchronized (this) {
            if (!failing) {
                return;
            }
            Instant now = clock.instant();
            line = what + ": works again after " + Duration.between(since, now).toSeconds() + " s; " + total
                    + " failures in all";
            failing = false;
            total = 0;
            sinceLastLine = 0;
        }
        log.info(line);
    }

    /** Whether a failure has been seen since the last recovery. */
    public synchronized boolean failing() {
        return failing;
    }
}
