package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.ProviderPrices;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class RouterProperties {

    private static final Instant FROM = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-01-15T10:00:00Z");

    /** Input and output price (USD per 1M tokens) of one provider. */
    record Price(BigDecimal input, BigDecimal output) {
    }

    @Property
    void firstCandidateIsNeverDearerThanAnyOther(@ForAll("priceLists") List<Price> prices,
            @ForAll @LongRange(min = 0, max = 200_000) long promptTokens,
            @ForAll @IntRange(min = 1, max = 50_000) int maxOutput) {
        Tables tables = tablesOf(prices);

        Decision decision = Router.decide(new RouteRequest("m", null, () -> promptTokens, maxOutput, false), tables,
                NOW);

        assertThat(decision).isInstanceOf(Decision.Routed.class);
        List<Candidate> candidates = ((Decision.Routed) decision).candidates();
        assertThat(candidates).hasSize(prices.size());
        BigDecimal first = candidates.get(0).estimatedCostUsd();
        assertThat(candidates).allSatisfy(c -> assertThat(first).isLessThanOrEqualTo(c.estimatedCostUsd()));
        assertThat(candidates).isSortedAccordingTo(Comparator.comparing(Candidate::estimatedCostUsd)
                .thenComparing(c -> c.offering().provider()));
    }

    /** 2 to 8 providers; prices from a few coarse values too, so that equal estimates (ties) happen often. */
    @Provide
    Arbitrary<List<Price>> priceLists() {
        Arbitrary<BigDecimal> amount = Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal(100)).ofScale(6),
                Arbitraries.of("0", "0.5", "1", "2").map(BigDecimal::new));
        Arbitrary<Price> price = amount.tuple2().map(t -> new Price(t.get1(), t.get2()));
        return price.list().ofMinSize(2).ofMaxSize(8);
    }

    /** Providers p0, p1, ... each offering model {@code m} at its price, shuffled in the backend map. */
    private static Tables tablesOf(List<Price> prices) {
        Map<String, ProviderPrices> providers = new TreeMap<>();
        Map<String, String> backends = new LinkedHashMap<>();
        for (int i = prices.size() - 1; i >= 0; i--) {
            String id = "p" + i;
            Price p = prices.get(i);
            PriceRow row = new PriceRow(id + "/m@2025-01-01", FROM, "generated", p.input(), null, null, p.output());
            PricedModel model = new PricedModel(id, "m", 1_000_000, 50_000, EnumSet.of(Capability.STREAMING),
                    Map.of(), List.of(row), id + ".yaml", 3);
            providers.put(id, new ProviderPrices(id, id, Map.of("m", model), id + ".yaml"));
            backends.put(id, id);
        }
        PriceTable table = new PriceTable(providers);
        return new Tables(table, new RoutingRules(Map.of(), Map.of()), Catalog.build(table, backends), 1, NOW);
    }
}
