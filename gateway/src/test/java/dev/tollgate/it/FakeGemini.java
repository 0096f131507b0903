package dev.tollgate.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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

/**
 * A fake Gemini API upstream on a random loopback port, speaking the real wire format: {@code POST
 * /v1beta/models/{model}:generateContent} (or {@code /v1/...}) answered as JSON, {@code :streamGenerateContent?alt=sse} as Server-Sent
 * Events ({@code data:} lines separated by {@code \r\n\r\n}, each chunk a whole {@code GenerateContentResponse},
 * flushed as it is sent, no {@code [DONE]}: the body ends the stream), and {@code :streamGenerateContent} without
 * {@code alt=sse} as one JSON array of the chunks; errors in Google's shape
 * {@code {"error":{"code","message","status","details"}}}. Answers name the model of the URL in
 * {@code modelVersion}. Fault modes: 429 {@code RESOURCE_EXHAUSTED} with a {@code RetryInfo} delay, 503
 * {@code UNAVAILABLE}, a stream cut before its finish chunk, a slow first byte. Tests read what it received (the
 * {@code x-goog-api-key} header included). {@link FakeGeminiTest} proves the official Google Gen AI Java SDK parses
 * all of it.
 *
 * <p>Thread-safe: requests are served on its own event loops while the test thread reads {@link #take()}.
 */
public final class FakeGemini implements AutoCloseable {

    /** What the upstream does with one request; {@code model} and {@code stream} are read from the URL. */
    @FunctionalInterface
    public interface Behaviour {
        Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response, Call call);
    }

    /** What the URL says: the model, whether it streams, and whether as SSE ({@code alt=sse}). */
    public record Call(String model, boolean stream, boolean sse, byte[] body) {
    }

    /** One request as the upstream received it. */
    public record Received(String method, String uri, HttpHeaders headers, String body) {

        public String apiKey() {
            return headers.get("x-goog-api-key");
        }

        public JsonNode json() {
            return MAPPER.readTree(body);
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** The API versions served: {@code v1beta} (the gateway's default) and {@code v1}. */
    private static final List<String> PREFIXES = List.of("/v1beta/models/", "/v1/models/");

    private final LoopResources loops = LoopResources.create("fake-gemini", 1, 2, true);
    private final DisposableServer server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile Behaviour behaviour = answer(GeminiAnswer.text("Hello!", 10, 5));

    private FakeGemini() {
        server = HttpServer.create().runOn(loops).host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            received.add(new Received(req.method().name(), req.uri(), req.requestHeaders().copy(),
                                    new String(body, StandardCharsets.UTF_8)));
                            Call call = call(req.uri(), body);
                            if (call == null) {
                                return Mono.from(error(404, "NOT_FOUND", "Method not found: " + req.uri()).answer(req, res,
                                        new Call("", false, false, body)));
                            }
                            return Mono.from(behaviour.answer(req, res, call));
                        }))
                .bindNow();
    }

    public static FakeGemini start() {
        return new FakeGemini();
    }

    /** The base URL as Google's SDKs take it, without the API version ({@code https://generativelanguage...}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
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

    public int receivedCount() {
        return received.size();
    }

    @Override
    public void close() {
        server.disposeNow();
        loops.disposeLater().block();
    }

    // ------------------------------------------------------------------ answers

    /** {@code answer} as JSON, or streamed (as SSE or as a JSON array, as the URL asks). */
    public static Behaviour answer(GeminiAnswer answer) {
        return answer(answer, Duration.ZERO);
    }

    /** As {@link #answer(GeminiAnswer)}, with {@code interval} between stream chunks. */
    public static Behaviour answer(GeminiAnswer answer, Duration interval) {
        return (req, res, call) -> {
            if (!call.stream()) {
                return json(200, answer.json(call.model())).answer(req, res, call);
            }
            List<String> chunks = answer.chunks(call.model());
            if (!call.sse()) {
                return json(200, "[" + String.join(",\r\n", chunks) + "]").answer(req, res, call);
            }
            Flux<String> events = Flux.fromIterable(chunks).map(GeminiAnswer::sse);
            return sseHeaders(res).sendString(interval.isZero() ? events
                    : events.delayElements(interval, Schedulers.parallel()));
        };
    }

    /** Streams the first {@code n} chunks of {@code answer}, then breaks the connection: no finish chunk. */
    public static Behaviour cutStream(GeminiAnswer answer, int n) {
        return (req, res, call) -> sseHeaders(res).sendString(
                Flux.fromIterable(answer.chunks(call.model()).subList(0, n)).map(GeminiAnswer::sse)
                        .concatWith(Mono.delay(Duration.ofMillis(50))
                                .then(Mono.error(new IllegalStateException("stream cut by the test")))));
    }

    // ------------------------------------------------------------------ errors, in Google's shape

    /** {@code {"error":{"code","message","status"}}} with this HTTP status. */
    public static Behaviour error(int status, String googleStatus, String message) {
        return json(status, GeminiAnswer.errorBody(status, googleStatus, message, null));
    }

    /** 429 {@code RESOURCE_EXHAUSTED} with a {@code RetryInfo} detail ({@code retryDelay} in seconds, e.g. "30s"). */
    public static Behaviour resourceExhausted(String retryDelay) {
        return json(429, GeminiAnswer.errorBody(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please "
                + "check your plan and billing details. Please retry in " + retryDelay + ".", retryDelay));
    }

    /** 503 {@code UNAVAILABLE}: the model is overloaded. */
    public static Behaviour unavailable() {
        return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    }

    /** 400 {@code INVALID_ARGUMENT}. */
    public static Behaviour invalidArgument(String message) {
        return error(400, "INVALID_ARGUMENT", message);
    }

    // ------------------------------------------------------------------ faults and plumbing

    public static Behaviour json(int status, String body) {
        return (req, res, call) -> res.status(status).header("content-type", "application/json; charset=UTF-8")
                .sendString(Mono.just(body));
    }

    /** Waits {@code delay} before {@code then} sends its first byte (headers included): a slow first byte. */
    public static Behaviour delayed(Duration delay, Behaviour then) {
        return (req, res, call) -> Mono.delay(delay, Schedulers.parallel())
                .then(Mono.from(then.answer(req, res, call)));
    }

    /** The first {@code n} calls get {@code first}, every later one {@code then}. */
    public static Behaviour firstThen(int n, Behaviour first, Behaviour then) {
        AtomicInteger calls = new AtomicInteger();
        return (req, res, call) -> (calls.getAndIncrement() < n ? first : then).answer(req, res, call);
    }

    private static HttpServerResponse sseHeaders(HttpServerResponse res) {
        return res.status(200).header("content-type", "text/event-stream");
    }

    /** The call a URL names, or null when it is none of the two methods. */
    private static Call call(String uri, byte[] body) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        String params = query < 0 ? "" : uri.substring(query + 1);
        String prefix = PREFIXES.stream().filter(path::startsWith).findFirst().orElse(null);
        if (prefix == null) {
            return null;
        }
        String rest = java.net.URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
        int colon = rest.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String model = rest.substring(0, colon);
        return switch (rest.substring(colon + 1)) {
            case "generateContent" -> new Call(model, false, false, body);
            case "streamGenerateContent" -> new Call(model, true, List.of(params.split("&")).contains("alt=sse"), body);
            default -> null;
        };
    }
}
