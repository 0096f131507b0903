package dev.tollgate.metering;

import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.call.Outcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.tollgate.pricing.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Every Tollgate metric name, and the meters of the call path, cached per label set so a call does a map lookup,
 * not a registry lookup. Labels are bounded: team (from the rules), provider (configured), model (from the price
 * tables; an unknown requested model is {@value #NONE}), outcome, kind. Never a key, user or request id.
 * {@value #TOKENS} counts every kind of token of {@link Usage} apart: {@code input} (uncached), {@code cached_input}
 * (cache reads), {@code cache_write} (5-minute writes), {@code cache_write_1h}, {@code output} (reasoning included)
 * and {@code reasoning}, the part of the output the upstream reported as reasoning: summing every kind counts
 * reasoning tokens twice.
 * Spend is summed exactly (BigDecimal) and exported as the nearest double of that exact sum, so the exported
 * counter does not drift from the ledger by accumulated rounding. Thread-safe.
 */
public final class GatewayMetrics {

    public static final String REQUESTS = "tollgate.requests";
    public static final String TOKENS = "tollgate.tokens";
    public static final String SPEND = "tollgate.spend.usd";
    public static final String COUNTERFACTUAL_SPEND = "tollgate.counterfactual.spend.usd";
    public static final String SAVINGS = "tollgate.savings.usd";
    public static final String DURATION = "tollgate.request.duration";
    public static final String TTFT = "tollgate.time.to.first.token";
    public static final String TABLE_RELOADS = "tollgate.table.reloads";
    public static final String TABLE_RELOADS_REJECTED = "tollgate.table.reloads.rejected";
    public static final String LEDGER_ROWS = "tollgate.ledger.rows";
    public static final String LEDGER_WRITE_FAILURES = "tollgate.ledger.write.failures";
    public static final String LEDGER_QUEUE = "tollgate.ledger.queue.size";
    public static final String LEDGER_BATCH_ROWS = "tollgate.ledger.batch.rows";
    public static final String LEDGER_SPILL_QUEUE = "tollgate.ledger.spill.queue.size";
    public static final String UNAUTHENTICATED = "tollgate.unauthenticated.requests";
    public static final String UPSTREAM_ATTEMPTS = "tollgate.upstream.attempts";
    public static final String FAILOVERS = "tollgate.failovers";

    /** Label value where there is no provider or model (refused before routing). */
    public static final String NONE = "none";

    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

    private final MeterRegistry registry;
    private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
    private final Map<BackendKey, Timer[]> timers = new ConcurrentHashMap<>();
    private final Map<String, ExactSum> savings = new ConcurrentHashMap<>();
    private final Map<Attempt, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<FailoverKey, Counter> failovers = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Records one completed call. {@code costUsd} null = unpriced (nothing added to spend). {@code counterfactualUsd} (null: none) adds to the counterfactual spend; the
     * positive part of counterfactual minus actual adds to the team's savings (a counter cannot go down: a call
     * that cost more than its baseline shows in the counterfactual and spend counters, and in /v1/spend).
     */
    public void record(String team, String provider, String model, Outcome outcome, Usage usage, BigDecimal costUsd,
            BigDecimal counterfactualUsd, long durationNanos, long ttftNanos, boolean stream) {
        String p = provider != null ? provider : NONE;
        String m = model != null ? model : NONE;
        Series s = series.computeIfAbsent(new SeriesKey(team, p, m), this::newSeries);
        s.requests(outcome).increment();
        if (usage != null) {
            add(s.input, usage.inputTokens());
            add(s.cachedInput, usage.cachedInputTokens());
            add(s.cacheWrite, usage.cacheWriteTokens());
            add(s.cacheWrite1h, usage.cacheWrite1hTokens());
            add(s.output, usage.outputTokens());
            add(s.reasoning, usage.reasoningTokens());
        }
        if (costUsd != null && costUsd.signum() != 0) {
            s.spend.add(costUsd);
        }
        if (counterfactualUsd != null && counterfactualUsd.signum() != 0) {
            s.counterfactual.add(counterfactualUsd);
            BigDecimal saved = counterfactualUsd.subtract(costUsd != null ? costUsd : BigDecimal.ZERO);
            if (saved.signum() > 0) {
                savings.computeIfAbsent(team, this::newSavings).add(saved);
            }
        }
        if (provider != null) {
            Timer[] t = timers.computeIfAbsent(new BackendKey(p, m), this::newTimers);
            t[0].record(durationNanos, TimeUnit.NANOSECONDS);
            if (stream && ttftNanos > 0) {
                t[1].record(ttftNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** One attempt at one backend ended ({@code tollgate_upstream_attempts_total}). */
    public void attempt(Attempt attempt) {
        // the key ignores latency: the counter is looked up by provider, model and outcome only
        attempts.computeIfAbsent(new Attempt(attempt.provider(), attempt.model(), attempt.outcome(), 0),
                a -> Counter.builder(UPSTREAM_ATTEMPTS).description("Attempts at backends by outcome")
                        .tags("provider", a.provider(), "model", a.model(), "outcome", a.outcome().label())
                        .register(registry)).increment();
    }

    /** A call moved from a failed backend to the next candidate ({@code tollgate_failovers_total}). */
    public void failover(String fromProvider, String toProvider, AttemptOutcome reason) {
        failovers.computeIfAbsent(new FailoverKey(fromProvider, toProvider, reason),
                k -> Counter.builder(FAILOVERS).description("Failovers from one backend to the next candidate")
                        .tags("from_provider", k.from, "to_provider", k.to, "reason", k.reason.label())
                        .register(registry)).increment();
    }

    public void unauthenticated() {
        registry.counter(UNAUTHENTICATED).increment();
    }

    private static void add(Counter counter, long amount) {
        if (amount > 0) {
            counter.increment(amount);
        }
    }

    private Series newSeries(SeriesKey k) {
        ExactSum spend = new ExactSum();
        FunctionCounter.builder(SPEND, spend, ExactSum::doubleValue)
                .description("Spend in USD, priced from the tables at each call's time")
                .tags("team", k.team, "provider", k.provider, "model", k.model)
                .register(registry);
        ExactSum counterfactual = new ExactSum();
        FunctionCounter.builder(COUNTERFACTUAL_SPEND, counterfactual, ExactSum::doubleValue)
                .description("What the same calls would have cost on the requested (or alias baseline) model")
                .tags("team", k.team, "provider", k.provider, "model", k.model)
                .register(registry);
        return new Series(registry, k, spend, counterfactual);
    }

    private ExactSum newSavings(String team) {
        ExactSum sum = new ExactSum();
        FunctionCounter.builder(SAVINGS, sum, ExactSum::doubleValue)
                .description("Counterfactual minus actual spend, per call where positive")
                .tags("team", team).register(registry);
        return sum;
    }

    private Timer[] newTimers(BackendKey k) {
        Timer duration = Timer.builder(DURATION).description("Time from request to the end of the response")
                .tags("provider", k.provider, "model", k.model)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        Timer ttft = Timer.builder(TTFT).description("Time from request to the first streamed chunk sent to the client")
                .tags("provider", k.provider, "model", k.model)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        return new Timer[] {duration, ttft};
    }

    private record SeriesKey(String team, String provider, String model) {
    }

    private record BackendKey(String provider, String model) {
    }

    private record FailoverKey(String from, String to, AttemptOutcome reason) {
    }

    private static final class Series {
        private final MeterRegistry registry;
        private final SeriesKey key;
        private final Map<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
        final Counter input;
        final Counter cachedInput;
        final Counter cacheWrite;
        final Counter cacheWrite1h;
        final Counter output;
        final Counter reasoning;
        final ExactSum spend;
        final ExactSum counterfactual;

        Series(MeterRegistry registry, SeriesKey key, ExactSum spend, ExactSum counterfactual) {
            this.registry = registry;
            this.key = key;
            this.spend = spend;
            this.counterfactual = counterfactual;
            this.input = tokens("input");
            this.cachedInput = tokens("cached_input");
            this.cacheWrite = tokens("cache_write");
            this.cacheWrite1h = tokens("cache_write_1h");
            this.output = tokens("output");
            this.reasoning = tokens("reasoning");
        }

        private Counter tokens(String kind) {
            return Counter.builder(TOKENS).description("Tokens by kind")
                    .tags("team", key.team, "provider", key.provider, "model", key.model, "kind", kind)
                    .register(registry);
        }

        synchronized Counter requests(Outcome outcome) {
            return requests.computeIfAbsent(outcome, o -> Counter.builder(REQUESTS).description("Calls by outcome")
                    .tags("team", key.team, "provider", key.provider, "model", key.model, "outcome", o.label())
                    .register(registry));
        }
    }

    /** An exact running sum. */
    static final class ExactSum {
        private BigDecimal sum = BigDecimal.ZERO;

        synchronized void add(BigDecimal amount) {
            sum = sum.add(amount);
        }

        synchronized BigDecimal value() {
            return sum;
        }

        double doubleValue() {
            return value().doubleValue();
        }
    }
}
