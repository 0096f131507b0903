package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.ProviderPrices;
import dev.tollgate.pricing.QualityScore;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;

/**
 * Whatever the offerings and the team's policy: every candidate satisfies the policy and the quality floor, the
 * candidates are in cost order, the first is never dearer than any other eligible offering, and every offering of
 * an alias's scope is either a candidate or an exclusion, exactly once.
 */
class RouterPolicyProperties {

    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    record Spec(BigDecimal input, BigDecimal output, int quality, boolean zdr, boolean tools) {
    }

    record World(List<Spec> offerings, Set<Integer> denied, boolean requireZdr, BigDecimal maxOutput, int floor,
            boolean needTools) {
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<BigDecimal> price = Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal(50)).ofScale(2);
        Arbitrary<Spec> spec = Combinators.combine(price, price, Arbitraries.integers().between(-1, 100),
                Arbitraries.of(true, false), Arbitraries.of(true, false)).as(Spec::new);
        Arbitrary<List<Spec>> offerings = spec.list().ofMinSize(1).ofMaxSize(12);
        return offerings.flatMap(list -> Combinators.combine(
                Arbitraries.integers().between(0, list.size() - 1).set().ofMaxSize(3),
                Arbitraries.of(true, false),
                Arbitraries.oneOf(Arbitraries.just((BigDecimal) null), price),
                Arbitraries.integers().between(0, 100),
                Arbitraries.of(true, false)).as((denied, zdr, max, floor, tools) ->
                new World(list, denied, zdr, max, floor, tools)));
    }

    @Property(tries = 300)
    void candidatesRespectThePolicyAndComeInCostOrder(@ForAll("worlds") World w) {
        Map<String, ProviderPrices> providers = new LinkedHashMap<>();
        Map<String, String> backends = new LinkedHashMap<>();
        Map<String, EnumMap<TaskFamily, QualityScore>> quality = new HashMap<>();
        Set<String> denied = new HashSet<>();
        for (int i = 0; i < w.offerings().size(); i++) {
            Spec s = w.offerings().get(i);
            String provider = "p" + i;
            String model = "m" + i;
            PriceRow row = new PriceRow(provider + "/" + model, Instant.parse("2025-01-01T00:00:00Z"), "gen",
                    s.input(), null, null, s.output());
            EnumSet<Capability> caps = s.tools() ? EnumSet.of(Capability.TOOLS) : EnumSet.noneOf(Capability.class);
            providers.put(provider, new ProviderPrices(provider, provider, Map.of(model, new PricedModel(provider,
                    model, 100_000, 8_000, caps, Map.of("zero-data-retention", String.valueOf(s.zdr())), List.of(row),
                    "f", 1)), "f"));
            backends.put(provider, provider);
            if (s.quality() >= 0) {
                EnumMap<TaskFamily, QualityScore> q = new EnumMap<>(TaskFamily.class);
                q.put(TaskFamily.GENERAL, new QualityScore(s.quality(), "gen", LocalDate.of(2025, 1, 1), "q"));
                quality.put(model, q);
            }
            if (w.denied().contains(i)) {
                denied.add(provider);
            }
        }
        TeamPolicy policy = new TeamPolicy(Set.of(), denied, Set.of(), Set.of(),
                w.requireZdr() ? Map.of("zero-data-retention", "true") : Map.of(), null, w.maxOutput(), null, false);
        RoutingRules rules = new RoutingRules(Map.of(), Map.of(), Map.of("t", policy),
                Map.of("auto", new RouteAlias("auto", w.floor(), null, 300, "m0", Set.of())));
        PriceTable prices = new PriceTable(providers);
        Tables tables = new Tables(prices, new QualityTable(quality), rules, Catalog.build(prices, backends), 1, NOW);

        Decision decision = Router.decide(new RouteRequest("auto", null, () -> 500, null, false)
                .with(w.needTools() ? Set.of(Capability.TOOLS) : Set.of(), "t", null, null, null), tables, NOW);

        List<Candidate> candidates = decision instanceof Decision.Routed r ? r.candidates() : List.of();
        List<Exclusion> exclusions = decision instanceof Decision.Routed r ? r.exclusions()
                : ((Decision.Refused) decision).exclusions();
        assertThat(candidates.size() + exclusions.size()).isEqualTo(w.offerings().size());
        Set<String> seen = new HashSet<>();
        candidates.forEach(c -> assertThat(seen.add(c.offering().provider())).isTrue());
        exclusions.forEach(e -> assertThat(seen.add(e.provider())).isTrue());
        for (Candidate c : candidates) {
            Spec s = w.offerings().get(Integer.parseInt(c.offering().provider().substring(1)));
            assertThat(denied).doesNotContain(c.offering().provider());
            if (w.requireZdr()) {
                assertThat(s.zdr()).isTrue();
            }
            if (w.maxOutput() != null) {
                assertThat(s.output()).isLessThanOrEqualTo(w.maxOutput());
            }
            if (w.floor() > 0) {
                assertThat(s.quality()).isGreaterThanOrEqualTo(w.floor());
            }
            if (w.needTools()) {
                assertThat(s.tools()).isTrue();
            }
        }
        for (int i = 1; i < candidates.size(); i++) {
            assertThat(candidates.get(i).estimatedPicoUsd()).isGreaterThanOrEqualTo(
                    candidates.get(i - 1).estimatedPicoUsd());
        }
    }
}
