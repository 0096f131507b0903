package dev.tollgate.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A fake OpenAI-compatible upstream on a random loopback port, speaking the real wire format (JSON and SSE, each
 * event flushed as it is sent). Tests set its behaviour per call and read what it received.
 */
public final class FakeUpstream implements AutoCloseable {

    /** What the upstream does with one request. */
    @FunctionalInterface
    public interface Behaviour {
        Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response, byte[] body);

        /** The same behaviour, with one more response header. */
        default Behaviour withHeader(String name, String value) {
            return (req, res, in) -> answer(req, res.header(name, value), in);
        }
    }

    /** One request as the upstream received it. */
    public record Received(String path, HttpHeaders headers, String body) {
    }

    /**
     * Its own event loops, not Reactor Netty's global ones: a gateway context that stops (closed, or paused by the test
     * framework's context cache) disposes the global loops, and must not take the upstream down with it.
     */
    private final LoopResources loops = LoopResources.create("fake-upstream", 1, 2, true);
    private final DisposableServer server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile Behaviour behaviour = json(200, chatCompletion("hello", 10, 5));

    private FakeUpstream() {
        server = HttpServer.create().runOn(loops).host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            received.add(new Received(req.uri(), req.requestHeaders().copy(),
                                    new String(body, StandardCharsets.UTF_8)));
                            return Mono.from(behaviour.answer(req, res, body));
                        }))
                .bindNow();
    }

    public static FakeUpstream start() {
        return new FakeUpstream();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

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

    @Override
    public void close() {
        server.disposeNow();
        loops.disposeLater().block();
    }

    // ------------------------------------------------------------------ behaviours

    public static Behaviour json(int status, String body) {
        return (req, res, in) -> res.status(status).header("content-type", "application/json")
                .sendString(Mono.just(body));
    }

    public static Behaviour raw(int status, String contentType, String body) {
        return (req, res, in) -> res.status(status).header("content-type", contentType).sendString(Mono.just(body));
    }

    /** SSE events (each a JSON payload or "[DONE]"), {@code interval} apart. */
    public static Behaviour sse(List<String> payloads, Duration interval) {
        return (req, res, in) -> sseHeaders(res).sendString(Flux.fromIterable(payloads)
                .delayElements(interval, Schedulers.parallel()).map(FakeUpstream::event));
    }

    /**
     * Sends the first event, then waits for {@code gate} before sending the rest: a test can prove that the first
     * event reached the client while the upstream was still holding the others.
     */
    public static Behaviour gatedSse(List<String> payloads, CountDownLatch gate) {
        return (req, res, in) -> sseHeaders(res).sendString(Flux.concat(
                Mono.just(event(payloads.get(0))),
                Mono.fromCallable(() -> gate.await(10, TimeUnit.SECONDS)).subscribeOn(Schedulers.boundedElastic())
                        .thenMany(Flux.fromIterable(payloads.subList(1, payloads.size())).map(FakeUpstream::event))));
    }

    /**
     * A chat completion as JSON, or as SSE events ({@code interval} apart, usage and {@code [DONE]} included) when
     * the request asks for a stream: the upstream of a client that mixes both.
     */
    public static Behaviour chatOrStream(Duration interval) {
        Behaviour whole = json(200, chatCompletion("hello", 10, 5));
        Behaviour stream = sse(List.of(chunk("hel"), chunk("lo"), finishChunk(), usageChunk(10, 5), "[DONE]"),
                interval);
        return (req, res, in) -> (new String(in, StandardCharsets.UTF_8).contains("\"stream\":true") ? stream : whole)
                .answer(req, res, in);
    }

    /** Sends the events, then breaks the connection without ending the response. */
    public static Behaviour cutSse(List<String> payloads) {
        return (req, res, in) -> sseHeaders(res).sendString(Flux.fromIterable(payloads).map(FakeUpstream::event)
                .concatWith(Mono.delay(Duration.ofMillis(50)).then(Mono.error(new IllegalStateException("cut")))));
    }

    /** Never answers. */
    public static Behaviour hang() {
        return (req, res, in) -> Mono.never();
    }

    /** Closes the connection without answering (a crashed or reset upstream). */
    public static Behaviour reset() {
        return (req, res, in) -> Mono.fromRunnable(() -> res.withConnection(c -> c.channel().close()))
                .then(Mono.never());
    }

    /** The first {@code n} calls get {@code first}, every later one {@code then}. */
    public static Behaviour firstThen(int n, Behaviour first, Behaviour then) {
        AtomicInteger calls = new AtomicInteger();
        return (req, res, in) -> (calls.getAndIncrement() < n ? first : then).answer(req, res, in);
    }

    /** How many requests arrived since the last {@link #behave}. */
    public int receivedCount() {
        return received.size();
    }

    /** A 200 JSON answer of {@code bytes} bytes. */
    public static Behaviour huge(int bytes) {
        return (req, res, in) -> res.status(HttpResponseStatus.OK).header("content-type", "application/json")
                .sendString(Mono.just("{\"pad\":\"" + "x".repeat(bytes) + "\"}"));
    }

    private static HttpServerResponse sseHeaders(HttpServerResponse res) {
        return res.status(200).header("content-type", "text/event-stream").header("cache-control", "no-cache");
    }

    static String event(String payload) {
        return "data: " + payload + "\n\n";
    }

    // ------------------------------------------------------------------ OpenAI-shaped bodies

    public static String chatCompletion(String content, long promptTokens, long completionTokens) {
        return "{\"id\":\"chatcmpl-fake1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"upstream-model\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":"
                + completionTokens + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}}";
    }

    public static String chunk(String content) {
        return "{\"id\":\"chatcmpl-fake2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                + "\"model\":\"upstream-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content
                + "\"},\"finish_reason\":null}]}";
    }

    public static String finishChunk() {
        return "{\"id\":\"chatcmpl-fake2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                + "\"model\":\"upstream-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
    }

    public static String usageChunk(long prompt, long completion) {
        return "{\"id\":\"chatcmpl-fake2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
                + "\"model\":\"upstream-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt
                + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }

    /**
     * OpenAI's embeddings endpoint: for each input of the request (a string, an array of strings, an array of token ids
     * or an array of such arrays), an embedding of three numbers, as floats or, when the request asks
     * {@code encoding_format: base64}, as base64 of their little-endian float32 bytes (what OpenAI sends); the answer
     * names the request's model and reports {@code promptTokens}.
     */
    public static Behaviour embeddings(long promptTokens) {
        return (req, res, in) -> res.status(200).header("content-type", "application/json")
                .sendString(Mono.just(embeddingsAnswer(new String(in, StandardCharsets.UTF_8), promptTokens)));
    }

    /** The answer {@link #embeddings} gives to {@code requestBody}. */
    public static String embeddingsAnswer(String requestBody, long promptTokens) {
        tools.jackson.databind.JsonNode request = JSON.readTree(requestBody);
        tools.jackson.databind.JsonNode input = request.path("input");
        int inputs = input.isArray() && !input.isEmpty() && !input.get(0).isNumber() ? input.size() : 1;
        boolean base64 = "base64".equals(request.path("encoding_format").asString("float"));
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < inputs; i++) {
            float[] v = vector(i);
            data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                    .append(",\"embedding\":").append(base64 ? "\"" + base64Vector(i) + "\""
                            : "[" + v[0] + "," + v[1] + "," + v[2] + "]").append('}');
        }
        return "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"" + request.path("model").asString("")
                + "\",\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"total_tokens\":" + promptTokens + "}}";
    }

    /** The numbers of input {@code index}'s embedding. */
    public static float[] vector(int index) {
        return new float[] {index + 0.5f, -0.25f, 0.125f};
    }

    /** Input {@code index}'s embedding as base64 of little-endian float32 bytes. */
    public static String base64Vector(int index) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : vector(index)) {
            bytes.putFloat(f);
        }
        return java.util.Base64.getEncoder().encodeToString(bytes.array());
    }

    private static final tools.jackson.databind.ObjectMapper JSON = new tools.jackson.databind.json.JsonMapper();

    public static String error(String type, String code, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"code\":\"" + code
                + "\",\"param\":null}}";
    }
}
