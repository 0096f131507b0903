package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every client protocol against every backend protocol, through real HTTP: Chat Completions, Anthropic Messages and
 * the Responses API, each to an OpenAI-compatible backend ({@code fake-deepseek}), Anthropic's native API
 * ({@code anthropic}) and Google's native Gemini API ({@code google}); streamed and not; a text answer and a tool
 * call. For each of the 36 calls: the answer is in the client's own format with the backend's text, tool call, stop
 * reason and usage; the backend got the call in its own format (its own path, its own tool shape); and the ledger
 * row, the {@code x-tollgate-cost-usd} header (non-streamed) and the increase of {@code tollgate_spend_usd_total} all
 * equal the cost computed by hand from the backend's usage. Stream reading follows each format's own rules (the
 * Responses API's {@code sequence_number} rises by one from 0; Anthropic's events come in their order; OpenAI's
 * stream ends with {@code [DONE]}).
 */
class ProtocolMatrixIT extends AnthropicITSupport {

    private static final FakeGemini GEMINI = FakeGemini.start();
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final long PROMPT = 100;
    private static final long OUTPUT = 20;
    private static final String ARGS = "{\"city\":\"Paris\"}";
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}";

    @DynamicPropertySource
    static void gemini(DynamicPropertyRegistry r) {
        r.add("tollgate.providers.google.enabled", () -> "true");
        r.add("tollgate.providers.google.type", () -> "gemini");
        r.add("tollgate.providers.google.base-url", () -> GEMINI.baseUrl() + "/v1beta");
        r.add("tollgate.providers.google.api-key", () -> "gemini-upstream-secret");
    }

    @AfterAll
    static void stopGemini() {
        GEMINI.close();
    }

    /** A client protocol: its endpoint, how it authenticates, and how a call with or without a tool looks in it. */
    enum Ingress {
        CHAT("/v1/chat/completions"), MESSAGES("/v1/messages"), RESPONSES("/v1/responses");

        final String path;

        Ingress(String path) {
            this.path = path;
        }

        String body(String model, boolean stream, boolean tool) {
            String streamed = ",\"stream\":" + stream;
            return switch (this) {
                case CHAT -> "{\"model\":\"" + model + "\",\"max_tokens\":200" + streamed
                        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                        + (tool ? ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                                + "\"description\":\"Weather of a city\",\"parameters\":" + SCHEMA + "}}]" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question(tool) + "\"}]}";
                case MESSAGES -> "{\"model\":\"" + model + "\",\"max_tokens\":200" + streamed
                        + (tool ? ",\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather of a city\","
                                + "\"input_schema\":" + SCHEMA + "}]" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question(tool) + "\"}]}";
                case RESPONSES -> "{\"model\":\"" + model + "\",\"max_output_tokens\":200" + streamed
                        + (tool ? ",\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":"
                                + "\"Weather of a city\",\"parameters\":" + SCHEMA + "}]" : "")
                        + ",\"instructions\":\"Be brief.\",\"input\":\"" + question(tool) + "\"}";
            };
        }

        private static String question(boolean tool) {
            return tool ? "Weather in Paris?" : "Say hello";
        }
    }

    /**
     * A backend protocol: the provider and model it serves here, that model's prices at {@code GatewayITSupport.NOW}
     * (USD per 1M tokens: input, output) and the cost of {@value #PROMPT} prompt and {@value #OUTPUT} output tokens.
     */
    enum Backend {
        // deepseek-chat, pricing/deepseek.yaml: 100 x 0.28 + 20 x 0.42 = 28 + 8.4 = 36.4 -> 0.0000364 USD
        OPENAI_COMPATIBLE("fake-deepseek", "deepseek-chat", "0.0000364"),
        // claude-haiku-4-5, pricing/anthropic.yaml: 100 x 1.00 + 20 x 5.00 = 200 -> 0.0002 USD
        ANTHROPIC("anthropic", "claude-haiku-4-5", "0.0002"),
        // gemini-2.5-flash, pricing/google.yaml: 100 x 0.30 + 20 x 2.50 = 30 + 50 = 80 -> 0.00008 USD
        GEMINI("google", "gemini-2.5-flash", "0.00008");

        final String provider;
        final String model;
        final String cost;

        Backend(String provider, String model, String cost) {
            this.provider = provider;
            this.model = model;
            this.cost = cost;
        }
    }

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (Ingress ingress : Ingress.values()) {
            for (Backend backend : Backend.values()) {
                for (boolean stream : new boolean[] {false, true}) {
                    for (boolean tool : new boolean[] {false, true}) {
                        all.add(Arguments.of(ingress, backend, stream, tool));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}, stream {2}, tool {3}")
    @MethodSource("matrix")
    void everyClientReachesEveryBackendAndIsBilledExactly(Ingress ingress, Backend backend, boolean stream,
            boolean tool) throws Exception {
        answer(backend, tool);
        String labels = "model=\"" + backend.model + "\",provider=\"" + backend.provider + "\",team=\"alpha\"";
        BigDecimal before = metric("tollgate_spend_usd_total", labels);

        Answer got = call(ingress, backend, stream, tool);

        String what = ingress + " -> " + backend + (stream ? ", streamed" : "") + (tool ? ", tool call" : "");
        assertThat(got.status).as(what + ": " + got.raw).isEqualTo(200);
        assertThat(got.provider).as(what).isEqualTo(backend.provider);
        if (tool) {
            assertThat(got.toolName).as(what).isEqualTo("get_weather");
            assertThat(MAPPER.readTree(got.toolArgs).path("city").asString()).as(what).isEqualTo("Paris");
            assertThat(got.stop).as(what).isEqualTo("tool");
        } else {
            assertThat(got.text).as(what).isEqualTo("Hello there");
            assertThat(got.toolName).as(what).isNull();
            assertThat(got.stop).as(what).isEqualTo("end");
        }
        assertThat(got.inputTokens).as(what + ": prompt tokens the client is told").isEqualTo(PROMPT);
        assertThat(got.outputTokens).as(what + ": output tokens the client is told").isEqualTo(OUTPUT);

        upstreamGotItsOwnFormat(backend, stream, tool, what);

        Map<String, Object> row = ledgerRow(got.requestId);
        assertThat(row).as(what).containsEntry("PROVIDER", backend.provider).containsEntry("MODEL", backend.model)
                .containsEntry("STREAM", stream).containsEntry("OUTCOME", "success")
                .containsEntry("ESTIMATED", false).containsEntry("INPUT_TOKENS", PROMPT)
                .containsEntry("CACHED_INPUT_TOKENS", 0L).containsEntry("OUTPUT_TOKENS", OUTPUT);
        assertThat((BigDecimal) row.get("COST_USD")).as(what).isEqualByComparingTo(backend.cost);
        if (!stream) {
            assertThat(got.costHeader).as(what).isNotNull();
            assertThat(new BigDecimal(got.costHeader)).as(what).isEqualByComparingTo(backend.cost);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                metric("tollgate_spend_usd_total", labels).subtract(before)).as(what)
                .isEqualByComparingTo(backend.cost));
    }

    // ================================================================== the backends' answers

    private static void answer(Backend backend, boolean tool) {
        switch (backend) {
            case OPENAI_COMPATIBLE -> OPENAI.behave((req, res, in) -> {
                boolean stream = new String(in, StandardCharsets.UTF_8).contains("\"stream\":true");
                if (!stream) {
                    return FakeUpstream.json(200, tool ? openAiToolCall() : FakeUpstream.chatCompletion(
                            "Hello there", PROMPT, OUTPUT)).answer(req, res, in);
                }
                List<String> events = tool
                        ? List.of(toolChunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_m1\","
                                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                                null),
                                toolChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                                        null),
                                toolChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}",
                                        null),
                                toolChunk("{}", "tool_calls"), FakeUpstream.usageChunk(PROMPT, OUTPUT), "[DONE]")
                        : List.of(FakeUpstream.chunk("Hel"), FakeUpstream.chunk("lo there"), FakeUpstream.finishChunk(),
                                FakeUpstream.usageChunk(PROMPT, OUTPUT), "[DONE]");
                return FakeUpstream.sse(events, Duration.ZERO).answer(req, res, in);
            });
            case ANTHROPIC -> ANTHROPIC.behave(FakeAnthropic.answer(tool
                    ? AnthropicAnswer.toolUse("toolu_m1", "get_weather", ARGS, PROMPT, OUTPUT, 8)
                    : AnthropicAnswer.textPieces(List.of("Hel", "lo there"), PROMPT, OUTPUT)));
            case GEMINI -> GEMINI.behave(FakeGemini.answer(tool
                    ? GeminiAnswer.functionCall("get_weather", ARGS, PROMPT, OUTPUT)
                    : GeminiAnswer.text(List.of("Hel", "lo there"), PROMPT, OUTPUT)));
        }
    }

    private static String openAiToolCall() {
        return "{\"id\":\"chatcmpl-m1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"deepseek-chat\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
                + "\"id\":\"call_m1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":"
                + PROMPT + ",\"completion_tokens\":" + OUTPUT + ",\"total_tokens\":" + (PROMPT + OUTPUT) + "}}";
    }

    private static String toolChunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-m2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":"
                + "\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    /** The backend got the call on its own path, with the tool in its own shape. */
    private static void upstreamGotItsOwnFormat(Backend backend, boolean stream, boolean tool, String what)
            throws Exception {
        switch (backend) {
            case OPENAI_COMPATIBLE -> {
                FakeUpstream.Received r = OPENAI.take();
                assertThat(r.path()).as(what).isEqualTo("/v1/chat/completions");
                JsonNode sent = MAPPER.readTree(r.body());
                assertThat(sent.path("model").asString()).as(what).isEqualTo("deepseek-chat");
                assertThat(sent.path("stream").asBoolean(false)).as(what).isEqualTo(stream);
                if (tool) {
                    assertThat(sent.at("/tools/0/function/name").asString()).as(what).isEqualTo("get_weather");
                }
            }
            case ANTHROPIC -> {
                FakeAnthropic.Received r = ANTHROPIC.take();
                assertThat(r.path()).as(what).isEqualTo("/v1/messages");
                JsonNode sent = r.json();
                assertThat(sent.path("model").asString()).as(what).isEqualTo("claude-haiku-4-5");
                assertThat(sent.path("max_tokens").asInt()).as(what).isEqualTo(200);
                if (tool) {
                    assertThat(sent.at("/tools/0/name").asString()).as(what).isEqualTo("get_weather");
                    assertThat(sent.at("/tools/0/input_schema/required/0").asString()).as(what).isEqualTo("city");
                }
            }
            case GEMINI -> {
                FakeGemini.Received r = GEMINI.take();
                assertThat(r.uri()).as(what).isEqualTo("/v1beta/models/gemini-2.5-flash:"
                        + (stream ? "streamGenerateContent?alt=sse" : "generateContent"));
                JsonNode sent = r.json();
                assertThat(sent.at("/generationConfig/maxOutputTokens").asInt()).as(what).isEqualTo(200);
                if (tool) {
                    assertThat(sent.at("/tools/0/functionDeclarations/0/name").asString()).as(what)
                            .isEqualTo("get_weather");
                }
            }
        }
    }

    // ================================================================== the client's side

    /** What the client read: the text or tool call, the stop reason ("end" or "tool"), the usage, the headers. */
    private static final class Answer {
        int status;
        String raw = "";
        String provider;
        String requestId;
        String costHeader;
        StringBuilder textBuilder = new StringBuilder();
        String text;
        String toolName;
        StringBuilder argsBuilder = new StringBuilder();
        String toolArgs;
        String stop;
        long inputTokens = -1;
        long outputTokens = -1;

        void done() {
            text = textBuilder.toString();
            toolArgs = argsBuilder.toString();
        }
    }

    private Answer call(Ingress ingress, Backend backend, boolean stream, boolean tool) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(ingress.path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("x-tollgate-provider", backend.provider)
                .POST(HttpRequest.BodyPublishers.ofString(ingress.body(backend.model, stream, tool)));
        if (ingress == Ingress.MESSAGES) {
            b.header("x-api-key", ALPHA).header("anthropic-version", "2023-06-01");
        } else {
            b.header("authorization", "Bearer " + ALPHA);
        }
        Answer a = new Answer();
        if (!stream) {
            HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            headers(a, response);
            a.raw = response.body();
            if (a.status == 200) {
                whole(ingress, MAPPER.readTree(response.body()), a);
            }
        } else {
            HttpResponse<InputStream> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            headers(a, response);
            List<String> lines = readAll(response);
            a.raw = String.join("\n", lines);
            if (a.status == 200) {
                assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
                streamed(ingress, lines, a);
            }
        }
        a.done();
        return a;
    }

    private static void headers(Answer a, HttpResponse<?> response) {
        a.status = response.statusCode();
        a.provider = response.headers().firstValue("x-tollgate-provider").orElse(null);
        a.requestId = response.headers().firstValue("x-tollgate-request-id").orElse(null);
        a.costHeader = response.headers().firstValue("x-tollgate-cost-usd").orElse(null);
    }

    private static void whole(Ingress ingress, JsonNode body, Answer a) {
        switch (ingress) {
            case CHAT -> {
                assertThat(body.path("object").asString()).isEqualTo("chat.completion");
                JsonNode choice = body.at("/choices/0");
                a.textBuilder.append(choice.at("/message/content").asString(""));
                JsonNode call = choice.at("/message/tool_calls/0");
                if (!call.isMissingNode()) {
                    assertThat(call.path("id").asString()).isNotEmpty();
                    a.toolName = call.at("/function/name").asString();
                    a.argsBuilder.append(call.at("/function/arguments").asString());
                }
                a.stop = stop(choice.path("finish_reason").asString());
                a.inputTokens = body.at("/usage/prompt_tokens").asLong(-1);
                a.outputTokens = body.at("/usage/completion_tokens").asLong(-1);
            }
            case MESSAGES -> {
                assertThat(body.path("type").asString()).isEqualTo("message");
                for (JsonNode block : body.path("content")) {
                    switch (block.path("type").asString()) {
                        case "text" -> a.textBuilder.append(block.path("text").asString());
                        case "tool_use" -> {
                            assertThat(block.path("id").asString()).isNotEmpty();
                            a.toolName = block.path("name").asString();
                            a.argsBuilder.append(block.path("input").toString());
                        }
                        default -> { }
                    }
                }
                a.stop = stop(body.path("stop_reason").asString());
                a.inputTokens = body.at("/usage/input_tokens").asLong(-1);
                a.outputTokens = body.at("/usage/output_tokens").asLong(-1);
            }
            case RESPONSES -> responseObject(body, a);
        }
    }

    /** A Response object, whole or as {@code response.completed} carries it. */
    private static void responseObject(JsonNode response, Answer a) {
        assertThat(response.path("object").asString()).isEqualTo("response");
        assertThat(response.path("id").asString()).startsWith("resp_");
        assertThat(response.path("status").asString()).isEqualTo("completed");
        boolean called = false;
        StringBuilder text = new StringBuilder();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asString()) {
                case "message" -> item.path("content").forEach(part -> text.append(part.path("text").asString("")));
                case "function_call" -> {
                    called = true;
                    assertThat(item.path("call_id").asString()).isNotEmpty();
                    if (a.toolName == null) {
                        a.toolName = item.path("name").asString();
                        a.argsBuilder.append(item.path("arguments").asString());
                    }
                }
                default -> { }
            }
        }
        if (a.textBuilder.isEmpty()) {
            a.textBuilder.append(text);
        } else {
            assertThat(text.toString()).as("response.completed repeats the streamed text").isEqualTo(a.textBuilder.toString());
        }
        a.stop = called ? "tool" : "end";
        a.inputTokens = response.at("/usage/input_tokens").asLong(-1);
        a.outputTokens = response.at("/usage/output_tokens").asLong(-1);
    }

    private static void streamed(Ingress ingress, List<String> lines, Answer a) {
        switch (ingress) {
            case CHAT -> {
                assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
                for (String line : lines) {
                    if (!line.startsWith("data: {")) {
                        continue;
                    }
                    JsonNode chunk = MAPPER.readTree(line.substring(6));
                    assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
                    JsonNode choice = chunk.at("/choices/0");
                    a.textBuilder.append(choice.at("/delta/content").asString(""));
                    JsonNode call = choice.at("/delta/tool_calls/0");
                    if (!call.isMissingNode()) {
                        if (call.at("/function/name").isString()) {
                            a.toolName = call.at("/function/name").asString();
                        }
                        a.argsBuilder.append(call.at("/function/arguments").asString(""));
                    }
                    if (choice.path("finish_reason").isString()) {
                        a.stop = stop(choice.path("finish_reason").asString());
                    }
                    if (chunk.path("usage").isObject()) {
                        a.inputTokens = chunk.at("/usage/prompt_tokens").asLong(-1);
                        a.outputTokens = chunk.at("/usage/completion_tokens").asLong(-1);
                    }
                }
            }
            case MESSAGES -> {
                List<String> names = new ArrayList<>();
                for (String line : lines) {
                    if (line.startsWith("event: ")) {
                        names.add(line.substring(7));
                        continue;
                    }
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    JsonNode event = MAPPER.readTree(line.substring(6));
                    switch (event.path("type").asString()) {
                        case "message_start" -> a.inputTokens = event.at("/message/usage/input_tokens").asLong(-1);
                        case "content_block_start" -> {
                            if ("tool_use".equals(event.at("/content_block/type").asString())) {
                                a.toolName = event.at("/content_block/name").asString();
                            }
                        }
                        case "content_block_delta" -> {
                            a.textBuilder.append(event.at("/delta/text").asString(""));
                            a.argsBuilder.append(event.at("/delta/partial_json").asString(""));
                        }
                        case "message_delta" -> {
                            a.stop = stop(event.at("/delta/stop_reason").asString());
                            a.outputTokens = event.at("/usage/output_tokens").asLong(-1);
                            // the usage is cumulative: a translated stream learns its input count only at its end,
                            // and says so here (the SDKs' accumulators take it from message_delta)
                            if (event.at("/usage/input_tokens").isNumber()) {
                                a.inputTokens = event.at("/usage/input_tokens").asLong();
                            }
                        }
                        default -> { }
                    }
                }
                assertThat(names.get(0)).isEqualTo("message_start");
                assertThat(names.get(names.size() - 1)).isEqualTo("message_stop");
                assertThat(names).containsSubsequence("content_block_start", "content_block_delta",
                        "content_block_stop", "message_delta", "message_stop");
            }
            case RESPONSES -> {
                List<String> names = new ArrayList<>();
                int expected = 0;
                JsonNode completed = null;
                String eventName = null;
                for (String line : lines) {
                    if (line.startsWith("event: ")) {
                        eventName = line.substring(7);
                        names.add(eventName);
                        continue;
                    }
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    JsonNode event = MAPPER.readTree(line.substring(6));
                    assertThat(event.path("type").asString()).as("the event line names the data's type")
                            .isEqualTo(eventName);
                    assertThat(event.path("sequence_number").asInt(-1)).as(eventName).isEqualTo(expected++);
                    switch (eventName) {
                        case "response.output_text.delta" -> a.textBuilder.append(event.path("delta").asString());
                        case "response.output_item.added" -> {
                            if ("function_call".equals(event.at("/item/type").asString())) {
                                a.toolName = event.at("/item/name").asString();
                            }
                        }
                        case "response.function_call_arguments.delta" ->
                                a.argsBuilder.append(event.path("delta").asString());
                        case "response.function_call_arguments.done" ->
                                assertThat(event.path("arguments").asString()).isEqualTo(a.argsBuilder.toString());
                        case "response.completed" -> completed = event.path("response");
                        default -> { }
                    }
                }
                assertThat(names).startsWith("response.created", "response.in_progress");
                assertThat(names.get(names.size() - 1)).isEqualTo("response.completed");
                assertThat(names).contains("response.output_item.added", "response.output_item.done");
                assertThat(completed).isNotNull();
                responseObject(completed, a);
            }
        }
    }

    private static String stop(String reason) {
        return switch (reason) {
            case "stop", "end_turn" -> "end";
            case "tool_calls", "tool_use" -> "tool";
            default -> reason;
        };
    }

    // ================================================================== helpers
}
