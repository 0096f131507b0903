package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.anthropic.core.JsonValue;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.ToolUseBlockParam;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls whose client format differs from their backend's, through real HTTP: the official Anthropic SDK against the
 * OpenAI-compatible backend ({@code fake-deepseek}) and the official OpenAI SDK against the native Anthropic backend.
 * Requests, answers, stream events and tool calls are translated both ways; what cannot be translated is refused in the
 * client's own error shape; failover crosses formats before the first byte; metering agrees for every pair of formats,
 * streamed or not; and a translated stream is not buffered.
 * <p>
 * One more backend, {@code compat-openai} (OpenAI-compatible, OpenAI's prices, at the same fake as {@code fake-deepseek}),
 * gives the failover tests an OpenAI-format backend more expensive than Claude Haiku (team {@code mixed}, aliases
 * {@code code-40} and {@code code-73} in {@code rules-anthropic}).
 */
class AnthropicTranslationIT extends AnthropicITSupport {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String HAIKU = "claude-haiku-4-5";
    private static final String DEEPSEEK = "deepseek-chat";
    private static final String MIXED = "sk-test-mixed";
    private static final String WEATHER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    // USD per 1M tokens at GatewayITSupport.NOW: pricing/anthropic.yaml and pricing/deepseek.yaml
    private static final String[] HAIKU_PRICES = {"1.00", "0.10", "1.25", "2.00", "5.00"};
    private static final String[] DEEPSEEK_PRICES = {"0.28", "0.028", "0", "0", "0.42"};

    private final List<OpenAIClient> openAiClients = new ArrayList<>();

    @DynamicPropertySource
    static void compatBackend(DynamicPropertyRegistry r) {
        r.add("tollgate.providers.compat-openai.type", () -> "openai");
        r.add("tollgate.providers.compat-openai.base-url", OPENAI::baseUrl);
        r.add("tollgate.providers.compat-openai.api-key", () -> "sk-compat-upstream-secret");
        r.add("tollgate.providers.compat-openai.prices", () -> "openai");
    }

    @AfterEach
    void closeOpenAiClients() {
        openAiClients.forEach(OpenAIClient::close);
        openAiClients.clear();
    }

    private OpenAIClient openAi(String key) {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(key)
                .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
        openAiClients.add(client);
        return client;
    }

    // ================================================================== 1. Anthropic client -> OpenAI-compatible

    @Test
    void anthropicSdkMessageIsServedByTheOpenAiBackendAsChatCompletions() throws Exception {
        OPENAI.behave(FakeUpstream.json(200, chatCompletion("Hello there", 30, 9)));

        HttpResponseFor<Message> raw = sdk(ALPHA).messages().withRawResponse().create(MessageCreateParams.builder()
                .model(DEEPSEEK).maxTokens(300).system("Be brief.").addUserMessage("Say hello").build());
        Message message = raw.parse();

        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asText().text()).isEqualTo("Hello there");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.model().asString()).isEqualTo(DEEPSEEK);
        assertThat(message.usage().inputTokens()).isEqualTo(30);
        assertThat(message.usage().outputTokens()).isEqualTo(9);
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("fake-deepseek");
        FakeUpstream.Received upstream = OPENAI.take();
        assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.headers().get("authorization")).isEqualTo("Bearer " + DEEPSEEK_KEY);
        assertThat(upstream.headers().get("x-api-key")).isNull();
        JsonNode body = MAPPER.readTree(upstream.body());
        assertThat(body.path("model").asString()).isEqualTo(DEEPSEEK);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(body.path("stream").asBoolean(false)).isFalse();
        JsonNode messages = body.path("messages");
        assertThat(messages.size()).isEqualTo(2);
        assertThat(messages.get(0).path("role").asString()).isEqualTo("system");
        assertThat(text(messages.get(0).path("content"))).isEqualTo("Be brief.");
        assertThat(messages.get(1).path("role").asString()).isEqualTo("user");
        assertThat(text(messages.get(1).path("content"))).isEqualTo("Say hello");
    }

    @Test
    void anthropicSdkStreamFromTheOpenAiBackendArrivesEventByEventWithUsageInMessageDelta() throws Exception {
        OPENAI.behave(FakeUpstream.sse(List.of(chunk("one"), chunk(" two"), chunk(" three"), finishChunk(),
                usageChunk(40, 12), "[DONE]"), Duration.ofMillis(5)));

        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> raw = sdk(ALPHA).messages().withRawResponse()
                .createStreaming(MessageCreateParams.builder().model(DEEPSEEK).maxTokens(200).addUserMessage("Count")
                        .build());
        try (StreamResponse<RawMessageStreamEvent> stream = raw.parse()) {
            stream.stream().forEach(e -> {
                events.add(e);
                accumulator.accumulate(e);
            });
        }
        Message message = accumulator.message();

        List<String> types = events.stream().map(e -> e.type().asString()).toList();
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types).contains("content_block_start", "content_block_delta", "content_block_stop",
                "message_delta");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
        assertThat(types.stream().filter("content_block_delta"::equals).count()).as("one delta per chunk")
                .isEqualTo(3);
        assertThat(message.content().get(0).asText().text()).isEqualTo("one two three");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        var delta = events.stream().filter(RawMessageStreamEvent::isMessageDelta).findFirst().orElseThrow()
                .asMessageDelta();
        assertThat(delta.usage().outputTokens()).isEqualTo(12);
        assertThat(delta.usage().inputTokens()).as("an OpenAI backend tells the input count at the end only")
                .hasValue(40L);
        JsonNode upstream = MAPPER.readTree(OPENAI.take().body());
        assertThat(upstream.path("stream").asBoolean()).isTrue();
        assertThat(upstream.path("stream_options").path("include_usage").asBoolean()).isTrue();
        Map<String, Object> row = ledgerRow(raw.headers().values("x-tollgate-request-id").get(0));
        assertThat(row).containsEntry("INPUT_TOKENS", 40L).containsEntry("OUTPUT_TOKENS", 12L)
                .containsEntry("ESTIMATED", false).containsEntry("OUTCOME", "success");
    }

    @Test
    void toolUseRoundTripsThroughTheOpenAiBackend() throws Exception {
        OPENAI.behave(FakeUpstream.json(200, toolCallCompletion("call_abc123", "get_weather", "{\"city\":\"Berlin\"}",
                80, 15)));
        MessageCreateParams params = MessageCreateParams.builder().model(DEEPSEEK).maxTokens(400)
                .addTool(weatherTool())
                .addUserMessage("Weather in Paris, then Berlin?")
                .addAssistantMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolUse(ToolUseBlockParam.builder()
                        .id("toolu_01Paris").name("get_weather").input(ToolUseBlockParam.Input.builder()
                                .putAdditionalProperty("city", JsonValue.from("Paris")).build()).build())))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId("toolu_01Paris").content("18C and sunny").build())))
                .build();

        Message message = sdk(ALPHA).messages().create(params);

        assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
        ToolUseBlock use = message.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow()
                .asToolUse();
        assertThat(use.id()).isEqualTo("call_abc123");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(MAPPER.writeValueAsString(use._input())).path("city").asString())
                .isEqualTo("Berlin");
        JsonNode body = MAPPER.readTree(OPENAI.take().body());
        JsonNode tool = body.path("tools").get(0);
        assertThat(tool.path("type").asString()).isEqualTo("function");
        assertThat(tool.path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(tool.path("function").path("parameters").path("properties").path("city").path("type").asString())
                .isEqualTo("string");
        JsonNode messages = body.path("messages");
        assertThat(messages.size()).isEqualTo(3);
        JsonNode call = messages.get(1).path("tool_calls").get(0);
        assertThat(messages.get(1).path("role").asString()).isEqualTo("assistant");
        assertThat(call.path("id").asString()).isEqualTo("toolu_01Paris");
        assertThat(call.path("type").asString()).isEqualTo("function");
        assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(call.path("function").path("arguments").asString()).path("city").asString())
                .isEqualTo("Paris");
        assertThat(messages.get(2).path("role").asString()).isEqualTo("tool");
        assertThat(messages.get(2).path("tool_call_id").asString()).isEqualTo("toolu_01Paris");
        assertThat(text(messages.get(2).path("content"))).isEqualTo("18C and sunny");
    }

    @Test
    void streamedToolCallFromTheOpenAiBackendIsAssembledFromInputJsonDeltas() throws Exception {
        OPENAI.behave(FakeUpstream.sse(List.of(toolCallStart("call_xyz", "get_weather"), toolCallArgs("{\"ci"),
                toolCallArgs("ty\":\"Ber"), toolCallArgs("lin\"}"), finish("tool_calls"), usageChunk(70, 18), "[DONE]"),
                Duration.ofMillis(5)));

        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk(ALPHA).messages().createStreaming(
                MessageCreateParams.builder().model(DEEPSEEK).maxTokens(200).addTool(weatherTool())
                        .addUserMessage("Weather in Berlin?").build())) {
            stream.stream().forEach(e -> {
                events.add(e);
                accumulator.accumulate(e);
            });
        }
        Message message = accumulator.message();

        long jsonDeltas = events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .filter(e -> e.asContentBlockDelta().delta().isInputJson()).count();
        assertThat(jsonDeltas).isGreaterThanOrEqualTo(3);
        ToolUseBlock use = message.content().get(0).asToolUse();
        assertThat(use.id()).isEqualTo("call_xyz");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(MAPPER.writeValueAsString(use._input())).path("city").asString())
                .isEqualTo("Berlin");
        assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
        assertThat(message.usage().outputTokens()).isEqualTo(18);
    }

    // ================================================================== 2. OpenAI client -> native Anthropic

    @Test
    void openAiSdkCompletionIsServedByTheAnthropicBackendAsAMessage() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("Hi from Claude", 20, 6)));

        var raw = openAi(ALPHA).chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                .model(HAIKU).addSystemMessage("Be brief.").addUserMessage("Say hello").maxCompletionTokens(150L)
                .build());
        ChatCompletion completion = raw.parse();

        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).hasValue("Hi from Claude");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(20);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(6);
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(26);
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("anthropic");
        FakeAnthropic.Received upstream = ANTHROPIC.take();
        assertThat(upstream.path()).isEqualTo("/v1/messages");
        assertThat(upstream.apiKey()).isEqualTo(ANTHROPIC_KEY);
        assertThat(upstream.authorization()).isNull();
        assertThat(upstream.anthropicVersion()).isEqualTo("2023-06-01");
        JsonNode body = upstream.json();
        assertThat(body.path("model").asString()).isEqualTo(HAIKU);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(150);
        assertThat(text(body.path("system"))).isEqualTo("Be brief.");
        assertThat(body.path("messages").size()).isEqualTo(1);
        assertThat(body.path("messages").get(0).path("role").asString()).isEqualTo("user");
        assertThat(text(body.path("messages").get(0).path("content"))).isEqualTo("Say hello");
    }

    @Test
    void anAnthropicBackendIsSentAMaxTokensWhenTheOpenAiClientGaveNone() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("ok", 5, 1)));

        HttpResponse<String> response = postChat(ALPHA, chatBody(HAIKU, false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ANTHROPIC.take().json().path("max_tokens").asInt()).as("Anthropic requires max_tokens")
                .isPositive();
    }

    @Test
    void openAiStreamFromTheAnthropicBackendHasChunksUsageAndDone() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("one two three", 33, 7)));
        String request = "{\"model\":\"" + HAIKU + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Count\"}]}";

        HttpResponse<InputStream> response = openChatStream(ALPHA, request);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<String> lines = readAll(reader(response));

        assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
        List<JsonNode> chunks = lines.stream().filter(l -> l.startsWith("data: {"))
                .map(l -> MAPPER.readTree(l.substring(6))).toList();
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk"));
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path("content").asString(""))));
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(chunks.stream().flatMap(c -> c.path("choices").valueStream())
                .map(ch -> ch.path("finish_reason").asString(null)).filter(java.util.Objects::nonNull).toList())
                .containsExactly("stop");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.path("choices").size()).isZero();
        assertThat(usage.path("usage").path("prompt_tokens").asLong()).isEqualTo(33);
        assertThat(usage.path("usage").path("completion_tokens").asLong()).isEqualTo(7);
        assertThat(usage.path("usage").path("total_tokens").asLong()).isEqualTo(40);
        JsonNode upstream = ANTHROPIC.take().json();
        assertThat(upstream.path("stream").asBoolean()).isTrue();
        assertThat(upstream.has("stream_options")).isFalse();
    }

    @Test
    void openAiSdkStreamWithoutIncludeUsageGetsNoUsageChunkButIsMetered() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("alpha beta", 12, 3)));

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        var raw = openAi(ALPHA).chat().completions().withRawResponse().createStreaming(ChatCompletionCreateParams
                .builder().model(HAIKU).addUserMessage("Two words").build());
        try (var stream = raw.parse()) {
            stream.stream().forEach(c -> {
                chunks.add(c);
                accumulator.accumulate(c);
            });
        }

        assertThat(accumulator.chatCompletion().choices().get(0).message().content()).hasValue("alpha beta");
        assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
        Map<String, Object> row = ledgerRow(raw.headers().values("x-tollgate-request-id").get(0));
        assertThat(row).containsEntry("INPUT_TOKENS", 12L).containsEntry("OUTPUT_TOKENS", 3L)
                .containsEntry("ESTIMATED", false).containsEntry("PROVIDER", "anthropic");
    }

    @Test
    void toolCallsRoundTripThroughTheAnthropicBackend() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.toolUse("toolu_01Berlin", "get_weather",
                "{\"city\":\"Berlin\"}", 50, 20)));
        String request = "{\"model\":\"" + HAIKU + "\",\"max_tokens\":300,"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
                + "\"parameters\":" + WEATHER_SCHEMA + "}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris, then Berlin?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_paris\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_paris\",\"content\":\"18C and sunny\"}]}";

        HttpResponse<String> response = postChat(ALPHA, request);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode choice = MAPPER.readTree(response.body()).path("choices").get(0);
        assertThat(choice.path("finish_reason").asString()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertThat(call.path("id").asString()).isEqualTo("toolu_01Berlin");
        assertThat(call.path("type").asString()).isEqualTo("function");
        assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(call.path("function").path("arguments").asString()).path("city").asString())
                .isEqualTo("Berlin");
        JsonNode body = ANTHROPIC.take().json();
        JsonNode tool = body.path("tools").get(0);
        assertThat(tool.path("name").asString()).isEqualTo("get_weather");
        assertThat(tool.path("input_schema").path("properties").path("city").path("type").asString())
                .isEqualTo("string");
        JsonNode messages = body.path("messages");
        assertThat(messages.size()).isEqualTo(3);
        JsonNode use = messages.get(1).path("content").get(0);
        assertThat(messages.get(1).path("role").asString()).isEqualTo("assistant");
        assertThat(use.path("type").asString()).isEqualTo("tool_use");
        assertThat(use.path("id").asString()).isEqualTo("call_paris");
        assertThat(use.path("input").path("city").asString()).isEqualTo("Paris");
        JsonNode result = messages.get(2).path("content").get(0);
        assertThat(messages.get(2).path("role").asString()).isEqualTo("user");
        assertThat(result.path("type").asString()).isEqualTo("tool_result");
        assertThat(result.path("tool_use_id").asString()).isEqualTo("call_paris");
        assertThat(text(result.path("content"))).isEqualTo("18C and sunny");
    }

    @Test
    void streamedToolCallArgumentsFromTheAnthropicBackendAreAssembledByTheOpenAiSdk() {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.toolUse("toolu_01Rome", "get_weather",
                "{\"city\":\"Rome\"}", 44, 11, 3, 9)));

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openAi(ALPHA).chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model(HAIKU).addUserMessage("Weather in Rome?").addTool(com.openai.models.chat.completions
                        .ChatCompletionFunctionTool.builder().function(com.openai.models.FunctionDefinition.builder()
                                .name("get_weather").parameters(com.openai.models.FunctionParameters.builder()
                                        .putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                                        .build()).build()).build())
                .build())) {
            stream.stream().forEach(c -> {
                chunks.add(c);
                accumulator.accumulate(c);
            });
        }

        assertThat(chunks.stream().filter(c -> !c.choices().isEmpty())
                .filter(c -> c.choices().get(0).delta().toolCalls().isPresent()).count()).isGreaterThanOrEqualTo(3);
        ChatCompletion.Choice choice = accumulator.chatCompletion().choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        var call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.id()).isEqualTo("toolu_01Rome");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(MAPPER.readTree(call.function().arguments()).path("city").asString()).isEqualTo("Rome");
    }

    // ================================================================== 3. untranslatable

    @Test
    void topKToAnOpenAiOnlyModelIsA400InAnthropicsShapeNamingTopK() throws Exception {
        HttpResponse<String> response = post("/v1/messages", ALPHA, "{\"model\":\"" + DEEPSEEK + "\",\"max_tokens\":50,"
                + "\"top_k\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("type").asString()).isEqualTo("error");
        assertThat(body.path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asString()).contains("top_k");
        assertThat(OPENAI.receivedCount()).isZero();
    }

    @Test
    void nOrLogitBiasToAClaudeModelIsA400InOpenAisShapeNamingTheField() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("never", 1, 1)));
        HttpResponse<String> n = postChat(ALPHA, "{\"model\":\"" + HAIKU + "\",\"n\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        HttpResponse<String> bias = postChat(ALPHA, "{\"model\":\"" + HAIKU + "\",\"logit_bias\":{\"50256\":-100},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        for (var pair : List.of(Map.entry(n, "n"), Map.entry(bias, "logit_bias"))) {
            HttpResponse<String> response = pair.getKey();
            assertThat(response.statusCode()).isEqualTo(400);
            JsonNode error = MAPPER.readTree(response.body()).path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("param").asString()).isEqualTo(pair.getValue());
            assertThat(error.path("message").asString()).contains(pair.getValue());
        }
        assertThat(ANTHROPIC.receivedCount()).isZero();
    }

    // ================================================================== 4. failover across formats

    @Test
    void anAnthropicClientFailsOverFromTheOpenAiBackendToAnthropic() throws Exception {
        OPENAI.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "internal", "boom")));
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("served by Claude", 10, 4)));

        HttpResponse<String> response = post("/v1/messages", MIXED, messagesBody("code-40", 64, false));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("type").asString()).isEqualTo("message");
        assertThat(body.path("content").get(0).path("text").asString()).isEqualTo("served by Claude");
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("anthropic");
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=anthropic/" + HAIKU).contains("failed_over=fake-deepseek/deepseek-chat:");
        assertThat(OPENAI.receivedCount()).isEqualTo(1);
    }

    @Test
    void anOpenAiClientFailsOverFromTheOpenAiBackendToAnthropicAndGetsAChatCompletion() throws Exception {
        OPENAI.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "internal", "boom")));
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("served by Claude", 10, 4)));

        HttpResponse<String> response = postChat(MIXED, chatBody("code-40", false));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("object").asString()).isEqualTo("chat.completion");
        assertThat(body.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo("served by Claude");
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=anthropic/" + HAIKU).contains("failed_over=fake-deepseek/deepseek-chat:");
    }

    @Test
    void streamsFailOverAcrossFormatsBeforeTheFirstByteBothWays() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.overloaded());
        OPENAI.behave(FakeUpstream.sse(List.of(chunk("from"), chunk(" gpt"), finishChunk(), usageChunk(9, 2),
                "[DONE]"), Duration.ofMillis(2)));

        HttpResponse<InputStream> anthropicClient = openStream(MIXED, messagesBody("code-73", 64, true));
        List<String> anthropicLines = readAll(reader(anthropicClient));

        assertThat(anthropicClient.statusCode()).isEqualTo(200);
        assertThat(anthropicClient.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=compat-openai/gpt-5").contains("failed_over=anthropic/" + HAIKU + ":");
        assertThat(anthropicLines).contains("event: message_start", "event: message_stop");
        assertThat(String.join("\n", anthropicLines)).contains("\"text\":\"from\"").doesNotContain("overloaded");

        HttpResponse<InputStream> openAiClient = openChatStream(MIXED, chatBody("code-73", true));
        List<String> openAiLines = readAll(reader(openAiClient));

        assertThat(openAiClient.statusCode()).isEqualTo(200);
        assertThat(openAiClient.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=compat-openai/gpt-5").contains("failed_over=anthropic/" + HAIKU + ":");
        assertThat(openAiLines.get(openAiLines.size() - 1)).isEqualTo("data: [DONE]");
        assertThat(String.join("\n", openAiLines)).contains("\"content\":\"from\"").doesNotContain("overloaded");
    }

    @Test
    void anOverloadedAnthropicBackendHandsAnAnthropicClientToTheOpenAiBackend() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.overloaded());
        OPENAI.behave(FakeUpstream.json(200, chatCompletion("served by gpt", 11, 3)));

        var raw = sdk(MIXED).messages().withRawResponse().create(MessageCreateParams.builder().model("code-73")
                .maxTokens(64).addUserMessage("hi").build());
        Message message = raw.parse();

        assertThat(message.content().get(0).asText().text()).isEqualTo("served by gpt");
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("compat-openai");
        assertThat(raw.headers().values("x-tollgate-route").get(0)).contains("failed_over=anthropic/" + HAIKU + ":");
        assertThat(OPENAI.take().headers().get("authorization")).isEqualTo("Bearer sk-compat-upstream-secret");
    }

    // ================================================================== 5. metering

    @Test
    void meteringAgreesForEveryPairOfFormatsStreamedOrNot() throws Exception {
        AnthropicAnswer claude = AnthropicAnswer.text("metered answer", 100, 20).withCache(40, 30, 200);
        ANTHROPIC.behave(FakeAnthropic.answer(claude));
        // Anthropic's counts: input 100, cache reads 200, 5-minute writes 40, 1-hour writes 30, output 20
        long[] claudeTokens = {100, 200, 40, 30, 20};
        // OpenAI's: prompt 120 of which 50 cached, completion 30 -> input 70, cached 50, output 30
        long[] deepseekTokens = {70, 50, 0, 0, 30};
        String openAiUsage = "{\"prompt_tokens\":120,\"completion_tokens\":30,\"total_tokens\":150,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":50}}";

        for (boolean stream : new boolean[] {false, true}) {
            // Anthropic client -> Anthropic backend (pass-through)
            meter(stream, "anthropic", HAIKU, claudeTokens, HAIKU_PRICES,
                    () -> anthropicCall(HAIKU, stream));
            // OpenAI client -> Anthropic backend (translated)
            meter(stream, "anthropic", HAIKU, claudeTokens, HAIKU_PRICES,
                    () -> openAiCall(HAIKU, stream));
            OPENAI.behave(stream ? FakeUpstream.sse(List.of(chunk("metered"), finishChunk(),
                    usageChunkWith(openAiUsage), "[DONE]"), Duration.ofMillis(2))
                    : FakeUpstream.json(200, completionWith(openAiUsage)));
            // Anthropic client -> OpenAI backend (translated)
            meter(stream, "fake-deepseek", DEEPSEEK, deepseekTokens, DEEPSEEK_PRICES,
                    () -> anthropicCall(DEEPSEEK, stream));
            // OpenAI client -> OpenAI backend (pass-through)
            meter(stream, "fake-deepseek", DEEPSEEK, deepseekTokens, DEEPSEEK_PRICES,
                    () -> openAiCall(DEEPSEEK, stream));
        }
    }

    @Test
    void aClientLeavingATranslatedStreamIsLedgeredAsCancelledWithItsTokensCounted() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        ANTHROPIC.behave(FakeAnthropic.gatedStream(AnthropicAnswer.text("partial answer never finished", 64, 30),
                4, gate));

        HttpResponse<InputStream> response = openChatStream(ALPHA, chatBody(HAIKU, true));
        BufferedReader reader = reader(response);
        String first = firstDataLineWith(reader, "partial");
        assertThat(first).contains("partial");
        response.body().close();
        String requestId = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

        Map<String, Object> row = ledgerRow(requestId);
        gate.countDown();
        // The row is written and billed: its input exactly as message_start counted it, its output counted from
        // what was delivered, flagged estimated.
        assertThat(row).containsEntry("OUTCOME", "cancelled").containsEntry("PROVIDER", "anthropic")
                .containsEntry("STATUS", 499).containsEntry("ESTIMATED", true);
        assertThat(row.get("INPUT_TOKENS")).isEqualTo(64L);
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
        assertThat(countRows(requestId)).isEqualTo(1);
    }

    @Test
    void aClientLeavingAStreamTranslatedFromOpenAiIsLedgeredAsCancelled() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        OPENAI.behave(FakeUpstream.gatedSse(List.of(chunk("partial answer here"), chunk("never delivered"),
                finishChunk(), usageChunk(10, 99), "[DONE]"), gate));

        HttpResponse<InputStream> response = openStream(ALPHA, messagesBody(DEEPSEEK, 100, true));
        BufferedReader reader = reader(response);
        assertThat(firstDataLineWith(reader, "partial")).contains("text_delta");
        response.body().close();
        String requestId = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

        Map<String, Object> row = ledgerRow(requestId);
        gate.countDown();
        assertThat(row).containsEntry("OUTCOME", "cancelled").containsEntry("ESTIMATED", true)
                .containsEntry("PROVIDER", "fake-deepseek");
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
        assertThat((Long) row.get("INPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
    }

    // ================================================================== 6. no buffering

    @Test
    void aStreamTranslatedFromAnthropicReachesTheOpenAiClientWhileTheUpstreamHoldsTheRest() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        // message_start, content_block_start, ping, the first text_delta ("Hello"); the rest is held
        ANTHROPIC.behave(FakeAnthropic.gatedStream(AnthropicAnswer.text("Hello streaming world", 15, 3), 4, gate));

        long start = System.nanoTime();
        HttpResponse<InputStream> response = openChatStream(ALPHA, chatBody(HAIKU, true));
        assertThat(response.statusCode()).isEqualTo(200);
        BufferedReader reader = reader(response);
        String first = firstDataLineWith(reader, "Hello");
        long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(gate.getCount()).isEqualTo(1);
        gate.countDown();
        List<String> rest = readAll(reader);

        assertThat(first).contains("\"content\":\"Hello\"");
        assertThat(waited).as("the upstream holds the rest for 10 s").isLessThan(5_000);
        assertThat(String.join("\n", rest)).contains(" streaming").contains(" world");
        assertThat(rest.get(rest.size() - 1)).isEqualTo("data: [DONE]");
    }

    @Test
    void aStreamTranslatedFromOpenAiReachesTheAnthropicClientWhileTheUpstreamHoldsTheRest() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        OPENAI.behave(FakeUpstream.gatedSse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(21, 2),
                "[DONE]"), gate));

        long start = System.nanoTime();
        HttpResponse<InputStream> response = openStream(ALPHA, messagesBody(DEEPSEEK, 100, true));
        assertThat(response.statusCode()).isEqualTo(200);
        BufferedReader reader = reader(response);
        String first = firstDataLineWith(reader, "Hel");
        long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
        gate.countDown();
        List<String> rest = readAll(reader);

        assertThat(first).contains("text_delta").contains("\"text\":\"Hel\"");
        assertThat(waited).as("the upstream holds the rest for 10 s").isLessThan(5_000);
        assertThat(rest).contains("event: message_delta", "event: message_stop");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("INPUT_TOKENS", 21L).containsEntry("OUTPUT_TOKENS", 2L)
                .containsEntry("ESTIMATED", false);
    }

    // ================================================================== helpers

    @FunctionalInterface
    private interface Call {
        /** Makes the call, reads the whole answer, returns its request id and cost header (null when streamed). */
        String[] run() throws Exception;
    }

    /**
     * One call's metering: the ledger row's tokens are the upstream's, and its cost, the cost header (non-streamed)
     * and the increase of {@code tollgate_spend_usd_total} all equal the cost computed here from the price table.
     */
    private void meter(boolean stream, String provider, String model, long[] tokens, String[] prices, Call call)
            throws Exception {
        String labels = "model=\"" + model + "\",provider=\"" + provider + "\",team=\"alpha\"";
        BigDecimal before = metric("tollgate_spend_usd_total", labels);
        String[] result = call.run();
        Map<String, Object> row = ledgerRow(result[0]);
        BigDecimal expected = BigDecimal.ZERO;
        for (int i = 0; i < tokens.length; i++) {
            expected = expected.add(BigDecimal.valueOf(tokens[i]).multiply(new BigDecimal(prices[i])));
        }
        BigDecimal cost = expected.movePointLeft(6);
        String what = (stream ? "streamed " : "") + provider + " call " + result[0];

        assertThat(row).as(what).containsEntry("PROVIDER", provider).containsEntry("MODEL", model)
                .containsEntry("STREAM", stream).containsEntry("OUTCOME", "success")
                .containsEntry("ESTIMATED", false).containsEntry("INPUT_TOKENS", tokens[0])
                .containsEntry("CACHED_INPUT_TOKENS", tokens[1]).containsEntry("CACHE_WRITE_TOKENS", tokens[2])
                .containsEntry("CACHE_WRITE_1H_TOKENS", tokens[3]).containsEntry("OUTPUT_TOKENS", tokens[4]);
        assertThat((BigDecimal) row.get("COST_USD")).as(what).isEqualByComparingTo(cost);
        if (!stream) {
            assertThat(new BigDecimal(result[1])).as(what).isEqualByComparingTo(cost);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                metric("tollgate_spend_usd_total", labels).subtract(before)).as(what).isEqualByComparingTo(cost));
    }

    private String[] anthropicCall(String model, boolean stream) throws Exception {
        if (stream) {
            HttpResponse<InputStream> response = openStream(ALPHA, messagesBody(model, 100, true));
            assertThat(response.statusCode()).isEqualTo(200);
            List<String> lines = readAll(reader(response));
            assertThat(lines).contains("event: message_stop");
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        }
        HttpResponse<String> response = post("/v1/messages", ALPHA, messagesBody(model, 100, false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
    }

    private String[] openAiCall(String model, boolean stream) throws Exception {
        if (stream) {
            HttpResponse<InputStream> response = openChatStream(ALPHA, chatBody(model, true));
            assertThat(response.statusCode()).isEqualTo(200);
            List<String> lines = readAll(reader(response));
            assertThat(lines).contains("data: [DONE]");
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        }
        HttpResponse<String> response = postChat(ALPHA, chatBody(model, false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
    }

    private HttpResponse<String> postChat(String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<InputStream> openChatStream(String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private static String chatBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    private int countRows(String requestId) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE request_id = ?", Integer.class, requestId);
    }

    private static BufferedReader reader(HttpResponse<InputStream> response) {
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    private static List<String> readAll(BufferedReader reader) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Reads lines up to the first {@code data:} line containing {@code needle}, and returns it. */
    private static String firstDataLineWith(BufferedReader reader, String needle) throws java.io.IOException {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (line.startsWith("data:") && line.contains(needle)) {
                return line;
            }
        }
        throw new AssertionError("the stream ended before a data line with '" + needle + "'");
    }

    /** A string content, or the text of a list of text parts joined. */
    private static String text(JsonNode content) {
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(part -> sb.append(part.path("text").asString("")));
        return sb.toString();
    }

    private static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("Weather").inputSchema(Tool.InputSchema.builder()
                .properties(Tool.InputSchema.Properties.builder()
                        .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string"))).build())
                .required(List.of("city")).build()).build();
    }

    private static String toolCallCompletion(String id, String name, String arguments, long prompt, long completion) {
        return "{\"id\":\"chatcmpl-tool1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
                + "\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":"
                + MAPPER.writeValueAsString(arguments) + "}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }

    private static String streamChunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-tool2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    private static String toolCallStart(String id, String name) {
        return streamChunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"" + id
                + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":\"\"}}]}", null);
    }

    private static String toolCallArgs(String piece) {
        return streamChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                + MAPPER.writeValueAsString(piece) + "}}]}", null);
    }

    private static String finish(String reason) {
        return streamChunk("{}", reason);
    }

    private static String completionWith(String usage) {
        return "{\"id\":\"chatcmpl-m1\",\"object\":\"chat.completion\",\"created\":1735689600,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"metered\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}";
    }

    private static String usageChunkWith(String usage) {
        return "{\"id\":\"chatcmpl-m2\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,\"model\":\"m\","
                + "\"choices\":[],\"usage\":" + usage + "}";
    }
}
