package dev.tollgate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tollgate.config.TollgateProperties;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.it.MutableClock;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.routing.Health;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

class BackendGuardsTest {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final long MS = 1_000_000;

    private final MutableClock clock = new MutableClock(NOW);

    private BackendGuards guards(BackendResilience providerOverride) {
        TollgateProperties.Resilience resilience = new TollgateProperties.Resilience(null, null,
                Duration.ofSeconds(60), null);
        TollgateProperties.Provider provider = new TollgateProperties.Provider("openai", "http://127.0.0.1:1/v1", "k",
                null, null, null, null, null, null, providerOverride, null, null, null);
        return new BackendGuards(resilience, Map.of("p", provider), clock);
    }

    private static BackendResilience breakerAfter(int calls, int maxConcurrent) {
        return new BackendResilience(null, null, null, maxConcurrent, null, null, null, calls, calls, null, 2, null);
    }

    @Test
    void defaultsComeFromTheNamedConstantsAndAProviderOverridesFieldByField() {
        BackendGuards guards = guards(new BackendResilience(Duration.ofSeconds(5), null, null, 7, null, null, null,
                null, null, null, null, null));

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
        g.succeeded(3 * MS, false);
        g.released();
        assertThat(g.tryAcquire()).as("second probe").isNull();
        g.succeeded(3 * MS, false);
        g.released();
        assertThat(g.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        // available again; what routing still has for it is the time to first byte the probes measured
        assertThat(guards.health()).isEqualTo(new Health(Map.of("p", Map.of("m",
                new Health.Backend(null, null, 3000, Health.UNMEASURED))), Map.of()));
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
    void transportFailuresOpenTheProviderBreakerWhichTakesEveryModelOutUntilItsProbeSucceeds() {
        BackendGuards guards = guards(new BackendResilience(null, null, null, 10, null, null, null, null, null, null,
                null, new TollgateProperties.ProviderBreaker(null, 2, 2, Duration.ofSeconds(20), 1)));
        BackendGuard m1 = guards.guard("p", "m1");
        BackendGuard m2 = guards.guard("p", "m2");
        BackendGuard m3 = guards.guard("p", "m3");
        assertThat(m1.tryAcquire()).isNull();
        m1.failed(AttemptOutcome.CONNECT_ERROR, new IOException("refused"), MS, null);
        m1.released();
        assertThat(m2.tryAcquire()).isNull();
        m2.failed(AttemptOutcome.TIMEOUT, new IOException("no first byte"), 10_000 * MS, null);
        m2.released();

        assertThat(m1.providerBreaker().getName()).isEqualTo("p");
        assertThat(m1.providerBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(m1.breaker().getState()).as("one failure each: the offerings' own breakers stay closed")
                .isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guards.health().unavailableReason("p", "m3", NOW))
                .isEqualTo("provider circuit breaker open: transport failure rate 100% until 2026-11-15T12:00:20Z");
        assertThat(guards.health().providerUnavailableReason("p", NOW)).startsWith("provider circuit breaker open");
        assertThat(m3.tryAcquire()).isEqualTo(AttemptOutcome.BREAKER_OPEN);
        assertThat(guards.bulkheads().bulkhead("p").getMetrics().getAvailableConcurrentCalls()).isEqualTo(10);

        clock.advance(Duration.ofSeconds(20).plusMillis(1));
        assertThat(guards.health().unavailableReason("p", "m3", clock.instant())).isNull();
        assertThat(m3.tryAcquire()).as("the provider's one half-open probe").isNull();
        assertThat(m1.tryAcquire()).as("its probe is out").isEqualTo(AttemptOutcome.BREAKER_OPEN);
        m3.succeeded(3 * MS, false);
        m3.released();
        assertThat(m1.providerBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guards.health().providerUnavailableReason("p", clock.instant())).isNull();
    }

    @Test
    void anHttpAnswerOfAnyStatusIsASuccessForTheProviderBreaker() {
        BackendGuards guards = guards(new BackendResilience(null, null, null, 10, null, null, null, 4, 4, null, null,
                new TollgateProperties.ProviderBreaker(null, 4, 4, null, null)));
        BackendGuard g = guards.guard("p", "m");
        for (AttemptOutcome outcome : List.of(AttemptOutcome.HTTP_5XX, AttemptOutcome.HTTP_429,
                AttemptOutcome.BAD_RESPONSE, AttemptOutcome.HTTP_4XX)) {
            assertThat(g.tryAcquire()).isNull();
            g.failed(outcome, new IOException(outcome.label()), MS, null);
            g.released();
        }

        assertThat(g.providerBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(g.providerBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(g.providerBreaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(4);
        assertThat(g.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(3);
    }

    @Test
    void timeToFirstByteIsAMovingAveragePublishedOnlyWhenItChangesEnough() {
        BackendGuards guards = guards(null);
        BackendGuard g = guards.guard("p", "m");
        Health empty = guards.health();

        succeed(g, 8_000 * 1000L, false);
        Health first = guards.health();
        assertThat(first).as("the first sample is published at once").isNotSameAs(empty);
        assertThat(first.latencyMicros("p", "m", false)).isEqualTo(8_000);
        assertThat(first.latencyMicros("p", "m", true)).as("streams are measured apart")
                .isEqualTo(Health.UNMEASURED);

        succeed(g, 8_400 * 1000L, false); // average 8,050: less than 10% off what routing has
        assertThat(guards.health()).as("no rebuild for a small change").isSameAs(first);

        succeed(g, 24_000 * 1000L, false); // average 10,043: 25% off, but the last publication is not 1 s old
        assertThat(guards.health()).isSameAs(first);

        clock.advance(Duration.ofSeconds(1));
        succeed(g, 10_043 * 1000L, false);
        assertThat(guards.health().latencyMicros("p", "m", false)).isEqualTo(10_043);

        succeed(g, 500 * 1000L, true);
        assertThat(guards.health().latencyMicros("p", "m", true)).isEqualTo(500);
        assertThat(guards.health().unavailableReason("p", "m", clock.instant())).isNull();

        guards.reset();
        assertThat(guards.health().latencyMicros("p", "m", false)).isEqualTo(Health.UNMEASURED);
    }

    private static void succeed(BackendGuard g, long elapsedNanos, boolean stream) {
        assertThat(g.tryAcquire()).isNull();
        g.succeeded(elapsedNanos, stream);
        g.released();
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
