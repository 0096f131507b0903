package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LimitStore} does, on a fixed clock: run against the in-memory store and against Redis, so both
 * keep the same reservation invariant with the same results.
 */
public abstract class LimitStoreContract {

    protected LimitStore store;

    /** A store with no counters (called before each test). */
    protected abstract LimitStore newStore();

    @BeforeEach
    void freshStore() {
        store = newStore();
    }

    protected static AdmitRequest.BudgetCheck hard(String key, long limit) {
        return new AdmitRequest.BudgetCheck(key, limit, BudgetMode.HARD);
    }

    protected AdmitResult admit(String id, long now, List<AdmitRequest.BudgetCheck> budgets,
            List<AdmitRequest.RateCheck> rates, long tokens, long... amounts) {
        return store.admit(new AdmitRequest(id, "t", now, 60_000, budgets, rates, amounts, tokens))
                .toCompletableFuture().join();
    }

    protected SettleResult settle(String id, long now, long actual, long tokens) {
        return store.settle(new SettleRequest(id, "t", now, actual, tokens)).toCompletableFuture().join();
    }

    protected BudgetState read(String key) {
        return read(key, 0);
    }

    protected BudgetState read(String key, long now) {
        return store.read("t", List.of(key), now).toCompletableFuture().join().get(0);
    }

    @Test
    void aCallIsAdmittedOnlyWhenEveryHardBudgetFitsAndARefusalChangesNothing() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000), hard("key:k@0", 300));

        AdmitResult first = admit("a", 0, budgets, List.of(), 0, 200);
        AdmitResult second = admit("b", 0, budgets, List.of(), 0, 200);

        assertThat(first.admitted()).isTrue();
        assertThat(first.option()).isZero();
        assertThat(first.reservedNanos()).isEqualTo(200);
        assertThat(second.outcome()).isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
        assertThat(second.refusedKey()).isEqualTo("key:k@0");
        assertThat(second.retryAfterMillis()).isEqualTo(-1);
        assertThat(second.budgets()).containsExactly(new BudgetState("team:t@0", 1000, 0, 200),
                new BudgetState("key:k@0", 300, 0, 200));
    }

    @Test
    void theFirstAmountThatFitsIsReserved() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 500));

        AdmitResult r = admit("a", 0, budgets, List.of(), 0, 900, 600, 400, 100);

        assertThat(r.option()).isEqualTo(2);
        assertThat(r.budgets().get(0).reservedNanos()).isEqualTo(400);
    }

    @Test
    void settleMovesTheReservationToTheActualCostOnceAndReportsTheChange() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000));
        admit("a", 0, budgets, List.of(), 0, 400);

        SettleResult settled = settle("a", 5, 123, 0);
        SettleResult again = settle("a", 6, 123, 0);

        assertThat(settled.changes()).containsExactly(new SettleResult.Change("team:t@0", 1000, 0, 123));
        assertThat(again).isEqualTo(SettleResult.NONE);
        assertThat(read("team:t@0")).isEqualTo(new BudgetState("team:t@0", 1000, 123, 0));
    }

    @Test
    void settlingAnUnknownReservationChangesNothing() {
        admit("a", 0, List.of(hard("team:t@0", 1000)), List.of(), 0, 400);

        assertThat(settle("nobody", 1, 999, 50)).isEqualTo(SettleResult.NONE);
        assertThat(read("team:t@0")).isEqualTo(new BudgetState("team:t@0", 1000, 0, 400));
    }

    @Test
    void aReservationNotSettledWithinItsTtlIsChargedItsWholeAmountAndALateSettleCorrectsIt() {
        admit("a", 0, List.of(hard("team:t@0", 1000)), List.of(), 0, 1000);

        assertThat(admit("b", 59_999, List.of(hard("team:t@0", 1000)), List.of(), 0, 1).admitted()).isFalse();
        assertThat(admit("c", 60_000, List.of(hard("team:t@0", 1000)), List.of(), 0, 1).admitted())
                .as("the call may still be running: its amount is charged, not released").isFalse();
        assertThat(read("team:t@0", 60_000)).isEqualTo(new BudgetState("team:t@0", 1000, 1000, 0));

        SettleResult late = settle("a", 60_001, 500, 0);

        assertThat(late.changes()).containsExactly(new SettleResult.Change("team:t@0", 1000, 1000, 500));
        assertThat(read("team:t@0", 60_001)).isEqualTo(new BudgetState("team:t@0", 1000, 500, 0));
        assertThat(settle("a", 60_002, 500, 0)).as("settled once").isEqualTo(SettleResult.NONE);
    }

    @Test
    void aLateSettleAboveTheReservationChargesAHardBudgetTheReservationOnly() {
        admit("a", 0, List.of(hard("team:t@0", 1000), soft("key:k@0", 1000)), List.of(), 0, 600);
        read("team:t@0", 60_000);

        settle("a", 60_001, 900, 0);

        assertThat(read("team:t@0", 60_001).spentNanos()).isEqualTo(600);
        assertThat(read("key:k@0", 60_001).spentNanos()).isEqualTo(900);
    }

    @Test
    void anExpiredReservationIsForgottenADayAfterItsTtl() {
        admit("a", 0, List.of(hard("team:t@0", 1000)), List.of(), 0, 700);
        read("team:t@0", 60_000);

        assertThat(settle("a", 60_000 + InMemoryLimitStore.EXPIRED_KEPT_MILLIS, 100, 0)).isEqualTo(SettleResult.NONE);
        assertThat(read("team:t@0", 60_000 + InMemoryLimitStore.EXPIRED_KEPT_MILLIS).spentNanos()).isEqualTo(700);
    }

    @Test
    void aReadChargesExpiredReservationsToo() {
        admit("a", 0, List.of(hard("team:t@0", 1000)), List.of(), 0, 700);

        assertThat(read("team:t@0", 59_999).reservedNanos()).isEqualTo(700);
        assertThat(read("team:t@0", 60_000)).isEqualTo(new BudgetState("team:t@0", 1000, 700, 0));
    }

    @Test
    void aHardBudgetIsChargedAtMostTheReservationAndASoftOneTheActualCost() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000), soft("key:k@0", 1000));
        admit("a", 0, budgets, List.of(), 0, 400);

        SettleResult r = settle("a", 1, 650, 0);

        assertThat(r.changes()).containsExactly(new SettleResult.Change("team:t@0", 1000, 0, 400),
                new SettleResult.Change("key:k@0", 1000, 0, 650));
        assertThat(read("team:t@0", 1)).isEqualTo(new BudgetState("team:t@0", 1000, 400, 0));
    }

    @Test
    void whenNoAmountFitsWhatIsLeftIsReservedIfItCoversTheFlexibleMinimum() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000), hard("key:k@0", 700));
        admit("a", 0, budgets, List.of(), 0, 400);

        AdmitResult capped = flexible("b", budgets, 200, 900, 500);
        AdmitResult refused = flexible("c", budgets, 1, 900);

        assertThat(capped.admitted()).isTrue();
        assertThat(capped.option()).as("the flexible option comes after the amounts").isEqualTo(2);
        assertThat(capped.reservedNanos()).as("what the tighter budget has left").isEqualTo(300);
        assertThat(capped.budgets()).containsExactly(new BudgetState("team:t@0", 1000, 0, 700),
                new BudgetState("key:k@0", 700, 0, 700));
        assertThat(refused.outcome()).isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
        assertThat(refused.reservedNanos()).isZero();
        assertThat(flexible("d", List.of(hard("team:t@0", 1000)), 301, 900).admitted())
                .as("300 left, below the minimum").isFalse();
    }

    @Test
    void aSoftBudgetReportsGoingOverOnlyWhenEvenTheFlexibleMinimumWouldNotFit() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(soft("team:t@0", 1000));

        AdmitResult within = flexible("a", budgets, 800, 5_000);
        AdmitResult over = flexible("b", budgets, 300, 5_000);

        assertThat(within.reservedNanos()).isEqualTo(5_000);
        assertThat(within.overSoftLimits()).isEmpty();
        assertThat(over.overSoftLimits()).containsExactly("team:t@0");
    }

    private AdmitResult flexible(String id, List<AdmitRequest.BudgetCheck> budgets, long minimum, long... amounts) {
        return store.admit(new AdmitRequest(id, "t", 0, 60_000, budgets, List.of(), amounts, 0, minimum))
                .toCompletableFuture().join();
    }

    protected static AdmitRequest.BudgetCheck soft(String key, long limit) {
        return new AdmitRequest.BudgetCheck(key, limit, BudgetMode.SOFT);
    }

    @Test
    void admittingTheSameRequestAgainReleasesItsOlderReservationFirst() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000));
        admit("a", 0, budgets, List.of(), 0, 800);

        AdmitResult again = admit("a", 1, budgets, List.of(), 0, 900);
        AdmitResult refusedAgain = admit("a", 2, budgets, List.of(), 0, 5000);

        assertThat(again.admitted()).isTrue();
        assertThat(again.budgets()).containsExactly(new BudgetState("team:t@0", 1000, 0, 900));
        assertThat(refusedAgain.admitted()).isFalse();
        assertThat(read("team:t@0")).as("the refused step released the older one all the same")
                .isEqualTo(new BudgetState("team:t@0", 1000, 0, 0));
        assertThat(settle("a", 3, 100, 0)).isEqualTo(SettleResult.NONE);
    }

    @Test
    void softAndShadowBudgetsNeverRefuseAndReportGoingOver() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 10_000),
                new AdmitRequest.BudgetCheck("key:k@0", 100, BudgetMode.SOFT),
                new AdmitRequest.BudgetCheck("app:t/w@0", 150, BudgetMode.SHADOW));

        AdmitResult first = admit("a", 0, budgets, List.of(), 0, 90);
        AdmitResult second = admit("b", 0, budgets, List.of(), 0, 50);

        assertThat(first.overSoftLimits()).isEmpty();
        assertThat(second.admitted()).isTrue();
        assertThat(second.overSoftLimits()).containsExactly("key:k@0");
        assertThat(second.budgets()).containsExactly(new BudgetState("team:t@0", 10_000, 0, 140),
                new BudgetState("key:k@0", 100, 0, 140), new BudgetState("app:t/w@0", 150, 0, 140));
    }

    @Test
    void requestsPerMinuteRefillContinuously() {
        List<AdmitRequest.RateCheck> rpm = List.of(new AdmitRequest.RateCheck("key:k", 2, 0));

        assertThat(admit("a", 0, List.of(), rpm, 0, 0).admitted()).isTrue();
        AdmitResult b = admit("b", 0, List.of(), rpm, 0, 0);
        AdmitResult c = admit("c", 0, List.of(), rpm, 0, 0);
        AdmitResult d = admit("d", 30_000, List.of(), rpm, 0, 0);

        assertThat(b.rates()).containsExactly(new RateState("key:k", 2, 0, 60_000, 0, 0, 0));
        assertThat(c.outcome()).isEqualTo(AdmitResult.Outcome.REQUESTS_LIMITED);
        assertThat(c.refusedKey()).isEqualTo("key:k");
        assertThat(c.retryAfterMillis()).isEqualTo(30_000);
        assertThat(d.admitted()).as("one request back after half a minute").isTrue();
    }

    @Test
    void aRateLimitRefusalTakesNothingFromTheOtherLimitsOrBudgets() {
        List<AdmitRequest.RateCheck> rates = List.of(new AdmitRequest.RateCheck("key:k", 10, 0),
                new AdmitRequest.RateCheck("team:t", 1, 0));
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000));
        admit("a", 0, budgets, rates, 0, 100);

        AdmitResult b = admit("b", 1_000, budgets, rates, 0, 100);

        assertThat(b.outcome()).isEqualTo(AdmitResult.Outcome.REQUESTS_LIMITED);
        assertThat(b.refusedKey()).isEqualTo("team:t");
        assertThat(b.retryAfterMillis()).isEqualTo(59_000);
        assertThat(b.budgets()).containsExactly(new BudgetState("team:t@0", 1000, 0, 100));
        assertThat(b.rates()).containsExactly(new RateState("key:k", 10, 9, 5_000, 0, 0, 0),
                new RateState("team:t", 1, 0, 59_000, 0, 0, 0));
    }

    @Test
    void tokensAreTakenAtTheEstimateAndSettledToTheActual() {
        List<AdmitRequest.RateCheck> tpm = List.of(new AdmitRequest.RateCheck("team:t", 0, 1000));

        AdmitResult a = admit("a", 0, List.of(), tpm, 800, 0);
        AdmitResult tooMany = admit("b", 0, List.of(), tpm, 800, 0);
        settle("a", 0, 0, 100);
        AdmitResult afterSettle = admit("c", 0, List.of(), tpm, 800, 0);
        AdmitResult larger = admit("d", 0, List.of(), tpm, 1001, 0);

        assertThat(a.rates().get(0).tokensRemaining()).isEqualTo(200);
        assertThat(tooMany.outcome()).isEqualTo(AdmitResult.Outcome.TOKENS_LIMITED);
        assertThat(tooMany.retryAfterMillis()).isEqualTo(36_000);
        assertThat(afterSettle.admitted()).as("700 unused tokens given back").isTrue();
        assertThat(larger.retryAfterMillis()).as("larger than the limit: never").isEqualTo(-1);
    }

    @Test
    void aCallThatUsedMoreTokensThanItReservedTakesTheExcessFromTheBucket() {
        List<AdmitRequest.RateCheck> tpm = List.of(new AdmitRequest.RateCheck("team:t", 0, 1000));
        admit("a", 0, List.of(), tpm, 800, 0);

        settle("a", 0, 0, 1_500);
        AdmitResult next = admit("b", 0, List.of(), tpm, 1, 0);
        AdmitResult later = admit("c", 30_600, List.of(), tpm, 1, 0);

        assertThat(next.outcome()).as("the bucket is 500 tokens in debt").isEqualTo(AdmitResult.Outcome.TOKENS_LIMITED);
        assertThat(next.retryAfterMillis()).isEqualTo(30_060);
        assertThat(next.rates()).containsExactly(new RateState("team:t", 0, 0, 0, 1000, 0, 90_000));
        assertThat(later.admitted()).isTrue();
    }

    @Test
    void resetStartsThePeriodAgainAndRestoreOnlyFillsAnUnknownCounter() {
        store.restore("t", "team:t@0", 700).toCompletableFuture().join();
        store.restore("t", "team:t@0", 50).toCompletableFuture().join();
        assertThat(read("team:t@0").spentNanos()).isEqualTo(700);

        store.reset("t", "team:t@0").toCompletableFuture().join();

        assertThat(read("team:t@0").spentNanos()).isZero();
        store.restore("t", "team:t@0", 50).toCompletableFuture().join();
        assertThat(read("team:t@0").spentNanos()).as("a reset counter is known").isZero();
    }

    @Test
    void anAbsentCounterReadsAsZero() {
        assertThat(store.read("t", List.of("team:t@0", "key:k@0"), 0).toCompletableFuture().join())
                .containsExactly(new BudgetState("team:t@0", 0, 0, 0), new BudgetState("key:k@0", 0, 0, 0));
    }

    @Test
    void amountsUpToTheLargestBudgetAreExact() {
        long limit = Nanos.ofUsd(Nanos.MAX_USD);
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", limit));

        assertThat(admit("a", 0, budgets, List.of(), 0, limit - 1).admitted()).isTrue();
        assertThat(admit("b", 0, budgets, List.of(), 0, 2).admitted()).isFalse();
        assertThat(admit("c", 0, budgets, List.of(), 0, 1).admitted()).isTrue();
        SettleResult s = settle("a", 1, limit - 3, 0);

        assertThat(s.changes()).containsExactly(new SettleResult.Change("team:t@0", limit, 0, limit - 3));
        assertThat(read("team:t@0")).isEqualTo(new BudgetState("team:t@0", limit, limit - 3, 1));
    }

    @Test
    void teamsDoNotShareCounters() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:x@0", 100));
        store.admit(new AdmitRequest("a", "t", 0, 60_000, budgets, List.of(), new long[] {100}, 0))
                .toCompletableFuture().join();

        AdmitResult other = store.admit(new AdmitRequest("a", "u", 0, 60_000, budgets, List.of(), new long[] {100},
                0)).toCompletableFuture().join();

        assertThat(other.admitted()).isTrue();
    }

    @Test
    void concurrentCallsNeverOverspendAHardBudget() throws Exception {
        long limit = 1_000_000;
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", limit), hard("app:t/w@0", limit / 2));
        AtomicLong settled = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int thread = 0; thread < 8; thread++) {
            int t = thread;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < concurrentCallsPerThread(); i++) {
                    String id = t + "-" + i;
                    long amount = 100 + (i * 37 + t) % 900;
                    if (admit(id, 0, budgets, List.of(), 0, amount).admitted()) {
                        long actual = amount * ((i + t) % 11) / 10;
                        settle(id, 0, actual, 0);
                        settled.addAndGet(actual);
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();

        assertThat(settled.get()).isLessThanOrEqualTo(limit / 2);
        assertThat(read("app:t/w@0")).isEqualTo(new BudgetState("app:t/w@0", limit / 2, settled.get(), 0));
        assertThat(limit / 2 - settled.get()).as("nothing is left that a call could still use").isLessThan(1000);
    }

    /** Calls per thread in {@link #concurrentCallsNeverOverspendAHardBudget}. */
    protected int concurrentCallsPerThread() {
        return 2_000;
    }
}
