package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.tollgate.it.MutableClock;

class ResilientLimitStoreTest {

    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    /** The shared store's stand-in: the in-memory store, answering, failing, or running but never answering. */
    static final class FlakyStore implements LimitStore {
        enum Mode { UP, DOWN, SILENT }

        final InMemoryLimitStore counters = new InMemoryLimitStore();
        volatile Mode mode = Mode.UP;
        final List<SettleRequest> settles = new CopyOnWriteArrayList<>();

        private <T> CompletionStage<T> answer(java.util.function.Supplier<CompletionStage<T>> op) {
            return switch (mode) {
                case UP -> op.get();
                case DOWN -> CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
                case SILENT -> {
                    op.get(); // it ran, but the answer is lost
                    yield new CompletableFuture<>();
                }
            };
        }

        @Override
        public CompletionStage<AdmitResult> admit(AdmitRequest r) {
            return answer(() -> counters.admit(r));
        }

        @Override
        public CompletionStage<SettleResult> settle(SettleRequest s) {
            return answer(() -> {
                settles.add(s);
                return counters.settle(s);
            });
        }

        @Override
        public CompletionStage<List<BudgetState>> read(String team, List<String> keys, long now) {
            return answer(() -> counters.read(team, keys, now));
        }

        @Override
        public CompletionStage<Void> reset(String team, String key) {
            return answer(() -> counters.reset(team, key));
        }

        @Override
        public CompletionStage<Void> restore(String team, String key, long spent) {
            return answer(() -> counters.restore(team, key, spent));
        }

        @Override
        public CompletionStage<Void> ping() {
            return answer(() -> CompletableFuture.completedFuture(null));
        }

        @Override
        public String kind() {
            return "flaky";
        }
    }

    private final FlakyStore primary = new FlakyStore();
    private final MutableClock clock = new MutableClock(T0);
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private ResilientLimitStore store(ResilientLimitStore.Policy policy) {
        return new ResilientLimitStore(primary, policy, Duration.ofMillis(100), new BigDecimal("0.1"),
                (operation, e) -> errors.add(operation + ": " + e.getMessage()), clock);
    }

    private static AdmitRequest request(String id, long limit, long amount) {
        return new AdmitRequest(id, "t", 0, 60_000, List.of(new AdmitRequest.BudgetCheck("team:t@0", limit,
                BudgetMode.HARD)), List.of(new AdmitRequest.RateCheck("key:k", 50, 0)), new long[] {amount}, 10);
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private long spent(LimitStore s) {
        return join(s.read("t", List.of("team:t@0"), 0)).get(0).spentNanos();
    }

    @Test
    void failClosedPassesTheErrorOnAndTheCallerCountsIt() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_CLOSED);
        primary.mode = FlakyStore.Mode.DOWN;
        clock.advance(Duration.ofSeconds(5));

        assertThatThrownBy(() -> join(store.admit(request("a", 1000, 10)))).isInstanceOf(CompletionException.class)
                .hasRootCauseMessage("connection refused");

        assertThat(errors).isEmpty();
        assertThat(store.status()).isEqualTo(new ResilientLimitStore.Status(false,
                "IllegalStateException: connection refused", T0.plusSeconds(5)));
    }

    @Test
    void failOpenAdmitsAgainstTheShareOfEachLimitAndSettlesThere() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_OPEN);
        primary.mode = FlakyStore.Mode.DOWN;

        AdmitResult first = join(store.admit(request("a", 1000, 60)));
        AdmitResult second = join(store.admit(request("b", 1000, 60)));
        primary.mode = FlakyStore.Mode.UP;
        SettleResult settled = join(store.settle(new SettleRequest("a", "t", 1, 55, 10)));

        assertThat(first.admitted()).isTrue();
        assertThat(first.budgets()).containsExactly(new BudgetState("team:t@0", 100, 0, 60));
        assertThat(first.rates().get(0).requestsLimit()).as("50 per minute x 0.1").isEqualTo(5);
        assertThat(second.outcome()).as("60 + 60 > 10% of 1000").isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
        assertThat(settled.changes()).containsExactly(new SettleResult.Change("team:t@0", 100, 0, 55));
        assertThat(primary.settles).as("the fallback's call is not the shared store's").isEmpty();
        assertThat(errors).containsExactly("admit: connection refused", "admit: connection refused");
        assertThat(spent(store)).isZero();
    }

    @Test
    void theFallbackShareRoundsDownButKeepsAtLeastOneOfANonZeroLimit() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_OPEN);

        assertThat(store.share(1_000)).isEqualTo(100);
        assertThat(store.share(19)).isEqualTo(1);
        assertThat(store.share(5)).isEqualTo(1);
        assertThat(store.share(0)).isZero();
    }

    @Test
    void anOperationThatGetsNoAnswerTimesOutAndItsReservationIsReleasedOnceTheStoreAnswers() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_CLOSED);
        primary.mode = FlakyStore.Mode.SILENT;

        long started = System.nanoTime();
        assertThatThrownBy(() -> join(store.admit(request("a", 1000, 400)))).hasRootCauseInstanceOf(
                TimeoutException.class).hasRootCauseMessage("no answer from the flaky budget store within 100 ms");
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(join(primary.counters.read("t", List.of("team:t@0"), 0)).get(0).reservedNanos())
                .as("it ran all the same").isEqualTo(400);
        assertThat(store.pendingSettles()).isEqualTo(1);

        primary.mode = FlakyStore.Mode.UP;
        join(store.ping());

        assertThat(waitedMillis).isBetween(90L, 2_000L);
        assertThat(join(primary.counters.read("t", List.of("team:t@0"), 0)).get(0).reservedNanos()).isZero();
        assertThat(store.pendingSettles()).isZero();
        assertThat(store.status().up()).isTrue();
    }

    @Test
    void aSettleThatFailsIsSentAgainWhenTheStoreIsBack() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_CLOSED);
        join(store.admit(request("a", 1000, 400)));
        primary.mode = FlakyStore.Mode.DOWN;

        SettleResult lost = join(store.settle(new SettleRequest("a", "t", 1, 321, 10)));
        primary.mode = FlakyStore.Mode.UP;
        long spentAfter = spent(store);

        assertThat(lost).isEqualTo(SettleResult.NONE);
        assertThat(errors).containsExactly("settle: connection refused");
        assertThat(spentAfter).as("the read that found the store back sent it; it ran after the read").isZero();
        assertThat(spent(store)).isEqualTo(321);
        assertThat(store.pendingSettles()).isZero();
    }

    @Test
    void theStatusSaysSinceWhenTheStoreHasBeenDownOrUp() {
        ResilientLimitStore store = store(ResilientLimitStore.Policy.FAIL_OPEN);
        primary.mode = FlakyStore.Mode.DOWN;
        clock.advance(Duration.ofSeconds(1));
        store.ping();
        clock.advance(Duration.ofSeconds(1));
        store.ping();

        assertThat(store.status().since()).isEqualTo(T0.plusSeconds(1));

        primary.mode = FlakyStore.Mode.UP;
        clock.advance(Duration.ofSeconds(1));
        join(store.ping());

        assertThat(store.status()).isEqualTo(new ResilientLimitStore.Status(true,
                "IllegalStateException: connection refused", T0.plusSeconds(3)));
    }

    @Test
    void aShareOutsideZeroToOneIsRefusedWithWhatWasGiven() {
        assertThatThrownBy(() -> new ResilientLimitStore(primary, ResilientLimitStore.Policy.FAIL_OPEN,
                Duration.ofMillis(100), new BigDecimal("1.5"), (o, e) -> { }, clock))
                .hasMessage("fallback-share must be greater than 0 and at most 1, but was 1.5");
    }
}
