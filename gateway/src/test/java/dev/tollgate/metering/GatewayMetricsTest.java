package dev.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.Outcome;
import dev.tollgate.pricing.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class GatewayMetricsTest {

    @Test
    void everyKindOfTokenIsCountedUnderItsOwnKind() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);

        metrics.record("alpha", "anthropic", "claude-sonnet-4-5", Outcome.SUCCESS,
                new Usage(1_200, 30_000, 2_000, 8_000, 900, 100, false), new BigDecimal("0.0816"), null, 1_000, 0,
                false);
        metrics.record("alpha", "anthropic", "claude-sonnet-4-5", Outcome.SUCCESS,
                new Usage(10, 20, 30, 40, 50, 5, false), BigDecimal.ZERO, null, 1_000, 0, false);

        Map<String, Double> byKind = new TreeMap<>();
        for (Counter c : registry.find(GatewayMetrics.TOKENS).tags("team", "alpha", "provider", "anthropic", "model",
                "claude-sonnet-4-5").counters()) {
            byKind.put(c.getId().getTag("kind"), c.count());
        }
        assertThat(byKind).containsExactlyInAnyOrderEntriesOf(Map.of("input", 1_210.0, "cached_input", 30_020.0,
                "cache_write", 2_030.0, "cache_write_1h", 8_040.0, "output", 950.0, "reasoning", 105.0));
    }
}
