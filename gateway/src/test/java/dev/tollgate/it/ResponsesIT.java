package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.StructuredResponse;
import com.openai.models.responses.StructuredResponseCreateParams;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/responses} with the official OpenAI Java SDK, against each kind of backend: {@code openai} serves
 * OpenAI's Responses API natively ({@code responses: true}, the fake at {@link #RESPONSES}: calls pass through),
 * {@code openai-chat} is OpenAI-compatible Chat Completions only (the fake at {@link #CHAT}, priced by OpenAI's table:
 * calls are translated), and {@code anthropic} is the native Messages API ({@link FakeAnthropic}: translated). Both
 * OpenAI backends offer the same models at the same prices: a test picks one with {@code x-tollgate-provider}.
 * Every metered call is checked three ways: the ledger row, the cost header, the spend counter.
 */
class ResponsesIT extends AnthropicITSupport {

    static final FakeUpstream RESPONSES = FakeUpstream.start();
    static final FakeUpstream CHAT = FakeUpstream.start();
    static final String MINI = "gpt-4o-mini";
    static final String HAIKU = "claude-haiku-4-5";
    static final String OPENAI_KEY = "sk-openai-upstream-secret";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @DynamicPropertySource
    static void openAiBackends(DynamicPropertyRegistry r) {
        r.add("tollgate.providers.openai.enabled", () -> "true");
        r.add("tollgate.providers.openai.base-url", RESPONSES::baseUrl);
        r.add("tollgate.providers.openai.api-key", () -> OPENAI_KEY);
        r.add("tollgate.providers.openai.responses", () -> "true");
        r.add("tollgate.providers.openai.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.openai.resilience.stream-idle-timeout", () -> "1500ms");
        r.add("tollgate.providers.openai-chat.type", () -> "openai");
        r.add("tollgate.providers.openai-chat.base-url", CHAT::baseUrl);
        r.add("tollgate.providers.openai-chat.api-key", () -> OPENAI_KEY);
        r.add("tollgate.providers.openai-chat.prices", () -> "openai");
        r.add("tollgate.providers.openai-chat.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.openai-chat.resilience.stream-idle-timeout", () -> "1500ms");
    }

    private final List<OpenAIClient> openAiClients = new ArrayList<>();

    @AfterEach
    void closeOpenAiClients() {
        openAiClients.forEach(OpenAIClient::close);
        openAiClients.clear();
    }

    /** The official SDK pointed at the gateway, sending {@code x-tollgate-provider: provider} (none when null). */
    private OpenAIClient openAi(String key, String provider, int maxRetries) {
        OpenAIOkHttpClient.Builder b = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(key).maxRetries(maxRetries).timeout(Duration.ofSeconds(20));
        if (provider != null) {
            b.putHeader("x-tollgate-provider", provider);
        }
        OpenAIClient client = b.build();
        openAiClients.add(client);
        return client;
    }

    private OpenAIClient openAi(String provider) {
        return openAi(ALPHA, provider, 0);
    }

    // ================================================================== a hard budget's cap on a passed-through call

    @Test
    void aHardBudgetCapsAPassedThroughCallInItsOwnMaxOutputTokens() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("Hello there!", 40, 12)));
        String body = "{\"model\":\"" + MINI + "\",\"instructions\":\"Be brief.\",\"input\":\"Say hello\","
                + "\"metadata\":{\"ticket\":\"T-1\"}}";

        // team capped: a hard budget of 0.001 USD; gpt-4o-mini's whole output limit (16,384 tokens at 0.60 USD per
        // 1M: 0.0098 USD) does not fit, so the call is admitted with its output capped to what the budget covers
        HttpResponse<String> response = postRaw("sk-test-capped", "openai", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        int cap = Integer.parseInt(response.headers().firstValue("x-tollgate-output-capped").orElseThrow());
        assertThat(cap).isBetween(256, 16_383);
        JsonNode sent = MAPPER.readTree(RESPONSES.take().body());
        assertThat(sent.path("max_output_tokens").asInt()).as("the cap, in the Responses API's own field")
                .isEqualTo(cap);
        assertThat(sent.has("max_tokens")).isFalse();
        // the rest of the client's body goes as it was sent
        assertThat(sent.path("instructions").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("input").asString()).isEqualTo("Say hello");
        assertThat(sent.at("/metadata/ticket").asString()).isEqualTo("T-1");
        assertThat(MAPPER.readTree(response.body()).at("/output/0/content/0/text").asString())
                .isEqualTo("Hello there!");
        // 40 x 0.15 + 12 x 0.60 per 1M = 13.2 -> 0.0000132 USD: the actual cost, not the reservation
        assertThat(new BigDecimal(response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.0000132");
        assertThat((BigDecimal) ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow())
                .get("COST_USD")).isEqualByComparingTo("0.0000132");
    }

    // ================================================================== text, whole and streamed, per backend

    @Test
    void passedThroughToOpenAiUntouchedWithExactCost() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("Hello there!", 1200, 300).withCached(1000)));
        ResponseCreateParams params = ResponseCreateParams.builder().model(MINI).input("Say hello")
                .instructions("Be brief.").maxOutputTokens(256).build();

        // 200 uncached x $0.15 + 1,000 cached x $0.075 + 300 output x $0.60 per 1M = $0.000285
        meter(false, "openai", MINI, new long[] {200, 1000, 0, 300}, "0.000285", () -> {
            HttpResponseFor<Response> raw = openAi("openai").responses().withRawResponse().create(params);
            Response response = raw.parse();
            assertThat(ResponsesSdk.outputText(response)).isEqualTo("Hello there!");
            assertThat(response.id()).isEqualTo("resp_fake0001");
            assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(1000);
            assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("openai");
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0),
                    raw.headers().values("x-tollgate-cost-usd").get(0)};
        });
        FakeUpstream.Received received = RESPONSES.take();
        assertThat(received.path()).isEqualTo("/v1/responses");
        assertThat(received.headers().get("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        JsonNode sent = MAPPER.readTree(received.body());
        assertThat(sent.path("input").asString()).isEqualTo("Say hello");
        assertThat(sent.path("instructions").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("max_output_tokens").asInt()).isEqualTo(256);
        assertThat(sent.has("messages")).isFalse();
    }

    @Test
    void aPassedThroughStreamReachesTheClientEventByEventAsOpenAiSentIt() throws Exception {
        ResponsesAnswer answer = ResponsesAnswer.text("Hello there!", 1200, 300).withCached(1000);
        RESPONSES.behave(FakeOpenAiResponses.answer(answer));

        meter(true, "openai", MINI, new long[] {200, 1000, 0, 300}, "0.000285", () -> {
            HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw = openAi("openai").responses().withRawResponse()
                    .createStreaming(ResponsesSdk.params(MINI, "Say hello"));
            List<ResponsesSdk.Event> events = read(raw);
            assertThat(ResponsesSdk.types(events)).containsExactly("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                    "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                    "response.output_item.done", "response.completed");
            assertThat(events).extracting(ResponsesSdk.Event::sequenceNumber)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(ResponsesSdk.deltaText(events)).isEqualTo("Hello there!");
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0), null};
        });
        // passed through: the very bytes the upstream sent
        HttpResponse<String> rawHttp = postRaw(ALPHA, "openai", "{\"model\":\"" + MINI
                + "\",\"stream\":true,\"input\":\"Say hello\"}");
        assertThat(rawHttp.body()).isEqualTo(String.join("", answer.events(MINI)));
    }

    @Test
    void translatedToChatCompletionsWithExactCost() throws Exception {
        CHAT.behave(FakeUpstream.json(200, chatText("Hello there!", 1200, 1000, 300)));
        ResponseCreateParams params = ResponseCreateParams.builder().model(MINI).input("Say hello")
                .instructions("Be brief.").maxOutputTokens(256).temperature(0.2).build();

        // the same tokens at the same table: 200 x 0.15 + 1,000 x 0.075 + 300 x 0.60 per 1M = $0.000285
        meter(false, "openai-chat", MINI, new long[] {200, 1000, 0, 300}, "0.000285", () -> {
            HttpResponseFor<Response> raw = openAi("openai-chat").responses().withRawResponse().create(params);
            Response response = raw.parse();
            assertThat(ResponsesSdk.outputText(response)).isEqualTo("Hello there!");
            assertThat(response.id()).isEqualTo("resp_fake1");
            assertThat(ResponsesSdk.json(response).path("model").asText()).isEqualTo(MINI);
            assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(1200);
            assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(1000);
            assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(300);
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0),
                    raw.headers().values("x-tollgate-cost-usd").get(0)};
        });
        FakeUpstream.Received received = CHAT.take();
        assertThat(received.path()).isEqualTo("/v1/chat/completions");
        JsonNode sent = MAPPER.readTree(received.body());
        assertThat(sent.path("messages").get(0).path("role").asString()).isEqualTo("system");
        assertThat(sent.path("messages").get(0).path("content").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("messages").get(1).path("content").asString()).isEqualTo("Say hello");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void aStreamTranslatedFromChatCompletionsIsTheRealEventSequence() throws Exception {
        CHAT.behave(FakeUpstream.sse(List.of(FakeUpstream.chunk("Hello"), FakeUpstream.chunk(" there!"),
                FakeUpstream.finishChunk(), usageChunk(1200, 1000, 300), "[DONE]"), Duration.ofMillis(5)));

        meter(true, "openai-chat", MINI, new long[] {200, 1000, 0, 300}, "0.000285", () -> {
            HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw = openAi("openai-chat").responses()
                    .withRawResponse().createStreaming(ResponsesSdk.params(MINI, "Say hello"));
            List<ResponsesSdk.Event> events = read(raw);
            assertThat(ResponsesSdk.types(events)).containsExactly("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                    "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                    "response.output_item.done", "response.completed");
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).sequenceNumber()).isEqualTo(i);
            }
            assertThat(ResponsesSdk.deltaText(events)).isEqualTo("Hello there!");
            Response done = ResponsesSdk.finalResponse(events);
            assertThat(ResponsesSdk.outputText(done)).isEqualTo("Hello there!");
            assertThat(done.usage().orElseThrow().inputTokens()).isEqualTo(1200);
            assertThat(done.usage().orElseThrow().outputTokens()).isEqualTo(300);
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0), null};
        });
        assertThat(MAPPER.readTree(CHAT.take().body()).path("stream_options").path("include_usage").asBoolean())
                .as("the gateway asks the backend for its usage").isTrue();
    }

    @Test
    void translatedToAnthropicWholeAndStreamedWithExactCost() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("Hello there!", 1000, 300).withCache(0, 0, 200)));
        ResponseCreateParams params = ResponseCreateParams.builder().model(HAIKU).input("Say hello")
                .instructions("Be brief.").maxOutputTokens(256).build();

        // 1,000 uncached x $1.00 + 200 cache reads x $0.10 + 300 output x $5.00 per 1M = $0.002520
        meter(false, "anthropic", HAIKU, new long[] {1000, 200, 0, 300}, "0.00252", () -> {
            HttpResponseFor<Response> raw = openAi(null).responses().withRawResponse().create(params);
            Response response = raw.parse();
            assertThat(ResponsesSdk.outputText(response)).isEqualTo("Hello there!");
            assertThat(response.id()).startsWith("resp_");
            // input_tokens counts every prompt token, cache reads included
            assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(1200);
            assertThat(response.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(200);
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0),
                    raw.headers().values("x-tollgate-cost-usd").get(0)};
        });
        FakeAnthropic.Received received = ANTHROPIC.take();
        assertThat(received.path()).isEqualTo("/v1/messages");
        JsonNode sent = received.json();
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(sent.path("system").toString()).contains("Be brief.");
        assertThat(sent.path("messages").get(0).path("role").asString()).isEqualTo("user");

        meter(true, "anthropic", HAIKU, new long[] {1000, 200, 0, 300}, "0.00252", () -> {
            HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw = openAi(null).responses().withRawResponse()
                    .createStreaming(params);
            List<ResponsesSdk.Event> events = read(raw);
            assertThat(ResponsesSdk.types(events)).startsWith("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added").endsWith("response.completed");
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).sequenceNumber()).isEqualTo(i);
            }
            assertThat(ResponsesSdk.deltaText(events)).isEqualTo("Hello there!");
            assertThat(ResponsesSdk.finalResponse(events).usage().orElseThrow().outputTokens()).isEqualTo(300);
            return new String[] {raw.headers().values("x-tollgate-request-id").get(0), null};
        });
    }

    // ================================================================== function tools

    @Test
    void aFunctionToolRoundTripsThroughEveryBackend() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.toolCall("call_1", "get_weather",
                "{\"city\":\"Paris\"}", 80, 20)));
        CHAT.behave(FakeUpstream.json(200, chatToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}", 80, 20)));
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.toolUse("call_1", "get_weather",
                "{\"city\":\"Paris\"}", 80, 20)));
        for (String[] backend : new String[][] {{"openai", MINI}, {"openai-chat", MINI}, {"anthropic", HAIKU}}) {
            OpenAIClient client = openAi(backend[0].equals("anthropic") ? null : backend[0]);
            ResponseCreateParams first = ResponseCreateParams.builder().model(backend[1]).input("Weather in Paris?")
                    .addTool(ResponsesSdk.weatherTool()).build();

            Response response = client.responses().create(first);

            response.validate();
            ResponseFunctionToolCall call = response.output().stream().flatMap(o -> o.functionCall().stream())
                    .findFirst().orElseThrow(() -> new AssertionError(backend[0] + ": no function call"));
            assertThat(call.callId()).as(backend[0]).isEqualTo("call_1");
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(MAPPER.readTree(call.arguments()).path("city").asString()).isEqualTo("Paris");
            FakeUpstream.Received firstSent = backend[0].equals("anthropic") ? null
                    : (backend[0].equals("openai") ? RESPONSES : CHAT).take();
            if (backend[0].equals("openai-chat")) {
                JsonNode tool = MAPPER.readTree(firstSent.body()).path("tools").get(0);
                assertThat(tool.path("type").asString()).isEqualTo("function");
                assertThat(tool.path("function").path("name").asString()).isEqualTo("get_weather");
                assertThat(tool.path("function").path("parameters").path("required").get(0).asString())
                        .isEqualTo("city");
            } else if (backend[0].equals("anthropic")) {
                JsonNode tool = ANTHROPIC.take().json().path("tools").get(0);
                assertThat(tool.path("name").asString()).isEqualTo("get_weather");
                assertThat(tool.path("input_schema").path("required").get(0).asString()).isEqualTo("city");
            }

            // the result goes back with the call, as the SDK sends them
            ResponseCreateParams second = ResponseCreateParams.builder().model(backend[1])
                    .inputOfResponse(List.of(
                            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                                    .role(EasyInputMessage.Role.USER).content("Weather in Paris?").build()),
                            ResponseInputItem.ofFunctionCall(call),
                            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                    .callId("call_1").output("18C and sunny").build())))
                    .addTool(ResponsesSdk.weatherTool()).build();
            client.responses().create(second).validate();
            switch (backend[0]) {
                case "openai" -> {
                    JsonNode input = MAPPER.readTree(RESPONSES.take().body()).path("input");
                    assertThat(input.get(1).path("type").asString()).isEqualTo("function_call");
                    assertThat(input.get(2).path("type").asString()).isEqualTo("function_call_output");
                }
                case "openai-chat" -> {
                    JsonNode messages = MAPPER.readTree(CHAT.take().body()).path("messages");
                    assertThat(messages.get(1).path("tool_calls").get(0).path("id").asString()).isEqualTo("call_1");
                    assertThat(messages.get(2).path("role").asString()).isEqualTo("tool");
                    assertThat(messages.get(2).path("tool_call_id").asString()).isEqualTo("call_1");
                    assertThat(messages.get(2).path("content").asString()).isEqualTo("18C and sunny");
                }
                default -> {
                    JsonNode messages = ANTHROPIC.take().json().path("messages");
                    assertThat(messages.get(1).path("content").get(0).path("type").asString()).isEqualTo("tool_use");
                    JsonNode result = messages.get(2).path("content").get(0);
                    assertThat(result.path("type").asString()).isEqualTo("tool_result");
                    assertThat(result.path("tool_use_id").asString()).isEqualTo("call_1");
                    assertThat(result.toString()).contains("18C and sunny");
                }
            }
        }
    }

    @Test
    void aStreamedFunctionCallFromEachTranslatedBackendHasItsArgumentEventsAndCost() throws Exception {
        CHAT.behave(FakeUpstream.sse(List.of(toolChunk("{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"\"}}"),
                toolChunk("{\"function\":{\"arguments\":\"{\\\"city\\\":\"}}"),
                toolChunk("{\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}"), finishChunk("tool_calls"),
                usageChunk(80, 0, 20), "[DONE]"), Duration.ofMillis(5)));
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.toolUse("call_1", "get_weather",
                "{\"city\":\"Paris\"}", 80, 20)));
        // gpt-4o-mini: 80 x $0.15 + 20 x $0.60 per 1M = $0.000024; claude-haiku-4-5: 80 x $1 + 20 x $5 = $0.000180
        for (String[] backend : new String[][] {{"openai-chat", MINI, "0.000024"}, {"anthropic", HAIKU, "0.00018"}}) {
            meter(true, backend[0], backend[1], new long[] {80, 0, 0, 20}, backend[2], () -> {
                HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw = openAi(backend[0].equals("anthropic")
                        ? null : backend[0]).responses().withRawResponse().createStreaming(ResponseCreateParams
                        .builder().model(backend[1]).input("Weather in Paris?").addTool(ResponsesSdk.weatherTool())
                        .build());
                List<ResponsesSdk.Event> events = read(raw);
                List<String> types = ResponsesSdk.types(events);
                assertThat(types).as(backend[0]).contains("response.output_item.added",
                        "response.function_call_arguments.delta", "response.function_call_arguments.done",
                        "response.output_item.done").endsWith("response.completed");
                assertThat(types).doesNotContain("response.output_text.delta");
                String arguments = events.stream().flatMap(e -> e.event().functionCallArgumentsDone().stream())
                        .map(d -> d.arguments()).findFirst().orElseThrow();
                assertThat(MAPPER.readTree(arguments).path("city").asString()).isEqualTo("Paris");
                ResponseFunctionToolCall call = ResponsesSdk.finalResponse(events).output().get(0).functionCall()
                        .orElseThrow();
                assertThat(call.callId()).isEqualTo("call_1");
                assertThat(call.name()).isEqualTo("get_weather");
                return new String[] {raw.headers().values("x-tollgate-request-id").get(0), null};
            });
        }
    }

    // ================================================================== structured output

    /** The structured answer: the SDK derives its JSON schema from this class and parses the answer into it. */
    public static class Weather {
        public String city;
        public int celsius;
    }

    @Test
    void structuredOutputPassesThroughAndTranslatesToChatCompletionsButIsRefusedForClaude() throws Exception {
        String json = "{\"city\":\"Paris\",\"celsius\":18}";
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text(json, 40, 10)));
        CHAT.behave(FakeUpstream.json(200, chatText(json, 40, 0, 10)));
        for (String backend : List.of("openai", "openai-chat")) {
            StructuredResponseCreateParams<Weather> params = ResponseCreateParams.builder().model(MINI)
                    .input("Weather in Paris as JSON").text(Weather.class).build();

            StructuredResponse<Weather> response = openAi(backend).responses().create(params);

            Weather weather = response.output().stream().flatMap(o -> o.message().stream())
                    .flatMap(m -> m.content().stream()).flatMap(c -> c.outputText().stream()).findFirst()
                    .orElseThrow();
            assertThat(weather.city).as(backend).isEqualTo("Paris");
            assertThat(weather.celsius).isEqualTo(18);
        }
        JsonNode passed = MAPPER.readTree(RESPONSES.take().body()).path("text").path("format");
        assertThat(passed.path("type").asString()).isEqualTo("json_schema");
        JsonNode translated = MAPPER.readTree(CHAT.take().body()).path("response_format");
        assertThat(translated.path("type").asString()).isEqualTo("json_schema");
        assertThat(translated.path("json_schema").path("name").asString()).isEqualTo(passed.path("name").asString());
        assertThat(translated.path("json_schema").path("schema")).isEqualTo(passed.path("schema"));
        assertThat(translated.path("json_schema").path("strict").asBoolean()).isTrue();

        BadRequestException refused = catchThrowableOfType(BadRequestException.class, () -> openAi(null).responses()
                .create(ResponseCreateParams.builder().model(HAIKU).input("Weather in Paris as JSON")
                        .text(Weather.class).build()));
        assertThat(refused).isNotNull();
        assertThat(refused.statusCode()).isEqualTo(400);
        // no Claude model in the table takes a JSON schema: refused for the capability, before any translation
        assertThat(refused.param()).hasValue("model");
        assertThat(refused.getMessage()).contains("json-schema");
        assertThat(ANTHROPIC.receivedCount()).isZero();
    }

    // ================================================================== stored state

    @Test
    void storedStateIsForwardedToOpenAiAndTheCallPinnedThere() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("Stored.", 10, 2)));
        CHAT.behave(FakeUpstream.json(200, chatText("never", 10, 0, 2)));

        // both OpenAI backends offer the model; only the one serving the Responses API can store or continue
        for (ResponseCreateParams params : List.of(
                ResponseCreateParams.builder().model(MINI).input("Remember this").store(true).build(),
                ResponseCreateParams.builder().model(MINI).input("And then?").previousResponseId("resp_prev").build())) {
            HttpResponseFor<Response> raw = openAi(null).responses().withRawResponse().create(params);
            assertThat(ResponsesSdk.outputText(raw.parse())).isEqualTo("Stored.");
            assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("openai");
            JsonNode sent = MAPPER.readTree(RESPONSES.take().body());
            assertThat(sent.has("store") || sent.has("previous_response_id")).isTrue();
        }
        assertThat(CHAT.receivedCount()).isZero();
    }

    @Test
    void storedStateIsRefusedWhenNoBackendServingTheResponsesApiIsAllowed() {
        for (String[] target : new String[][] {{"openai-chat", MINI}, {null, HAIKU}}) {
            BadRequestException store = catchThrowableOfType(BadRequestException.class, () -> openAi(target[0])
                    .responses().create(ResponseCreateParams.builder().model(target[1]).input("Remember this")
                            .store(true).build()));
            assertThat(store).as(target[1]).isNotNull();
            assertThat(store.param()).hasValue("store");
            assertThat(store.getMessage()).contains("stored responses live at OpenAI");

            BadRequestException previous = catchThrowableOfType(BadRequestException.class, () -> openAi(target[0])
                    .responses().create(ResponseCreateParams.builder().model(target[1]).input("And then?")
                            .previousResponseId("resp_prev").build()));
            assertThat(previous).isNotNull();
            assertThat(previous.param()).hasValue("previous_response_id");
        }
        assertThat(CHAT.receivedCount()).isZero();
        assertThat(RESPONSES.receivedCount()).isZero();
        assertThat(ANTHROPIC.receivedCount()).isZero();
    }

    @Test
    void explainAndCompareTakeAResponsesBodyAndShowWhyABackendCannotStore() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("never", 1, 1)));
        String body = "{\"model\":\"" + MINI + "\",\"input\":\"hi\",\"store\":true}";

        HttpResponse<String> explain = postTo("/v1/route/explain", body);
        HttpResponse<String> compare = postTo("/v1/cost/compare", body);

        assertThat(explain.statusCode()).as(explain.body()).isEqualTo(200);
        JsonNode decision = MAPPER.readTree(explain.body());
        assertThat(decision.path("chosen").asString()).isEqualTo("openai/" + MINI);
        JsonNode excluded = decision.path("excluded").get(0);
        assertThat(excluded.path("provider").asString()).isEqualTo("openai-chat");
        assertThat(excluded.path("reason").asString()).contains("openai: store cannot be translated");
        assertThat(compare.statusCode()).as(compare.body()).isEqualTo(200);
        assertThat(RESPONSES.receivedCount()).isZero();
    }

    // ================================================================== errors

    @Test
    void aBudgetRefusalIsA429InOpenAisShapeThatTheSdkDoesNotRetry() {
        int before = jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class);

        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> openAi(BROKE, null, 2).responses().create(ResponsesSdk.params(MINI, "Say hello")));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("x-should-retry")).containsExactly("false");
        assertThat(e.body().toString()).contains("budget");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class) > before);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class))
                .as("one call, not retried").isEqualTo(before + 1);
        assertThat(RESPONSES.receivedCount()).isZero();
    }

    @Test
    void requestErrorsAreOpenAiShapedAndNameTheField() throws Exception {
        HttpResponse<String> noInput = postRaw(ALPHA, null, "{\"model\":\"" + MINI + "\"}");
        assertThat(noInput.statusCode()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(noInput.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).isEqualTo("input");

        NotFoundException unknown = catchThrowableOfType(NotFoundException.class,
                () -> openAi(null).responses().create(ResponsesSdk.params("no-such-model", "hi")));
        assertThat(unknown).isNotNull();
        assertThat(unknown.statusCode()).isEqualTo(404);

        // an upstream refusal passes through as OpenAI sent it
        String upstreamError = FakeUpstream.error("invalid_request_error", "invalid_value",
                "Invalid value for 'truncation'.");
        RESPONSES.behave(FakeUpstream.json(400, upstreamError));
        HttpResponse<String> refused = postRaw(ALPHA, "openai", "{\"model\":\"" + MINI
                + "\",\"input\":\"hi\",\"truncation\":\"sometimes\"}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).isEqualTo(upstreamError);
    }

    @Test
    void aCutPassedThroughStreamEndsWithAnErrorEventInSequenceAndIsCharged() throws Exception {
        RESPONSES.behave(FakeOpenAiResponses.cutStream(ResponsesAnswer.text("Hello there!", 12, 3), 5));

        HttpRequest request = HttpRequest.newBuilder(uri("/v1/responses")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + ALPHA)
                .header("x-tollgate-provider", "openai").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\""
                        + MINI + "\",\"stream\":true,\"input\":\"Say hello\"}")).build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertThat(lines).contains("event: response.output_text.delta").doesNotContain("event: response.completed");
        int error = lines.indexOf("event: error");
        assertThat(error).isPositive();
        JsonNode event = MAPPER.readTree(lines.get(error + 1).substring("data: ".length()));
        assertThat(event.path("type").asString()).isEqualTo("error");
        assertThat(event.path("code").asString()).isEqualTo("upstream_stream_interrupted");
        // five events went out (0 to 4): the gateway's error is the sixth
        assertThat(event.path("sequence_number").asInt()).isEqualTo(5);
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("OUTCOME", "stream_interrupted").containsEntry("ESTIMATED", true);
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
    }

    // ================================================================== helpers

    /** Reads a stream the SDK opened, event by event. */
    private static List<ResponsesSdk.Event> read(HttpResponseFor<StreamResponse<ResponseStreamEvent>> raw) {
        List<ResponsesSdk.Event> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = raw.parse()) {
            stream.stream().forEach(e -> {
                e.validate();
                com.fasterxml.jackson.databind.JsonNode json = ResponsesSdk.json(e);
                events.add(new ResponsesSdk.Event(json.path("type").asText(), json.path("sequence_number")
                        .asLong(-1), e, json));
            });
        }
        return events;
    }

    @FunctionalInterface
    private interface Call {
        /** Makes the call and reads the whole answer; returns its request id and cost header (null when streamed). */
        String[] run() throws Exception;
    }

    /**
     * One call's metering: the ledger row has the upstream's tokens ({@code tokens}: uncached input, cache reads,
     * cache writes, output), and its cost, the cost header (non-streamed) and the increase of
     * {@code tollgate_spend_usd_total} all equal {@code cost}, worked out by hand from the price table.
     */
    private void meter(boolean stream, String provider, String model, long[] tokens, String cost, Call call)
            throws Exception {
        String labels = "model=\"" + model + "\",provider=\"" + provider + "\",team=\"alpha\"";
        BigDecimal before = metric("tollgate_spend_usd_total", labels);
        String[] result = call.run();
        Map<String, Object> row = ledgerRow(result[0]);
        String what = (stream ? "streamed " : "") + provider + " call " + result[0];
        assertThat(row).as(what).containsEntry("PROVIDER", provider).containsEntry("MODEL", model)
                .containsEntry("STREAM", stream).containsEntry("OUTCOME", "success")
                .containsEntry("ESTIMATED", false).containsEntry("INPUT_TOKENS", tokens[0])
                .containsEntry("CACHED_INPUT_TOKENS", tokens[1]).containsEntry("CACHE_WRITE_TOKENS", tokens[2])
                .containsEntry("OUTPUT_TOKENS", tokens[3]);
        assertThat((BigDecimal) row.get("COST_USD")).as(what).isEqualByComparingTo(cost);
        if (!stream) {
            assertThat(new BigDecimal(result[1])).as(what).isEqualByComparingTo(cost);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                metric("tollgate_spend_usd_total", labels).subtract(before)).as(what).isEqualByComparingTo(cost));
    }

    private HttpResponse<String> postTo(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + ALPHA)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw {@code POST /v1/responses}, pinned to {@code provider} when it is not null. */
    private HttpResponse<String> postRaw(String key, String provider, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/responses")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (provider != null) {
            b.header("x-tollgate-provider", provider);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A Chat Completions answer with text and usage ({@code cached} of the {@code prompt} tokens read from cache). */
    static String chatText(String content, long prompt, long cached, long completion) {
        return "{\"id\":\"chatcmpl-fake1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"" + MINI
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + MAPPER.writeValueAsString(content) + "},\"finish_reason\":\"stop\"}],\"usage\":"
                + usage(prompt, cached, completion) + "}";
    }

    static String chatToolCall(String id, String name, String arguments, long prompt, long completion) {
        return "{\"id\":\"chatcmpl-tool1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"" + MINI
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                + "[{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name
                + "\",\"arguments\":" + MAPPER.writeValueAsString(arguments) + "}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":" + usage(prompt, 0, completion) + "}";
    }

    private static String usage(long prompt, long cached, long completion) {
        return "{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
                + (prompt + completion) + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}}";
    }

    static String usageChunk(long prompt, long cached, long completion) {
        return "{\"id\":\"chatcmpl-fake2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\""
                + MINI + "\",\"choices\":[],\"usage\":" + usage(prompt, cached, completion) + "}";
    }

    static String toolChunk(String call) {
        int at = call.indexOf('{') + 1;
        String indexed = "{\"index\":0," + call.substring(at);
        return "{\"id\":\"chatcmpl-fake3\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\""
                + MINI + "\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" + indexed
                + "]},\"finish_reason\":null}]}";
    }

    static String finishChunk(String reason) {
        return "{\"id\":\"chatcmpl-fake3\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\""
                + MINI + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";
    }
}
