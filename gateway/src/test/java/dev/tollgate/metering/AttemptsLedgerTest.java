package dev.tollgate.metering;

import dev.tollgate.call.AttemptOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class AttemptsLedgerTest {

    @Test
    void attemptsAreStoredAsAJsonArrayInFailoverOrder() {
        List<Attempt> attempts = List.of(new Attempt("a-first", "gpt-4o-mini", AttemptOutcome.HTTP_5XX, 1234),
                new Attempt("b", "we\"ird\\id", AttemptOutcome.BREAKER_OPEN, 0),
                new Attempt("c", "m", AttemptOutcome.SUCCESS, 99));

        assertThat(LedgerWriter.attemptsJson(attempts)).isEqualTo("[{\"provider\":\"a-first\",\"model\":\"gpt-4o-mini\","
                + "\"outcome\":\"http_5xx\",\"latency_us\":1234},{\"provider\":\"b\",\"model\":\"we\\\"ird\\\\id\","
                + "\"outcome\":\"breaker_open\",\"latency_us\":0},{\"provider\":\"c\",\"model\":\"m\","
                + "\"outcome\":\"success\",\"latency_us\":99}]");
        assertThat(LedgerWriter.attemptsJson(List.of())).isNull();
    }

    @Test
    void failoverCountIsUpstreamCallsLessTheFirstSkippedCandidatesExcluded() {
        List<Attempt> attempts = List.of(new Attempt("a", "m", AttemptOutcome.HTTP_5XX, 1234),
                new Attempt("b", "m", AttemptOutcome.BREAKER_OPEN, 0),
                new Attempt("c", "m", AttemptOutcome.BULKHEAD_FULL, 0),
                new Attempt("d", "m", AttemptOutcome.SUCCESS, 99));

        assertThat(Metering.failovers(attempts)).isEqualTo(1);
        assertThat(Metering.failovers(attempts.subList(1, 3))).isZero();
        assertThat(Metering.failovers(List.of())).isZero();
    }
}
