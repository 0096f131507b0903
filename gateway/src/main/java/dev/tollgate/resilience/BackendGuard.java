package dev.tollgate.resilience;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.metering.AttemptOutcome;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * The protection of one backend offering (provider + model): its Resilience4j circuit breaker, its provider's
 * bulkhead, and its timeouts. An attempt {@link #tryAcquire acquires} both permits before it is sent and returns
 * them exactly once through {@link #succeeded}, {@link #failed} or {@link #abandoned}. Thread-safe.
 */
public final class BackendGuard {

    private final String provider;
    private final String model;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final BackendResilience settings;
    private final BackendGuards owner;

    BackendGuard(String provider, String model, CircuitBreaker breaker, Bulkhead bulkhead, BackendResilience settings,
            BackendGuards owner) {
        this.provider = provider;
        this.model = model;
        this.breaker = breaker;
        this.bulkhead = bulkhead;
        this.settings = settings;
        this.owner = owner;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    public BackendResilience settings() {
        return settings;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Takes the breaker's and the bulkhead's permits for one attempt; never waits.
     *
     * @return null when the attempt may be sent, else why not ({@link AttemptOutcome#BREAKER_OPEN} or
     *         {@link AttemptOutcome#BULKHEAD_FULL})
     */
    public AttemptOutcome tryAcquire() {
        if (!breaker.tryAcquirePermission()) {
            return AttemptOutcome.BREAKER_OPEN;
        }
        if (!bulkhead.tryAcquirePermission()) {
            breaker.releasePermission();
            return AttemptOutcome.BULKHEAD_FULL;
        }
        return null;
    }

    /** The attempt's first byte is on its way to the client: a success for the breaker. */
    public void succeeded(long elapsedNanos) {
        breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The attempt failed before its first byte reached the client. Breaker failures count against the backend;
     * the client's own errors (4xx) and cancels do not. A 429 or 503 with a {@code retry-after} cools the backend
     * down for that long (capped), through its breaker.
     */
    public void failed(AttemptOutcome outcome, Throwable cause, long elapsedNanos, Duration coolDown) {
        if (outcome.breakerFailure()) {
            breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, cause);
        } else {
            breaker.releasePermission();
        }
        if (coolDown != null) {
            owner.coolDown(this, coolDown, outcome);
        }
    }

    /** The client left before the attempt's first byte: neither a success nor a failure. */
    public void abandoned() {
        breaker.releasePermission();
    }

    /** The attempt is over (answer complete, failed, or cancelled): its bulkhead slot is free. */
    public void released() {
        bulkhead.onComplete();
    }

    @Override
    public String toString() {
        return provider + "/" + model;
    }
}
