package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.types.Content;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Part;
import com.google.genai.types.ThinkingConfig;
import com.google.genai.types.Tool;
import tools.jackson.databind.JsonNode;

/**
 * Proves {@link FakeGemini} faithful before the gateway's tests trust it: the official Google Gen AI Java SDK,
 * pointed at the fake through its {@code HttpOptions.baseUrl}, parses its answers (text, a stream of SSE chunks
 * without {@code [DONE]}, a function call, thoughts and cached-content usage) and its errors (Google's shape, with
 * status names); and the SDK's own requests use the URLs and field names the gateway's Gemini writer uses.
 */
class FakeGeminiTest {

    private static final FakeGemini FAKE = FakeGemini.start();
    private static final String KEY = "gemini-test-key";

    private final List<Client> clients = new ArrayList<>();

    @AfterAll
    static void stop() {
        FAKE.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(Client::close);
    }

    private Client sdk() {
        Client client = Client.builder().apiKey(KEY).httpOptions(HttpOptions.builder().baseUrl(FAKE.baseUrl()).apiVersion("v1beta")
                .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
        clients.add(client);
        return client;
    }

    @Test
    void sdkReadsAWholeTextAnswerWithItsUsage() throws Exception {
        FAKE.behave(FakeGemini.answer(GeminiAnswer.text("Hello there!", 12, 4)));

        GenerateContentResponse response = sdk().models.generateContent("gemini-2.5-flash", "Say hello", null);

        assertThat(response.text()).isEqualTo("Hello there!");
        assertThat(response.finishReason().toString()).isEqualTo("STOP");
        assertThat(response.modelVersion()).contains("gemini-2.5-flash");
        GenerateContentResponseUsageMetadata usage = response.usageMetadata().orElseThrow();
        assertThat(usage.promptTokenCount()).contains(12);
        assertThat(usage.candidatesTokenCount()).contains(4);
        assertThat(usage.totalTokenCount()).contains(16);
        FakeGemini.Received received = FAKE.take();
        assertThat(received.uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(received.apiKey()).isEqualTo(KEY);
        assertThat(received.json().at("/contents/0/role").asString()).isEqualTo("user");
        assertThat(received.json().at("/contents/0/parts/0/text").asString()).isEqualTo("Say hello");
    }

    @Test
    void sdkReadsAStreamOfSseChunksEndedByTheBody() throws Exception {
        FAKE.behave(FakeGemini.answer(GeminiAnswer.text(List.of("Hel", "lo ", "there"), 7, 6)));

        StringBuilder text = new StringBuilder();
        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream = sdk().models.generateContentStream("gemini-2.5-flash",
                "Say hello", null)) {
            for (GenerateContentResponse chunk : stream) {
                chunks.add(chunk);
                text.append(chunk.text());
            }
        }

        assertThat(text.toString()).isEqualTo("Hello there");
        assertThat(chunks).hasSize(3);
        GenerateContentResponse last = chunks.get(2);
        assertThat(last.finishReason().toString()).isEqualTo("STOP");
        // cumulative usage: the last chunk has the final counts, earlier ones the counts so far
        assertThat(last.usageMetadata().orElseThrow().candidatesTokenCount()).contains(6);
        assertThat(chunks.get(0).usageMetadata().orElseThrow().candidatesTokenCount()).contains(2);
        assertThat(chunks).allSatisfy(c -> assertThat(c.usageMetadata().orElseThrow().promptTokenCount())
                .contains(7));
        assertThat(FAKE.take().uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void sdkReadsAFunctionCallAndSendsDeclarationsAsTheGatewayWritesThem() throws Exception {
        FAKE.behave(FakeGemini.answer(GeminiAnswer.functionCall("get_weather", "{\"city\":\"Paris\"}", 30, 8)));
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")),
                "required", List.of("city"));
        GenerateContentConfig config = GenerateContentConfig.builder()
                .systemInstruction(Content.fromParts(Part.fromText("Be brief.")))
                .tools(Tool.builder().functionDeclarations(FunctionDeclaration.builder().name("get_weather")
                        .description("Weather of a city").parametersJsonSchema(schema).build()).build())
                .maxOutputTokens(256).stopSequences(List.of("END")).temperature(0.5f)
                .thinkingConfig(ThinkingConfig.builder().thinkingBudget(1024).build())
                .build();

        GenerateContentResponse response = sdk().models.generateContent("gemini-2.5-pro", "Weather in Paris?", config);

        List<FunctionCall> calls = response.functionCalls();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).name()).contains("get_weather");
        assertThat(calls.get(0).args().orElseThrow()).containsEntry("city", "Paris");
        // the SDK's request: the field names GeminiRequestWriter writes
        JsonNode sent = FAKE.take().json();
        assertThat(sent.at("/systemInstruction/parts/0/text").asString()).isEqualTo("Be brief.");
        assertThat(sent.at("/tools/0/functionDeclarations/0/name").asString()).isEqualTo("get_weather");
        assertThat(sent.at("/tools/0/functionDeclarations/0/parametersJsonSchema/required/0").asString())
                .isEqualTo("city");
        assertThat(sent.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(256);
        assertThat(sent.at("/generationConfig/stopSequences/0").asString()).isEqualTo("END");
        assertThat(sent.at("/generationConfig/temperature").asDouble()).isEqualTo(0.5);
        assertThat(sent.at("/generationConfig/thinkingConfig/thinkingBudget").asInt()).isEqualTo(1024);
    }

    @Test
    void sdkReadsThoughtsAndCachedContentUsage() throws Exception {
        FAKE.behave(FakeGemini.answer(GeminiAnswer.text("42", 5000, 3).withThought("Let me think.", 120)
                .withCached(4096)));

        GenerateContentResponse response = sdk().models.generateContent("gemini-2.5-pro", "Answer?", null);

        List<Part> parts = response.parts();
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).thought()).contains(true);
        assertThat(parts.get(0).text()).contains("Let me think.");
        assertThat(parts.get(1).text()).contains("42");
        GenerateContentResponseUsageMetadata usage = response.usageMetadata().orElseThrow();
        assertThat(usage.promptTokenCount()).contains(5000);
        assertThat(usage.cachedContentTokenCount()).contains(4096);
        assertThat(usage.candidatesTokenCount()).contains(3);
        assertThat(usage.thoughtsTokenCount()).contains(120);
        assertThat(usage.totalTokenCount()).contains(5123);
    }

    @Test
    void sdkReadsGoogleErrorsWithTheirStatus() {
        FAKE.behave(FakeGemini.resourceExhausted("30s"));
        assertThatThrownBy(() -> sdk().models.generateContent("gemini-2.5-flash", "Hi", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(429);
                    assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
                    assertThat(e.message()).contains("exceeded your current quota");
                });

        FAKE.behave(FakeGemini.unavailable());
        assertThatThrownBy(() -> sdk().models.generateContent("gemini-2.5-flash", "Hi", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(503);
                    assertThat(e.status()).isEqualTo("UNAVAILABLE");
                });
    }

    @Test
    void streamWithoutAltSseIsOneJsonArray() throws Exception {
        FAKE.behave(FakeGemini.answer(GeminiAnswer.text(List.of("a", "b"), 3, 2)));
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(FAKE.baseUrl()
                        + "/v1beta/models/gemini-2.5-flash:streamGenerateContent"))
                        .header("x-goog-api-key", KEY).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"}]}]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).startsWith("[");
        assertThat(tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body()).size())
                .isEqualTo(2);
    }
}
