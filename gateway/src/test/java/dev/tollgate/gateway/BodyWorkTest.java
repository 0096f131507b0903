package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import dev.tollgate.api.GatewayException;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

class BodyWorkTest {

    private final BodyWork work = new BodyWork(16 * 1024, 1, 1);
    private final MockServerHttpRequest request = MockServerHttpRequest.post("/v1/chat/completions").build();

    @AfterEach
    void close() {
        work.close();
    }

    @Test
    void aSmallBodyIsWorkedOnTheCallersThreadALargeOneOnAWorker() {
        String caller = Thread.currentThread().getName();

        StepVerifier.create(work.run(request, 16 * 1024, () -> Thread.currentThread().getName()))
                .expectNext(caller).verifyComplete();
        StepVerifier.create(work.run(request, 16 * 1024 + 1, () -> Thread.currentThread().getName()))
                .assertNext(thread -> assertThat(thread).startsWith("tollgate-body")).verifyComplete();
    }

    @Test
    void largeBodiesPastTheWorkersAndTheirQueueAreRefusedWith503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch working = new CountDownLatch(1);
        Disposable busy = work.run(request, 1_000_000, () -> {
            working.countDown();
            return release.await(10, TimeUnit.SECONDS);
        }).subscribe();
        assertThat(working.await(5, TimeUnit.SECONDS)).isTrue();
        Disposable queued = work.run(request, 1_000_000, () -> true).subscribe();

        StepVerifier.create(work.run(request, 1_000_000, () -> true))
                .expectErrorSatisfies(e -> {
                    GatewayException g = (GatewayException) e;
                    assertThat(g.error().status()).isEqualTo(503);
                    assertThat(g.error().code()).isEqualTo("server_busy");
                    assertThat(g.retryAfter()).isEqualTo("1");
                })
                .verify(Duration.ofSeconds(5));
        release.countDown();
        busy.dispose();
        queued.dispose();
    }
}
