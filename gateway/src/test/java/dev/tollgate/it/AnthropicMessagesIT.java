package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/messages} from the official Anthropic SDK to the native Anthropic backend: the body and every event
 * pass through untouched (but for the model id and a budget's cap), usage with every token kind is metered, and the
 * gateway's own errors come in Anthropic's shape, with the status and headers the SDK acts on.
 */
class AnthropicMessagesIT extends AnthropicITSupport {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String SONNET = "claude-sonnet-4-5";

    private static MessageCreateParams params(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(1024).addUserMessage("Say hello").build();
    }

    @Test
    void aMessageFromTheSdkPassesThroughWithItsCacheUsageMeteredExactly() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("Hello there", 25, 7).withCache(100, 0, 300)));

        HttpResponseFor<Message> raw = sdk(ALPHA).messages().withRawResponse().create(params(SONNET));
        Message message = raw.parse();

        assertThat(message.content().get(0).asText().text()).isEqualTo("Hello there");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().cacheReadInputTokens()).hasValue(300L);
        FakeAnthropic.Received upstream = ANTHROPIC.take();
        assertThat(upstream.path()).isEqualTo("/v1/messages");
        assertThat(upstream.apiKey()).as("the provider's key, not the client's").isEqualTo(ANTHROPIC_KEY);
        assertThat(upstream.authorization()).isNull();
        assertThat(upstream.anthropicVersion()).isEqualTo("2023-06-01");
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("anthropic");
        String requestId = raw.headers().values("request-id").get(0);
        assertThat(requestId).isEqualTo(raw.headers().values("x-tollgate-request-id").get(0));
        // 25 input x 3.00 + 300 cache reads x 0.30 + 100 5-minute writes x 3.75 + 7 output x 15.00, per 1M tokens
        BigDecimal expected = new BigDecimal("0.000075").add(new BigDecimal("0.00009"))
                .add(new BigDecimal("0.000375")).add(new BigDecimal("0.000105"));
        BigDecimal header = new BigDecimal(raw.headers().values("x-tollgate-cost-usd").get(0));
        assertThat(header).isEqualByComparingTo(expected);
        Map<String, Object> row = ledgerRow(requestId);
        assertThat(row.get("INPUT_TOKENS")).isEqualTo(25L);
        assertThat(row.get("CACHED_INPUT_TOKENS")).isEqualTo(300L);
        assertThat(row.get("CACHE_WRITE_TOKENS")).isEqualTo(100L);
        assertThat(row.get("OUTPUT_TOKENS")).isEqualTo(7L);
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo(header);
        assertThat(row.get("ESTIMATED")).isEqualTo(false);
    }

    @Test
    void aStreamReachesTheSdkEventByEventAndIsMeteredFromMessageStartAndMessageDelta() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("one two three four", 40, 12)));

        MessageAccumulator accumulator = MessageAccumulator.create();
        List<String> types;
        try (StreamResponse<RawMessageStreamEvent> stream = sdk(ALPHA).messages().createStreaming(params(SONNET))) {
            types = stream.stream().peek(accumulator::accumulate).map(e -> e.type().asString()).toList();
        }
        Message message = accumulator.message();

        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types).contains("content_block_start", "content_block_delta", "content_block_stop",
                "message_delta");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
        assertThat(message.content().get(0).asText().text()).isEqualTo("one two three four");
        assertThat(message.usage().outputTokens()).isEqualTo(12);
        Map<String, Object> row = jdbc.queryForList("SELECT * FROM ledger WHERE stream = TRUE AND team = 'alpha' "
                + "ORDER BY ts DESC").stream().findFirst().orElseThrow();
        // output counted once: message_delta's cumulative 12, not message_start's 1 added to it
        assertThat(row.get("OUTPUT_TOKENS")).isEqualTo(12L);
        assertThat(row.get("INPUT_TOKENS")).isEqualTo(40L);
    }

    @Test
    void bothKeyHeadersAreAcceptedAndAnthropicBetaIsPassedOnAsTheOperatorAllows() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("ok", 5, 1)));

        HttpResponse<String> viaApiKey = post("/v1/messages", ALPHA, messagesBody(SONNET, 64, false),
                "anthropic-beta", "context-1m-2025-08-07");

        assertThat(viaApiKey.statusCode()).isEqualTo(200);
        FakeAnthropic.Received upstream = ANTHROPIC.take();
        assertThat(upstream.anthropicBeta()).isEqualTo("context-1m-2025-08-07");
        assertThat(upstream.apiKey()).isEqualTo(ANTHROPIC_KEY);
        // the SDK sends Authorization: Bearer
        assertThat(sdk(ALPHA).messages().create(params(SONNET)).content()).isNotEmpty();
    }

    @Test
    void aBudgetRefusalIsARateLimitErrorTheSdkDoesNotRetry() {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("never", 5, 1)));
        int before = jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class);

        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> sdk(BROKE, 2).messages().create(params(SONNET)));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("x-should-retry")).containsExactly("false");
        assertThat(e.body().toString()).contains("budget");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class) > before);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE team = 'broke'", Integer.class))
                .as("one call, not retried").isEqualTo(before + 1);
        assertThat(ANTHROPIC.receivedCount()).isZero();
    }

    @Test
    void aRateLimitCarriesRetryAfterAndAnthropicsRateLimitHeaders() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("ok", 5, 1)));
        CLOCK.set(GatewayITSupport.NOW.plus(Duration.ofHours(1)));

        HttpResponse<String> first = post("/v1/messages", LIMITED, messagesBody(SONNET, 64, false));
        HttpResponse<String> second = post("/v1/messages", LIMITED, messagesBody(SONNET, 64, false));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("anthropic-ratelimit-requests-limit")).hasValue("1");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("retry-after")).isPresent();
        assertThat(second.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("0");
        assertThat(second.headers().firstValue("anthropic-ratelimit-requests-reset")).isPresent();
        JsonNode body = MAPPER.readTree(second.body());
        assertThat(body.path("type").asString()).isEqualTo("error");
        assertThat(body.path("error").path("type").asString()).isEqualTo("rate_limit_error");
    }

    @Test
    void anUnknownModelIsTheSdksNotFoundException() {
        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> sdk(ALPHA).messages().create(params("claude-does-not-exist")));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.body().toString()).contains("not_found_error");
    }

    @Test
    void badInputIsA400InAnthropicsShapeNamingTheField() throws Exception {
        HttpResponse<String> response = post("/v1/messages", ALPHA,
                "{\"model\":\"" + SONNET + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("type").asString()).isEqualTo("error");
        assertThat(body.path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asString()).startsWith("max_tokens:");
        assertThat(response.headers().firstValue("request-id")).isPresent();
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> sdk(ALPHA).messages()
                .create(MessageCreateParams.builder().model(SONNET).maxTokens(0).addUserMessage("hi").build()));
        assertThat(e).isNotNull();
    }

    @Test
    void anOverloadedProviderWithNowhereElseToGoIsThe529TheSdkKnows() {
        ANTHROPIC.behave(FakeAnthropic.overloaded());

        OverloadedException e = catchThrowableOfType(OverloadedException.class,
                () -> sdk(ALPHA).messages().create(params(SONNET)));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(529);
    }

    @Test
    void countTokensAnswersInputTokensWithoutCallingAnyProvider() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("never", 5, 1)));

        HttpResponse<String> response = post("/v1/messages/count_tokens", ALPHA,
                "{\"model\":\"" + SONNET + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello world\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(MAPPER.readTree(response.body()).path("input_tokens").asLong()).isPositive();
        assertThat(ANTHROPIC.receivedCount()).isZero();
    }

    @Test
    void explainAndCompareTakeAMessagesRequestAndTheExplainHeaderWorksOnTheMessagesApi() throws Exception {
        ANTHROPIC.behave(FakeAnthropic.answer(AnthropicAnswer.text("ok", 5, 1)));
        String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":100,\"top_k\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> explain = post("/v1/route/explain", ALPHA, body);
        HttpResponse<String> compare = post("/v1/cost/compare", ALPHA, body);
        HttpResponse<String> call = post("/v1/messages", ALPHA, body, "x-tollgate-explain", "true");

        assertThat(explain.statusCode()).isEqualTo(200);
        JsonNode decision = MAPPER.readTree(explain.body());
        assertThat(decision.path("routed").asBoolean()).isTrue();
        assertThat(decision.path("candidates").get(0).path("provider").asString()).isEqualTo("anthropic");
        assertThat(compare.statusCode()).isEqualTo(200);
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(call.headers().firstValue("x-tollgate-explain")).isPresent();
    }

    @Test
    void aMessagesRequestNoBackendOfItsFormatServesIsRefusedNamingTheFieldOtherFormatsCannotCarry() throws Exception {
        // deepseek-chat is offered only by the OpenAI-compatible backend, which has no top_k
        OPENAI.behave(FakeUpstream.json(200, FakeUpstream.chatCompletion("never", 1, 1)));
        HttpResponse<String> response = post("/v1/messages", ALPHA, "{\"model\":\"deepseek-chat\",\"max_tokens\":50,"
                + "\"top_k\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asString()).contains("top_k");
        assertThat(OPENAI.receivedCount()).isZero();
    }
}
