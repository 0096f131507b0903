package dev.tollgate.budget.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.InMemoryLimitStore;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.SettleRequest;
import dev.tollgate.budget.SettleResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The same random steps on the in-memory store and on Redis give the same results, step by step: admissions over
 * several budgets (hard, soft, shadow) and rate limits with several amounts and a flexible minimum, re-admissions,
 * settles above and below the reservation (tokens too), reads, resets, restores, and time passing reservations' ttl
 * (expiry charges, late settles). The in-memory store is
 * the reference whose invariants {@code ReservationProperties} checks.
 */
class RedisDifferentialProperties {

    private static final long TTL = 60_000;
    private static final AtomicInteger TRIES = new AtomicInteger();

    private static EmbeddedRedis redis;
    private static RedisLimitStore shared;

    @BeforeContainer
    static void startRedis() {
        redis = EmbeddedRedis.start();
        shared = new RedisLimitStore(redis.url(), Duration.ofSeconds(2));
    }

    @AfterContainer
    static void stopRedis() {
        shared.close();
        redis.close();
    }

    /** One step, its fields drawn from eight numbers (so jqwik shrinks each independently). */
    record Op(List<Integer> n) {
        int kind() {
            return n.get(0) % 10;
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Arbitraries.integers().between(0, 1_000_000).list().ofSize(8).map(Op::new).list().ofMinSize(20)
                .ofMaxSize(80);
    }

    @Property(tries = 100)
    void redisGivesTheInMemoryStoresResultsStepByStep(@ForAll("ops") List<Op> ops,
            @ForAll @LongRange(min = 1, max = 10_000) long teamLimit,
            @ForAll @LongRange(min = 1, max = 5_000) long keyLimit,
            @ForAll @LongRange(min = 1, max = 5) long rpm,
            @ForAll @LongRange(min = 1, max = 3_000) long tpm) {
        String team = "d" + TRIES.incrementAndGet();
        LimitStore memory = new InMemoryLimitStore();
        List<AdmitRequest.BudgetCheck> allBudgets = List.of(
                new AdmitRequest.BudgetCheck("team:" + team + "@0", teamLimit, BudgetMode.HARD, 7_200_000),
                new AdmitRequest.BudgetCheck("key:k@0", keyLimit, BudgetMode.HARD, 0),
                new AdmitRequest.BudgetCheck("app:" + team + "/w@0", keyLimit / 2, BudgetMode.SOFT, 0),
                new AdmitRequest.BudgetCheck("team:shadow@0", teamLimit / 3, BudgetMode.SHADOW, 0));
        List<AdmitRequest.RateCheck> allRates = List.of(new AdmitRequest.RateCheck("key:k", rpm, tpm),
                new AdmitRequest.RateCheck("team:" + team, rpm * 2, 0),
                new AdmitRequest.RateCheck("key:tokens-only", 0, tpm / 2 + 1));
        long now = 1_000;
        for (Op op : ops) {
            List<Integer> n = op.n();
            String id = "call-" + n.get(1) % 8;
            switch (op.kind()) {
                case 0, 1, 2, 3 -> {
                    List<AdmitRequest.BudgetCheck> budgets = subset(allBudgets, n.get(2));
                    List<AdmitRequest.RateCheck> rates = subset(allRates, n.get(3));
                    long[] amounts = new long[1 + n.get(4) % 3];
                    for (int i = 0; i < amounts.length; i++) {
                        amounts[i] = 1 + (n.get(5) >> (3 * i)) % 3_000;
                    }
                    long tokens = n.get(6) % 1_500;
                    long flexibleMinimum = n.get(7) % 3 == 0 ? 0 : n.get(7) % 2_500;
                    AdmitRequest r = new AdmitRequest(id, team, now, TTL, budgets, rates, amounts, tokens,
                            flexibleMinimum);
                    AdmitResult expected = memory.admit(r).toCompletableFuture().join();
                    assertThat(shared.admit(r).toCompletableFuture().join()).as("admit %s at %d", id, now)
                            .isEqualTo(expected);
                }
                case 4, 5 -> {
                    SettleRequest s = new SettleRequest(id, team, now, n.get(5) % 3_600, n.get(6) % 2_000);
                    SettleResult expected = memory.settle(s).toCompletableFuture().join();
                    assertThat(shared.settle(s).toCompletableFuture().join()).as("settle %s at %d", id, now)
                            .isEqualTo(expected);
                }
                case 6, 7 -> now += n.get(7) % 90_000;
                case 8 -> {
                    List<String> keys = allBudgets.stream().map(AdmitRequest.BudgetCheck::key).toList();
                    List<BudgetState> expected = memory.read(team, keys, now).toCompletableFuture().join();
                    assertThat(shared.read(team, keys, now).toCompletableFuture().join()).as("read at %d", now)
                            .isEqualTo(expected);
                }
                default -> {
                    String key = allBudgets.get(n.get(2) % allBudgets.size()).key();
                    if (n.get(3) % 2 == 0) {
                        memory.reset(team, key).toCompletableFuture().join();
                        shared.reset(team, key).toCompletableFuture().join();
                    } else {
                        memory.restore(team, key, n.get(5) % 1_000).toCompletableFuture().join();
                        shared.restore(team, key, n.get(5) % 1_000).toCompletableFuture().join();
                    }
                }
            }
        }
    }

    private static <T> List<T> subset(List<T> all, int mask) {
        List<T> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            if ((mask >> i & 1) == 1) {
                out.add(all.get(i));
            }
        }
        return out;
    }
}
