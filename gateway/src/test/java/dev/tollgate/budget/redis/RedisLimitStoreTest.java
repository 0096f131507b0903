package dev.tollgate.budget.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.LimitStoreContract;
import dev.tollgate.budget.SettleRequest;
import io.lettuce.core.cluster.SlotHash;

/** The Redis store against the {@link LimitStoreContract} on a real redis-server; and its key layout and expiry. */
class RedisLimitStoreTest extends LimitStoreContract {

    private static EmbeddedRedis redis;
    private static RedisLimitStore shared;

    @BeforeAll
    static void startRedis() {
        redis = EmbeddedRedis.start();
        shared = new RedisLimitStore(redis.url(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stopRedis() {
        shared.close();
        redis.close();
    }

    @Override
    protected LimitStore newStore() {
        redis.with(c -> c.flushall());
        return shared;
    }

    @Override
    protected int concurrentCallsPerThread() {
        return 500;
    }

    @Test
    void everyKeyOfATeamCarriesItsHashTagAndExpiresAfterItsUse() {
        long now = 1_764_547_200_000L;
        long periodEnd = now + 3_600_000;
        List<AdmitRequest.BudgetCheck> budgets = List.of(
                new AdmitRequest.BudgetCheck("team:t@1764547200", 1_000, BudgetMode.HARD, periodEnd),
                new AdmitRequest.BudgetCheck("key:k@0", 1_000, BudgetMode.SOFT, 0));
        List<AdmitRequest.RateCheck> rates = List.of(new AdmitRequest.RateCheck("key:k", 2, 1_000));
        store.admit(new AdmitRequest("a", "t", now, 60_000, budgets, rates, new long[] {100}, 500))
                .toCompletableFuture().join();

        List<String> keys = redis.with(c -> c.keys("*"));
        assertThat(keys).containsExactlyInAnyOrder("tollgate:{t}:b:team:t@1764547200", "tollgate:{t}:b:key:k@0",
                "tollgate:{t}:r:key:k", "tollgate:{t}:res", "tollgate:{t}:exp");
        assertThat(keys).allSatisfy(k -> assertThat(SlotHash.getSlot(k)).isEqualTo(SlotHash.getSlot("{t}")));
        assertThat(pttl("tollgate:{t}:b:team:t@1764547200")).as("a day after the period ends")
                .isBetween(3_600_000 + RedisLimitStore.COUNTER_GRACE_MILLIS - 5_000,
                        3_600_000 + RedisLimitStore.COUNTER_GRACE_MILLIS);
        assertThat(pttl("tollgate:{t}:b:key:k@0")).as("a lifetime budget's counter").isEqualTo(-1);
        assertThat(pttl("tollgate:{t}:r:key:k")).as("30 s until the requests bucket is full, then a minute")
                .isBetween(90_000L - 5_000, 90_000L);
        assertThat(pttl("tollgate:{t}:res")).as("kept while a counter it reserves on lives: for ever").isEqualTo(-1);

        store.settle(new SettleRequest("a", "t", now + 10, 80, 400)).toCompletableFuture().join();

        long inFlight = redis.with(c -> c.exists("tollgate:{t}:res", "tollgate:{t}:exp"));
        assertThat(inFlight).as("no call in flight").isZero();
    }

    @Test
    void reservationRecordsOfPeriodicBudgetsExpireWithTheirCounters() {
        long now = 10_000;
        List<AdmitRequest.BudgetCheck> budgets = List.of(
                new AdmitRequest.BudgetCheck("team:t@0", 1_000, BudgetMode.HARD, now + 1_000));
        store.admit(new AdmitRequest("a", "t", now, 3_600_000, budgets, List.of(), new long[] {100}, 0))
                .toCompletableFuture().join();

        long counter = pttl("tollgate:{t}:b:team:t@0");
        assertThat(counter).isBetween(RedisLimitStore.COUNTER_GRACE_MILLIS + 1_000 - 5_000,
                RedisLimitStore.COUNTER_GRACE_MILLIS + 1_000);
        assertThat(pttl("tollgate:{t}:res")).isGreaterThanOrEqualTo(counter - 5_000);
        assertThat(pttl("tollgate:{t}:exp")).isGreaterThanOrEqualTo(counter - 5_000);
    }

    @Test
    void scriptsAreSentAgainWhenRedisHasForgottenThem() {
        List<AdmitRequest.BudgetCheck> budgets = List.of(hard("team:t@0", 1_000));
        assertThat(admit("a", 0, budgets, List.of(), 0, 400).admitted()).isTrue();

        redis.with(c -> c.scriptFlush());

        assertThat(admit("b", 0, budgets, List.of(), 0, 400).admitted()).isTrue();
        assertThat(read("team:t@0")).isEqualTo(new BudgetState("team:t@0", 1_000, 0, 800));
    }

    private static long pttl(String key) {
        return redis.with(c -> c.pttl(key));
    }
}
