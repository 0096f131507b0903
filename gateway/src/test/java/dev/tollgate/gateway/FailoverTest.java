package dev.tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.auth.Principal;
import dev.tollgate.config.TollgateProperties;
import dev.tollgate.config.TollgateProperties.BackendResilience;
import dev.tollgate.it.MutableClock;
import dev.tollgate.metering.Attempt;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.pricing.TaskFamily;
import dev.tollgate.providers.Backend;
import dev.tollgate.wire.Codecs;
import dev.tollgate.call.WireFormat;
import dev.tollgate.providers.UpstreamCall;
import dev.tollgate.providers.UpstreamHandler;
import dev.tollgate.resilience.BackendGuard;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Health;
import dev.tollgate.routing.Offering;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link Failover} below HTTP, on virtual time: fake backends answer per model, and the test moves the clock that
 * both Reactor's timers and the failover's nano clock read. Providers {@code a} and {@code b} have fake backends
 * (any model; {@code c} has none); each has a first-byte timeout of 10 s, four concurrent calls, and one probe when
 * half-open.
 */
class FailoverTest {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TokenCounter TOKENS = new TokenCounter();
    private static final int MAX_CONCURRENT = 4;
    private static final Duration FIRST_BYTE_TIMEOUT = Duration.ofSeconds(10);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final MutableClock clock = new MutableClock(NOW);
    private final FakeBackend a = new FakeBackend("a");
    private final FakeBackend b = new FakeBackend("b");
    private final BackendGuards guards = new BackendGuards(new TollgateProperties.Resilience(null, null, null, null),
            Map.of("a", provider(), "b", provider(), "c", provider()), clock);
    private final MockServerHttpResponse response = new MockServerHttpResponse();
    private CallRecord call;

    // ------------------------------------------------------------------ which candidate comes next

    @Test
    void aProviderWideFailureSendsTheNextAttemptToAnotherProvider() {
        a.answer("a1", Answer.refused());

        verify(decision(candidate("a", "a1"), candidate("a", "a2"), candidate("a", "a3"), candidate("b", "b1")),
                false)
                .assertNext(buffer -> assertThat(text(buffer)).contains("from b1"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:connect_error", "b/b1:success");
        assertThat(a.called).containsExactly("a1");
        assertThat(response.getHeaders().getFirst(Headers.ROUTE))
                .endsWith("; attempt=2; failed_over=a/a1:connect_error");
        assertThat(guards.guard("a", "a1").providerBreaker().getMetrics().getNumberOfFailedCalls()).isOne();
        assertPermitsBack();
    }

    @Test
    void aFailureOfOneModelTriesTheSameProvidersNextModel() {
        a.answer("a1", Answer.http(200, "application/json", "{\"choices\": [ not json"));

        verify(decision(candidate("a", "a1"), candidate("a", "a2"), candidate("b", "b1")), false)
                .assertNext(buffer -> assertThat(text(buffer)).contains("from a2"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:bad_response", "a/a2:success");
        assertPermitsBack();
    }

    @Test
    void whenEveryProviderHasFailedOnceTheFirstOnesOtherModelsAreStillTried() {
        a.answer("a1", Answer.http(500, "application/json", "{\"error\":{\"message\":\"down\"}}"));
        b.answer("b1", Answer.http(503, "application/json", "{\"error\":{\"message\":\"down\"}}"));

        verify(decision(candidate("a", "a1"), candidate("a", "a2"), candidate("b", "b1"), candidate("b", "b2")),
                false)
                .assertNext(buffer -> assertThat(text(buffer)).contains("from a2"))
                .verifyComplete();

        // a failed first, so its models were at the back; then b failed and went behind them
        assertThat(attempts()).containsExactly("a/a1:http_5xx", "b/b1:http_5xx", "a/a2:success");
        assertPermitsBack();
    }

    @Test
    void aHangingProviderCostsOneFirstByteTimeoutNotOnePerModel() {
        a.answer("a1", Answer.hang());
        a.answer("a2", Answer.hang());

        verify(decision(candidate("a", "a1"), candidate("a", "a2"), candidate("b", "b1")), false)
                .expectSubscription()
                .expectNoEvent(FIRST_BYTE_TIMEOUT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(buffer -> assertThat(text(buffer)).contains("from b1"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:timeout", "b/b1:success");
        assertPermitsBack();
    }

    // ------------------------------------------------------------------ races between threads

    @Test
    void anAnswerThatRacesTheFirstByteTimeoutTouchesNeitherTheCallNorTheResponse() {
        // The answer arrives while the timeout is cancelling the attempt (on an event loop, in reality): the relay
        // runs inside that cancel, after the timeout has won, before failover moves on.
        a.answer("a1", Answer.answersWhenCancelled(ok("late a1", 100, 50)));
        b.answer("b1", Answer.after(Duration.ofSeconds(1), Answer.http(200, "application/json", ok("b1", 10, 5))));

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), false)
                .expectSubscription()
                .thenAwait(FIRST_BYTE_TIMEOUT.plusSeconds(1))
                .assertNext(buffer -> assertThat(text(buffer)).contains("from b1"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:timeout", "b/b1:success");
        assertThat(call.usage().inputTokens()).isEqualTo(10);
        assertThat(call.firstByteNanos()).as("b1's answer, at 11 s").isEqualTo(Duration.ofSeconds(11).toNanos());
        assertThat(response.getHeaders().getContentLength()).isEqualTo(ok("b1", 10, 5).length());
        assertThat(response.getHeaders().getFirst(Headers.PROVIDER)).isEqualTo("b");
        assertThat(guards.guard("a", "a1").breaker().getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertPermitsBack();
    }

    @Test
    void anAnswerThatBeatsTheTimeoutCommitsTheCallAndTheTimeoutNeverFires() {
        a.answer("a1", Answer.after(FIRST_BYTE_TIMEOUT.minusMillis(1),
                Answer.http(200, "application/json", ok("a1", 10, 5))));

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), false)
                .expectSubscription()
                .thenAwait(FIRST_BYTE_TIMEOUT)
                .assertNext(buffer -> assertThat(text(buffer)).contains("from a1"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:success");
        assertThat(b.called).isEmpty();
        assertPermitsBack();
    }

    @Test
    void aCancelBeforeTheNextAttemptIsSubscribedReturnsItsPermits() {
        halfOpenWithOneProbe("b", "b1");
        a.answer("a1", Answer.refused());
        AtomicReference<Subscription> client = new AtomicReference<>();
        // the client goes away after b1's permits are taken, before its attempt is subscribed
        b.answer("b1", Answer.cancelling(client));

        run(decision(candidate("a", "a1"), candidate("b", "b1")), false).subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                client.set(s);
                s.request(Long.MAX_VALUE);
            }
        });

        assertThat(attempts()).containsExactly("a/a1:connect_error", "b/b1:cancelled");
        assertPermitsBack();
        assertThat(guards.guard("b", "b1").tryAcquire()).as("b1's half-open probe permit came back").isNull();
    }

    @Test
    void aCancelWhileAnAttemptWaitsReturnsItsPermits() {
        halfOpenWithOneProbe("a", "a1");
        a.answer("a1", Answer.hang());

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), false)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(3))
                .thenCancel()
                .verify();

        assertThat(attempts()).containsExactly("a/a1:cancelled");
        assertThat(b.called).isEmpty();
        assertPermitsBack();
        assertThat(guards.guard("a", "a1").tryAcquire()).as("a1's half-open probe permit came back").isNull();
    }

    @Test
    void anExceptionWhileBuildingTheAttemptReturnsItsPermits() {
        halfOpenWithOneProbe("c", "c1");

        // no backend is configured for provider c: building its attempt throws after the permits were taken
        verify(decision(candidate("c", "c1"), candidate("b", "b1")), false)
                .verifyErrorMessage("no backend 'c' for a candidate");

        assertPermitsBack();
        assertThat(guards.guard("c", "c1").tryAcquire()).as("c1's half-open probe permit came back").isNull();
    }

    @Test
    void aBackendThatThrowsInsteadOfAnsweringIsAFailedAttemptAndReturnsItsPermits() {
        a.answer("a1", Answer.throwing());

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), false)
                .assertNext(buffer -> assertThat(text(buffer)).contains("from b1"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:connect_error", "b/b1:success");
        assertPermitsBack();
    }

    // ------------------------------------------------------------------ streams

    @Test
    void keepAliveCommentsAreNotAFirstByte() {
        a.answer("a1", Answer.stream(Flux.just(": keep-alive\n\n", ": keep-alive\n\n").concatWith(Flux.never())));
        b.answer("b1", Answer.stream(Flux.just("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n",
                "data: [DONE]\n\n")));

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), true)
                .expectSubscription()
                .thenAwait(FIRST_BYTE_TIMEOUT)
                .assertNext(buffer -> assertThat(text(buffer)).startsWith("data: {\"choices\""))
                .assertNext(buffer -> assertThat(text(buffer)).isEqualTo("data: [DONE]\n\n"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:timeout", "b/b1:success");
        assertThat(response.getHeaders().getFirst(Headers.PROVIDER)).isEqualTo("b");
        assertPermitsBack();
    }

    @Test
    void aStreamThatEndsWithoutDoneAfterItsFirstEventEndsWithAnErrorEvent() {
        a.answer("a1", Answer.stream(Flux.just("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n")));

        verify(decision(candidate("a", "a1"), candidate("b", "b1")), true)
                .assertNext(buffer -> assertThat(text(buffer)).contains("\"hi\""))
                .assertNext(buffer -> assertThat(text(buffer)).contains("upstream_stream_interrupted"))
                .verifyComplete();

        assertThat(attempts()).containsExactly("a/a1:stream_interrupted");
        assertThat(b.called).isEmpty();
        assertPermitsBack();
    }

    // ------------------------------------------------------------------ helpers

    private StepVerifier.FirstStep<DataBuffer> verify(Decision.Routed decision, boolean stream) {
        return StepVerifier.withVirtualTime(() -> run(decision, stream), () -> time, Long.MAX_VALUE);
    }

    private Flux<DataBuffer> run(Decision.Routed decision, boolean stream) {
        call = new CallRecord("req-1", NOW, time.now(TimeUnit.NANOSECONDS), new Principal("k", "team", "app"));
        call.request(ChatRequest.parse(("{\"model\":\"auto\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(UTF_8), MAPPER));
        Failover.Context context = new Failover.Context(Map.of("a", a, "b", b), guards, new Codecs(MAPPER),
                TOKENS, 1 << 20, new GatewayMetrics(new SimpleMeterRegistry()), 3,
                Duration.ofSeconds(300), clock, () -> time.now(TimeUnit.NANOSECONDS));
        return new Failover(context, call, decision, response).body();
    }

    private List<String> attempts() {
        List<String> out = new ArrayList<>();
        for (Attempt x : call.attempts()) {
            out.add(x.provider() + "/" + x.model() + ":" + x.outcome().label());
        }
        return out;
    }

    /** Every bulkhead slot is free again and no breaker holds a call it never recorded. */
    private void assertPermitsBack() {
        guards.bulkheads().getAllBulkheads().forEach(bulkhead -> assertThat(bulkhead.getMetrics()
                .getAvailableConcurrentCalls()).as("free slots of %s", bulkhead.getName()).isEqualTo(MAX_CONCURRENT));
    }

    /** Puts the offering's breaker (and its provider's) half-open with a single probe allowed. */
    private void halfOpenWithOneProbe(String provider, String model) {
        BackendGuard guard = guards.guard(provider, model);
        for (CircuitBreaker breaker : List.of(guard.breaker(), guard.providerBreaker())) {
            breaker.transitionToOpenState();
            breaker.transitionToHalfOpenState();
        }
    }

    private static TollgateProperties.Provider provider() {
        return new TollgateProperties.Provider("openai", "http://127.0.0.1:1/v1", "k", null, null, null, null, null,
                null, new BackendResilience(FIRST_BYTE_TIMEOUT, null, null, MAX_CONCURRENT, null, null, null, null,
                        null, null, 1, new TollgateProperties.ProviderBreaker(null, null, null, null, 1)), null, null, null);
    }

    private static Candidate candidate(String provider, String model) {
        PriceRow row = new PriceRow(provider + "/" + model + "@2026-01-01", Instant.parse("2026-01-01T00:00:00Z"),
                "test", new BigDecimal("1.00"), null, null, new BigDecimal("2.00"));
        PricedModel priced = new PricedModel(provider, model, 128_000, 16_384, Set.of(Capability.STREAMING), Map.of(),
                List.of(row), "test.yaml", 1);
        return new Candidate(new Offering(provider, priced), row, 1_000, 80, Health.UNMEASURED);
    }

    private static Decision.Routed decision(Candidate... candidates) {
        return new Decision.Routed("auto", Arrays.asList(candidates), List.of(), "auto", TaskFamily.GENERAL, 0, 10,
                100, "a1", null);
    }

    private static String ok(String content, int prompt, int completion) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"from " + content + "\"},\"finish_reason\":\"stop\"}],\"usage\":{"
                + "\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
                + (prompt + completion) + "}}";
    }

    private static String text(DataBuffer buffer) {
        return buffer.toString(UTF_8);
    }

    /** What a fake backend does with one call. */
    interface Answer {

        <T> Flux<T> run(UpstreamHandler<T> handler);

        static Answer http(int status, String contentType, String body) {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Flux.defer(() -> handler.handle(status, contentType, null, Flux.just(body.getBytes(UTF_8))));
                }
            };
        }

        static Answer stream(Flux<String> events) {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Flux.defer(() -> handler.handle(200, "text/event-stream", null,
                            events.map(e -> e.getBytes(UTF_8))));
                }
            };
        }

        static Answer after(Duration delay, Answer answer) {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Mono.delay(delay).thenMany(Flux.defer(() -> answer.run(handler)));
                }
            };
        }

        static Answer refused() {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Flux.error(new ConnectException("Connection refused"));
                }
            };
        }

        static Answer hang() {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Flux.never();
                }
            };
        }

        /** Throws from {@code exchange} itself instead of returning a flux. */
        static Answer throwing() {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    throw new IllegalStateException("the backend failed to build its request");
                }
            };
        }

        /** Never answers in time; its answer is handled while the attempt is being cancelled. */
        static Answer answersWhenCancelled(String body) {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    return Flux.<T>never().doOnCancel(() -> handler.handle(200, "application/json", null,
                            Flux.just(body.getBytes(UTF_8))).subscribe());
                }
            };
        }

        /** Cancels the client's subscription while the attempt is being subscribed. */
        static Answer cancelling(AtomicReference<Subscription> client) {
            return new Answer() {
                @Override
                public <T> Flux<T> run(UpstreamHandler<T> handler) {
                    client.get().cancel();
                    return Flux.never();
                }
            };
        }
    }

    /** A backend whose answer per model the test sets (200 with "from &lt;model&gt;" by default). */
    static final class FakeBackend implements Backend {

        final String id;
        final Map<String, Answer> answers = new ConcurrentHashMap<>();
        final List<String> called = new CopyOnWriteArrayList<>();

        FakeBackend(String id) {
            this.id = id;
        }

        void answer(String model, Answer answer) {
            answers.put(model, answer);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String priceTable() {
            return id;
        }

        @Override
        public WireFormat format() {
            return WireFormat.OPENAI_CHAT;
        }

        @Override
        public boolean simulated() {
            return false;
        }

        @Override
        public <T> Flux<T> exchange(UpstreamCall upstream, UpstreamHandler<T> handler) {
            String model = upstream.upstreamModel();
            called.add(model);
            return answers.getOrDefault(model, Answer.http(200, "application/json", ok(model, 10, 5))).run(handler);
        }
    }
}
