package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InMemoryLimitStoreTest {

    private final InMemoryLimitStore store = new InMemoryLimitStore();

    private static AdmitRequest.BudgetCheck hard(String key, long limit) {
        return new AdmitRequest.BudgetCheck(key, limit, BudgetMode.HARD);
    }

    private AdmitResult admit(String id, long now, List<AdmitRequest.BudgetCheck> budgets,
            List<AdmitRequest.RateCheck> rates, long tokens, long... amounts) {
        return store.admit(new AdmitRequest(id, "t", now, 60_000, budgets, rates, amounts, tokens))
                .toCompletableFuture().join();
    }

    private SettleResult settle(String id, long now, long actual, long tokens) {
        return store.settle(new SettleRequest(id, "t", now, actual, tokens)).toCompletableFuture().join();
    }

    @Test
    void aCallIsAdmittedOnlyWhenEveryHardBudgetFitsAndARefusalChangesNothing() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1000), hard("key:k@0", 300));

        AdmitResult first = admit("a", 0, budgets, List.of(), 0, 200);
        AdmitResult second = admit("b", 0, budgets, List.of(), 0, 200);

        assertThat(first.admitted()).isTrue();
        assertThat(second.outcome()).isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
        assertThat(second.refusedKey()).isEqualTo("key:k@0");
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
    void aReservationNeverSettledIsReleasedAfterItsTtl() {
        admit("a", 0, List.of(hard("team:t@0", 1000)), List.of(), 0, 1000);

        assertThat(admit("b", 59_999, List.of(hard("team:t@0", 1000)), List.of(), 0, 1).admitted()).isFalse();
        assertThat(admit("c", 60_000, List.of(hard("team:t@0", 1000)), List.of(), 0, 1000).admitted()).isTrue();
        assertThat(settle("a", 60_001, 500, 0)).as("too late: released").isEqualTo(SettleResult.NONE);
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
        assertThat(c.retryAfterMillis()).isEqualTo(30_000);
        assertThat(d.admitted()).as("one request back after half a minute").isTrue();
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
    void resetStartsThePeriodAgainAndRestoreOnlyFillsAnUnknownCounter() {
        store.restore("t", "team:t@0", 700);
        store.restore("t", "team:t@0", 50);
        assertThat(read("team:t@0").spentNanos()).isEqualTo(700);

        store.reset("t", "team:t@0");

        assertThat(read("team:t@0").spentNanos()).isZero();
    }

    @ParameterizedTest(name = "{0} at {1} in {2}: {3} .. {4}")
    @CsvSource({
        "DAILY,   2026-11-15T23:30:00Z, Europe/Berlin, 2026-11-15T23:00:00Z, 2026-11-16T23:00:00Z",
        "WEEKLY,  2026-11-15T12:00:00Z, UTC,           2026-11-09T00:00:00Z, 2026-11-16T00:00:00Z",
        "MONTHLY, 2026-11-30T23:59:59Z, UTC,           2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
        "MONTHLY, 2026-03-31T22:30:00Z, Europe/Berlin, 2026-03-31T22:00:00Z, 2026-04-30T22:00:00Z"})
    void periodsFollowTheCalendarOfTheTimeZone(BudgetPeriod period, Instant now, String zone, Instant start,
            Instant end) {
        BudgetPeriod.Window w = period.window(now, ZoneId.of(zone));

        assertThat(w.start()).isEqualTo(start);
        assertThat(w.end()).isEqualTo(end);
        assertThat(w.key()).isEqualTo(Long.toString(start.getEpochSecond()));
        assertThat(BudgetPeriod.NONE.window(now, ZoneOffset.UTC)).isEqualTo(new BudgetPeriod.Window(Instant.EPOCH,
                null));
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
                for (int i = 0; i < 2_000; i++) {
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

    private BudgetState read(String key) {
        return store.read("t", List.of(key), 0).toCompletableFuture().join().get(0);
    }
}
