package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.auth.Principal;
import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.Applicable;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.InMemoryLimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.ReservationPlan;
import dev.tollgate.budget.Scope;
import dev.tollgate.metering.BudgetMetrics;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.Metering;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.LongContextTier;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.Usage;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Offering;
import dev.tollgate.pricing.TaskFamily;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import tools.jackson.databind.json.JsonMapper;

/**
 * A hard budget holds whatever the providers answer: calls admitted through the reservation plan and the store,
 * in any interleaving, each answered with any output length up to its model's limit for every choice (whatever cap
 * it was sent), any prompt count up to the request's bound split in any way into uncached input, cache reads and
 * 5-minute and 1-hour cache writes (each priced apart, and past a model's long-context threshold at its tier's rates),
 * streams cut anywhere, settles arriving late (after the reservation's ttl) or never, keep the budget's settled sum
 * at or under its limit. And the reservation bounds every answer that keeps to the output cap it was sent: such a
 * call never costs more than was reserved.
 */
class HardBudgetProperties {

    private static final long TTL = 60_000;
    private static final String TEAM = "t";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final List<Offering> MODELS = List.of(
            offering("cheap", 16_384, "0.15", "0.60", 48_169, OutputCapField.MAX_TOKENS),
            offering("mid", 8_192, "0.27", "1.10", PricedModel.DEFAULT_IMAGE_TOKENS_MAX, OutputCapField.MAX_TOKENS),
            offering("dear", 100_000, "15.00", "60.00", PricedModel.DEFAULT_IMAGE_TOKENS_MAX,
                    OutputCapField.MAX_COMPLETION_TOKENS),
            // Anthropic's shape: reads 0.1x, 5-minute writes 1.25x, 1-hour writes 2x input; above 2,000 prompt tokens
            // (a threshold the generated prompts pass often) every token at the tier's rates
            offering("cached", 64_000, row("cached", "3.00", "0.30", "3.75", "6.00", "15.00",
                    new LongContextTier(2_000, new BigDecimal("6.00"), new BigDecimal("0.60"), new BigDecimal("7.50"),
                            new BigDecimal("12.00"), new BigDecimal("22.50")))),
            // Gemini's shape: cache reads only, a tier above 5,000 prompt tokens
            offering("tiered", 65_536, row("tiered", "1.25", "0.125", null, null, "10.00",
                    new LongContextTier(5_000, new BigDecimal("2.50"), new BigDecimal("0.25"), null, null,
                            new BigDecimal("15.00")))));

    /** One step, drawn from numbers so that jqwik shrinks each independently. */
    record Step(List<Integer> n) {
        int kind() {
            return n.get(0) % 6;
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.integers().between(0, 1_000_000).list().ofSize(8).map(Step::new).list().ofMinSize(5)
                .ofMaxSize(120);
    }

    @Property(tries = 300)
    void theSettledSumOfAHardBudgetNeverExceedsItsLimit(@ForAll("steps") List<Step> steps,
            @ForAll @LongRange(min = 1_000, max = 200_000_000) long limitNanos) {
        InMemoryLimitStore store = new InMemoryLimitStore();
        MutableClock clock = new MutableClock(T0);
        BudgetSpec budget = new BudgetSpec(Scope.TEAM, TEAM, TEAM, Nanos.toUsd(limitNanos), BudgetPeriod.NONE,
                BudgetMode.HARD, List.of(50, 80, 100), false);
        Applicable applicable = new Applicable(List.of(budget), List.of());
        BudgetMetrics metrics = new BudgetMetrics(new SimpleMeterRegistry());
        String key = budget.id() + "@" + BudgetPeriod.NONE.window(T0, ZoneOffset.UTC).key();
        Map<String, InFlight> inFlight = new HashMap<>();
        int calls = 0;
        for (Step step : steps) {
            List<Integer> n = step.n();
            switch (step.kind()) {
                case 0, 1, 2 -> {
                    String id = "call-" + calls++;
                    InFlight call = admit(id, n, store, applicable, metrics, clock, key);
                    if (call != null) {
                        inFlight.put(id, call);
                    }
                }
                case 3, 4 -> {
                    if (inFlight.isEmpty()) {
                        continue;
                    }
                    List<String> ids = new ArrayList<>(inFlight.keySet());
                    ids.sort(null);
                    InFlight call = inFlight.remove(ids.get(n.get(1) % ids.size()));
                    answer(call, n);
                }
                default -> clock.advance(n.get(7) % 90_000); // past the ttl: later settles are late
            }
            BudgetState s = store.read(TEAM, List.of(key), clock.millis()).toCompletableFuture().join().get(0);
            assertThat(s.spentNanos()).as("settled sum").isLessThanOrEqualTo(limitNanos);
            assertThat(s.spentNanos() + s.reservedNanos()).isLessThanOrEqualTo(limitNanos);
        }
    }

    /** A call admitted, with what it was planned and covered for. */
    record InFlight(ChatRequest chat, Decision.Routed covered, BudgetSettlement settlement, long reserved) {
    }

    private static InFlight admit(String id, List<Integer> n, InMemoryLimitStore store, Applicable applicable,
            BudgetMetrics metrics, MutableClock clock, String key) {
        ChatRequest chat = chat(n);
        List<Candidate> candidates = new ArrayList<>();
        int mask = 1 + n.get(5) % ((1 << MODELS.size()) - 1);
        for (int i = 0; i < MODELS.size(); i++) {
            Offering o = MODELS.get((i + n.get(6)) % MODELS.size());
            if ((mask >> i & 1) == 1 && (chat.maxOutputTokens() == null
                    || chat.maxOutputTokens() <= o.model().maxOutputTokens())) {
                candidates.add(new Candidate(o, o.model().prices().get(0), 0, 50));
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        Decision.Routed decision = new Decision.Routed("m", candidates, List.of(), null, TaskFamily.GENERAL, 0, 10,
                256, "m", null);
        ReservationPlan plan = AdmissionFilter.plan(chat, candidates, false, 1 + n.get(7) % 512);
        AdmitResult result = store.admit(new AdmitRequest(id, TEAM, clock.millis(), TTL,
                List.of(new AdmitRequest.BudgetCheck(key, applicable.budgets().get(0).limitNanos(), BudgetMode.HARD)),
                List.of(), plan.amounts(), 0, plan.flexibleMinimum())).toCompletableFuture().join();
        if (!result.admitted()) {
            return null;
        }
        Decision.Routed covered = AdmissionFilter.covered(decision, plan, result, true, chat.maxOutputTokens());
        assertThat(covered.candidates()).as("the reservation covers at least the first candidate").isNotEmpty();
        CallRecord call = new CallRecord(id, clock.instant(), 0, new Principal("k", TEAM, null));
        call.request(chat);
        BudgetSettlement settlement = new BudgetSettlement(call, applicable, store, metrics, clock);
        settlement.admitted(result);
        call.settlement(settlement);
        return new InFlight(chat, covered, settlement, result.reservedNanos());
    }

    /**
     * The provider answers: any prompt count up to the bound, split into uncached input, cache reads and 5-minute and
     * 1-hour cache writes as the provider likes (a quarter of the answers write it all for an hour, the dearest
     * kind), any output up to the model's limit per choice (or, keeping to the cap it was sent, up to that), possibly
     * cut; or the settle never comes.
     */
    private static void answer(InFlight call, List<Integer> n) {
        Candidate served = call.covered().candidates().get(n.get(2) % call.covered().candidates().size());
        PricedModel m = served.offering().model();
        long bound = call.chat().promptBoundTokens(m.imageTokensMax());
        long prompt = n.get(3) % (bound + 1);
        int choices = call.chat().choices();
        int cap = served.outputCap() > 0 ? served.outputCap()
                : call.chat().maxOutputTokens() != null ? call.chat().maxOutputTokens() : m.maxOutputTokens();
        boolean keepsToCap = n.get(4) % 3 != 0;
        long ceiling = (long) (keepsToCap ? cap : m.maxOutputTokens()) * choices;
        long output = n.get(4) % 5 == 0 ? ceiling : n.get(7) % (ceiling + 1); // a stream may be cut anywhere
        BigDecimal cost = Metering.cost(split(prompt, output, n), served.price());
        if (keepsToCap) {
            assertThat(Nanos.ofUsd(cost)).as("a call keeping to its cap costs at most its reservation")
                    .isLessThanOrEqualTo(call.reserved());
        }
        if (n.get(1) % 17 != 0) { // else: its replica died, it never settles
            call.settlement().settle(cost, prompt + output);
        }
    }

    /** {@code prompt} tokens split into the four prompt kinds by the step's numbers. */
    private static Usage split(long prompt, long output, List<Integer> n) {
        if (n.get(5) % 4 == 0) {
            return new Usage(0, 0, 0, prompt, output, 0, false);
        }
        long cached = n.get(5) % (prompt + 1);
        long write = n.get(6) % (prompt - cached + 1);
        long write1h = n.get(0) % (prompt - cached - write + 1);
        return new Usage(prompt - cached - write - write1h, cached, write, write1h, output, 0, false);
    }

    /** A request of some size, with images, {@code max_tokens} or not, and several choices. */
    private static ChatRequest chat(List<Integer> n) {
        StringBuilder body = new StringBuilder("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[");
        body.append("{\"type\":\"text\",\"text\":\"").append("word ".repeat(n.get(1) % 2_000)).append("\"}");
        for (int i = 0; i < n.get(2) % 3; i++) {
            body.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,")
                    .append("A".repeat(n.get(3) % 50_000)).append("\"}}");
        }
        body.append("]}]");
        if (n.get(4) % 3 != 0) {
            body.append(",\"max_tokens\":").append(1 + n.get(4) % 20_000);
        }
        body.append(",\"n\":").append(1 + n.get(5) % 3).append('}');
        return ChatRequest.parse(body.toString().getBytes(StandardCharsets.UTF_8), MAPPER);
    }

    private static Offering offering(String model, int maxOutput, String input, String output, int imageTokens,
            OutputCapField capField) {
        PriceRow row = new PriceRow("p/" + model + "@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"), "test",
                new BigDecimal(input), null, null, new BigDecimal(output));
        return new Offering("p", new PricedModel("p", model, 1_000_000, maxOutput, Set.of(Capability.VISION),
                Map.of(), List.of(row), "test.yaml", 1, capField, imageTokens));
    }

    private static Offering offering(String model, int maxOutput, PriceRow row) {
        return new Offering("p", new PricedModel("p", model, 1_000_000, maxOutput, Set.of(Capability.VISION),
                Map.of(), List.of(row), "test.yaml", 1, OutputCapField.MAX_TOKENS,
                PricedModel.DEFAULT_IMAGE_TOKENS_MAX));
    }

    private static PriceRow row(String model, String input, String cached, String write, String write1h, String output,
            LongContextTier tier) {
        return new PriceRow("p/" + model + "@2025-01-01", Instant.parse("2025-01-01T00:00:00Z"), "test",
                new BigDecimal(input), decimal(cached), decimal(write), decimal(write1h), new BigDecimal(output), tier);
    }

    private static BigDecimal decimal(String text) {
        return text == null ? null : new BigDecimal(text);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(long millis) {
            now = now.plusMillis(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
