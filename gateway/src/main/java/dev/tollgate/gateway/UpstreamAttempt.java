package dev.tollgate.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.metering.Attempt;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.resilience.BackendGuard;

/**
 * One attempt of a call at one backend: when it was sent, whether its first byte has gone to the client (which
 * commits the call to it: no failover after that), and the single place its end is recorded (breakers, bulkhead,
 * ledger attempt, metric). Thread-safe.
 * <p>
 * Its signals race: the relay about to send the first byte (an event loop) against failover's first-byte timeout
 * (a timer thread), and a cancel against either. Two CASes decide. {@code firstByte} goes once from pending to
 * committed ({@link #commit}, the relay) or to abandoned ({@link #abandon}, the timeout; or the attempt ending
 * without a first byte): an attempt the timeout has abandoned can never commit, so its late answer touches neither
 * the call nor the response, and an attempt that has committed is never timed out. {@code ended} lets exactly one
 * of completion, failure, cancel or "not sent" return the permits {@link BackendGuard#tryAcquire} took.
 */
final class UpstreamAttempt {

    private static final long PENDING = 0;
    private static final long ABANDONED = -1;

    private final BackendGuard guard;
    private final long startNanos;
    private final boolean stream;
    /** {@link #PENDING}, {@link #ABANDONED}, or 1 + the nanoseconds from sending to the first byte (committed). */
    private final AtomicLong firstByte = new AtomicLong(PENDING);
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean interrupted;

    /**
     * @param guard      whose permits the attempt holds
     * @param startNanos when it was sent (the call's nano clock)
     * @param stream     whether it is a streamed call (its time to first byte is measured apart)
     */
    UpstreamAttempt(BackendGuard guard, long startNanos, boolean stream) {
        this.guard = guard;
        this.startNanos = startNanos;
        this.stream = stream;
    }

    String provider() {
        return guard.provider();
    }

    String model() {
        return guard.model();
    }

    BackendResilience settings() {
        return guard.settings();
    }

    long startNanos() {
        return startNanos;
    }

    /**
     * The first byte of the answer is about to go to the client: the call is committed to this attempt and its
     * breakers record a success (with the time to first byte). Idempotent.
     *
     * @return false when failover has abandoned the attempt (its timeout came first): nothing may be sent
     */
    boolean commit(long nowNanos) {
        long elapsed = Math.max(0, nowNanos - startNanos);
        if (firstByte.compareAndSet(PENDING, elapsed + 1)) {
            guard.succeeded(elapsed, stream);
            return true;
        }
        return firstByte.get() > 0;
    }

    /**
     * Failover gives up waiting for the first byte.
     *
     * @return true when the attempt is abandoned (now or before); false when its first byte already went out
     */
    boolean abandon() {
        return firstByte.compareAndSet(PENDING, ABANDONED) || firstByte.get() == ABANDONED;
    }

    boolean committed() {
        return firstByte.get() > 0;
    }

    /** Failover has given up on this attempt; a late answer must not touch the call. */
    boolean abandoned() {
        return firstByte.get() == ABANDONED;
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
     * The attempt failed; before its first byte this counts in the breakers (and may cool the backend down), after
     * it the stream was interrupted.
     *
     * @return the attempt as recorded, or null when its end was already recorded
     */
    Attempt failed(AttemptOutcome outcome, Throwable cause, Duration coolDown, long nowNanos) {
        return end(outcome, cause, coolDown, nowNanos);
    }

    /**
     * The attempt could not be sent (building it failed after its permits were taken): the permits go back,
     * counting neither for nor against the backend, and nothing is recorded.
     */
    void notSent() {
        if (ended.compareAndSet(false, true)) {
            firstByte.compareAndSet(PENDING, ABANDONED);
            guard.abandoned();
            guard.released();
        }
    }

    /** Records the end once: the first of completion, failure and cancel wins, the others do nothing. */
    private Attempt end(AttemptOutcome outcome, Throwable cause, Duration coolDown, long nowNanos) {
        if (!ended.compareAndSet(false, true)) {
            return null;
        }
        firstByte.compareAndSet(PENDING, ABANDONED); // from here on a late relay cannot commit
        long fb = firstByte.get();
        boolean committed = fb > 0;
        try {
            if (!committed) {
                switch (outcome) {
                    case SUCCESS, STREAM_INTERRUPTED, CANCELLED -> guard.abandoned(); // nothing reached the client
                    default -> guard.failed(outcome, cause, nowNanos - startNanos, coolDown);
                }
            }
        } finally {
            guard.released();
        }
        AttemptOutcome recorded = committed && outcome != AttemptOutcome.SUCCESS && outcome != AttemptOutcome.CANCELLED
                ? AttemptOutcome.STREAM_INTERRUPTED : outcome;
        return new Attempt(provider(), model(), recorded, (committed ? fb - 1 : nowNanos - startNanos) / 1000);
    }
}
