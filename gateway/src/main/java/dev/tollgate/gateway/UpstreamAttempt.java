package dev.tollgate.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.tollgate.metering.Attempt;
import dev.tollgate.metering.AttemptOutcome;
import dev.tollgate.resilience.BackendGuard;

/**
 * One attempt of a call at one backend: when it was sent, whether its first byte has gone to the client (which
 * commits the call to it: no failover after that), and the single place its end is recorded (breaker, bulkhead,
 * ledger attempt, metric). Its signals can race (a timeout against a late answer, a cancel against completion), so
 * the end is decided by a CAS and the first byte is written once. Thread-safe.
 */
final class UpstreamAttempt {

    private final BackendGuard guard;
    private final long startNanos;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile long firstByteNanos;
    private volatile boolean abandoned;
    private volatile boolean interrupted;

    UpstreamAttempt(BackendGuard guard, long startNanos) {
        this.guard = guard;
        this.startNanos = startNanos;
    }

    String provider() {
        return guard.provider();
    }

    String model() {
        return guard.model();
    }

    /** The first byte of the answer is going to the client: the breaker records a success (time to first byte). */
    void firstByte(long nowNanos) {
        if (firstByteNanos == 0) {
            firstByteNanos = nowNanos;
            guard.succeeded(nowNanos - startNanos);
        }
    }

    boolean committed() {
        return firstByteNanos != 0;
    }

    /** Failover has given up on this attempt; a late answer must not touch the call. */
    boolean abandoned() {
        return abandoned;
    }

    /** The stream broke after its first byte (the relay sent the client an error event). */
    void interrupted() {
        interrupted = true;
    }

    /** The answer reached its end. */
    Attempt completed(long nowNanos) {
        return end(interrupted ? AttemptOutcome.STREAM_INTERRUPTED : AttemptOutcome.SUCCESS, null, null, nowNanos);
    }

    /** The client went away. */
    Attempt cancelled(long nowNanos) {
        return end(AttemptOutcome.CANCELLED, null, null, nowNanos);
    }

    /**
     * The attempt failed; before its first byte this counts in the breaker (and may cool the backend down), after
     * it the stream was interrupted.
     *
     * @return the attempt as recorded, or null when its end was already recorded
     */
    Attempt failed(AttemptOutcome outcome, Throwable cause, Duration coolDown, long nowNanos) {
        abandoned = true;
        return end(outcome, cause, coolDown, nowNanos);
    }

    /** Records the end once: the first of completion, failure and cancel wins, the others do nothing. */
    private Attempt end(AttemptOutcome outcome, Throwable cause, Duration coolDown, long nowNanos) {
        if (!ended.compareAndSet(false, true)) {
            return null;
        }
        boolean committed = committed();
        if (!committed) {
            switch (outcome) {
                case SUCCESS -> guard.succeeded(nowNanos - startNanos); // an answer with nothing to send
                case CANCELLED -> guard.abandoned();
                default -> guard.failed(outcome, cause, nowNanos - startNanos, coolDown);
            }
        }
        guard.released();
        AttemptOutcome recorded = committed && outcome != AttemptOutcome.SUCCESS && outcome != AttemptOutcome.CANCELLED
                ? AttemptOutcome.STREAM_INTERRUPTED : outcome;
        return new Attempt(provider(), model(), recorded, ((committed ? firstByteNanos : nowNanos) - startNanos) / 1000);
    }
}
