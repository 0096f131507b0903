package dev.tollgate.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaders;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.tollgate.it.AnthropicAnswer.SseEvent;

/**
 * A fake Anthropic Messages API upstream on a random loopback port, speaking the real wire format: {@code POST
 * /v1/messages} answered as JSON or, when the request asks for {@code "stream": true}, as named server-sent events
 * ({@code event:} and {@code data:} lines, each event flushed as it is sent); {@code POST /v1/messages/count_tokens};
 * errors in Anthropic's shape with a {@code request-id} header. Answers echo the requested {@code model}. Tests set
 * its behaviour per call and read what it received (headers included: {@code x-api-key} or {@code authorization},
 * {@code anthropic-version}, {@code anthropic-beta}). {@link FakeAnthropicTest} proves the official Anthropic Java SDK
 * parses all of it.
 *
 * <p>Thread-safe: requests are served on its own event loops while the test thread reads {@link #take()}.
 */
public final class FakeAnthropic implements AutoCloseable {

    /** What the upstream does with one request. */
    @FunctionalInterface
    public interface Behaviour {
        Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response, byte[] body);

        /** The same behaviour, with one more response header. */
        default Behaviour withHeader(String name, String value) {
            return (req, res, in) -> answer(req, res.header(name, value), in);
        }
    }

    /** One request as the upstream received it: {@code uri} is path and query; {@code atNanos} is System.nanoTime. */
    public record Received(String method, String uri, HttpHeaders headers, String body, long atNanos) {

        /** The path without the query ({@code /v1/messages} for {@code /v1/messages?beta=true}). */
        public String path() {
            return pathOf(uri);
        }

        /** The header's first value, or null. */
        public String header(String name) {
            return headers.get(name);
        }

        public String apiKey() {
            return header("x-api-key");
        }

        public String authorization() {
            return header("authorization");
        }

        public String anthropicVersion() {
            return header("anthropic-version");
        }

        /** The {@code anthropic-beta} header (comma-separated beta names), or null. */
        public String anthropicBeta() {
            return header("anthropic-beta");
        }

        public JsonNode json() {
            return MAPPER.readTree(body);
        }
    }

    /** The model answers name when the request names none. */
    public static final String DEFAULT_MODEL = "claude-fake";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /**
     * Its own event loops, not Reactor Netty's global ones: a gateway context that stops (closed, or paused by the test
     * framework's context cache) disposes the global loops, and must not take the upstream down with it.
     */
    private final LoopResources loops = LoopResources.create("fake-anthropic", 1, 2, true);
    private final DisposableServer server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final AtomicInteger requestIds = new AtomicInteger();
    private volatile Behaviour behaviour = api(AnthropicAnswer.text("Hello!", 10, 5), 10);

    private FakeAnthropic() {
        server = HttpServer.create().runOn(loops).host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            received.add(new Received(req.method().name(), req.uri(), req.requestHeaders().copy(),
                                    new String(body, StandardCharsets.UTF_8), System.nanoTime()));
                            // every API response carries one, errors too; error bodies repeat it as request_id
                            res.header("request-id", String.format("req_fake%08d", requestIds.incrementAndGet()));
                            return Mono.from(behaviour.answer(req, res, body));
                        }))
                .bindNow();
    }

    public static FakeAnthropic start() {
        return new FakeAnthropic();
    }

    /**
     * The base URL as Anthropic's SDKs take it, without {@code /v1} (they append {@code /v1/messages}), like
     * {@code https://api.anthropic.com}.
     */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A loopback base URL where nothing listens: connecting to it is refused. */
    public static String refusedBaseUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    /** Sets the behaviour for every following request and forgets the requests received so far. */
    public void behave(Behaviour next) {
        behaviour = next;
        received.clear();
    }

    /** The next request the upstream received, waiting up to 5 s. */
    public Received take() throws InterruptedException {
        Received r = received.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the upstream received no request");
        }
        return r;
    }

    /** How many requests arrived (and were not taken) since the last {@link #behave}. */
    public int receivedCount() {
        return received.size();
    }

    @Override
    public void close() {
        server.disposeNow();
        loops.disposeLater().block();
    }

    // ------------------------------------------------------------------ answers

    /**
     * The whole API: {@code /v1/messages/count_tokens} counts {@code countedTokens}, {@code /v1/messages} answers
     * {@code answer} as JSON or as a stream (as the request asks), anything else is a 404 {@code not_found_error}.
     */
    public static Behaviour api(AnthropicAnswer answer, long countedTokens) {
        Behaviour messages = answer(answer);
        Behaviour count = countTokens(countedTokens);
        return (req, res, in) -> {
            String path = pathOf(req.uri());
            if (path.equals("/v1/messages/count_tokens")) {
                return count.answer(req, res, in);
            }
            if (path.equals("/v1/messages")) {
                return messages.answer(req, res, in);
            }
            return notFound("Not found: " + path).answer(req, res, in);
        };
    }

    /** {@code answer} as JSON, or streamed (no pause between events) when the request asks for a stream. */
    public static Behaviour answer(AnthropicAnswer answer) {
        return answer(answer, Duration.ZERO);
    }

    /** {@code answer} as JSON, or streamed with {@code interval} between events when the request asks for a stream. */
    public static Behaviour answer(AnthropicAnswer answer, Duration interval) {
        Behaviour whole = message(answer);
        Behaviour streamed = stream(answer, interval);
        return (req, res, in) -> (wantsStream(in) ? streamed : whole).answer(req, res, in);
    }

    /** {@code answer} as a 200 JSON body, whatever the request asks. */
    public static Behaviour message(AnthropicAnswer answer) {
        return (req, res, in) -> json(200, answer.json(model(in))).answer(req, res, in);
    }

    /** {@code answer} streamed, {@code interval} between events, whatever the request asks. */
    public static Behaviour stream(AnthropicAnswer answer, Duration interval) {
        return (req, res, in) -> {
            Flux<String> events = Flux.fromIterable(answer.events(model(in))).map(SseEvent::wire);
            return sseHeaders(res).sendString(interval.isZero() ? events
                    : events.delayElements(interval, Schedulers.parallel()));
        };
    }

    /**
     * Streams the first {@code n} events of {@code answer}, then holds the rest until {@code gate} opens (at most
     * 10 s): a test proves that those events reached the client while the upstream was still holding the others.
     */
    public static Behaviour gatedStream(AnthropicAnswer answer, int n, CountDownLatch gate) {
        return (req, res, in) -> {
            List<SseEvent> events = answer.events(model(in));
            return sseHeaders(res).sendString(Flux.concat(
                    Flux.fromIterable(events.subList(0, n)).map(SseEvent::wire),
                    Mono.fromCallable(() -> gate.await(10, TimeUnit.SECONDS)).subscribeOn(Schedulers.boundedElastic())
                            .thenMany(Flux.fromIterable(events.subList(n, events.size())).map(SseEvent::wire))));
        };
    }

    /** Streams the first {@code n} events of {@code answer}, then breaks the connection: no {@code message_stop}. */
    public static Behaviour cutStream(AnthropicAnswer answer, int n) {
        return (req, res, in) -> sseHeaders(res).sendString(
                Flux.fromIterable(answer.events(model(in)).subList(0, n)).map(SseEvent::wire)
                        .concatWith(Mono.delay(Duration.ofMillis(50))
                                .then(Mono.error(new IllegalStateException("stream cut by the test")))));
    }

    /**
     * Streams the first {@code n} events of {@code answer}, then an {@code error} event in their place (as the API
     * does when it is overloaded mid-stream: the status was already 200) and ends the response.
     */
    public static Behaviour errorMidStream(AnthropicAnswer answer, int n, String errorType, String message) {
        return (req, res, in) -> sseHeaders(res).sendString(
                Flux.fromIterable(answer.events(model(in)).subList(0, n)).map(SseEvent::wire)
                        .concatWithValues(AnthropicAnswer.errorEvent(errorType, message).wire()));
    }

    /** {@link #errorMidStream} with an {@code overloaded_error}. */
    public static Behaviour overloadedMidStream(AnthropicAnswer answer, int n) {
        return errorMidStream(answer, n, "overloaded_error", "Overloaded");
    }

    /** The answer of {@code /v1/messages/count_tokens}: {@code {"input_tokens": n}}. */
    public static Behaviour countTokens(long inputTokens) {
        return json(200, "{\"input_tokens\":" + inputTokens + "}");
    }

    // ------------------------------------------------------------------ errors, in Anthropic's shape

    /** {@code {"type":"error","error":{"type":..,"message":..},"request_id":..}} with this status. */
    public static Behaviour error(int status, String errorType, String message) {
        return (req, res, in) -> json(status, AnthropicAnswer.errorBody(errorType, message,
                res.responseHeaders().get("request-id")).toString()).answer(req, res, in);
    }

    /**
     * A 429 {@code rate_limit_error} with {@code retry-after} (whole seconds) and the {@code anthropic-ratelimit-*}
     * headers of an exhausted request limit (limit 50, remaining 0, reset in {@code retryAfter}, RFC 3339).
     */
    public static Behaviour rateLimited(Duration retryAfter) {
        return (req, res, in) -> {
            String reset = Instant.now().plus(retryAfter).truncatedTo(ChronoUnit.SECONDS).toString();
            res.header("retry-after", Long.toString(retryAfter.toSeconds()))
                    .header("anthropic-ratelimit-requests-limit", "50")
                    .header("anthropic-ratelimit-requests-remaining", "0")
                    .header("anthropic-ratelimit-requests-reset", reset)
                    .header("anthropic-ratelimit-input-tokens-limit", "30000")
                    .header("anthropic-ratelimit-input-tokens-remaining", "30000")
                    .header("anthropic-ratelimit-input-tokens-reset", reset)
                    .header("anthropic-ratelimit-output-tokens-limit", "8000")
                    .header("anthropic-ratelimit-output-tokens-remaining", "8000")
                    .header("anthropic-ratelimit-output-tokens-reset", reset)
                    .header("anthropic-ratelimit-tokens-limit", "38000")
                    .header("anthropic-ratelimit-tokens-remaining", "38000")
                    .header("anthropic-ratelimit-tokens-reset", reset);
            return error(429, "rate_limit_error",
                    "This request would exceed the rate limit for your organization of 50 requests per minute.")
                    .answer(req, res, in);
        };
    }

    /** 529 {@code overloaded_error}. */
    public static Behaviour overloaded() {
        return error(529, "overloaded_error", "Overloaded");
    }

    /** 500 {@code api_error}. */
    public static Behaviour apiError() {
        return error(500, "api_error", "Internal server error");
    }

    /** 400 {@code invalid_request_error}. */
    public static Behaviour invalidRequest(String message) {
        return error(400, "invalid_request_error", message);
    }

    /** 401 {@code authentication_error}. */
    public static Behaviour authenticationError() {
        return error(401, "authentication_error", "invalid x-api-key");
    }

    /** 403 {@code permission_error}. */
    public static Behaviour permissionError() {
        return error(403, "permission_error", "Your API key does not have permission to use the specified resource.");
    }

    /** 404 {@code not_found_error}. */
    public static Behaviour notFound(String message) {
        return error(404, "not_found_error", message);
    }

    // ------------------------------------------------------------------ faults and plumbing

    public static Behaviour json(int status, String body) {
        return (req, res, in) -> res.status(status).header("content-type", "application/json")
                .sendString(Mono.just(body));
    }

    public static Behaviour raw(int status, String contentType, String body) {
        return (req, res, in) -> res.status(status).header("content-type", contentType).sendString(Mono.just(body));
    }

    /** Closes the connection without answering (a crashed or reset upstream). */
    public static Behaviour reset() {
        return (req, res, in) -> Mono.fromRunnable(() -> res.withConnection(c -> c.channel().close()))
                .then(Mono.never());
    }

    /** Never answers. */
    public static Behaviour hang() {
        return (req, res, in) -> Mono.never();
    }

    /** Waits {@code delay} before {@code then} sends its first byte (headers included). */
    public static Behaviour delayed(Duration delay, Behaviour then) {
        return (req, res, in) -> Mono.delay(delay, Schedulers.parallel()).then(Mono.from(then.answer(req, res, in)));
    }

    /** The first {@code n} calls get {@code first}, every later one {@code then}. */
    public static Behaviour firstThen(int n, Behaviour first, Behaviour then) {
        AtomicInteger calls = new AtomicInteger();
        return (req, res, in) -> (calls.getAndIncrement() < n ? first : then).answer(req, res, in);
    }

    private static HttpServerResponse sseHeaders(HttpServerResponse res) {
        return res.status(200).header("content-type", "text/event-stream; charset=utf-8")
                .header("cache-control", "no-cache");
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private static boolean wantsStream(byte[] body) {
        return body.length > 0 && MAPPER.readTree(body).path("stream").asBoolean(false);
    }

    private static String model(byte[] body) {
        return body.length == 0 ? DEFAULT_MODEL : MAPPER.readTree(body).path("model").asString(DEFAULT_MODEL);
    }
}
