package dev.tollgate.bench;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.ProviderPrices;
import dev.tollgate.pricing.QualityScore;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;
import dev.tollgate.routing.Catalog;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.RouteAlias;
import dev.tollgate.routing.RouteRequest;
import dev.tollgate.routing.Router;
import dev.tollgate.routing.RoutingRules;
import dev.tollgate.routing.Tables;
import dev.tollgate.routing.TeamPolicy;

/**
 * One routing decision over 500 offerings (50 providers x 10 models, random prices and quality, fixed seed) and 50
 * team policies (deny lists, data-handling requirements, price ceilings, substitution, task families). Inputs are
 * built once in {@link #setUp}; each invocation decides for the next team in turn.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingBenchmark {

    static final int PROVIDERS = 50;
    static final int MODELS_PER_PROVIDER = 10;
    static final int TEAMS = 50;

    private Tables tables;
    private List<String> teams;
    private final Instant now = Instant.parse("2026-11-15T12:00:00Z");
    private int next;

    @Setup
    public void setUp() {
        Random random = new Random(42);
        Map<String, ProviderPrices> providers = new LinkedHashMap<>();
        Map<String, String> backends = new LinkedHashMap<>();
        Map<String, EnumMap<TaskFamily, QualityScore>> quality = new HashMap<>();
        for (int p = 0; p < PROVIDERS; p++) {
            String provider = "p" + p;
            Map<String, PricedModel> models = new LinkedHashMap<>();
            for (int m = 0; m < MODELS_PER_PROVIDER; m++) {
                // 100 distinct models, each offered by 5 providers
                String model = "model-" + ((p * MODELS_PER_PROVIDER + m) % 100);
                BigDecimal input = BigDecimal.valueOf(random.nextInt(20_000_000), 6);
                BigDecimal output = BigDecimal.valueOf(random.nextInt(80_000_000), 6);
                PriceRow row = new PriceRow(provider + "/" + model + "@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"),
                        "generated", input, null, null, output);
                EnumSet<Capability> caps = EnumSet.of(Capability.STREAMING);
                if (random.nextBoolean()) {
                    caps.add(Capability.TOOLS);
                }
                Map<String, String> attrs = Map.of("region", random.nextBoolean() ? "eu" : "us",
                        "zero-data-retention", String.valueOf(random.nextBoolean()));
                models.put(model, new PricedModel(provider, model, 128_000, 16_000, caps, attrs, List.of(row),
                        provider + ".yaml", 1));
                EnumMap<TaskFamily, QualityScore> scores = quality.computeIfAbsent(model, k -> {
                    EnumMap<TaskFamily, QualityScore> s = new EnumMap<>(TaskFamily.class);
                    for (TaskFamily f : TaskFamily.values()) {
                        s.put(f, new QualityScore(40 + random.nextInt(60), "generated", LocalDate.of(2025, 1, 1), "q"));
                    }
                    return s;
                });
                quality.put(model, scores);
            }
            providers.put(provider, new ProviderPrices(provider, provider, models, provider + ".yaml"));
            backends.put(provider, provider);
        }
        PriceTable prices = new PriceTable(providers);
        Map<String, TeamPolicy> policies = new HashMap<>();
        teams = new ArrayList<>();
        for (int t = 0; t < TEAMS; t++) {
            String team = "team-" + t;
            teams.add(team);
            Set<String> deny = Set.of("p" + random.nextInt(PROVIDERS), "p" + random.nextInt(PROVIDERS));
            Map<String, String> require = t % 5 == 0 ? Map.of("zero-data-retention", "true")
                    : t % 7 == 0 ? Map.of("region", "eu") : Map.of();
            BigDecimal maxOutput = t % 3 == 0 ? BigDecimal.valueOf(40) : null;
            policies.put(team, new TeamPolicy(Set.of(), deny, Set.of(), Set.of(), require, null, maxOutput,
                    TaskFamily.values()[t % TaskFamily.values().length], t % 2 == 0));
        }
        RoutingRules rules = new RoutingRules(Map.of(), Map.of(), policies,
                Map.of("auto", new RouteAlias("auto", 70, null, 500, "model-0", Set.of())));
        tables = new Tables(prices, new QualityTable(quality), rules, Catalog.build(prices, backends), 1, now);
    }

    /** An alias: every one of the 500 offerings is checked, priced and ordered. */
    @Benchmark
    public Decision aliasOver500Offerings() {
        String team = teams.get(next++ % TEAMS);
        return Router.decide(new RouteRequest("auto", null, () -> 1_200, null, false)
                .with(Set.of(Capability.TOOLS), team, null, null, null), tables, now);
    }

    /** A concrete model: with substitution (even teams) all 500 offerings, else its 5 offerings. */
    @Benchmark
    public Decision concreteModel() {
        String team = teams.get(next++ % TEAMS);
        return Router.decide(new RouteRequest("model-7", null, () -> 1_200, 800, true)
                .with(Set.of(), team, null, null, null), tables, now);
    }
}
