package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The native Gemini backend ({@code type: gemini}, provider {@code google}, priced by {@code pricing/google.yaml})
 * through real HTTP, against {@link FakeGemini}: the chat-completions and messages ingresses, streamed and not, text, tool
 * calls and tool results, thinking and cached content; the ledger row, {@code x-tollgate-cost-usd} and
 * {@code tollgate_spend_usd_total} agree with costs checked by hand; failover to an OpenAI-compatible backend before
 * the first byte on {@code RESOURCE_EXHAUSTED}, {@code UNAVAILABLE} and a slow first byte, and the cool-down a
 * {@code RetryInfo} delay asks for; a cut stream; refusals of what Gemini cannot take.
 * <p>
 * One more backend, {@code openai-compat-google}, serves the same Gemini models in OpenAI's format at the OpenAI fake,
 * priced by the same table: at equal cost and unmeasured latency the router orders providers by id, so
 * {@code google} is tried first and {@code openai-compat-google} is its failover. Team {@code alpha} has no limits.
 */
class GeminiBackendIT extends AnthropicITSupport {

    static final FakeGemini GEMINI = FakeGemini.start();
    static final String GEMINI_KEY = "gemini-upstream-secret";
    private static final String FLASH = "gemini-2.5-flash";
    private static final String PRO = "gemini-2.5-pro";
    private static final String COMPAT = "openai-compat-google";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String WEATHER_TOOL_OPENAI = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
            + "{\"type\":\"string\",\"default\":\"Paris\"}},\"required\":[\"city\"]}}}";
    private static final String WEATHER_TOOL_ANTHROPIC = "{\"name\":\"get_weather\",\"description\":\"Weather of a "
            + "city\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}}";

    @DynamicPropertySource
    static void geminiBackends(DynamicPropertyRegistry r) {
        r.add("tollgate.providers.google.enabled", () -> "true");
        r.add("tollgate.providers.google.type", () -> "gemini");
        r.add("tollgate.providers.google.base-url", () -> GEMINI.baseUrl() + "/v1beta");
        r.add("tollgate.providers.google.api-key", () -> GEMINI_KEY);
        r.add("tollgate.providers.google.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.google.resilience.stream-idle-timeout", () -> "1500ms");
        r.add("tollgate.providers." + COMPAT + ".type", () -> "openai");
        r.add("tollgate.providers." + COMPAT + ".base-url", OPENAI::baseUrl);
        r.add("tollgate.providers." + COMPAT + ".api-key", () -> "sk-compat-google-secret");
        r.add("tollgate.providers." + COMPAT + ".prices", () -> "google");
    }

    @AfterAll
    static void stopGemini() {
        GEMINI.close();
    }

    // ================================================================== chat completions ingress

    @Test
    void chatCompletionIsServedByGeminiAndBilledExactly() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text("Hello there", 30, 9)));
        String[] result = new String[2];

        // gemini-2.5-flash: input 0.30, output 2.50 USD/1M. 30 x 0.30 + 9 x 2.50 = 9 + 22.5 = 31.5 -> 0.0000315 USD
        meter(false, FLASH, new long[] {30, 0, 9, 0}, "0.0000315", () -> {
            HttpResponse<String> response = postChat(ALPHA, "{\"model\":\"" + FLASH + "\",\"max_tokens\":50,"
                    + "\"temperature\":0.2,\"stop\":[\"END\"],\"messages\":[{\"role\":\"system\",\"content\":\"Be "
                    + "brief.\"},{\"role\":\"user\",\"content\":\"Say hello\"}]}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = MAPPER.readTree(response.body());
            assertThat(body.path("object").asString()).isEqualTo("chat.completion");
            assertThat(body.path("model").asString()).isEqualTo(FLASH);
            assertThat(body.at("/choices/0/message/content").asString()).isEqualTo("Hello there");
            assertThat(body.at("/choices/0/finish_reason").asString()).isEqualTo("stop");
            assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(30);
            assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(9);
            assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("google");
            result[0] = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
            result[1] = response.headers().firstValue("x-tollgate-cost-usd").orElseThrow();
            return result;
        });

        FakeGemini.Received upstream = GEMINI.take();
        assertThat(upstream.uri()).isEqualTo("/v1beta/models/" + FLASH + ":generateContent");
        assertThat(upstream.apiKey()).isEqualTo(GEMINI_KEY);
        assertThat(upstream.headers().get("authorization")).isNull();
        JsonNode sent = upstream.json();
        assertThat(sent.has("model")).isFalse();
        assertThat(sent.at("/systemInstruction/parts/0/text").asString()).isEqualTo("Be brief.");
        assertThat(sent.at("/contents/0/role").asString()).isEqualTo("user");
        assertThat(sent.at("/contents/0/parts/0/text").asString()).isEqualTo("Say hello");
        assertThat(sent.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(50);
        assertThat(sent.at("/generationConfig/temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.at("/generationConfig/stopSequences/0").asString()).isEqualTo("END");
    }

    @Test
    void chatCompletionStreamIsTranslatedChunkByChunkWithUsageCountedOnce() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text(List.of("Hel", "lo", " there"), 30, 9),
                Duration.ofMillis(5)));
        List<String> lines = new ArrayList<>();

        // every chunk repeats the usage so far; counted once: 30 x 0.30 + 9 x 2.50 = 31.5 -> 0.0000315 USD
        meter(true, FLASH, new long[] {30, 0, 9, 0}, "0.0000315", () -> {
            HttpResponse<InputStream> response = openChatStream(ALPHA, "{\"model\":\"" + FLASH + "\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"Say hello\"}]}");
            assertThat(response.statusCode()).isEqualTo(200);
            lines.addAll(readAll(response));
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        });

        assertThat(GEMINI.take().uri()).isEqualTo("/v1beta/models/" + FLASH + ":streamGenerateContent?alt=sse");
        List<JsonNode> chunks = dataChunks(lines);
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asString("")));
        assertThat(text.toString()).isEqualTo("Hello there");
        assertThat(chunks).anySatisfy(c -> assertThat(c.at("/choices/0/finish_reason").asString()).isEqualTo("stop"));
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(30);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(9);
        assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
    }

    @Test
    void thinkingAndCachedContentAreBilledAtTheirPricesStreamedOrNot() throws Exception {
        // 5,000 prompt tokens of which 4,096 were read from cached content; 3 answer tokens and 120 thinking tokens.
        // gemini-2.5-pro: input 1.25, cached-input 0.125, output 10.00 USD/1M.
        // uncached input 5,000 - 4,096 = 904; output 3 + 120 = 123 (thinking billed as output), of it reasoning 120:
        // 904 x 1.25 + 4,096 x 0.125 + 123 x 10.00 = 1,130 + 512 + 1,230 = 2,872 -> 0.002872 USD
        GeminiAnswer answer = GeminiAnswer.text(List.of("4", "2"), 5000, 3).withThought("Six times seven.", 120)
                .withCached(4096);
        GEMINI.behave(FakeGemini.answer(answer));
        String labels = "model=\"" + PRO + "\",provider=\"google\",team=\"alpha\"";
        BigDecimal reasoningBefore = metric("tollgate_tokens_total", "kind=\"reasoning\"," + labels);
        BigDecimal cachedBefore = metric("tollgate_tokens_total", "kind=\"cached_input\"," + labels);
        String body = "{\"model\":\"" + PRO + "\",\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Six times seven?\"}]";

        meter(false, PRO, new long[] {904, 4096, 123, 120}, "0.002872", () -> {
            HttpResponse<String> response = postChat(ALPHA, body + "}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode json = MAPPER.readTree(response.body());
            assertThat(json.at("/choices/0/message/content").asString()).isEqualTo("42");
            assertThat(json.at("/usage/prompt_tokens").asLong()).isEqualTo(5000);
            assertThat(json.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(4096);
            assertThat(json.at("/usage/completion_tokens").asLong()).isEqualTo(123);
            assertThat(json.at("/usage/completion_tokens_details/reasoning_tokens").asLong()).isEqualTo(120);
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                    response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
        });
        // OpenAI's effort low is a 2,048-token thinking budget; its thoughts are not asked for
        JsonNode sent = GEMINI.take().json();
        assertThat(sent.at("/generationConfig/thinkingConfig/thinkingBudget").asInt()).isEqualTo(2048);
        assertThat(sent.at("/generationConfig/thinkingConfig").has("includeThoughts")).isFalse();

        // the same answer streamed: the same exact cost, never counted twice
        meter(true, PRO, new long[] {904, 4096, 123, 120}, "0.002872", () -> {
            HttpResponse<InputStream> response = openChatStream(ALPHA, body + ",\"stream\":true}");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(readAll(response)).contains("data: [DONE]");
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(metric("tollgate_tokens_total", "kind=\"reasoning\"," + labels).subtract(reasoningBefore))
                    .isEqualByComparingTo("240");
            assertThat(metric("tollgate_tokens_total", "kind=\"cached_input\"," + labels).subtract(cachedBefore))
                    .isEqualByComparingTo("8192");
        });
    }

    @Test
    void aPromptAbove200kTokensIsBilledAtGemini25ProLongContextTier() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text("Summary.", 250_000, 2_000)));

        // 250,000 prompt tokens > 200,000: every token at the tier (input 2.50, output 15.00 USD/1M):
        // 250,000 x 2.50 + 2,000 x 15.00 = 625,000 + 30,000 = 655,000 -> 0.655 USD
        meter(false, PRO, new long[] {250_000, 0, 2_000, 0}, "0.655", () -> {
            HttpResponse<String> response = postChat(ALPHA, "{\"model\":\"" + PRO + "\",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Summarise\"}]}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                    response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
        });
    }

    @Test
    void chatCompletionToolCallsAndResultsTranslateBothWays() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.functionCall("get_weather", "{\"city\":\"Paris\"}", 40, 7)));
        String ask = "{\"model\":\"" + FLASH + "\",\"tool_choice\":\"required\",\"tools\":[" + WEATHER_TOOL_OPENAI
                + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]";

        // 40 x 0.30 + 7 x 2.50 = 12 + 17.5 = 29.5 -> 0.0000295 USD
        String[] ids = new String[1];
        meter(false, FLASH, new long[] {40, 0, 7, 0}, "0.0000295", () -> {
            HttpResponse<String> response = postChat(ALPHA, ask + "}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode call = MAPPER.readTree(response.body()).at("/choices/0");
            assertThat(call.path("finish_reason").asString()).isEqualTo("tool_calls");
            JsonNode toolCall = call.at("/message/tool_calls/0");
            assertThat(toolCall.at("/function/name").asString()).isEqualTo("get_weather");
            assertThat(MAPPER.readTree(toolCall.at("/function/arguments").asString()).path("city").asString())
                    .isEqualTo("Paris");
            ids[0] = toolCall.path("id").asString();
            assertThat(ids[0]).isNotEmpty();
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                    response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
        });
        JsonNode sent = GEMINI.take().json();
        JsonNode declaration = sent.at("/tools/0/functionDeclarations/0");
        assertThat(declaration.path("name").asString()).isEqualTo("get_weather");
        assertThat(declaration.at("/parametersJsonSchema/required/0").asString()).isEqualTo("city");
        assertThat(declaration.at("/parametersJsonSchema/properties/city").has("default"))
                .as("an annotation Gemini cannot take is dropped").isFalse();
        assertThat(sent.at("/toolConfig/functionCallingConfig/mode").asString()).isEqualTo("ANY");

        // streamed: the call arrives whole in one chunk and becomes one tool-call delta
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.functionCall("get_weather", "{\"city\":\"Paris\"}", 40, 7)));
        HttpResponse<InputStream> stream = openChatStream(ALPHA, ask + ",\"stream\":true}");
        List<JsonNode> chunks = dataChunks(readAll(stream));
        assertThat(chunks).anySatisfy(c -> assertThat(c.at("/choices/0/delta/tool_calls/0/function/name")
                .asString()).isEqualTo("get_weather"));
        assertThat(chunks).anySatisfy(c -> assertThat(c.at("/choices/0/finish_reason").asString())
                .isEqualTo("tool_calls"));

        // the next turn: the tool result goes back as a functionResponse named after its call
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text("It is sunny.", 60, 5)));
        HttpResponse<String> next = postChat(ALPHA, "{\"model\":\"" + FLASH + "\",\"tools\":[" + WEATHER_TOOL_OPENAI
                + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"id\":\"" + ids[0] + "\",\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},{\"role\":\"tool\","
                + "\"tool_call_id\":\"" + ids[0] + "\",\"content\":\"sunny, 21 C\"}]}",
                "x-tollgate-provider", "google"); // google's latency is measured by now: pinned, not left to order
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(next.body()).at("/choices/0/message/content").asString()).isEqualTo("It is sunny.");
        JsonNode turn = GEMINI.take().json().path("contents");
        assertThat(turn.at("/1/role").asString()).isEqualTo("model");
        assertThat(turn.at("/1/parts/0/functionCall/name").asString()).isEqualTo("get_weather");
        assertThat(turn.at("/1/parts/0/functionCall/args/city").asString()).isEqualTo("Paris");
        assertThat(turn.at("/2/role").asString()).isEqualTo("user");
        assertThat(turn.at("/2/parts/0/functionResponse/name").asString()).isEqualTo("get_weather");
        assertThat(turn.at("/2/parts/0/functionResponse/id").asString()).isEqualTo(ids[0]);
        assertThat(turn.at("/2/parts/0/functionResponse/response/output").asString()).isEqualTo("sunny, 21 C");
    }

    // ================================================================== messages ingress

    @Test
    void messagesAreServedByGeminiStreamedOrNotAndBilledExactly() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text(List.of("Hel", "lo"), 21, 4), Duration.ofMillis(5)));

        // 21 x 0.30 + 4 x 2.50 = 6.3 + 10 = 16.3 -> 0.0000163 USD
        meter(false, FLASH, new long[] {21, 0, 4, 0}, "0.0000163", () -> {
            HttpResponse<String> response = post("/v1/messages", ALPHA, messagesBody(FLASH, 100, false));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = MAPPER.readTree(response.body());
            assertThat(body.path("type").asString()).isEqualTo("message");
            assertThat(body.at("/content/0/text").asString()).isEqualTo("Hello");
            assertThat(body.path("stop_reason").asString()).isEqualTo("end_turn");
            assertThat(body.at("/usage/input_tokens").asLong()).isEqualTo(21);
            assertThat(body.at("/usage/output_tokens").asLong()).isEqualTo(4);
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                    response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
        });
        assertThat(GEMINI.take().json().at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(100);

        List<String> lines = new ArrayList<>();
        meter(true, FLASH, new long[] {21, 0, 4, 0}, "0.0000163", () -> {
            HttpResponse<InputStream> response = openStream(ALPHA, messagesBody(FLASH, 100, true));
            assertThat(response.statusCode()).isEqualTo(200);
            lines.addAll(readAll(response));
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        });
        assertThat(lines).containsSubsequence("event: message_start", "event: content_block_start",
                "event: content_block_delta", "event: content_block_stop", "event: message_delta",
                "event: message_stop");
        String all = String.join("\n", lines);
        assertThat(all).contains("\"text\":\"Hel\"").contains("\"text\":\"lo\"").contains("\"output_tokens\":4");
    }

    @Test
    void messagesToolCallAndThinkingTranslateFromGemini() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.functionCall("get_weather", "{\"city\":\"Oslo\"}", 50, 6)
                .withThought("Need the weather tool.", 30)));
        String body = "{\"model\":\"" + PRO + "\",\"max_tokens\":4000,\"thinking\":{\"type\":\"enabled\","
                + "\"budget_tokens\":2000},\"tools\":[" + WEATHER_TOOL_ANTHROPIC + "],\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Weather in Oslo?\"}]";

        // gemini-2.5-pro: 50 x 1.25 + (6 + 30) x 10.00 = 62.5 + 360 = 422.5 -> 0.0004225 USD
        meter(false, PRO, new long[] {50, 0, 36, 30}, "0.0004225", () -> {
            HttpResponse<String> response = post("/v1/messages", ALPHA, body + "}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode json = MAPPER.readTree(response.body());
            assertThat(json.at("/content/0/type").asString()).isEqualTo("thinking");
            assertThat(json.at("/content/0/thinking").asString()).isEqualTo("Need the weather tool.");
            assertThat(json.at("/content/1/type").asString()).isEqualTo("tool_use");
            assertThat(json.at("/content/1/name").asString()).isEqualTo("get_weather");
            assertThat(json.at("/content/1/input/city").asString()).isEqualTo("Oslo");
            assertThat(json.path("stop_reason").asString()).isEqualTo("tool_use");
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                    response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()};
        });
        JsonNode thinking = GEMINI.take().json().at("/generationConfig/thinkingConfig");
        assertThat(thinking.path("thinkingBudget").asInt()).isEqualTo(2000);
        assertThat(thinking.path("includeThoughts").asBoolean()).isTrue();

        meter(true, PRO, new long[] {50, 0, 36, 30}, "0.0004225", () -> {
            HttpResponse<InputStream> response = openStream(ALPHA, body + ",\"stream\":true}");
            assertThat(response.statusCode()).isEqualTo(200);
            String all = String.join("\n", readAll(response));
            assertThat(all).contains("\"type\":\"thinking_delta\"").contains("\"type\":\"tool_use\"")
                    .contains("\"name\":\"get_weather\"").contains("\"stop_reason\":\"tool_use\"")
                    .contains("event: message_stop");
            return new String[] {response.headers().firstValue("x-tollgate-request-id").orElseThrow(), null};
        });
    }

    // ================================================================== faults, failover, cool-down

    @Test
    void resourceExhaustedFailsOverBeforeTheFirstByteAndItsRetryDelayCoolsGeminiDown() throws Exception {
        GEMINI.behave(FakeGemini.resourceExhausted("30s"));
        OPENAI.behave(FakeUpstream.json(200, FakeUpstream.chatCompletion("served by compat", 12, 3)));

        HttpResponse<String> first = postChat(ALPHA, chatBody(FLASH, false));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(first.body()).at("/choices/0/message/content").asString())
                .isEqualTo("served by compat");
        assertThat(first.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=" + COMPAT + "/" + FLASH).contains("failed_over=google/" + FLASH + ":http_429");
        assertThat(GEMINI.receivedCount()).isOne();

        // the RetryInfo delay (30 s) cools google/gemini-2.5-flash down: the next call does not reach Gemini
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text("back", 5, 1)));
        HttpResponse<String> second = postChat(ALPHA, chatBody(FLASH, false));
        assertThat(second.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=" + COMPAT + "/" + FLASH).doesNotContain("failed_over");
        assertThat(GEMINI.receivedCount()).isZero();

        CLOCK.advance(Duration.ofSeconds(31));

        HttpResponse<String> third = postChat(ALPHA, chatBody(FLASH, false));
        assertThat(third.headers().firstValue("x-tollgate-provider")).hasValue("google");
        assertThat(MAPPER.readTree(third.body()).at("/choices/0/message/content").asString()).isEqualTo("back");
        assertThat(GEMINI.receivedCount()).isOne();
    }

    @Test
    void unavailableAndASlowFirstByteFailOverForStreamsOfBothIngresses() throws Exception {
        GEMINI.behave(FakeGemini.unavailable());
        OPENAI.behave(FakeUpstream.sse(List.of(FakeUpstream.chunk("from"), FakeUpstream.chunk(" compat"),
                FakeUpstream.finishChunk(), FakeUpstream.usageChunk(9, 2), "[DONE]"), Duration.ofMillis(2)));

        HttpResponse<InputStream> chat = openChatStream(ALPHA, chatBody(FLASH, true));
        String chatText = String.join("\n", readAll(chat));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=" + COMPAT + "/" + FLASH).contains("failed_over=google/" + FLASH + ":");
        assertThat(chatText).contains("\"content\":\"from\"").doesNotContain("overloaded");

        guards.reset();
        GEMINI.behave(FakeGemini.delayed(Duration.ofSeconds(4), FakeGemini.answer(GeminiAnswer.text("late", 5, 1))));
        HttpResponse<InputStream> messages = openStream(ALPHA, messagesBody(FLASH, 64, true));
        String messagesText = String.join("\n", readAll(messages));
        assertThat(messages.statusCode()).isEqualTo(200);
        assertThat(messages.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=" + COMPAT + "/" + FLASH).contains("failed_over=google/" + FLASH + ":timeout");
        assertThat(messagesText).contains("\"text\":\"from\"").contains("event: message_stop").doesNotContain("late");
    }

    @Test
    void aStreamCutBeforeItsFinishChunkEndsWithAnErrorAndIsBilledByGeminisLastCount() throws Exception {
        // three text chunks of 9 answer tokens in all; the cut comes after two, whose usage says 6 so far
        GEMINI.behave(FakeGemini.cutStream(GeminiAnswer.text(List.of("one ", "two ", "three"), 30, 9), 2));

        HttpResponse<InputStream> response = openChatStream(ALPHA, chatBody(FLASH, true));
        List<String> lines = readAll(response);

        assertThat(response.statusCode()).isEqualTo(200);
        String all = String.join("\n", lines);
        assertThat(all).contains("\"content\":\"one \"").contains("\"content\":\"two \"")
                .contains("upstream_stream_interrupted").doesNotContain("[DONE]");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        // 30 x 0.30 + 6 x 2.50 = 9 + 15 = 24 -> 0.000024 USD
        assertThat(row).containsEntry("OUTCOME", "stream_interrupted").containsEntry("INPUT_TOKENS", 30L)
                .containsEntry("OUTPUT_TOKENS", 6L).containsEntry("ESTIMATED", false);
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.000024");
    }

    @Test
    void geminiClientErrorsReachTheClientInItsOwnShape() throws Exception {
        GEMINI.behave(FakeGemini.invalidArgument("Request contains an invalid argument."));

        HttpResponse<String> chat = postChat(ALPHA, chatBody(FLASH, false), "x-tollgate-provider", "google");
        assertThat(chat.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(chat.body()).at("/error/message").asString())
                .contains("Request contains an invalid argument.");

        HttpResponse<String> messages = post("/v1/messages", ALPHA, messagesBody(FLASH, 64, false),
                "x-tollgate-provider", "google");
        assertThat(messages.statusCode()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(messages.body());
        assertThat(error.path("type").asString()).isEqualTo("error");
        assertThat(error.at("/error/type").asString()).isEqualTo("invalid_request_error");
    }

    // ================================================================== refusals

    @Test
    void whatGeminiCannotTakeIsRefusedWithA400NamingTheField() throws Exception {
        GEMINI.behave(FakeGemini.answer(GeminiAnswer.text("never sent", 1, 1)));
        HttpResponse<String> image = postChat(ALPHA, "{\"model\":\"" + FLASH + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}", "x-tollgate-provider", "google");
        assertThat(image.statusCode()).as(image.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(image.body()).path("error");
        assertThat(error.path("param").asString()).isEqualTo("messages[0].content[1].image_url.url");
        assertThat(error.path("message").asString()).contains("Google Gemini").contains("inline");

        HttpResponse<String> schema = post("/v1/messages", ALPHA, "{\"model\":\"" + FLASH + "\",\"max_tokens\":64,"
                + "\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"code\":"
                + "{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"}}}}],\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"}]}", "x-tollgate-provider", "google");
        assertThat(schema.statusCode()).as(schema.body()).isEqualTo(400);
        assertThat(MAPPER.readTree(schema.body()).at("/error/message").asString())
                .startsWith("tools.0.input_schema.properties.code.pattern");
        assertThat(GEMINI.receivedCount()).isZero();
    }

    // ================================================================== helpers

    @FunctionalInterface
    private interface Call {
        /** Makes the call, reads the whole answer, returns its request id and cost header (null when streamed). */
        String[] run() throws Exception;
    }

    /**
     * One call's metering against Gemini ({@code google}): the ledger row's tokens are what Gemini reported
     * ({@code tokens}: uncached input, cached input, output with thinking, of it reasoning), and its cost, the cost
     * header (non-streamed) and the increase of {@code tollgate_spend_usd_total} all equal {@code cost}, checked by
     * hand in the caller's comment.
     */
    private void meter(boolean stream, String model, long[] tokens, String cost, Call call) throws Exception {
        String labels = "model=\"" + model + "\",provider=\"google\",team=\"alpha\"";
        BigDecimal before = metric("tollgate_spend_usd_total", labels);
        String[] result = call.run();
        Map<String, Object> row = ledgerRow(result[0]);
        String what = (stream ? "streamed " : "") + "call " + result[0];
        assertThat(row).as(what).containsEntry("PROVIDER", "google").containsEntry("MODEL", model)
                .containsEntry("STREAM", stream).containsEntry("OUTCOME", "success")
                .containsEntry("ESTIMATED", false).containsEntry("INPUT_TOKENS", tokens[0])
                .containsEntry("CACHED_INPUT_TOKENS", tokens[1]).containsEntry("CACHE_WRITE_TOKENS", 0L)
                .containsEntry("OUTPUT_TOKENS", tokens[2]).containsEntry("REASONING_TOKENS", tokens[3]);
        assertThat((BigDecimal) row.get("COST_USD")).as(what).isEqualByComparingTo(cost);
        if (!stream) {
            assertThat(new BigDecimal(result[1])).as(what).isEqualByComparingTo(cost);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                metric("tollgate_spend_usd_total", labels).subtract(before)).as(what).isEqualByComparingTo(cost));
    }

    private HttpResponse<String> postChat(String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
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

    private static List<JsonNode> dataChunks(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("data: {")) {
                out.add(MAPPER.readTree(line.substring(6)));
            }
        }
        return out;
    }
}
