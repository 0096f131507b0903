package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Usage;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Proves {@link FakeAnthropic} faithful: the official Anthropic Java SDK, pointed straight at it (no gateway), parses
 * its messages, streams, token counts and errors as it parses Anthropic's, and its retry policy reacts to the fake's
 * headers as to the API's. The SDK's own behaviour that the gateway must match is pinned here too: which headers it
 * sends, what it retries, how it reads errors.
 */
class FakeAnthropicTest {

    private static final String MODEL = "claude-sonnet-4-5";
    private static final String KEY = "sk-ant-test-key";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDYmMzOGY4MWI1ZTM";

    private static FakeAnthropic fake;

    private final List<AnthropicClient> clients = new ArrayList<>();

    @BeforeAll
    static void startFake() {
        fake = FakeAnthropic.start();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(AnthropicClient::close);
    }

    /** A client that never retries, so every call the SDK makes is the one the test asserts on. */
    private AnthropicClient client() {
        return client(0);
    }

    private AnthropicClient client(int maxRetries) {
        return keep(AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(KEY).maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(10)).responseValidation(true).build());
    }

    private AnthropicClient keep(AnthropicClient client) {
        clients.add(client);
        return client;
    }

    private static MessageCreateParams params() {
        return MessageCreateParams.builder().model(MODEL).maxTokens(1024).addUserMessage("Say hello").build();
    }

    private static List<RawMessageStreamEvent> streamAll(AnthropicClient client, MessageCreateParams params) {
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            return stream.stream().toList();
        }
    }

    private static Message accumulate(List<RawMessageStreamEvent> events) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        events.forEach(accumulator::accumulate);
        return accumulator.message();
    }

    private static List<String> types(List<RawMessageStreamEvent> events) {
        return events.stream().map(e -> e.type().asString()).toList();
    }

    private static List<RawContentBlockDelta> deltas(List<RawMessageStreamEvent> events) {
        return events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .map(e -> e.asContentBlockDelta().delta()).toList();
    }

    // ------------------------------------------------------------------ messages

    @Test
    void nonStreamedMessageIsParsedWithItsCacheUsageAndEchoesTheModel() throws Exception {
        fake.behave(FakeAnthropic.answer(AnthropicAnswer.text("Hello there, world", 25, 7).withCache(100, 50, 300)));

        Message message = client().messages().create(params());

        assertThat(message.id()).isEqualTo("msg_01FakeAnthropic000000001");
        assertThat(message.model().asString()).isEqualTo(MODEL);
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asText().text()).isEqualTo("Hello there, world");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.stopSequence()).isEmpty();
        Usage usage = message.usage();
        assertThat(usage.inputTokens()).isEqualTo(25);
        assertThat(usage.outputTokens()).isEqualTo(7);
        assertThat(usage.cacheCreationInputTokens()).hasValue(150L);
        assertThat(usage.cacheReadInputTokens()).hasValue(300L);
        assertThat(usage.cacheCreation().orElseThrow().ephemeral5mInputTokens()).isEqualTo(100);
        assertThat(usage.cacheCreation().orElseThrow().ephemeral1hInputTokens()).isEqualTo(50);
        assertThat(usage.serviceTier()).hasValue(Usage.ServiceTier.STANDARD);

        FakeAnthropic.Received received = fake.take();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.uri()).isEqualTo("/v1/messages");
        assertThat(received.json().path("model").asString()).isEqualTo(MODEL);
        assertThat(received.json().path("max_tokens").asLong()).isEqualTo(1024);
        assertThat(received.json().has("stream")).isFalse();
    }

    @Test
    void stopSequenceAndOtherStopReasonsAreParsed() {
        fake.behave(FakeAnthropic.answer(AnthropicAnswer.text("1, 2, 3", 5, 6).withStopSequence("4")));
        Message stopped = client().messages().create(params());
        assertThat(stopped.stopReason()).hasValue(StopReason.STOP_SEQUENCE);
        assertThat(stopped.stopSequence()).hasValue("4");

        fake.behave(FakeAnthropic.answer(AnthropicAnswer.text("cut", 5, 1024).withStopReason("max_tokens")));
        assertThat(client().messages().create(params()).stopReason()).hasValue(StopReason.MAX_TOKENS);
    }

    /**
     * What the SDK sends, which the gateway's {@code /v1/messages} ingress must accept: this SDK version sends an
     * {@code apiKey} as {@code Authorization: Bearer}, not {@code x-api-key} (a client-level {@code x-api-key} header
     * replaces it); a pinned {@code anthropic-version}; the {@code x-stainless-*} telemetry headers with the retry
     * count; and {@code anthropic-beta} when a call names betas.
     */
    @Test
    void sdkSendsItsKeyVersionAndTelemetryHeaders() throws Exception {
        fake.behave(FakeAnthropic.answer(AnthropicAnswer.text("hi", 1, 1)));

        client().messages().create(params());
        FakeAnthropic.Received byKey = fake.take();
        assertThat(byKey.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(byKey.apiKey()).isNull();
        assertThat(byKey.anthropicVersion()).isEqualTo("2026-10-21");
        assertThat(byKey.anthropicBeta()).isNull();
        assertThat(byKey.header("content-type")).startsWith("application/json");
        assertThat(byKey.header("accept")).isEqualTo("application/json");
        assertThat(byKey.header("x-stainless-lang")).isEqualTo("java");
        assertThat(byKey.header("x-stainless-package-version")).isEqualTo("3.14.0");
        assertThat(byKey.header("x-stainless-retry-count")).isEqualTo("0");
        assertThat(byKey.header("x-stainless-runtime")).isEqualTo("JRE");

        keep(AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).authToken("oauth-token").maxRetries(0).build())
                .messages().create(params());
        assertThat(fake.take().authorization()).isEqualTo("Bearer oauth-token");

        keep(AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(KEY).putHeader("x-api-key", KEY)
                .maxRetries(0).build()).messages().create(params());
        FakeAnthropic.Received byHeader = fake.take();
        assertThat(byHeader.apiKey()).isEqualTo(KEY);
        assertThat(byHeader.authorization()).isNull();

        client().messages().create(params().toBuilder()
                .putAdditionalHeader("anthropic-beta", "extended-cache-ttl-2025-04-11").build());
        assertThat(fake.take().anthropicBeta()).isEqualTo("extended-cache-ttl-2025-04-11");

        BetaMessage beta = client().beta().messages().create(
                com.anthropic.models.beta.messages.MessageCreateParams.builder().model(MODEL).maxTokens(1024)
                        .addUserMessage("Say hello").addBeta("context-1m-2025-08-07")
                        .addBeta("extended-cache-ttl-2025-04-11").build());
        assertThat(beta.content().get(0).asText().text()).isEqualTo("hi");
        FakeAnthropic.Received betaCall = fake.take();
        // this SDK version calls the beta API on the plain path (2.x versions add ?beta=true: see Received.path())
        assertThat(betaCall.uri()).isEqualTo("/v1/messages");
        assertThat(betaCall.anthropicBeta()).isEqualTo("context-1m-2025-08-07,extended-cache-ttl-2025-04-11");
    }

    /** What the SDK hides: the raw wire, with named events, the ping, and the body's field order. */
    @Test
    void wireFormatHasNamedEventsAPingAndTheApiFieldOrder() throws Exception {
        fake.behave(FakeAnthropic.answer(AnthropicAnswer.text("Hi", 12, 1)));
        HttpClient http = HttpClient.newHttpClient();
        String request = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";

        HttpResponse<String> whole = http.send(post(request + "}"), HttpResponse.BodyHandlers.ofString());
        assertThat(whole.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(whole.headers().firstValue("request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        JsonNode message = MAPPER.readTree(whole.body());
        assertThat(message.propertyNames()).containsExactly("id", "type", "role", "model", "content", "stop_reason",
                "stop_sequence", "usage");
        assertThat(message.get("usage").propertyNames()).containsExactly("input_tokens",
                "cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation", "output_tokens",
                "service_tier");
        assertThat(message.get("model").asString()).isEqualTo("claude-haiku-4-5");

        HttpResponse<String> streamed = http.send(post(request + ",\"stream\":true}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(streamed.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<String> names = new ArrayList<>();
        for (String event : streamed.body().split("\n\n")) {
            String[] lines = event.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            String name = lines[0].substring("event: ".length());
            assertThat(MAPPER.readTree(lines[1].substring("data: ".length())).path("type")
                    .asString()).isEqualTo(name);
            names.add(name);
        }
        assertThat(names).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
    }

    private HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/messages"))
                .header("content-type", "application/json").header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    // ------------------------------------------------------------------ streams

    @Test
    void streamIsParsedEventByEventAndAccumulatesToTheSameMessage() throws Exception {
        AnthropicAnswer answer = AnthropicAnswer.text("Hello there, world", 25, 7).withCache(100, 0, 300);
        fake.behave(FakeAnthropic.answer(answer, Duration.ofMillis(5)));

        List<RawMessageStreamEvent> events = streamAll(client(), params());

        // the SDK drops the ping the fake sends after the first content_block_start
        assertThat(types(events)).containsExactly("message_start", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(deltas(events)).extracting(d -> d.asText().text()).containsExactly("Hello", " there,", " world");
        Message start = events.get(0).asMessageStart().message();
        assertThat(start.model().asString()).isEqualTo(MODEL);
        assertThat(start.content()).isEmpty();
        assertThat(start.stopReason()).isEmpty();
        assertThat(start.usage().inputTokens()).isEqualTo(25);
        assertThat(start.usage().outputTokens()).isEqualTo(1);
        var delta = events.get(6).asMessageDelta();
        assertThat(delta.delta().stopReason()).hasValue(StopReason.END_TURN);
        assertThat(delta.usage().outputTokens()).isEqualTo(7);
        assertThat(delta.usage().inputTokens()).hasValue(25L);

        // message_delta's output_tokens is the cumulative total: it replaces message_start's, it is not added to it
        Message message = accumulate(events);
        assertThat(message.content().get(0).asText().text()).isEqualTo("Hello there, world");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().outputTokens()).isEqualTo(7);
        assertThat(message.usage().inputTokens()).isEqualTo(25);
        assertThat(message.usage().cacheCreationInputTokens()).hasValue(100L);
        assertThat(message.usage().cacheReadInputTokens()).hasValue(300L);

        FakeAnthropic.Received received = fake.take();
        assertThat(received.json().path("stream").asBoolean()).isTrue();
        assertThat(received.header("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void streamedToolCallIsAssembledFromInputJsonDeltas() {
        String input = "{\"location\":\"Paris, France\",\"unit\":\"celsius\"}";
        AnthropicAnswer answer = AnthropicAnswer.toolUse("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", input, 50,
                20, 5, 17, 30);
        fake.behave(FakeAnthropic.answer(answer));

        List<RawMessageStreamEvent> events = streamAll(client(), params());

        assertThat(deltas(events)).extracting(d -> d.asInputJson().partialJson())
                .containsExactly("", "{\"loc", "ation\":\"Pari", "s, France\",\"u", "nit\":\"celsius\"}");
        assertThat(events.get(1).asContentBlockStart().contentBlock().asToolUse().name()).isEqualTo("get_weather");
        Message message = accumulate(events);
        assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
        var call = message.content().get(0).asToolUse();
        assertThat(call.id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.caller().isDirect()).isTrue();
        assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("location", "Paris, France", "unit", "celsius"));

        var whole = client().messages().create(params()).content().get(0).asToolUse();
        assertThat(whole._input().convert(Map.class)).isEqualTo(Map.of("location", "Paris, France", "unit", "celsius"));
    }

    @Test
    void thinkingThenTextIsParsedWholeAndStreamed() {
        AnthropicAnswer answer = AnthropicAnswer.thinking("Two plus two is four.", SIGNATURE, "It is 4.", 30, 60);
        fake.behave(FakeAnthropic.answer(answer));
        MessageCreateParams params = params().toBuilder().enabledThinking(2048).build();

        Message whole = client().messages().create(params);
        assertThat(whole.content()).hasSize(2);
        assertThat(whole.content().get(0).asThinking().thinking()).isEqualTo("Two plus two is four.");
        assertThat(whole.content().get(0).asThinking().signature()).isEqualTo(SIGNATURE);
        assertThat(whole.content().get(1).asText().text()).isEqualTo("It is 4.");

        List<RawMessageStreamEvent> events = streamAll(client(), params);
        List<RawContentBlockDelta> deltas = deltas(events);
        assertThat(deltas).filteredOn(RawContentBlockDelta::isThinking).extracting(d -> d.asThinking().thinking())
                .containsExactly("Two", " plus", " two", " is", " four.");
        assertThat(deltas).filteredOn(RawContentBlockDelta::isSignature).extracting(d -> d.asSignature().signature())
                .containsExactly(SIGNATURE);
        Message streamed = accumulate(events);
        assertThat(streamed.content()).isEqualTo(whole.content());
        assertThat(streamed.usage().outputTokens()).isEqualTo(60);
    }

    @Test
    void tokensAreCountedAndTheDefaultApiRoutesByPath() throws Exception {
        fake.behave(FakeAnthropic.countTokens(2095));
        long counted = client().messages().countTokens(MessageCountTokensParams.builder().model(MODEL)
                .addUserMessage("Hello, Claude").build()).inputTokens();
        assertThat(counted).isEqualTo(2095);
        assertThat(fake.take().uri()).isEqualTo("/v1/messages/count_tokens");

        fake.behave(FakeAnthropic.api(AnthropicAnswer.text("routed", 3, 2), 42));
        assertThat(client().messages().countTokens(MessageCountTokensParams.builder().model(MODEL)
                .addUserMessage("Hi").build()).inputTokens()).isEqualTo(42);
        assertThat(client().messages().create(params()).content().get(0).asText().text()).isEqualTo("routed");
        assertThat(accumulate(streamAll(client(), params())).content().get(0).asText().text()).isEqualTo("routed");
    }

    // ------------------------------------------------------------------ errors

    static Stream<Arguments> errorStatuses() {
        return Stream.of(
                Arguments.of(FakeAnthropic.rateLimited(Duration.ofSeconds(7)), 429, RateLimitException.class,
                        ErrorType.RATE_LIMIT_ERROR),
                Arguments.of(FakeAnthropic.overloaded(), 529, OverloadedException.class, ErrorType.OVERLOADED_ERROR),
                Arguments.of(FakeAnthropic.apiError(), 500, InternalServerException.class, ErrorType.API_ERROR),
                Arguments.of(FakeAnthropic.invalidRequest("max_tokens: Field required"), 400,
                        BadRequestException.class, ErrorType.INVALID_REQUEST_ERROR),
                Arguments.of(FakeAnthropic.authenticationError(), 401, UnauthorizedException.class,
                        ErrorType.AUTHENTICATION_ERROR),
                Arguments.of(FakeAnthropic.permissionError(), 403, PermissionDeniedException.class,
                        ErrorType.PERMISSION_ERROR),
                Arguments.of(FakeAnthropic.notFound("model: claude-nope"), 404, NotFoundException.class,
                        ErrorType.NOT_FOUND_ERROR));
    }

    @ParameterizedTest
    @MethodSource("errorStatuses")
    void errorStatusMapsToTheSdkExceptionWithTypeMessageAndRequestId(FakeAnthropic.Behaviour behaviour, int status,
            Class<? extends AnthropicServiceException> exception, ErrorType type) {
        fake.behave(behaviour);

        AnthropicServiceException e = catchThrowableOfType(AnthropicServiceException.class,
                () -> client().messages().create(params()));

        assertThat(e).isExactlyInstanceOf(exception);
        assertThat(e.statusCode()).isEqualTo(status);
        assertThat(e.type()).hasValue(type);
        assertThat(e.apiMessage()).isPresent();
        assertThat(e.requestId()).hasValueSatisfying(id -> assertThat(id).startsWith("req_fake"));
        assertThat(e.body().toString()).contains("request_id=" + e.requestId().orElseThrow());
        assertThat(fake.receivedCount()).isEqualTo(1);
    }

    @Test
    void overloadedIsAnInternalServerErrorToTheSdk() {
        fake.behave(FakeAnthropic.overloaded());
        assertThatThrownBy(() -> client().messages().create(params())).isInstanceOf(InternalServerException.class);
    }

    @Test
    void rateLimitCarriesRetryAfterAndRateLimitHeaders() {
        fake.behave(FakeAnthropic.rateLimited(Duration.ofSeconds(7)));

        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> client().messages().create(params()));

        assertThat(e.headers().values("retry-after")).containsExactly("7");
        assertThat(e.headers().values("anthropic-ratelimit-requests-limit")).containsExactly("50");
        assertThat(e.headers().values("anthropic-ratelimit-requests-remaining")).containsExactly("0");
        assertThat(e.headers().values("anthropic-ratelimit-requests-reset").get(0)).endsWith("Z");
        assertThat(e.headers().values("anthropic-ratelimit-output-tokens-remaining")).containsExactly("8000");
    }

    // ------------------------------------------------------------------ the SDK's retries

    @Test
    void rateLimitMarkedXShouldRetryFalseIsNotRetried() {
        fake.behave(FakeAnthropic.rateLimited(Duration.ofSeconds(1)).withHeader("x-should-retry", "false"));

        assertThatThrownBy(() -> client(2).messages().create(params())).isInstanceOf(RateLimitException.class);
        assertThat(fake.receivedCount()).isEqualTo(1);
    }

    @Test
    void rateLimitIsRetriedAfterRetryAfterMsWhichWinsOverRetryAfter() throws Exception {
        fake.behave(FakeAnthropic.firstThen(1,
                FakeAnthropic.rateLimited(Duration.ofSeconds(30)).withHeader("retry-after-ms", "50"),
                FakeAnthropic.answer(AnthropicAnswer.text("after the retry", 1, 3))));

        Message message = client(2).messages().create(params());

        assertThat(message.content().get(0).asText().text()).isEqualTo("after the retry");
        FakeAnthropic.Received first = fake.take();
        FakeAnthropic.Received second = fake.take();
        assertThat(first.header("x-stainless-retry-count")).isEqualTo("0");
        assertThat(second.header("x-stainless-retry-count")).isEqualTo("1");
        assertThat(Duration.ofNanos(second.atNanos() - first.atNanos())).isBetween(Duration.ofMillis(45),
                Duration.ofSeconds(5));
    }

    @Test
    void retryAfterInSecondsIsWaitedOut() throws Exception {
        fake.behave(FakeAnthropic.firstThen(1, FakeAnthropic.rateLimited(Duration.ofSeconds(1)),
                FakeAnthropic.answer(AnthropicAnswer.text("later", 1, 1))));

        client(2).messages().create(params());

        FakeAnthropic.Received first = fake.take();
        FakeAnthropic.Received second = fake.take();
        assertThat(Duration.ofNanos(second.atNanos() - first.atNanos())).isGreaterThanOrEqualTo(
                Duration.ofMillis(950));
    }

    @Test
    void rateLimitIsRetriedUntilMaxRetriesThenThrown() {
        fake.behave(FakeAnthropic.rateLimited(Duration.ofSeconds(30)).withHeader("retry-after-ms", "10"));

        assertThatThrownBy(() -> client(2).messages().create(params())).isInstanceOf(RateLimitException.class);
        assertThat(fake.receivedCount()).isEqualTo(3);
    }

    @Test
    void overloadedIsRetried() {
        fake.behave(FakeAnthropic.firstThen(1, FakeAnthropic.overloaded().withHeader("retry-after-ms", "10"),
                FakeAnthropic.answer(AnthropicAnswer.text("recovered", 1, 1))));

        assertThat(client(2).messages().create(params()).content().get(0).asText().text()).isEqualTo("recovered");
        assertThat(fake.receivedCount()).isEqualTo(2);
    }

    @Test
    void xShouldRetryTrueMakesEvenABadRequestRetried() {
        fake.behave(FakeAnthropic.firstThen(1, FakeAnthropic.invalidRequest("flaky")
                .withHeader("x-should-retry", "true").withHeader("retry-after-ms", "10"),
                FakeAnthropic.answer(AnthropicAnswer.text("second time", 1, 1))));

        assertThat(client(2).messages().create(params()).content().get(0).asText().text()).isEqualTo("second time");
        assertThat(fake.receivedCount()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ stream faults

    @Test
    void gatedStreamDeliversItsFirstEventsWhileTheRestAreHeld() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        // message_start, content_block_start, ping, the first text_delta; the SDK hides the ping
        fake.behave(FakeAnthropic.gatedStream(AnthropicAnswer.text("Hello there, world", 10, 3), 4, gate));

        try (StreamResponse<RawMessageStreamEvent> stream = client().messages().createStreaming(params())) {
            Iterator<RawMessageStreamEvent> events = stream.stream().iterator();
            MessageAccumulator accumulator = MessageAccumulator.create();
            List<RawMessageStreamEvent> early = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                early.add(accumulator.accumulate(CompletableFuture.supplyAsync(events::next).get(5, TimeUnit.SECONDS)));
            }
            assertThat(gate.getCount()).isEqualTo(1);
            assertThat(types(early)).containsExactly("message_start", "content_block_start", "content_block_delta");
            assertThat(deltas(early).get(0).asText().text()).isEqualTo("Hello");

            gate.countDown();
            events.forEachRemaining(accumulator::accumulate);
            assertThat(accumulator.message().content().get(0).asText().text()).isEqualTo("Hello there, world");
        }
    }

    @Test
    void cutStreamFailsWithAnIoErrorAndNoMessageStop() {
        fake.behave(FakeAnthropic.cutStream(AnthropicAnswer.text("Hello there, world", 10, 3), 5));
        List<RawMessageStreamEvent> seen = new ArrayList<>();

        try (StreamResponse<RawMessageStreamEvent> stream = client().messages().createStreaming(params())) {
            assertThatThrownBy(() -> stream.stream().forEach(seen::add)).isInstanceOf(AnthropicIoException.class);
        }

        assertThat(types(seen)).containsExactly("message_start", "content_block_start", "content_block_delta",
                "content_block_delta");
        MessageAccumulator accumulator = MessageAccumulator.create();
        seen.forEach(accumulator::accumulate);
        assertThatThrownBy(accumulator::message).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void errorEventMidStreamIsAnSseExceptionWithTheErrorType() {
        fake.behave(FakeAnthropic.overloadedMidStream(AnthropicAnswer.text("Hello there, world", 10, 3), 5));
        List<RawMessageStreamEvent> seen = new ArrayList<>();

        SseException e;
        try (StreamResponse<RawMessageStreamEvent> stream = client().messages().createStreaming(params())) {
            e = catchThrowableOfType(SseException.class, () -> stream.stream().forEach(seen::add));
        }

        assertThat(types(seen)).hasSize(4).doesNotContain("message_stop");
        assertThat(e.statusCode()).isEqualTo(200);
        assertThat(e.type()).hasValue(ErrorType.OVERLOADED_ERROR);
        assertThat(e.apiMessage()).hasValue("Overloaded");
    }

    // ------------------------------------------------------------------ connection faults

    @Test
    void connectionClosedBeforeAnsweringIsAnIoErrorThatTheSdkRetries() {
        fake.behave(FakeAnthropic.reset());
        assertThatThrownBy(() -> client().messages().create(params())).isInstanceOf(AnthropicIoException.class);
        assertThat(fake.receivedCount()).isEqualTo(1);

        fake.behave(FakeAnthropic.reset());
        assertThatThrownBy(() -> client(1).messages().create(params())).isInstanceOf(AnthropicIoException.class);
        assertThat(fake.receivedCount()).isEqualTo(2);
    }

    @Test
    void refusedConnectionIsAnIoError() {
        AnthropicClient refused = keep(AnthropicOkHttpClient.builder().baseUrl(FakeAnthropic.refusedBaseUrl())
                .apiKey(KEY).maxRetries(0).build());

        assertThatThrownBy(() -> refused.messages().create(params())).isInstanceOf(AnthropicIoException.class);
    }

    @Test
    void delayBeforeTheFirstByteIsWaitedOutOrTimesOut() {
        fake.behave(FakeAnthropic.delayed(Duration.ofMillis(400),
                FakeAnthropic.answer(AnthropicAnswer.text("slow", 1, 1))));
        long start = System.nanoTime();
        assertThat(client().messages().create(params()).content().get(0).asText().text()).isEqualTo("slow");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));

        AnthropicClient impatient = keep(AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey(KEY)
                .maxRetries(0).timeout(Duration.ofMillis(100)).build());
        assertThatThrownBy(() -> impatient.messages().create(params())).isInstanceOf(AnthropicIoException.class);
    }
}
