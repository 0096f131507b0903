package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Health;
import dev.tollgate.routing.Offering;

class FailoverOrderTest {

    /**
     * @param candidates the decision's order, {@code provider/model} separated by spaces
     * @param failures   which candidates fail provider-wide when handed out ({@code -}: none)
     * @param tried      the order the candidates are handed out in
     */
    @ParameterizedTest(name = "{0}; {1} fail -> {2}")
    @CsvSource(delimiter = ';', value = {
        "a/1 a/2 b/1 b/2; -;       a/1 a/2 b/1 b/2",
        "a/1 a/2 a/3 b/1; a/1;     a/1 b/1 a/2 a/3",
        "a/1 b/1 a/2 c/1 b/2; a/1; a/1 b/1 c/1 b/2 a/2",
        "a/1 a/2 b/1 b/2; a/1 b/1; a/1 b/1 a/2 b/2",
        "a/1 b/1 a/2 b/2 c/1; a/1 b/1 c/1; a/1 b/1 c/1 a/2 b/2",
        "a/1 a/2 b/1; b/1;         a/1 a/2 b/1",
        "a/1 b/1; a/1 b/1;         a/1 b/1",
        "a/1 a/2 a/3; a/1 a/2;     a/1 a/2 a/3"})
    void aProviderThatFailsAsAWholeMovesItsOtherModelsToTheBack(String candidates, String failures, String tried) {
        FailoverOrder order = new FailoverOrder(Arrays.stream(candidates.split(" ")).map(FailoverOrderTest::candidate)
                .toList());
        List<String> failing = failures.equals("-") ? List.of() : List.of(failures.split(" "));

        List<String> handedOut = new ArrayList<>();
        for (Candidate c = order.next(); c != null; c = order.next()) {
            String name = c.offering().provider() + "/" + c.offering().modelId();
            handedOut.add(name);
            if (failing.contains(name)) {
                order.providerFailed(c.offering().provider());
            }
        }

        assertThat(handedOut).containsExactly(tried.split(" "));
    }

    private static Candidate candidate(String name) {
        String provider = name.substring(0, name.indexOf('/'));
        String model = name.substring(name.indexOf('/') + 1);
        PriceRow row = new PriceRow(name + "@2026-01-01", Instant.parse("2026-01-01T00:00:00Z"), "test",
                BigDecimal.ONE, null, null, BigDecimal.ONE);
        PricedModel priced = new PricedModel(provider, model, 8_000, 4_000, Set.of(), Map.of(), List.of(row),
                "test.yaml", 1);
        return new Candidate(new Offering(provider, priced), row, 1, 50, Health.UNMEASURED);
    }
}
