package dev.tollgate.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.config.TollgateProperties;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.routing.Health;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * Resilience4j wiring per backend: one circuit breaker per offering (provider + model, named {@code provider/model}),
 * one per provider (named by the provider id, fed by transport failures only), one bulkhead per provider, and the
 * {@link Health} snapshot routing reads.
 * <p>
 * Health is an immutable snapshot in an {@link AtomicReference}, rebuilt only when a breaker changes state, a
 * cool-down starts, or an offering's observed time to first byte changes enough to matter (its first sample, then
 * a change of {@value #LATENCY_CHANGE_PERCENT}% or more since the figure published, at most once per
 * {@value #LATENCY_PUBLISH_INTERVAL_MILLIS} ms), so a call reads it without locks or scans and routing never waits
 * for a rebuild. An open breaker is recorded with the instant its wait ends ({@code until}); routing lets the
 * backend back in after it, and the breaker's own permission check (same injected {@link Clock}) moves it to
 * half-open, whose probes decide whether it closes again. An open provider breaker takes every model of that
 * provider out. A cool-down from {@code retry-after} is the offering's breaker forced open for that long
 * ({@link CircuitBreaker#transitionToOpenStateFor}), so it too ends in half-open probes. Thread-safe.
 */
public final class BackendGuards {

    private static final Logger log = LoggerFactory.getLogger(BackendGuards.class);

    /** A moving average that moved by this much since the figure routing has is published again. */
    static final int LATENCY_CHANGE_PERCENT = 10;
    /** Latency changes are published at most this often (state changes at once). */
    static final long LATENCY_PUBLISH_INTERVAL_MILLIS = 1000;

    private final Clock clock;
    private final BackendResilience defaults;
    private final Map<String, BackendResilience> byProvider;
    private final Duration maxCoolDown;
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
    private final Map<String, Map<String, BackendGuard>> guards = new ConcurrentHashMap<>();
    private final Map<String, CircuitBreaker> providerBreakers = new ConcurrentHashMap<>();
    /** The rate that last tripped each breaker ({@code failure rate 60%}), by breaker name; guarded by {@code this}. */
    private final Map<String, String> tripped = new HashMap<>();
    /** Why each breaker is open and until when, by breaker name; guarded by {@code this}. */
    private final Map<String, Health.Backend> openBreakers = new HashMap<>();
    private final AtomicReference<Health> health = new AtomicReference<>(Health.ALL_UP);
    /** When latencies were last published ({@link Clock#millis}). */
    private volatile long latencyPublishedMillis = Long.MIN_VALUE;

    public BackendGuards(TollgateProperties.Resilience resilience, Map<String, TollgateProperties.Provider> providers,
            Clock clock) {
        this.clock = clock;
        this.defaults = resilience.defaults();
        this.maxCoolDown = resilience.maxCoolDown();
        Map<String, BackendResilience> settings = new HashMap<>();
        providers.forEach((id, p) -> settings.put(id, defaults.overriddenBy(p.resilience())));
        this.byProvider = Map.copyOf(settings);
    }

    /** The guard of one offering, created on first use. */
    public BackendGuard guard(String provider, String model) {
        Map<String, BackendGuard> models = guards.get(provider);
        BackendGuard g = models != null ? models.get(model) : null;
        return g != null ? g : guards.computeIfAbsent(provider, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(model, m -> newGuard(provider, m));
    }

    /** The current health snapshot for routing. */
    public Health health() {
        return health.get();
    }

    public CircuitBreakerRegistry breakers() {
        return breakers;
    }

    public BulkheadRegistry bulkheads() {
        return bulkheads;
    }

    /** Every guard created so far (backends that have been called). */
    public List<BackendGuard> all() {
        return guards.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Every provider breaker created so far, by provider id. */
    public Map<String, CircuitBreaker> providerBreakers() {
        return Map.copyOf(providerBreakers);
    }

    /** The settings of a provider's backends. */
    public BackendResilience settings(String provider) {
        return byProvider.getOrDefault(provider, defaults);
    }

    /** Longest cool-down a {@code retry-after} may impose. */
    public Duration maxCoolDown() {
        return maxCoolDown;
    }

    /**
     * Closes every breaker, ends every cool-down and forgets observed latencies (an operator's "the outage is over";
     * tests start clean).
     */
    public synchronized void reset() {
        breakers.getAllCircuitBreakers().forEach(CircuitBreaker::reset);
        all().forEach(BackendGuard::forgetLatency);
        openBreakers.clear();
        tripped.clear();
        publish();
    }

    /**
     * An offering's moving average of time to first byte went from {@code before} to {@code after}: published at
     * once when it is its first sample, else when it differs from the figure routing has by
     * {@value #LATENCY_CHANGE_PERCENT}% or more and the last publication is {@value #LATENCY_PUBLISH_INTERVAL_MILLIS}
     * ms old (a later sample, at any offering, publishes what was held back).
     */
    void latencyObserved(BackendGuard guard, long before, long after, boolean stream) {
        if (before != Health.UNMEASURED) {
            long published = health.get().latencyMicros(guard.provider(), guard.model(), stream);
            boolean significant = published == Health.UNMEASURED
                    || Math.abs(after - published) * 100 >= published * LATENCY_CHANGE_PERCENT;
            if (!significant || clock.millis() - latencyPublishedMillis < LATENCY_PUBLISH_INTERVAL_MILLIS) {
                return;
            }
        }
        synchronized (this) {
            publish();
        }
    }

    void coolDown(BackendGuard guard, Duration duration, AttemptOutcome cause) {
        Duration d = duration.compareTo(maxCoolDown) > 0 ? maxCoolDown : duration;
        if (d.isZero() || d.isNegative()) {
            return;
        }
        String reason = "cooling down after " + (cause == AttemptOutcome.HTTP_429 ? "HTTP 429" : "HTTP 503")
                + " with retry-after";
        synchronized (this) {
            // Recorded before the transition so the state listener keeps this reason for it.
            openBreakers.put(guard.breaker().getName(), new Health.Backend(reason, clock.instant().plus(d)));
            try {
                guard.breaker().transitionToOpenStateFor(d);
            } catch (RuntimeException e) {
                log.debug("breaker {} could not be cooled down: {}", guard, e.toString());
            }
            publish();
        }
    }

    private BackendGuard newGuard(String provider, String model) {
        BackendResilience s = settings(provider);
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .clock(clock)
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(s.slidingWindowSize())
                .minimumNumberOfCalls(s.minimumNumberOfCalls())
                .failureRateThreshold(s.failureRateThreshold())
                .slowCallRateThreshold(s.slowCallRateThreshold())
                .slowCallDurationThreshold(s.slowCallDuration())
                .waitDurationInOpenState(s.waitDurationInOpenState())
                .permittedNumberOfCallsInHalfOpenState(s.permittedCallsInHalfOpenState())
                .build();
        CircuitBreaker breaker = breakers.circuitBreaker(provider + "/" + model, config);
        // The exceeded events carry the rates that trip the breaker; they come just before its transition to OPEN,
        // on the same thread. (Reading the metrics after the transition would also count calls that ended since.)
        breaker.getEventPublisher()
                .onFailureRateExceeded(e -> tripped(breaker, String.format("failure rate %.0f%%", e.getFailureRate())))
                .onSlowCallRateExceeded(e -> tripped(breaker, String.format("slow-call rate %.0f%%",
                        e.getSlowCallRate())))
                .onStateTransition(e -> stateChanged(breaker, e.getStateTransition().getToState()));
        Bulkhead bulkhead = bulkheads.bulkhead(provider, () -> BulkheadConfig.custom()
                .maxConcurrentCalls(s.maxConcurrentCalls())
                .maxWaitDuration(Duration.ZERO) // never park an event-loop thread
                .build());
        CircuitBreaker providerBreaker = providerBreakers.computeIfAbsent(provider,
                p -> newProviderBreaker(p, s.providerBreaker()));
        return new BackendGuard(provider, model, breaker, providerBreaker, bulkhead, s, this);
    }

    /** The provider's breaker: named by its id (offerings' names have a slash), rates of transport failures only. */
    private CircuitBreaker newProviderBreaker(String provider, TollgateProperties.ProviderBreaker s) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .clock(clock)
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(s.slidingWindowSize())
                .minimumNumberOfCalls(s.minimumNumberOfCalls())
                .failureRateThreshold(s.failureRateThreshold())
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1)) // a slow answer is the offering breaker's concern
                .waitDurationInOpenState(s.waitDurationInOpenState())
                .permittedNumberOfCallsInHalfOpenState(s.permittedCallsInHalfOpenState())
                .build();
        CircuitBreaker breaker = breakers.circuitBreaker(provider, config);
        breaker.getEventPublisher()
                .onFailureRateExceeded(e -> tripped(breaker, String.format("transport failure rate %.0f%%",
                        e.getFailureRate())))
                .onStateTransition(e -> stateChanged(breaker, e.getStateTransition().getToState()));
        return breaker;
    }

    private synchronized void tripped(CircuitBreaker breaker, String rate) {
        tripped.merge(breaker.getName(), rate, (a, b) -> a + ", " + b);
    }

    private synchronized void stateChanged(CircuitBreaker breaker, CircuitBreaker.State to) {
        String name = breaker.getName();
        switch (to) {
            case OPEN -> {
                Health.Backend cooling = openBreakers.get(name);
                Instant now = clock.instant();
                if (cooling == null || cooling.until() == null || !cooling.until().isAfter(now)) {
                    long waitMillis = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
                    String rate = tripped.remove(name);
                    String what = name.indexOf('/') < 0 ? "provider circuit breaker open" : "circuit breaker open";
                    openBreakers.put(name, new Health.Backend(what + (rate != null ? ": " + rate : ""),
                            now.plusMillis(waitMillis)));
                }
                log.warn("circuit breaker {} opened: {}", name, openBreakers.get(name).unavailableReason());
            }
            case FORCED_OPEN -> openBreakers.put(name, new Health.Backend("circuit breaker forced open", null));
            default -> {
                openBreakers.remove(name);
                tripped.remove(name);
                log.info("circuit breaker {} is now {}", name, to);
            }
        }
        publish();
    }

    /**
     * Rebuilds the routing snapshot from the open breakers and the offerings' latency averages; called with
     * {@code this} held.
     */
    private void publish() {
        Map<String, Map<String, Health.Backend>> byProviderModel = new HashMap<>();
        Map<String, Health.Backend> byProvider = new HashMap<>();
        openBreakers.forEach((name, backend) -> {
            int slash = name.indexOf('/');
            if (slash < 0) {
                byProvider.put(name, backend);
            } else {
                byProviderModel.computeIfAbsent(name.substring(0, slash), p -> new HashMap<>())
                        .put(name.substring(slash + 1), backend);
            }
        });
        for (BackendGuard g : all()) {
            long whole = g.latencyMicros(false);
            long stream = g.latencyMicros(true);
            if (whole != Health.UNMEASURED || stream != Health.UNMEASURED) {
                Map<String, Health.Backend> models = byProviderModel.computeIfAbsent(g.provider(),
                        p -> new HashMap<>());
                Health.Backend open = models.get(g.model());
                models.put(g.model(), new Health.Backend(open != null ? open.unavailableReason() : null,
                        open != null ? open.until() : null, whole, stream));
            }
        }
        byProviderModel.replaceAll((p, models) -> Map.copyOf(models));
        health.set(new Health(byProviderModel, byProvider));
        latencyPublishedMillis = clock.millis();
    }

    @Override
    public String toString() {
        return "BackendGuards[" + guards.size() + " providers]";
    }
}
