package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tollgate.it.FakeUpstream;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;
import reactor.netty.resources.ConnectionProvider;

/**
 * The upstream connection pool as the gateway builds it: calls waiting for a connection are bounded in number and
 * in time, and a refused one fails at once (it becomes a failed attempt, {@code pool_exhausted}, for failover).
 */
class UpstreamPoolTest {

    private final FakeUpstream upstream = FakeUpstream.start();
    private final List<Disposable> calls = new CopyOnWriteArrayList<>();
    private ConnectionProvider pool;

    @AfterEach
    void close() {
        calls.forEach(Disposable::dispose);
        if (pool != null) {
            pool.dispose();
        }
        upstream.close();
    }

    @Test
    void aCallBeyondThePendingLimitIsRefusedAtOnceAndAWaitingOneTimesOut() {
        upstream.behave(FakeUpstream.hang());
        pool = GatewayConfiguration.upstreamConnectionProvider(new TollgateProperties.Limits(null, null, null, null,
                null, null, 1, 1, Duration.ofMillis(700)));
        HttpClient client = HttpClient.create(pool);
        Mono<Integer> call = client.get().uri(upstream.baseUrl() + "/models").response()
                .map(response -> response.status().code());
        List<Throwable> failures = new CopyOnWriteArrayList<>();

        calls.add(call.subscribe()); // holds the only connection: the upstream never answers
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.receivedCount() == 1);
        long start = System.nanoTime();
        calls.add(call.subscribe(status -> { }, failures::add));
        calls.add(call.subscribe(status -> { }, failures::add));

        // one of the two waits (the pending limit is 1), the other is refused without waiting
        await().atMost(Duration.ofSeconds(5)).until(() -> failures.size() == 2);
        assertThat(failures.get(0)).isInstanceOf(PoolAcquirePendingLimitException.class);
        assertThat(failures.get(1)).isInstanceOf(PoolAcquireTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        assertThat(upstream.receivedCount()).isOne();
    }
}
