package dev.tollgate.resilience;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * {@code /actuator/health} component {@code backends}: every backend's circuit-breaker state, rates and cool-down,
 * every provider's own breaker (transport failures), and every provider's free bulkhead slots. It is always UP: one backend's outage is what failover is for, and a
 * gateway that turned unready because of it would take the healthy backends' traffic down with it. It is not part
 * of the liveness or readiness groups. Thread-safe.
 */
public final class BackendsHealthIndicator implements HealthIndicator {

    private final BackendGuards guards;
    private final Clock clock;

    public BackendsHealthIndicator(BackendGuards guards, Clock clock) {
        this.guards = guards;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Instant now = clock.instant();
        dev.tollgate.routing.Health routing = guards.health();
        Map<String, Object> breakers = new LinkedHashMap<>();
        int unavailable = 0;
        for (BackendGuard g : guards.all().stream().sorted(Comparator.comparing(BackendGuard::toString)).toList()) {
            Map<String, Object> d = breaker(g.breaker());
            String reason = routing.unavailableReason(g.provider(), g.model(), now);
            if (reason != null) {
                d.put("unavailable", reason);
                unavailable++;
            }
            breakers.put(g.toString(), d);
        }
        Map<String, Object> providers = new LinkedHashMap<>();
        for (Map.Entry<String, CircuitBreaker> e : new TreeMap<>(guards.providerBreakers()).entrySet()) {
            Map<String, Object> d = breaker(e.getValue());
            String reason = routing.providerUnavailableReason(e.getKey(), now);
            if (reason != null) {
                d.put("unavailable", reason);
            }
            providers.put(e.getKey(), d);
        }
        Map<String, Object> bulkheads = new LinkedHashMap<>();
        for (Bulkhead bh : guards.bulkheads().getAllBulkheads()) {
            bulkheads.put(bh.getName(), Map.of("availableConcurrentCalls", bh.getMetrics().getAvailableConcurrentCalls(),
                    "maxAllowedConcurrentCalls", bh.getMetrics().getMaxAllowedConcurrentCalls()));
        }
        return Health.up()
                .withDetail("unavailableBackends", unavailable)
                .withDetail("circuitBreakers", breakers)
                .withDetail("providers", providers)
                .withDetail("bulkheads", bulkheads)
                .build();
    }

    private static Map<String, Object> breaker(CircuitBreaker b) {
        CircuitBreaker.Metrics m = b.getMetrics();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("state", b.getState().name());
        d.put("failureRate", m.getFailureRate());
        d.put("slowCallRate", m.getSlowCallRate());
        d.put("bufferedCalls", m.getNumberOfBufferedCalls());
        d.put("failedCalls", m.getNumberOfFailedCalls());
        d.put("notPermittedCalls", m.getNumberOfNotPermittedCalls());
        return d;
    }
}
