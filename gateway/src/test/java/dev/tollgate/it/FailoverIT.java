package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.error;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import dev.tollgate.auth.KeyHasher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failover through real HTTP, one fault per test: what the client receives, the route header, the ledger row's
 * attempts and failover count, and the metrics. Backends (the shared ones of {@link GatewayITSupport} are switched
 * off here, so every candidate list is known):
 * <ul>
 * <li>{@code a-first}, {@code b-second}: both priced by the openai table, so {@code gpt-4o-mini} ties on cost and
 * quality and {@code a-first} is tried first (provider id order). {@code a-first} takes one call at a time.</li>
 * <li>{@code k-refused} (a closed port) and {@code m-mistral}: both priced by the mistral table.</li>
 * <li>{@code cheap}: priced by the deepseek table, the cheapest backend of the {@code good-enough} alias.</li>
 * <li>{@code o-refused} (a closed port) and {@code o-flaky}: priced by the openai table, so each offers three
 * candidates of {@code good-enough} (o3, gpt-4.1, gpt-5), all cheaper than {@code s-claude} (anthropic table,
 * claude-sonnet-4-5). Only the teams of {@value #GAMMA} ({@code o-refused}, {@code s-claude}) and {@value #DELTA}
 * ({@code o-flaky}, {@code s-claude}) may use them ({@code rules-failover}); alpha may not.</li>
 * </ul>
 * First-byte and stream idle timeouts 1.5 s; call deadline 2.5 s. {@code o-flaky}'s provider breaker judges its last
 * two attempts (it opens at 50% transport failures) and lets one probe through when half-open.
 */
class FailoverIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final FakeUpstream FIRST = FakeUpstream.start();
    private static final FakeUpstream SECOND = FakeUpstream.start();
    private static final FakeUpstream CHEAP = FakeUpstream.start();
    private static final FakeUpstream FLAKY = FakeUpstream.start();
    private static final String GAMMA = "sk-test-gamma";
    private static final String DELTA = "sk-test-delta";
    private static final String OK = chatCompletion("hello", 10, 5);
    private static final String MINI = "a-first/gpt-4o-mini";

    @DynamicPropertySource
    static void failoverBackends(DynamicPropertyRegistry r) {
        for (String off : List.of("fake-openai", "fake-deepseek", "dead", "sim")) {
            r.add("tollgate.providers." + off + ".enabled", () -> "false");
        }
        backend(r, "a-first", "openai", FIRST.baseUrl());
        backend(r, "b-second", "openai", SECOND.baseUrl());
        backend(r, "k-refused", "mistral", "http://127.0.0.1:" + closedPort() + "/v1");
        backend(r, "m-mistral", "mistral", SECOND.baseUrl());
        backend(r, "cheap", "deepseek", CHEAP.baseUrl());
        backend(r, "o-refused", "openai", "http://127.0.0.1:" + closedPort() + "/v1");
        backend(r, "o-flaky", "openai", FLAKY.baseUrl());
        backend(r, "s-claude", "anthropic", SECOND.baseUrl());
        r.add("tollgate.providers.a-first.resilience.max-concurrent-calls", () -> "1");
        r.add("tollgate.providers.o-flaky.resilience.provider-breaker.sliding-window-size", () -> "2");
        r.add("tollgate.providers.o-flaky.resilience.provider-breaker.minimum-number-of-calls", () -> "2");
        r.add("tollgate.providers.o-flaky.resilience.provider-breaker.permitted-calls-in-half-open-state", () -> "1");
        r.add("tollgate.resilience.deadline", () -> "2500ms");
        r.add("tollgate.rules.location", () -> "src/test/resources/rules-failover");
        r.add("tollgate.admin.key-hash", () -> KeyHasher.hash(AdminApiIT.ADMIN)); // opens the health details
    }

    private static void backend(DynamicPropertyRegistry r, String id, String prices, String url) {
        r.add("tollgate.providers." + id + ".type", () -> "openai");
        r.add("tollgate.providers." + id + ".base-url", () -> url);
        r.add("tollgate.providers." + id + ".api-key", () -> "sk-upstream");
        r.add("tollgate.providers." + id + ".prices", () -> prices);
        r.add("tollgate.providers." + id + ".connect-timeout", () -> "1s");
        r.add("tollgate.providers." + id + ".resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers." + id + ".resilience.stream-idle-timeout", () -> "1500ms");
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopUpstreams() {
        FIRST.close();
        SECOND.close();
        CHEAP.close();
        FLAKY.close();
    }

    @BeforeEach
    void healthyUpstreams() {
        FIRST.behave(FakeUpstream.json(200, OK));
        SECOND.behave(FakeUpstream.json(200, OK));
        CHEAP.behave(FakeUpstream.json(200, OK));
        FLAKY.behave(FakeUpstream.json(200, OK));
    }

    // ------------------------------------------------------------------ failures that fail over

    @Test
    void upstream500FailsOverToTheNextCandidateUnseenByTheClient() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        FIRST.behave(FakeUpstream.json(500, error("server_error", null, "boom")));
        BigDecimal failovers = metric("tollgate_failovers_total",
                "from_provider=\"a-first\",reason=\"http_5xx\",to_provider=\"b-second\"");
        BigDecimal failedAttempts = metric("tollgate_upstream_attempts_total",
                "model=\"gpt-4o-mini\",outcome=\"http_5xx\",provider=\"a-first\"");

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("choices").get(0).path("message").path("content").asString())
                .isEqualTo("hello");
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("b-second");
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=b-second/gpt-4o-mini", "attempt=2", "failed_over=a-first/gpt-4o-mini:http_5xx");
        assertThat(FIRST.receivedCount()).isOne();
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(row).containsEntry("PROVIDER", "b-second").containsEntry("OUTCOME", "success")
                .containsEntry("FAILOVER_COUNT", 1);
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:http_5xx", "b-second/gpt-4o-mini:success");
        // billed once, at the backend that served (10 x 0.15 + 5 x 0.60 per 1M)
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.0000045")
                .isEqualByComparingTo(response.headers().firstValue("x-tollgate-cost-usd").orElseThrow());
        assertThat(metric("tollgate_failovers_total",
                "from_provider=\"a-first\",reason=\"http_5xx\",to_provider=\"b-second\"").subtract(failovers))
                .isEqualByComparingTo("1");
        assertThat(metric("tollgate_upstream_attempts_total",
                "model=\"gpt-4o-mini\",outcome=\"http_5xx\",provider=\"a-first\"").subtract(failedAttempts))
                .isEqualByComparingTo("1");
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void upstream503WithRetryAfterCoolsTheBackendDownUntilItsTimeIsUp() throws Exception {
        FIRST.behave(FakeUpstream.json(503, error("server_error", null, "overloaded")).withHeader("retry-after", "30"));

        HttpResponse<String> first = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("failed_over=a-first/gpt-4o-mini:http_5xx");
        // Cooling down: routing leaves a-first out (and says why); the next call goes straight to b-second.
        FIRST.behave(FakeUpstream.json(200, OK));
        HttpResponse<String> second = post(ALPHA, chatBody("gpt-4o-mini", false));
        assertThat(second.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=b-second/gpt-4o-mini").doesNotContain("failed_over");
        assertThat(FIRST.receivedCount()).isZero();
        assertThat(excluded(explain("gpt-4o-mini"), MINI).path("reason").asString())
                .startsWith("backend unavailable (cooling down after HTTP 503 with retry-after until 2026-11-15T12:00:30");
        assertThat(backendsHealth().path("details").path("circuitBreakers").path(MINI).path("state").asString())
                .isEqualTo("OPEN");

        CLOCK.advance(Duration.ofSeconds(31));

        HttpResponse<String> third = post(ALPHA, chatBody("gpt-4o-mini", false));
        assertThat(third.headers().firstValue("x-tollgate-provider")).hasValue("a-first");
        assertThat(FIRST.receivedCount()).isOne();
        assertThat(backendsHealth().path("details").path("circuitBreakers").path(MINI).path("state").asString())
                .isEqualTo("HALF_OPEN");
    }

    @Test
    void upstream429FailsOverAndTheClientNeverSeesIt() throws Exception {
        FIRST.behave(FakeUpstream.json(429, error("rate_limit_error", "rate_limit_exceeded", "slow down"))
                .withHeader("retry-after", "2"));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("retry-after")).isEmpty();
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("failed_over=a-first/gpt-4o-mini:http_429");
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:http_429", "b-second/gpt-4o-mini:success");
        assertThat(excluded(explain("gpt-4o-mini"), MINI).path("reason").asString())
                .contains("cooling down after HTTP 429 with retry-after until 2026-11-15T12:00:02");
    }

    @Test
    void refusedConnectionFailsOver() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        HttpResponse<String> response = post(ALPHA, chatBody("mistral-small-latest", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("m-mistral");
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(attempts(row)).containsExactly("k-refused/mistral-small-latest:connect_error",
                "m-mistral/mistral-small-latest:success");
        assertThat(row).containsEntry("FAILOVER_COUNT", 1);
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void resetConnectionFailsOver() throws Exception {
        FIRST.behave(FakeUpstream.reset());

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:connect_error", "b-second/gpt-4o-mini:success");
    }

    @Test
    void hangingBackendIsCutAtItsFirstByteTimeoutAndTheNextServes() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        FIRST.behave(FakeUpstream.hang());
        long start = System.nanoTime();

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(millis).isBetween(1400L, 2500L);
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:timeout", "b-second/gpt-4o-mini:success");
        // the abandoned attempt is not billed: only b-second's answer
        assertThat(row).containsEntry("INPUT_TOKENS", 10L).containsEntry("OUTPUT_TOKENS", 5L)
                .containsEntry("ESTIMATED", false);
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void malformedJsonFailsOver() throws Exception {
        FIRST.behave(FakeUpstream.raw(200, "application/json", "{\"choices\": [ not json"));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:bad_response", "b-second/gpt-4o-mini:success");
    }

    @Test
    void wrongContentTypeFailsOver() throws Exception {
        FIRST.behave(FakeUpstream.raw(200, "text/html", "<html>maintenance</html>"));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:bad_response", "b-second/gpt-4o-mini:success");
    }

    @Test
    void hugeBodyFailsOver() throws Exception {
        FIRST.behave(FakeUpstream.huge(300 * 1024));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("hello");
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:bad_response", "b-second/gpt-4o-mini:success");
    }

    @Test
    void streamThatBreaksBeforeItsFirstEventFailsOverAndTheClientGetsOneWholeStream() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        FIRST.behave(FakeUpstream.cutSse(List.of()));
        SECOND.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(12, 2), "[DONE]"),
                Duration.ofMillis(1)));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(lines).endsWith("data: [DONE]").noneMatch(l -> l.contains("\"error\""));
        assertThat(String.join("\n", lines)).contains("Hel", "lo");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:connect_error",
                "b-second/gpt-4o-mini:success");
        assertThat(row).containsEntry("OUTCOME", "success").containsEntry("INPUT_TOKENS", 12L);
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void keepAliveCommentsAreNotAFirstByteSoAStreamThatSendsNothingElseFailsOver() throws Exception {
        // ten keep-alive comments, 200 ms apart, then silence: the first-byte timeout (1.5 s) is not reset by them
        FIRST.behave((req, res, in) -> res.status(200).header("content-type", "text/event-stream")
                .sendString(Flux.interval(Duration.ofMillis(200)).take(10).map(i -> ": keep-alive\n\n")
                        .concatWith(Flux.never())));
        SECOND.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(12, 2), "[DONE]"),
                Duration.ofMillis(1)));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(lines).endsWith("data: [DONE]").noneMatch(l -> l.contains("keep-alive") || l.contains("\"error\""));
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:timeout", "b-second/gpt-4o-mini:success");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"no bytes at all", ": keep-alive\n\n: still there\n\n", "event: ping\n\n"})
    void aStreamThatEndsWithoutAnyDataEventFailsOver(String body) throws Exception {
        FIRST.behave(FakeUpstream.raw(200, "text/event-stream", body.equals("no bytes at all") ? "" : body));
        SECOND.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), "[DONE]"),
                Duration.ofMillis(1)));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).endsWith("data: [DONE]").anyMatch(l -> l.contains("Hel"))
                .noneMatch(l -> l.startsWith(":") || l.startsWith("event:"));
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:bad_response", "b-second/gpt-4o-mini:success");
        assertThat(row).containsEntry("OUTCOME", "success");
    }

    @Test
    void aStreamThatEndsWithoutDoneAfterItsFirstEventEndsWithAnErrorEvent() throws Exception {
        FIRST.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo")), Duration.ofMillis(1)));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).anyMatch(l -> l.contains("Hel")).noneMatch(l -> l.contains("[DONE]"));
        assertThat(lines.get(lines.size() - 1)).contains("upstream_stream_interrupted");
        assertThat(SECOND.receivedCount()).isZero();
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(row).containsEntry("OUTCOME", "stream_interrupted")
                .containsEntry("ERROR_CODE", "upstream_stream_interrupted").containsEntry("ESTIMATED", true);
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:stream_interrupted");
    }

    @Test
    void cheapestProviderDownServesTheNextProviderAtOnceWithTheRouteHeaderSayingSo() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        CHEAP.behave(FakeUpstream.json(503, error("server_error", null, "down for maintenance")));
        JsonNode candidates = explain("good-enough").path("candidates");
        // The provider 'cheap' offers the two cheapest candidates. A 503 is provider-wide: its second model goes to
        // the back of this call's order, and the next provider's cheapest candidate is tried at once.
        assertThat(offering(candidates.get(0))).isEqualTo("cheap/deepseek-chat");
        assertThat(offering(candidates.get(1))).isEqualTo("cheap/deepseek-reasoner");
        JsonNode next = candidates.get(2);
        assertThat(next.path("provider").asString()).isNotEqualTo("cheap");

        HttpResponse<String> response = post(ALPHA, chatBody("good-enough", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .isEqualTo("requested=good-enough; backend=" + offering(next) + "; estimated_cost_usd="
                        + next.path("estimated_cost_usd").asString() + "; candidates=" + candidates.size()
                        + "; attempt=2; failed_over=cheap/deepseek-chat:http_5xx");
        assertThat(CHEAP.receivedCount()).isOne();
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(row.get("PROVIDER") + "/" + row.get("MODEL")).isEqualTo(offering(next));
        assertThat(row).containsEntry("FAILOVER_COUNT", 1).containsEntry("ROUTE_ALIAS", "good-enough");
        assertThat(attempts(row)).containsExactly("cheap/deepseek-chat:http_5xx", offering(next) + ":success");
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void aDeadProviderIsLeftAfterItsFirstFailureThoughItOffersThreeCandidates() throws Exception {
        JsonNode candidates = explain(GAMMA, "good-enough").path("candidates");
        assertThat(candidates.valueStream().map(FailoverIT::offering).toList()).containsExactly("o-refused/o3",
                "o-refused/gpt-4.1", "o-refused/gpt-5", "s-claude/claude-sonnet-4-5");

        HttpResponse<String> response = post(GAMMA, chatBody("good-enough", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("s-claude");
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .startsWith("requested=good-enough; backend=s-claude/claude-sonnet-4-5;")
                .endsWith("; candidates=4; attempt=2; failed_over=o-refused/o3:connect_error");
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(attempts(row)).containsExactly("o-refused/o3:connect_error", "s-claude/claude-sonnet-4-5:success");
        assertThat(row).containsEntry("FAILOVER_COUNT", 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"500", "503", "502", "reset", "hang"})
    void aProviderFailingForEveryModelIsLeftAfterOneAttempt(String fault) throws Exception {
        String outcome = switch (fault) {
            case "reset" -> {
                FLAKY.behave(FakeUpstream.reset());
                yield "connect_error";
            }
            case "hang" -> {
                FLAKY.behave(FakeUpstream.hang());
                yield "timeout";
            }
            default -> {
                FLAKY.behave(FakeUpstream.json(Integer.parseInt(fault), error("server_error", null, "down")));
                yield "http_5xx";
            }
        };
        long start = System.nanoTime();

        HttpResponse<String> response = post(DELTA, chatBody("good-enough", false));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("s-claude");
        assertThat(FLAKY.receivedCount()).isOne();
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("o-flaky/o3:" + outcome, "s-claude/claude-sonnet-4-5:success");
        if (fault.equals("hang")) {
            // one first-byte timeout (1.5 s), not one per model of the hanging provider
            assertThat(millis).isBetween(1400L, 2400L);
        }
    }

    @Test
    void a429IsProviderWideUnlessTheProviderSaysTheLimitIsTheModels() throws Exception {
        // Account-level: OpenAI's insufficient_quota applies to every model of the organisation.
        FLAKY.behave(FakeUpstream.json(429, error("insufficient_quota", "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.")));

        HttpResponse<String> quota = post(DELTA, chatBody("good-enough", false));

        assertThat(quota.statusCode()).isEqualTo(200);
        assertThat(attempts(ledgerRow(requestId(quota))))
                .containsExactly("o-flaky/o3:http_429", "s-claude/claude-sonnet-4-5:success");

        // Model-level: rate_limit_exceeded is the requested model's requests or tokens per minute; the provider's
        // next model has its own limit and is tried next.
        FakeUpstream.Behaviour ok = FakeUpstream.json(200, OK);
        FakeUpstream.Behaviour limited = FakeUpstream.json(429, error("tokens", "rate_limit_exceeded",
                "Rate limit reached for o3 in organization org-x on tokens per min (TPM)"));
        FLAKY.behave((req, res, in) -> (new String(in, StandardCharsets.UTF_8).contains("\"model\":\"o3\"")
                ? limited : ok).answer(req, res, in));

        HttpResponse<String> model = post(DELTA, chatBody("good-enough", false));

        assertThat(model.statusCode()).isEqualTo(200);
        assertThat(attempts(ledgerRow(requestId(model))))
                .containsExactly("o-flaky/o3:http_429", "o-flaky/gpt-4.1:success");
    }

    private static String offering(JsonNode candidate) {
        return candidate.path("provider").asString() + "/" + candidate.path("model").asString();
    }

    // ------------------------------------------------------------------ failures that do not fail over

    @Test
    void clientErrorIsPassedThroughNotRetried() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        FIRST.behave(FakeUpstream.json(400, error("invalid_request_error", "bad_param", "temperature too hot")));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("message").asString())
                .isEqualTo("temperature too hot");
        assertThat(SECOND.receivedCount()).isZero();
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:http_4xx");
        assertThat(row).containsEntry("FAILOVER_COUNT", 0);
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void upstreamAuthFailureIsNotRetried() throws Exception {
        FIRST.behave(FakeUpstream.json(401, error("invalid_request_error", "invalid_api_key", "bad key")));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asString())
                .isEqualTo("upstream_auth_failed");
        assertThat(SECOND.receivedCount()).isZero();
        assertThat(attempts(ledgerRow(requestId(response)))).containsExactly("a-first/gpt-4o-mini:auth_failed");
    }

    @Test
    void streamCutAfterItsFirstEventEndsWithAnErrorEventAndIsNotRetried() throws Exception {
        Map<String, BigDecimal> before = attemptCounters();
        FIRST.behave(FakeUpstream.cutSse(List.of(chunk("Hel"), chunk("lo"))));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).anyMatch(l -> l.contains("Hel"));
        assertThat(lines.get(lines.size() - 1)).contains("upstream_stream_interrupted");
        assertThat(SECOND.receivedCount()).isZero();
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("OUTCOME", "stream_interrupted").containsEntry("ESTIMATED", true)
                .containsEntry("FAILOVER_COUNT", 0);
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
        assertThat(attempts(row)).containsExactly("a-first/gpt-4o-mini:stream_interrupted");
        assertAttemptMetricsMatch(before, row);
    }

    @Test
    void slowStreamStalledAfterItsFirstEventEndsWithATimeoutEventAndIsChargedForWhatWasDelivered()
            throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        FIRST.behave(FakeUpstream.gatedSse(List.of(chunk("Hello there"), finishChunk(), "[DONE]"), never));
        long start = System.nanoTime();

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1400L, 4000L);
        assertThat(lines.get(0)).contains("Hello there");
        assertThat(lines.get(lines.size() - 1)).contains("upstream_stream_timeout");
        assertThat(SECOND.receivedCount()).isZero();
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("OUTCOME", "stream_interrupted").containsEntry("ERROR_CODE", "upstream_stream_timeout")
                .containsEntry("ESTIMATED", true);
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
        never.countDown();
    }

    @Test
    void everyCandidateFailingGivesTheLastErrorNamingEveryAttempt() throws Exception {
        FIRST.behave(FakeUpstream.json(500, error("server_error", null, "first down")));
        SECOND.behave(FakeUpstream.json(502, error("server_error", null, "second down")));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(502);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_error");
        assertThat(error.path("message").asString()).contains("second down",
                "All 2 attempts failed: a-first/gpt-4o-mini:http_5xx,b-second/gpt-4o-mini:http_5xx");
        assertThat(response.headers().firstValue("x-tollgate-route")).hasValue("requested=gpt-4o-mini; backend=none; "
                + "candidates=2; attempts=2; failed=a-first/gpt-4o-mini:http_5xx,b-second/gpt-4o-mini:http_5xx");
        Map<String, Object> row = ledgerRow(requestId(response));
        assertThat(row).containsEntry("OUTCOME", "upstream_error").containsEntry("FAILOVER_COUNT", 1);
        assertThat((BigDecimal) row.get("COST_USD")).isZero();
    }

    @Test
    void deadlineBoundsEveryAttemptTogether() throws Exception {
        FIRST.behave(FakeUpstream.hang());
        SECOND.behave(FakeUpstream.hang());
        long start = System.nanoTime();

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(JSON.readTree(response.body()).path("error").path("message").asString())
                .contains("deadline of 2500 ms");
        assertThat(response.headers().firstValue("x-tollgate-route")).hasValue("requested=gpt-4o-mini; backend=none; "
                + "candidates=2; attempts=2; failed=a-first/gpt-4o-mini:timeout,b-second/gpt-4o-mini:timeout");
        // 1.5 s for the first attempt, the 1 s left of the deadline for the second: never 3 s
        assertThat(millis).isBetween(2400L, 2990L);
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:timeout", "b-second/gpt-4o-mini:timeout");
    }

    @Test
    void deadlineRunningOutBetweenAttemptsIs504DeadlineExceeded() throws Exception {
        CHEAP.behave(FakeUpstream.hang());
        FIRST.behave(FakeUpstream.hang());
        SECOND.behave(FakeUpstream.hang());
        // the first attempt goes to the cheapest candidate, the second to the next provider's cheapest
        String next = offering(explain("good-enough").path("candidates").get(2));
        long start = System.nanoTime();

        HttpResponse<String> response = post(ALPHA, chatBody("good-enough", false));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(504);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("deadline_exceeded");
        assertThat(error.path("message").asString()).isEqualTo("No backend answered within the call's deadline of "
                + "2500 ms. Tried: cheap/deepseek-chat:timeout," + next + ":timeout.");
        assertThat(millis).isBetween(2400L, 2990L);
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .endsWith("attempts=2; failed=cheap/deepseek-chat:timeout," + next + ":timeout");
        assertThat(ledgerRow(requestId(response))).containsEntry("OUTCOME", "timeout")
                .containsEntry("ERROR_CODE", "deadline_exceeded").containsEntry("FAILOVER_COUNT", 1);
    }

    // ------------------------------------------------------------------ breaker, bulkhead, health

    @Test
    void repeatedFailuresOpenTheBreakerAndRoutingLeavesTheBackendOutUntilHalfOpenProbesSucceed() throws Exception {
        FIRST.behave(FakeUpstream.json(500, error("server_error", null, "boom")));
        for (int i = 0; i < 10; i++) {
            assertThat(post(ALPHA, chatBody("gpt-4o-mini", false)).statusCode()).isEqualTo(200);
        }
        assertThat(FIRST.receivedCount()).isEqualTo(10);

        HttpResponse<String> routedAway = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(routedAway.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=b-second/gpt-4o-mini").doesNotContain("failed_over");
        assertThat(FIRST.receivedCount()).isEqualTo(10);
        assertThat(excluded(explain("gpt-4o-mini"), MINI).path("code").asString()).isEqualTo("unhealthy");
        assertThat(excluded(explain("gpt-4o-mini"), MINI).path("reason").asString())
                .contains("circuit breaker open: failure rate 100%");
        assertThat(metric("resilience4j_circuitbreaker_state", "name=\"a-first/gpt-4o-mini\",state=\"open\""))
                .isEqualByComparingTo("1");
        JsonNode health = backendsHealth();
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.path("details").path("circuitBreakers").path(MINI).path("state").asString())
                .isEqualTo("OPEN");
        assertThat(get(null, "/actuator/health/readiness").statusCode()).isEqualTo(200);

        // After the wait, routing lets it back in; three successful probes close the breaker. (The probes are pinned
        // to a-first: once both backends are measured, the faster of the two equal candidates goes first.)
        FIRST.behave(FakeUpstream.json(200, OK));
        CLOCK.advance(Duration.ofSeconds(31));
        assertThat(explain("gpt-4o-mini").path("excluded").valueStream()
                .filter(e -> e.path("code").asString().equals("unhealthy"))).isEmpty();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> probe = post(ALPHA, chatBody("gpt-4o-mini", false), "x-tollgate-provider",
                    "a-first");
            assertThat(probe.headers().firstValue("x-tollgate-provider")).hasValue("a-first");
        }
        assertThat(backendsHealth().path("details").path("circuitBreakers").path(MINI).path("state").asString())
                .isEqualTo("CLOSED");
    }

    @Test
    void fullBulkheadSendsTheCallToTheNextCandidateWithoutWaiting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FIRST.behave(FakeUpstream.gatedSse(List.of(chunk("held"), finishChunk(), usageChunk(3, 1), "[DONE]"), release));
        HttpResponse<InputStream> held = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        assertThat(held.headers().firstValue("x-tollgate-provider")).hasValue("a-first");

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("b-second");
        assertThat(attempts(ledgerRow(requestId(response))))
                .containsExactly("a-first/gpt-4o-mini:bulkhead_full", "b-second/gpt-4o-mini:success");
        assertThat(ledgerRow(requestId(response))).containsEntry("FAILOVER_COUNT", 0);
        release.countDown();
        CompletableFuture.runAsync(() -> {
            try {
                held.body().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get();
    }

    @Test
    void aProviderThatCannotBeReachedLeavesRoutingUntilItsProviderBreakerProbeSucceeds() throws Exception {
        FLAKY.behave(FakeUpstream.reset());
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> failedOver = post(DELTA, chatBody("good-enough", false));
            assertThat(attempts(ledgerRow(requestId(failedOver))))
                    .containsExactly("o-flaky/o3:connect_error", "s-claude/claude-sonnet-4-5:success");
        }

        // Two transport failures opened o-flaky's provider breaker: every model of it is out of routing.
        JsonNode decision = explain(DELTA, "good-enough");
        for (String model : List.of("o3", "gpt-4.1", "gpt-5")) {
            JsonNode excluded = excluded(decision, "o-flaky/" + model);
            assertThat(excluded.path("code").asString()).isEqualTo("unhealthy");
            assertThat(excluded.path("reason").asString()).isEqualTo("backend unavailable (provider circuit breaker "
                    + "open: transport failure rate 100% until 2026-11-15T12:00:30Z)");
        }
        JsonNode provider = backendsHealth().path("details").path("providers").path("o-flaky");
        assertThat(provider.path("state").asString()).isEqualTo("OPEN");
        assertThat(provider.path("unavailable").asString()).startsWith("provider circuit breaker open");
        assertThat(metric("resilience4j_circuitbreaker_state", "name=\"o-flaky\",state=\"open\""))
                .isEqualByComparingTo("1");
        FLAKY.behave(FakeUpstream.reset());
        HttpResponse<String> routedAway = post(DELTA, chatBody("good-enough", false));
        assertThat(routedAway.headers().firstValue("x-tollgate-route").orElseThrow())
                .contains("backend=s-claude/claude-sonnet-4-5").doesNotContain("failed_over");
        assertThat(FLAKY.receivedCount()).isZero();

        // After the wait it is back in routing; its half-open probe succeeds and closes the breaker.
        FLAKY.behave(FakeUpstream.json(200, OK));
        CLOCK.advance(Duration.ofSeconds(31));
        HttpResponse<String> probe = post(DELTA, chatBody("good-enough", false));
        assertThat(probe.headers().firstValue("x-tollgate-provider")).hasValue("o-flaky");
        assertThat(backendsHealth().path("details").path("providers").path("o-flaky").path("state").asString())
                .isEqualTo("CLOSED");
    }

    @Test
    void equalCandidatesGoToTheLowerObservedLatencyOnceEachHasBeenMeasured() throws Exception {
        FakeUpstream.Behaviour ok = FakeUpstream.json(200, OK);
        FIRST.behave((req, res, in) -> Mono.delay(Duration.ofMillis(400)).then(Mono.from(ok.answer(req, res, in))));

        // Neither measured: provider id order. Then the unmeasured one goes first, so that each gets measured.
        assertThat(post(ALPHA, chatBody("gpt-4o-mini", false)).headers().firstValue("x-tollgate-provider"))
                .hasValue("a-first");
        assertThat(post(ALPHA, chatBody("gpt-4o-mini", false)).headers().firstValue("x-tollgate-provider"))
                .hasValue("b-second");

        JsonNode candidates = explain("gpt-4o-mini").path("candidates");
        assertThat(offering(candidates.get(0))).isEqualTo("b-second/gpt-4o-mini");
        assertThat(offering(candidates.get(1))).isEqualTo("a-first/gpt-4o-mini");
        assertThat(candidates.get(1).path("latency_us").asLong()).isGreaterThanOrEqualTo(400_000);
        assertThat(candidates.get(0).path("latency_us").asLong()).isPositive()
                .isLessThan(candidates.get(1).path("latency_us").asLong());
        assertThat(post(ALPHA, chatBody("gpt-4o-mini", false)).headers().firstValue("x-tollgate-provider"))
                .hasValue("b-second");
        // a stream's time to first event is measured apart: for a streamed call neither is measured yet
        assertThat(explain(ALPHA, "gpt-4o-mini", true).path("candidates").get(0).path("latency_us").isNull())
                .isTrue();
    }

    // ------------------------------------------------------------------ helpers

    private static final Pattern ATTEMPT_SAMPLE = Pattern.compile(
            "tollgate_upstream_attempts_total\\{model=\"([^\"]*)\",outcome=\"([^\"]*)\",provider=\"([^\"]*)\"} (\\S+)");

    /** Every {@code tollgate_upstream_attempts_total} sample, as {@code provider/model:outcome} -> value. */
    private Map<String, BigDecimal> attemptCounters() throws Exception {
        Map<String, BigDecimal> counters = new TreeMap<>();
        for (String line : get(null, "/actuator/prometheus").body().split("\n")) {
            Matcher m = ATTEMPT_SAMPLE.matcher(line);
            if (m.matches()) {
                counters.put(m.group(3) + "/" + m.group(1) + ":" + m.group(2), new BigDecimal(m.group(4)));
            }
        }
        return counters;
    }

    /** The attempt counters grew by exactly the row's attempts. */
    private void assertAttemptMetricsMatch(Map<String, BigDecimal> before, Map<String, Object> row) throws Exception {
        Map<String, BigDecimal> expected = new TreeMap<>();
        attempts(row).forEach(a -> expected.merge(a, BigDecimal.ONE, BigDecimal::add));
        Map<String, BigDecimal> grown = new TreeMap<>();
        attemptCounters().forEach((k, v) -> {
            BigDecimal delta = v.subtract(before.getOrDefault(k, BigDecimal.ZERO));
            if (delta.signum() != 0) {
                grown.put(k, delta.stripTrailingZeros());
            }
        });
        assertThat(grown).isEqualTo(expected);
    }

    private static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    }

    /** The row's attempts as {@code provider/model:outcome}. */
    private static List<String> attempts(Map<String, Object> row) {
        JsonNode array = JSON.readTree((String) row.get("ATTEMPTS"));
        return array.valueStream().map(a -> a.path("provider").asString() + "/" + a.path("model").asString() + ":"
                + a.path("outcome").asString()).toList();
    }

    private JsonNode explain(String model) throws Exception {
        return explain(ALPHA, model);
    }

    private JsonNode explain(String key, String model) throws Exception {
        return explain(key, model, false);
    }

    private JsonNode explain(String key, String model, boolean stream) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/route/explain")).timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(model, stream))).build();
        return JSON.readTree(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static JsonNode excluded(JsonNode decision, String offering) {
        for (JsonNode e : decision.path("excluded")) {
            if (offering.equals(e.path("provider").asString() + "/" + e.path("model").asString())) {
                return e;
            }
        }
        throw new AssertionError(offering + " is not excluded: " + decision);
    }

    private JsonNode backendsHealth() throws Exception {
        HttpResponse<String> response = get(AdminApiIT.ADMIN, "/actuator/health/details/backends");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
