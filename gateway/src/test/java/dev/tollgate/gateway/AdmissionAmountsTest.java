package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionAmountsTest {

    @ParameterizedTest(name = "worst cases {0}, downgrade {1}: try {2}")
    @CsvSource(delimiter = '|', value = {
        "100             | false | 100",
        "100 100 100     | false | 100",
        "100 300 200     | false | 300 100",
        "300 100 200     | false | 300",
        "300 100 200     | true  | 300 100",
        "300 250 100 50  | true  | 300 250 100 50",
        "100 300 50 80   | true  | 300 100 50"})
    void amountsGoFromTheLargestFailoverWorstCaseToTheFirstThenCheaperOnes(String worst, boolean downgrade,
            String expected) {
        long[] w = java.util.Arrays.stream(worst.trim().split(" +")).mapToLong(Long::parseLong).toArray();
        long[] e = java.util.Arrays.stream(expected.trim().split(" +")).mapToLong(Long::parseLong).toArray();

        assertThat(AdmissionFilter.amounts(w, downgrade)).containsExactly(e);
    }

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({"0, 0s", "250, 250ms", "1000, 1s", "1500, 1.5s", "30000, 30s", "60000, 1m0s", "90500, 1m30.5s",
        "360000, 6m0s"})
    void rateLimitResetsAreWrittenTheWayOpenAiWritesThem(long millis, String text) {
        assertThat(RateHeaders.duration(millis)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0} pico -> {1} nano")
    @CsvSource({"0, 0", "1, 1", "999, 1", "1000, 1", "1001, 2", "4350000, 4350"})
    void picoUsdRoundsUpToNanoUsd(long pico, long nanos) {
        assertThat(AdmissionFilter.ceilPicoToNanos(pico)).isEqualTo(nanos);
    }
}
