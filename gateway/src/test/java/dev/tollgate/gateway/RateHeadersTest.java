package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateHeadersTest {

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({"0, 0s", "250, 250ms", "1000, 1s", "1500, 1.5s", "30000, 30s", "60000, 1m0s", "90500, 1m30.5s",
        "360000, 6m0s"})
    void rateLimitResetsAreWrittenTheWayOpenAiWritesThem(long millis, String text) {
        assertThat(RateHeaders.duration(millis)).isEqualTo(text);
    }
}
