package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.config.TollgateProperties;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.metering.Attempt;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.resilience.BackendGuard;
import dev.tollgate.resilience.BackendGuards;
import io.github.resilience4j.bulkhead.Bulkhead;

class UpstreamAttemptTest {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");

    private final BackendGuards guards = new BackendGuards(new TollgateProperties.Resilience(null, null, null, null),
            Map.of("p", new TollgateProperties.Provider("openai", "http://127.0.0.1:1/v1", "k", null, null, null, null,
                    null, null, new BackendResilience(null, null, null, 5, null, null, null, null, null, null, null, null),
                    null, null, null)), Clock.fixed(NOW, ZoneOffset.UTC));

    @ParameterizedTest(name = "retry-after: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "30                            | PT30S",
        "0.5                           | PT0.5S",
        " 2                            | PT2S",
        "Sun, 15 Nov 2026 12:01:40 GMT | PT1M40S",
        "Sun, 15 Nov 2026 11:00:00 GMT | ",
        "0                             | ",
        "-5                            | ",
        "soon                          | "})
    void retryAfterIsReadAsSecondsOrAnHttpDate(String value, String expected) {
        Duration d = Failover.retryAfter(value, NOW);

        assertThat(d).isEqualTo(expected == null ? null : Duration.parse(expected));
    }

    @Test
    void anAttemptEndsOnceWhicheverSignalComesFirst() {
        BackendGuard guard = guards.guard("p", "m");
        UpstreamAttempt attempt = attempt(guard);

        Attempt failed = attempt.failed(AttemptOutcome.TIMEOUT, new IOException("t"), null, 2_001_000);
        Attempt cancelled = attempt.cancelled(3_000_000);
        Attempt completed = attempt.completed(4_000_000);

        assertThat(failed).isEqualTo(new Attempt("p", "m", AttemptOutcome.TIMEOUT, 2000));
        assertThat(cancelled).isNull();
        assertThat(completed).isNull();
        assertThat(attempt.abandoned()).isTrue();
        assertThat(bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(5);
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isOne();
    }

    @Test
    void afterItsFirstByteAFailureIsAStreamInterruptionNotABreakerFailure() {
        BackendGuard guard = guards.guard("p", "m");
        UpstreamAttempt attempt = attempt(guard);

        assertThat(attempt.commit(501_000)).isTrue();
        Attempt end = attempt.failed(AttemptOutcome.CONNECT_ERROR, new IOException("cut"), null, 9_000_000);

        assertThat(attempt.committed()).isTrue();
        assertThat(end).isEqualTo(new Attempt("p", "m", AttemptOutcome.STREAM_INTERRUPTED, 500));
        assertThat(guard.breaker().getMetrics().getNumberOfSuccessfulCalls()).isOne();
        assertThat(guard.breaker().getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @RepeatedTest(20)
    void racingCancelAndFailureReleaseTheBulkheadOnce() throws Exception {
        BackendGuard guard = guards.guard("p", "m");
        UpstreamAttempt attempt = attempt(guard);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Attempt> ends = Collections.synchronizedList(new ArrayList<>());
        Thread cancel = new Thread(() -> {
            await(start);
            ends.add(attempt.cancelled(2_000_000));
        });
        cancel.start();
        await(start);
        ends.add(attempt.failed(AttemptOutcome.HTTP_5XX, new IOException(), null, 2_000_000));
        cancel.join();

        assertThat(ends).filteredOn(e -> e != null).hasSize(1);
        assertThat(bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(5);
    }

    @Test
    void anAbandonedAttemptCannotCommitAndACommittedOneCannotBeAbandoned() {
        UpstreamAttempt timedOut = attempt(guards.guard("p", "m"));
        UpstreamAttempt answered = attempt(guards.guard("p", "m"));

        assertThat(timedOut.abandon()).isTrue();
        assertThat(timedOut.commit(5_000_000)).as("the late answer").isFalse();
        assertThat(answered.commit(5_000_000)).isTrue();
        assertThat(answered.abandon()).as("the timeout, after the first byte went out").isFalse();
        assertThat(answered.commit(6_000_000)).as("idempotent").isTrue();

        assertThat(timedOut.committed()).isFalse();
        assertThat(answered.committed()).isTrue();
        assertThat(guards.guard("p", "m").breaker().getMetrics().getNumberOfSuccessfulCalls()).isOne();
        timedOut.failed(AttemptOutcome.TIMEOUT, new IOException(), null, 10_001_000);
        answered.completed(20_000_000);
        assertThat(bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(5);
    }

    @RepeatedTest(50)
    void exactlyOneOfACommitAndARacingTimeoutWins() throws Exception {
        BackendGuard guard = guards.guard("p", "m");
        UpstreamAttempt attempt = attempt(guard);
        CyclicBarrier start = new CyclicBarrier(2);
        boolean[] abandoned = new boolean[1];
        Thread timer = new Thread(() -> {
            await(start);
            abandoned[0] = attempt.abandon();
        });
        timer.start();
        await(start);
        boolean committed = attempt.commit(2_000_000);
        timer.join();

        assertThat(committed).isNotEqualTo(abandoned[0]);
        assertThat(guard.breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(committed ? 1 : 0);
        if (committed) {
            attempt.completed(3_000_000);
        } else {
            attempt.failed(AttemptOutcome.TIMEOUT, new IOException(), null, 3_000_000);
        }
        assertThat(bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(5);
    }

    @Test
    void anAttemptThatCouldNotBeSentReturnsItsPermitsWithoutARecord() {
        BackendGuard guard = guards.guard("p", "m");
        UpstreamAttempt attempt = attempt(guard);

        attempt.notSent();

        assertThat(attempt.failed(AttemptOutcome.CONNECT_ERROR, new IOException(), null, 2_000_000)).isNull();
        assertThat(attempt.commit(2_000_000)).isFalse();
        assertThat(bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(5);
        assertThat(guard.breaker().getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.providerBreaker().getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    private UpstreamAttempt attempt(BackendGuard guard) {
        assertThat(guard.tryAcquire()).isNull();
        return new UpstreamAttempt(guard, 1_000, false);
    }

    private Bulkhead bulkhead() {
        return guards.bulkheads().bulkhead("p");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
