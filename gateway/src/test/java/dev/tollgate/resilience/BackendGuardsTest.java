package dev.tollgate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tollgate.config.TollgateProperties;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.it.MutableClock;
import dev.tollgate.metering.AttemptOutcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

class BackendGuardsTest {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final long MS = 1_000_000;

    private final MutableClock clock = new MutableClock(NOW);

    private BackendGuards guards(BackendResilience providerOverride) {
        TollgateProperties.Resilience resilience = new TollgateProperties.Resilience(null, null,
                Duration.ofSeconds(60), null);
        TollgateProperties.Provider provider = new TollgateProperties.Provider("openai", "http://127.0.0.1:1/v1", "k",
                null, null, null, null, null, null, providerOverride, null);
        return new BackendGuards(resilience, Map.of("p", provider), clock);
    }

    private static BackendResilience breakerAfter(int calls, int maxConcurrent) {
        return new BackendResilience(null, null, null, maxConcurrent, null, null, null, calls, calls, null, 2);
    }

    @Test
    void defaultsComeFromTheNamedConstantsAndAProviderOverridesFieldByField() {
        BackendGuards guards = guards(new BackendResilience(Duration.ofSeconds(5), null, null, 7, null, null, null,
                null, null, null, null));

        BackendResilience p = guards.settings("p");
        BackendResilience other = guards.settings("unknown");

        assertThat(p.firstByteTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.maxConcurrentCalls()).isEqualTo(7);
        assertThat(p.streamIdleTimeout()).isEqualTo(BackendResilience.DEFAULTS.streamIdleTimeout());
        assertThat(other).isEqualTo(BackendResilience.DEFAULTS);
        assertThat(BackendResilience.DEFAULTS.failureRateThreshold()).isEqualTo(50);
        assertThat(BackendResilience.DEFAULTS.waitDurationInOpenState()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void failuresOpenTheBreakerAndHealthSaysUntilWhenThenHalfOpenProbesCloseIt() {
        BackendGuards guards = guards(breakerAfter(4, 10));
        BackendGuard g = guards.guard("p", "m");
        for (int i = 0; i < 4; i++) {
            assertThat(g.tryAcquire()).isNull();
            g.failed(AttemptOutcome.HTTP_5XX, new IOException("boom"), 5 * MS, null);
            g.released();
        }

        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(guards.health().unavailableReason("p", "m", NOW))
                .isEqualTo("circuit breaker open: failure rate 100% until 2026-11-15T12:00:30Z");
        assertThat(guards.health().unavailableReason("p", "other", NOW)).isNull();
        assertThat(g.tryAcquire()).isEqualTo(AttemptOutcome.BREAKER_OPEN);

        clock.advance(Duration.ofSeconds(30).plusMillis(1));
        assertThat(guards.health().unavailableReason("p", "m", clock.instant())).isNull();
        assertThat(g.tryAcquire()).as("first half-open probe").isNull();
        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        g.succeeded(3 * MS);
        g.released();
        assertThat(g.tryAcquire()).as("second probe").isNull();
        g.succeeded(3 * MS);
        g.released();
        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guards.health()).isEqualTo(new dev.tollgate.routing.Health(Map.of()));
    }

    @Test
    void clientErrorsAndCancelsDoNotCountAgainstTheBackend() {
        BackendGuards guards = guards(breakerAfter(4, 10));
        BackendGuard g = guards.guard("p", "m");
        for (int i = 0; i < 10; i++) {
            assertThat(g.tryAcquire()).isNull();
            if (i % 2 == 0) {
                g.failed(AttemptOutcome.HTTP_4XX, new IOException("bad request"), MS, null);
            } else {
                g.abandoned();
            }
            g.released();
        }

        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(g.breaker().getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    @Test
    void retryAfterCoolsTheBackendDownCappedByTheMaximum() {
        BackendGuards guards = guards(null);
        BackendGuard g = guards.guard("p", "m");
        assertThat(g.tryAcquire()).isNull();

        g.failed(AttemptOutcome.HTTP_429, new IOException("429"), MS, Duration.ofHours(2));
        g.released();

        assertThat(guards.health().unavailableReason("p", "m", NOW))
                .isEqualTo("cooling down after HTTP 429 with retry-after until 2026-11-15T12:01:00Z");
        assertThat(g.tryAcquire()).isEqualTo(AttemptOutcome.BREAKER_OPEN);
        clock.advance(Duration.ofSeconds(61));
        assertThat(guards.health().unavailableReason("p", "m", clock.instant())).isNull();
        assertThat(g.tryAcquire()).isNull();
    }

    @Test
    void fullBulkheadRefusesWithoutWaitingAndGivesTheBreakerPermitBack() {
        BackendGuards guards = guards(breakerAfter(4, 1));
        BackendGuard a = guards.guard("p", "a");
        BackendGuard b = guards.guard("p", "b");

        assertThat(a.tryAcquire()).isNull();
        assertThat(b.tryAcquire()).as("one bulkhead per provider").isEqualTo(AttemptOutcome.BULKHEAD_FULL);
        a.released();
        assertThat(b.tryAcquire()).isNull();
        assertThat(b.breaker().getMetrics().getNumberOfNotPermittedCalls()).isZero();
    }

    @Test
    void resetClosesEveryBreakerAndClearsHealth() {
        BackendGuards guards = guards(breakerAfter(4, 10));
        BackendGuard g = guards.guard("p", "m");
        g.tryAcquire();
        g.failed(AttemptOutcome.HTTP_5XX, new IOException(), MS, Duration.ofSeconds(10));

        guards.reset();

        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guards.health().unavailableReason("p", "m", NOW)).isNull();
    }
}
