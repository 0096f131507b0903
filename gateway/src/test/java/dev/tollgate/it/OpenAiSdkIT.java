package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;

import dev.tollgate.metering.TokenCounter;

/**
 * The gateway as the official OpenAI Java SDK sees it: the SDK must parse our answers, streams and errors exactly as it
 * parses OpenAI's. No retries, so every call the SDK makes is the one the test asserts on.
 */
class OpenAiSdkIT extends GatewayITSupport {

    private OpenAIClient client;

    @BeforeEach
    void sdk() {
        client = client(ALPHA);
    }

    @AfterEach
    void closeSdk() {
        client.close();
    }

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static ChatCompletionCreateParams params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").build();
    }

    @Test
    void nonStreamedCompletionFromTheUpstreamIsParsedWithItsUsage() {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hi there", 1000, 500)));

        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(params("gpt-4o-mini"));
        ChatCompletion completion = raw.parse();

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(completion.id()).isEqualTo("chatcmpl-fake1");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).hasValue("hi there");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(1000);
        assertThat(usage.completionTokens()).isEqualTo(500);
        assertThat(usage.totalTokens()).isEqualTo(1500);
        // the gateway's own headers reach an SDK user too
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("fake-openai");
        assertThat(new BigDecimal(raw.headers().values("x-tollgate-cost-usd").get(0)))
                .isEqualByComparingTo("0.00045");
    }

    @Test
    void nonStreamedCompletionFromTheSimulatedBackendIsParsedWithItsUsage() {
        ChatCompletion completion = client.chat().completions().create(params("claude-haiku-4-5"));

        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(
                content -> assertThat(content).startsWith("[simulated sim/claude-haiku-4-5]"));
        assertThat(completion.systemFingerprint()).hasValue("tollgate-simulated");
        CompletionUsage usage = completion.usage().orElseThrow();
        TokenCounter tokens = new TokenCounter();
        // 3 per message + "user" + "Say hello" + 3 priming, counted with o200k_base
        assertThat(usage.promptTokens()).isEqualTo(6L + tokens.count("user") + tokens.count("Say hello"));
        assertThat(usage.completionTokens()).isPositive();
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    }

    @Test
    void streamedCompletionYieldsEveryDeltaInOrderAndCompletes() {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), chunk(", "), chunk("world"),
                finishChunk(), usageChunk(21, 4), "[DONE]"), Duration.ofMillis(5)));

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(params("gpt-4o-mini"))) {
            chunks = stream.stream().toList(); // ends only when the stream has completed
        }

        assertThat(chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content())
                .flatMap(Optional::stream)).containsExactly("Hel", "lo", ", ", "world");
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
                .hasValue(ChatCompletionChunk.Choice.FinishReason.STOP);
        assertThat(chunks).as("the usage chunk the gateway asked for on its own is not passed on")
                .allSatisfy(c -> assertThat(c.usage()).isEmpty());
    }

    @Test
    void streamedCompletionWithIncludeUsageShowsTheUsageChunk() {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("a"), chunk("b"), finishChunk(), usageChunk(21, 2), "[DONE]"),
                Duration.ofMillis(5)));
        ChatCompletionCreateParams params = params("gpt-4o-mini").toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }

        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        CompletionUsage usage = last.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(21);
        assertThat(usage.completionTokens()).isEqualTo(2);
        assertThat(usage.totalTokens()).isEqualTo(23);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    }

    @Test
    void simulatedStreamWithIncludeUsageAddsUpToTheDeltasTheSdkSaw() {
        ChatCompletionCreateParams params = params("claude-haiku-4-5").toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }

        String content = String.join("", chunks.stream().flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content()).flatMap(Optional::stream).toList());
        assertThat(content).startsWith("[simulated sim/claude-haiku-4-5]");
        CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
        assertThat(usage.completionTokens()).isPositive();
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    }

    @Test
    void unknownModelSurfacesAsNotFoundWithTheGatewayMessage() {
        assertThatThrownBy(() -> client.chat().completions().create(params("no-such-model")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.code()).hasValue("model_not_found");
                    assertThat(e.type()).hasValue("invalid_request_error");
                    assertThat(e.param()).hasValue("model");
                    assertThat(e.getMessage()).contains("The model 'no-such-model' does not exist");
                    assertThat(e.headers().values("x-tollgate-request-id")).hasSize(1);
                });
    }

    @Test
    void unknownModelOnAStreamedCallSurfacesAsNotFoundToo() {
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                    .createStreaming(params("no-such-model"))) {
                stream.stream().toList();
            }
        }).isInstanceOfSatisfying(NotFoundException.class,
                e -> assertThat(e.getMessage()).contains("The model 'no-such-model' does not exist"));
    }

    @Test
    void wrongGatewayKeySurfacesAsUnauthorized() {
        OpenAIClient stranger = client("sk-not-a-gateway-key");
        try {
            assertThatThrownBy(() -> stranger.chat().completions().create(params("gpt-4o-mini")))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.code()).hasValue("invalid_api_key");
                        assertThat(e.getMessage()).contains("Incorrect API key provided");
                    });
        } finally {
            stranger.close();
        }
    }

    @Test
    void upstreamRateLimitIsPassedOnAsTheSdksRateLimitException() {
        UPSTREAM.behave(FakeUpstream.json(429, FakeUpstream.error("rate_limit_exceeded", "rate_limit_exceeded",
                "Rate limit reached for gpt-4o-mini")));

        assertThatThrownBy(() -> client.chat().completions().create(params("gpt-4o-mini")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.code()).hasValue("rate_limit_exceeded");
                    assertThat(e.getMessage()).contains("Rate limit reached for gpt-4o-mini");
                });
    }

    @Test
    void upstreamFailureSurfacesAsTheSdksServerError() {
        UPSTREAM.behave(FakeUpstream.json(503, FakeUpstream.error("server_error", "overloaded", "The engine is overloaded")));

        assertThatThrownBy(() -> client.chat().completions().create(params("gpt-4o-mini")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(502);
                    assertThat(e.code()).hasValue("upstream_error");
                    assertThat(e.getMessage()).contains("failed with HTTP 503: The engine is overloaded");
                });
    }
}
