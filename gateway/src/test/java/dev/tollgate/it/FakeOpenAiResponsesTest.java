package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseUsage;

/**
 * The official OpenAI Java SDK pointed at the fake Responses API ({@link FakeOpenAiResponses}): what the fake sends
 * is what the SDK reads, validated by the SDK itself, so the gateway's tests against the fake test against the real
 * wire format.
 */
class FakeOpenAiResponsesTest {

    private static final FakeUpstream UPSTREAM = FakeUpstream.start();

    private OpenAIClient client;

    @BeforeEach
    void sdk() {
        client = OpenAIOkHttpClient.builder().baseUrl(UPSTREAM.baseUrl()).apiKey("sk-test").maxRetries(0)
                .timeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void aWholeResponseIsReadWithItsTextAndUsage() throws Exception {
        UPSTREAM.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("Hello there!", 1200, 300).withCached(1000)
                .withReasoning(100)));

        Response response = client.responses().create(ResponsesSdk.params("gpt-4.1", "Say hello"));

        assertThat(ResponsesSdk.outputText(response)).isEqualTo("Hello there!");
        assertThat(response.id()).isEqualTo("resp_fake0001");
        assertThat(ResponsesSdk.json(response).path("model").asText()).isEqualTo("gpt-4.1");
        assertThat(response.status()).contains(ResponseStatus.COMPLETED);
        ResponseUsage usage = response.usage().orElseThrow();
        assertThat(usage.inputTokens()).isEqualTo(1200);
        assertThat(usage.inputTokensDetails().cachedTokens()).isEqualTo(1000);
        assertThat(usage.outputTokens()).isEqualTo(300);
        assertThat(usage.outputTokensDetails().reasoningTokens()).isEqualTo(100);
        assertThat(UPSTREAM.take().path()).isEqualTo("/v1/responses");
    }

    @Test
    void aStreamIsReadEventByEventInTheRealOrder() {
        UPSTREAM.behave(FakeOpenAiResponses.answer(ResponsesAnswer.text("Hello there!", 12, 3)));

        List<ResponsesSdk.Event> events = ResponsesSdk.readAll(client, ResponsesSdk.params("gpt-4.1", "Say hello"));

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
        assertThat(done.usage().orElseThrow().outputTokens()).isEqualTo(3);
    }

    @Test
    void aFunctionCallIsReadWholeAndStreamed() {
        UPSTREAM.behave(FakeOpenAiResponses.answer(ResponsesAnswer.toolCall("call_1", "get_weather",
                "{\"city\":\"Paris\"}", 50, 20)));

        Response response = client.responses().create(ResponsesSdk.params("gpt-4.1", "Weather?"));
        ResponseFunctionToolCall call = response.output().get(0).functionCall().orElseThrow();
        assertThat(call.callId()).isEqualTo("call_1");
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");

        List<ResponsesSdk.Event> events = ResponsesSdk.readAll(client, ResponsesSdk.params("gpt-4.1", "Weather?"));
        assertThat(ResponsesSdk.types(events)).contains("response.function_call_arguments.delta",
                "response.function_call_arguments.done");
        assertThat(events.stream().flatMap(e -> e.event().functionCallArgumentsDone().stream())
                .map(d -> d.arguments()).toList()).containsExactly("{\"city\":\"Paris\"}");
    }
}
