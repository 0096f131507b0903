package dev.tollgate.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}) for a {@link FakeUpstream}: behaviours that answer it as OpenAI
 * does, a Response object as JSON or, when the request asks for {@code "stream": true}, the named event stream of
 * {@link ResponsesAnswer#events} (each event flushed as it is sent); errors in OpenAI's shape. Answers echo the
 * requested {@code model}. {@link FakeOpenAiResponsesTest} proves the official OpenAI Java SDK reads all of it.
 * Stateless.
 */
public final class FakeOpenAiResponses {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private FakeOpenAiResponses() {
    }

    /**
     * {@code /v1/responses} answered with {@code answer}; {@code /v1/chat/completions} with {@code chat}; anything else
     * a 404 in OpenAI's shape.
     */
    public static FakeUpstream.Behaviour api(ResponsesAnswer answer, FakeUpstream.Behaviour chat) {
        FakeUpstream.Behaviour responses = answer(answer);
        return (req, res, in) -> {
            String path = req.uri();
            if (path.equals("/v1/responses")) {
                return responses.answer(req, res, in);
            }
            if (path.equals("/v1/chat/completions")) {
                return chat.answer(req, res, in);
            }
            return FakeUpstream.json(404, FakeUpstream.error("invalid_request_error", "not_found",
                    "Unknown path " + path)).answer(req, res, in);
        };
    }

    /** {@code answer} as JSON, or streamed when the request asks for a stream. */
    public static FakeUpstream.Behaviour answer(ResponsesAnswer answer) {
        return (req, res, in) -> {
            String model = model(in);
            if (wantsStream(in)) {
                return sseHeaders(res).sendString(Flux.fromIterable(answer.events(model)));
            }
            return res.status(200).header("content-type", "application/json")
                    .sendString(Mono.just(answer.json(model)));
        };
    }

    /** The first {@code n} events of {@code answer}'s stream, then the connection breaks. */
    public static FakeUpstream.Behaviour cutStream(ResponsesAnswer answer, int n) {
        return (req, res, in) -> sseHeaders(res).sendString(Flux.fromIterable(answer.events(model(in)).subList(0, n))
                .concatWith(Mono.delay(Duration.ofMillis(50), Schedulers.parallel())
                        .then(Mono.error(new IllegalStateException("stream cut by the test")))));
    }

    /** The first {@code n} events of {@code answer}'s stream, then an {@code error} event, and the end. */
    public static FakeUpstream.Behaviour errorMidStream(ResponsesAnswer answer, int n, String code, String message) {
        return (req, res, in) -> {
            List<String> events = answer.events(model(in)).subList(0, n);
            return sseHeaders(res).sendString(Flux.fromIterable(events)
                    .concatWithValues(ResponsesAnswer.errorEvent(code, message, n)));
        };
    }

    private static HttpServerResponse sseHeaders(HttpServerResponse res) {
        return res.status(200).header("content-type", "text/event-stream; charset=utf-8")
                .header("cache-control", "no-cache");
    }

    static boolean wantsStream(byte[] body) {
        return body.length > 0 && MAPPER.readTree(body).path("stream").asBoolean(false);
    }

    static String model(byte[] body) {
        return body.length == 0 ? "gpt-fake" : MAPPER.readTree(new String(body, StandardCharsets.UTF_8))
                .path("model").asString("gpt-fake");
    }
}
