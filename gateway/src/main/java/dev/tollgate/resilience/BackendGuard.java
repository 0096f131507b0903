package dev.tollgate.resilience;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.routing.Health;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * The protection of one backend offering (provider + model): its Resilience4j circuit breaker, its provider's
 * breaker and bulkhead, its timeouts, and its observed time to first byte. An attempt {@link #tryAcquire acquires}
 * the three permits before it is sent and returns them exactly once through {@link #succeeded}, {@link #failed} or
 * {@link #abandoned} (the breakers) and {@link #released} (the bulkhead). Thread-safe.
 */
public final class BackendGuard {

    /** Weight of the newest sample in the moving averages of time to first byte: 1/8, as TCP's smoothed RTT. */
    static final int LATENCY_WEIGHT_SHIFT = 3;

    private final String provider;
    private final String model;
    private final CircuitBreaker breaker;
    private final CircuitBreaker providerBreaker;
    private final Bulkhead bulkhead;
    private final BackendResilience settings;
    private final BackendGuards owner;
    /** Moving average of the time to first byte in microseconds, {@link Health#UNMEASURED} before the first. */
    private final AtomicLong wholeLatencyMicros = new AtomicLong(Health.UNMEASURED);
    private final AtomicLong streamLatencyMicros = new AtomicLong(Health.UNMEASURED);

    BackendGuard(String provider, String model, CircuitBreaker breaker, CircuitBreaker providerBreaker,
            Bulkhead bulkhead, BackendResilience settings, BackendGuards owner) {
        this.provider = provider;
        this.model = model;
        this.breaker = breaker;
        this.providerBreaker = providerBreaker;
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

    /** The breaker of the whole provider, shared by its offerings. */
    public CircuitBreaker providerBreaker() {
        return providerBreaker;
    }

    /**
     * Takes the provider breaker's, the offering breaker's and the bulkhead's permits for one attempt; never waits.
     * A refusal gives back what was taken.
     *
     * @return null when the attempt may be sent, else why not ({@link AttemptOutcome#BREAKER_OPEN} or
     *         {@link AttemptOutcome#BULKHEAD_FULL})
     */
    public AttemptOutcome tryAcquire() {
        if (!providerBreaker.tryAcquirePermission()) {
            return AttemptOutcome.BREAKER_OPEN;
        }
        if (!breaker.tryAcquirePermission()) {
            providerBreaker.releasePermission();
            return AttemptOutcome.BREAKER_OPEN;
        }
        if (!bulkhead.tryAcquirePermission()) {
            breaker.releasePermission();
            providerBreaker.releasePermission();
            return AttemptOutcome.BULKHEAD_FULL;
        }
        return null;
    }

    /**
     * The attempt's first byte is on its way to the client: a success for both breakers, and a sample of the
     * offering's time to first byte (streamed and whole answers are measured apart).
     */
    public void succeeded(long elapsedNanos, boolean stream) {
        breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
        providerBreaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
        long micros = Math.max(1, elapsedNanos / 1000);
        AtomicLong average = stream ? streamLatencyMicros : wholeLatencyMicros;
        long before;
        long after;
        do {
            before = average.get();
            after = before == Health.UNMEASURED ? micros : before + ((micros - before) >> LATENCY_WEIGHT_SHIFT);
        } while (!average.compareAndSet(before, after));
        owner.latencyObserved(this, before, after, stream);
    }

    /**
     * The attempt failed before its first byte reached the client. Breaker failures count against the offering;
     * the client's own errors (4xx) do not. The provider's breaker counts only transport failures (connection
     * failed, no first byte in time); a call that found no free connection never reached it; any other failure
     * means the provider answered, a success for it. A 429 or
     * 503 with a {@code retry-after} cools the offering down for that long (capped), through its breaker.
     */
    public void failed(AttemptOutcome outcome, Throwable cause, long elapsedNanos, Duration coolDown) {
        if (outcome.breakerFailure()) {
            breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, cause);
        } else {
            breaker.releasePermission();
        }
        if (outcome == AttemptOutcome.CONNECT_ERROR || outcome == AttemptOutcome.TIMEOUT) {
            providerBreaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, cause);
        } else if (outcome == AttemptOutcome.POOL_EXHAUSTED) {
            providerBreaker.releasePermission(); // nothing reached the provider: neither a success nor a failure
        } else {
            providerBreaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
        }
        if (coolDown != null) {
            owner.coolDown(this, coolDown, outcome);
        }
    }

    /** Nothing reached the client and the backend is not to blame (the client left; nothing was sent). */
    public void abandoned() {
        breaker.releasePermission();
        providerBreaker.releasePermission();
    }

    /** The attempt is over (answer complete, failed, or cancelled): its bulkhead slot is free. */
    public void released() {
        bulkhead.onComplete();
    }

    /** The moving average of the time to first byte in microseconds, or {@link Health#UNMEASURED}. */
    long latencyMicros(boolean stream) {
        return (stream ? streamLatencyMicros : wholeLatencyMicros).get();
    }

    /** Forgets the observed latencies (an operator's reset). */
    void forgetLatency() {
        wholeLatencyMicros.set(Health.UNMEASURED);
        streamLatencyMicros.set(Health.UNMEASURED);
    }

    @Override
    public String toString() {
        return provider + "/" + model;
    }
}
