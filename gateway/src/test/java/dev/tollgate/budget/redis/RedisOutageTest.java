package dev.tollgate.budget.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.ResilientLimitStore;
import dev.tollgate.budget.SettleRequest;

/** Redis stopped and started again under the resilient store: fail-open admits locally at once, then Redis is back. */
class RedisOutageTest {

    /** Long enough that a step refused at once is told apart from one that waited for the timeout, on a busy machine. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final EmbeddedRedis redis = EmbeddedRedis.start();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final ResilientLimitStore store = new ResilientLimitStore(
            new RedisLimitStore(redis.url(), TIMEOUT), ResilientLimitStore.Policy.FAIL_OPEN,
            TIMEOUT, new BigDecimal("0.5"), (operation, e) -> errors.add(operation), Clock.systemUTC());

    @AfterEach
    void stop() throws Exception {
        store.close();
        redis.close();
    }

    private AdmitResult admit(String id) {
        return store.admit(new AdmitRequest(id, "t", 0, 60_000, List.of(new AdmitRequest.BudgetCheck("team:t@0",
                1_000, BudgetMode.HARD)), List.of(), new long[] {100}, 0)).toCompletableFuture().join();
    }

    @Test
    void whileRedisIsDownCallsPassAgainstTheLocalShareAtOnceAndRedisServesAgainWhenItIsBack() {
        // connected and its scripts loaded, as a gateway's store is once it takes traffic
        await().atMost(Duration.ofSeconds(10)).until(() -> store.ping().toCompletableFuture().handle((x, e) -> e == null)
                .join());
        assertThat(admit("a").budgets()).containsExactly(new BudgetState("team:t@0", 1_000, 0, 100));

        redis.stop();
        long started = System.nanoTime();
        AdmitResult local = admit("b");
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(local.budgets()).as("half of the limit, counted here").containsExactly(
                new BudgetState("team:t@0", 500, 0, 100));
        assertThat(millis).as("no wait for the 2 s timeout: the connection refuses at once").isLessThan(1_000);
        assertThat(errors).containsExactly("admit");
        assertThat(store.status().up()).isFalse();

        redis.startAgain(); // empty: the old counters are gone, and the scripts must be sent again
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> store.ping().toCompletableFuture().handle((x, e) -> e == null).join());
        store.settle(new SettleRequest("b", "t", 1, 70, 0)).toCompletableFuture().join();

        assertThat(admit("c").budgets()).containsExactly(new BudgetState("team:t@0", 1_000, 0, 100));
        assertThat(store.status().up()).isTrue();
    }

    @Test
    void aStoreCreatedWhileRedisIsDownConnectsOnceItIsUp() {
        redis.stop();
        assertThat(store.ping().toCompletableFuture().handle((x, e) -> e).join()).isNotNull();

        redis.startAgain();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> store.ping().toCompletableFuture().handle((x, e) -> e == null).join());
        assertThat(admit("a").admitted()).isTrue();
    }
}
