package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.error;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.tollgate.metering.TokenCounter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every way a call can fail, through real HTTP: what the client receives (status, OpenAI's error shape, JSON), the
 * one ledger row the call leaves, and the request counter by outcome. The last test proves the gateway still
 * serves normal calls after all of them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ErrorsIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String MODEL = "gpt-4o-mini";
    private static final String PROVIDER = "fake-openai";
    /** Over the 64KB request limit the support sets. */
    private static final String OVERSIZED_BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"" + "x".repeat(70 * 1024) + "\"}]}";

    // ------------------------------------------------------------------ refused by the gateway

    @Test
    void malformedJsonIsRefusedWith400InvalidJson() throws Exception {
        HttpResponse<String> response = post(ALPHA, "{\"model\":\"gpt-4o-mini\",\"messages\":[");

        JsonNode error = assertError(response, 400, "invalid_json");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertRefusedRow(response, 400, "invalid_json");
    }

    @Test
    void jsonArrayBodyIsRefusedWith400() throws Exception {
        HttpResponse<String> response = post(ALPHA, "[" + chatBody(MODEL, false) + "]");

        JsonNode error = assertError(response, 400, "invalid_request");
        assertThat(error.path("message").asString()).contains("JSON object");
        assertRefusedRow(response, 400, "invalid_request");
    }

    @Test
    void missingModelIsRefusedWith400NamingTheParameter() throws Exception {
        HttpResponse<String> response = post(ALPHA, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        JsonNode error = assertError(response, 400, "missing_required_parameter");
        assertThat(error.path("param").asString()).isEqualTo("model");
        assertRefusedRow(response, 400, "missing_required_parameter");
    }

    @Test
    void missingMessagesIsRefusedWith400NamingTheParameter() throws Exception {
        HttpResponse<String> response = post(ALPHA, "{\"model\":\"gpt-4o-mini\"}");

        JsonNode error = assertError(response, 400, "missing_required_parameter");
        assertThat(error.path("param").asString()).isEqualTo("messages");
        assertRefusedRow(response, 400, "missing_required_parameter");
    }

    @Test
    void unknownModelIsRefusedWith404ModelNotFound() throws Exception {
        HttpResponse<String> response = post(ALPHA, chatBody("no-such-model-anywhere", false));

        JsonNode error = assertError(response, 404, "model_not_found");
        assertThat(error.path("param").asString()).isEqualTo("model");
        assertThat(error.path("message").asString()).contains("no-such-model-anywhere");
        Map<String, Object> row = assertRefusedRow(response, 404, "model_not_found");
        assertThat(row).containsEntry("REQUESTED_MODEL", "no-such-model-anywhere");
    }

    @Test
    void bodyOverTheLimitWithContentLengthIsRefusedWith413() throws Exception {
        HttpResponse<String> response = post(ALPHA, OVERSIZED_BODY);

        assertError(response, 413, "request_too_large");
        assertRefusedRow(response, 413, "request_too_large");
    }

    @Test
    void chunkedBodyOverTheLimitIsRefusedWith413() throws Exception {
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers
                .fromPublisher(HttpRequest.BodyPublishers.ofString(OVERSIZED_BODY));
        assertThat(chunked.contentLength()).as("no length: sent with chunked transfer encoding").isNegative();
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + ALPHA)
                .POST(chunked).build();

        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());

        assertError(response, 413, "request_too_large");
        assertRefusedRow(response, 413, "request_too_large");
    }

    @Test
    void requestWithoutKeyIsRefusedWith401AndNotLedgered() throws Exception {
        BigDecimal before = metric("tollgate_unauthenticated_requests_total", "");

        HttpResponse<String> response = post(null, chatBody(MODEL, false));

        JsonNode error = assertError(response, 401, "invalid_api_key");
        assertThat(error.path("message").asString()).contains("didn't provide an API key");
        assertThat(metric("tollgate_unauthenticated_requests_total", "").subtract(before))
                .isEqualByComparingTo("1");
        assertNoLedgerRow(requestId(response));
    }

    @Test
    void requestWithWrongKeyIsRefusedWith401AndNotLedgered() throws Exception {
        HttpResponse<String> response = post("sk-test-nobody", chatBody(MODEL, false));

        JsonNode error = assertError(response, 401, "invalid_api_key");
        assertThat(error.path("message").asString()).contains("Incorrect API key");
        assertNoLedgerRow(requestId(response));
    }

    // ------------------------------------------------------------------ refused by the upstream

    @Test
    void upstream400IsPassedThroughWithTheUpstreamsExactBody() throws Exception {
        String upstreamBody = error("invalid_request_error", "context_length_exceeded",
                "This model's maximum context length is 128000 tokens.");
        UPSTREAM.behave(FakeUpstream.json(400, upstreamBody));

        Reached reached = call(false);

        assertThat(reached.response.statusCode()).isEqualTo(400);
        assertJsonContentType(reached.response);
        assertThat(reached.response.body()).isEqualTo(upstreamBody);
        reached.assertRow(400, "upstream_client_error", "context_length_exceeded");
    }

    @Test
    void upstream404WithANonJsonBodyBecomesAn404UpstreamError() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(404, "text/html", "<html><body>404 page not found</body></html>"));

        Reached reached = call(false);

        JsonNode error = assertError(reached.response, 404, "upstream_error");
        assertThat(error.path("message").asString()).contains("HTTP 404").contains("404 page not found");
        reached.assertRow(404, "upstream_client_error", "upstream_error");
    }

    @Test
    void upstream429IsPassedThroughWithItsRetryAfter() throws Exception {
        String upstreamBody = error("requests", "rate_limit_exceeded", "Rate limit reached for requests.");
        UPSTREAM.behave(FakeUpstream.json(429, upstreamBody).withHeader("retry-after", "7"));

        Reached reached = call(false);

        assertThat(reached.response.statusCode()).isEqualTo(429);
        assertThat(reached.response.headers().firstValue("retry-after")).hasValue("7");
        assertJsonContentType(reached.response);
        assertThat(reached.response.body()).isEqualTo(upstreamBody);
        reached.assertRow(429, "upstream_client_error", "rate_limit_exceeded");
    }

    @Test
    void upstream401Becomes502AuthFailedWithoutRevealingTheProviderKey() throws Exception {
        // OpenAI echoes (part of) the rejected key in its message; the gateway must not pass that on.
        UPSTREAM.behave(FakeUpstream.json(401, error("invalid_request_error", "invalid_api_key",
                "Incorrect API key provided: " + UPSTREAM_KEY + ".")));

        Reached reached = call(false);

        JsonNode error = assertError(reached.response, 502, "upstream_auth_failed");
        assertThat(error.path("type").asString()).isEqualTo("server_error");
        assertThat(reached.response.body()).doesNotContain(UPSTREAM_KEY).doesNotContain("sk-upstream");
        reached.response.headers().map().forEach((name, values) ->
                assertThat(values).allSatisfy(v -> assertThat(v).doesNotContain(UPSTREAM_KEY)));
        reached.assertRow(502, "upstream_error", "upstream_auth_failed");
    }

    // ------------------------------------------------------------------ upstream failures

    @Test
    void upstream500Becomes502UpstreamError() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(500, error("server_error", "server_error", "The server had an error.")));

        Reached reached = call(false);

        JsonNode error = assertError(reached.response, 502, "upstream_error");
        assertThat(error.path("message").asString()).contains("HTTP 500").contains("The server had an error.");
        reached.assertRow(502, "upstream_error", "upstream_error");
    }

    @Test
    void upstream503Becomes502AndKeepsItsRetryAfter() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(503, "text/plain", "Service Unavailable").withHeader("retry-after", "3"));

        Reached reached = call(false);

        JsonNode error = assertError(reached.response, 502, "upstream_error");
        assertThat(error.path("message").asString()).contains("HTTP 503");
        assertThat(reached.response.headers().firstValue("retry-after")).hasValue("3");
        reached.assertRow(502, "upstream_error", "upstream_error");
    }

    @Test
    void refusedConnectionBecomes502UpstreamUnreachable() throws Exception {
        Reached reached = call("gemini-2.5-flash", "dead", false);

        JsonNode error = assertError(reached.response, 502, "upstream_unreachable");
        assertThat(error.path("message").asString()).contains("'dead'");
        reached.assertRow(502, "upstream_error", "upstream_unreachable");
    }

    @Test
    void upstreamThatNeverAnswersBecomes504Timeout() throws Exception {
        UPSTREAM.behave(FakeUpstream.hang());

        Reached reached = call(false);

        assertError(reached.response, 504, "upstream_timeout");
        reached.assertRow(504, "timeout", "upstream_timeout");
    }

    @Test
    void malformedJsonFromTheUpstreamBecomes502BadResponse() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(200, "application/json", "{\"id\":\"chatcmpl-1\",\"choices\":[{\"ind"));

        Reached reached = call(false);

        assertError(reached.response, 502, "upstream_bad_response");
        reached.assertRow(502, "upstream_error", "upstream_bad_response");
    }

    @Test
    void htmlAnswerToANonStreamedCallBecomes502BadResponse() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(200, "text/html", "<html><body>Welcome to nginx!</body></html>"));

        Reached reached = call(false);

        JsonNode error = assertError(reached.response, 502, "upstream_bad_response");
        assertThat(error.path("message").asString()).contains("text/html");
        assertThat(reached.response.body()).doesNotContain("nginx");
        reached.assertRow(502, "upstream_error", "upstream_bad_response");
    }

    @Test
    void upstreamBodyOverTheLimitBecomes502TooLarge() throws Exception {
        UPSTREAM.behave(FakeUpstream.huge(300 * 1024));

        Reached reached = call(false);

        assertError(reached.response, 502, "upstream_response_too_large");
        assertThat(reached.response.body().length()).isLessThan(1024);
        reached.assertRow(502, "upstream_error", "upstream_response_too_large");
    }

    @Test
    void streamRequestAnsweredWithJsonBecomes502() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("not a stream", 10, 5)));

        Reached reached = call(true);

        JsonNode error = assertError(reached.response, 502, "upstream_bad_response");
        assertThat(error.path("message").asString()).contains("application/json");
        reached.assertRow(502, "upstream_error", "upstream_bad_response");
    }

    @Test
    void streamCutHalfWayEndsWithAnErrorEventAndIsChargedForWhatWasDelivered() throws Exception {
        UPSTREAM.behave(FakeUpstream.cutSse(List.of(chunk("Hello"), chunk(" there, friend"))));
        BigDecimal before = requestsTotal(MODEL, "stream_interrupted", PROVIDER, "alpha");

        HttpResponse<java.io.InputStream> response = openStream(ALPHA, chatBody(MODEL, true));
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).hasSize(3);
        assertThat(lines.subList(0, 2)).containsExactly("data: " + chunk("Hello"), "data: " + chunk(" there, friend"));
        assertThat(lines.get(2)).startsWith("data: {\"error\":");
        JsonNode error = JSON.readTree(lines.get(2).substring("data: ".length())).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_stream_interrupted");
        assertThat(error.path("type").asString()).isEqualTo("server_error");
        assertThat(error.has("message")).isTrue();
        assertThat(error.has("param")).isTrue();
        String requestId = requestId(response);
        Map<String, Object> row = ledgerRow(requestId);
        assertThat(countRows(requestId)).isEqualTo(1);
        assertThat(row).containsEntry("STATUS", 200).containsEntry("OUTCOME", "stream_interrupted")
                .containsEntry("ERROR_CODE", "upstream_stream_interrupted").containsEntry("ESTIMATED", true)
                .containsEntry("PROVIDER", PROVIDER)
                .containsEntry("OUTPUT_TOKENS", (long) new TokenCounter().count("Hello there, friend"));
        assertThat((Long) row.get("INPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
        assertThat(requestsTotal(MODEL, "stream_interrupted", PROVIDER, "alpha").subtract(before))
                .isEqualByComparingTo("1");
    }

    // ------------------------------------------------------------------ outside the chat call

    @Test
    void unknownPathIsA404InOpenAisShape() throws Exception {
        HttpResponse<String> response = get(ALPHA, "/v1/nothing");

        JsonNode error = assertError(response, 404, "not_found");
        assertThat(error.path("message").asString()).contains("/v1/nothing");
    }

    @Test
    void getOnTheChatPathIsA405InOpenAisShapeAndNotACall() throws Exception {
        HttpResponse<String> response = get(ALPHA, "/v1/chat/completions");

        JsonNode error = assertError(response, 405, "method_not_allowed");
        assertThat(error.path("message").asString()).contains("GET").contains("POST");
        assertThat(response.headers().firstValue("allow")).hasValue("POST");
        assertNoLedgerRow(requestId(response));
    }

    /** Runs after every other test of the class: no fault above took the gateway down. */
    @Test
    @Order(Integer.MAX_VALUE)
    void gatewayStillServesNormalCallsAfterEveryFault() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("still here", 100, 10)));
        HttpResponse<String> plain = post(ALPHA, chatBody(MODEL, false));

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).contains("still here");
        assertThat(ledgerRow(requestId(plain))).containsEntry("OUTCOME", "success");

        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("still"), chunk(" streaming"), finishChunk(), "[DONE]"),
                Duration.ofMillis(1)));
        HttpResponse<java.io.InputStream> stream = openStream(ALPHA, chatBody(MODEL, true));
        List<String> lines = ChatCompletionsIT.readAll(lines(stream));

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(lines).endsWith("data: [DONE]");
        assertThat(ledgerRow(requestId(stream))).containsEntry("OUTCOME", "success");
    }

    // ------------------------------------------------------------------ helpers

    /** A chat call that reached a backend, with the request counter of its series read before it. */
    private final class Reached {
        final HttpResponse<String> response;
        final String model;
        final String provider;
        final Map<String, BigDecimal> before;

        Reached(HttpResponse<String> response, String model, String provider, Map<String, BigDecimal> before) {
            this.response = response;
            this.model = model;
            this.provider = provider;
            this.before = before;
        }

        /** Exactly one ledger row with this status, outcome and error code; its outcome counted once. */
        void assertRow(int status, String outcome, String errorCode) throws Exception {
            String requestId = requestId(response);
            Map<String, Object> row = ledgerRow(requestId);
            assertThat(countRows(requestId)).isEqualTo(1);
            assertThat(row).containsEntry("STATUS", status).containsEntry("OUTCOME", outcome)
                    .containsEntry("ERROR_CODE", errorCode).containsEntry("TEAM", "alpha")
                    .containsEntry("PROVIDER", provider).containsEntry("MODEL", model);
            // The row is appended after the metrics are recorded, so the counter is final by now.
            for (String o : OUTCOMES) {
                BigDecimal grown = requestsTotal(model, o, provider, "alpha").subtract(before.get(o));
                assertThat(grown).as("requests with outcome %s", o)
                        .isEqualByComparingTo(o.equals(outcome) ? "1" : "0");
            }
        }
    }

    private static final List<String> OUTCOMES = List.of("success", "rejected", "upstream_client_error",
            "upstream_error", "timeout", "stream_interrupted", "cancelled", "internal_error");

    private Reached call(boolean stream) throws Exception {
        return call(MODEL, PROVIDER, stream);
    }

    private Reached call(String model, String provider, boolean stream) throws Exception {
        Map<String, BigDecimal> before = new java.util.HashMap<>();
        for (String o : OUTCOMES) {
            before.put(o, requestsTotal(model, o, provider, "alpha"));
        }
        HttpResponse<String> response = post(ALPHA, chatBody(model, stream));
        return new Reached(response, model, provider, before);
    }

    private BigDecimal requestsTotal(String model, String outcome, String provider, String team) throws Exception {
        return metric("tollgate_requests_total", "model=\"" + model + "\",outcome=\"" + outcome + "\",provider=\""
                + provider + "\",team=\"" + team + "\"");
    }

    /** A call the gateway refused before any backend: one row, no provider, counted as rejected. */
    private Map<String, Object> assertRefusedRow(HttpResponse<String> response, int status, String errorCode) {
        String requestId = requestId(response);
        Map<String, Object> row = ledgerRow(requestId);
        assertThat(countRows(requestId)).isEqualTo(1);
        assertThat(row).containsEntry("STATUS", status).containsEntry("OUTCOME", "rejected")
                .containsEntry("ERROR_CODE", errorCode).containsEntry("TEAM", "alpha")
                .containsEntry("PROVIDER", null).containsEntry("PRICE_VERSION", null);
        assertThat((BigDecimal) row.get("COST_USD")).isZero();
        return row;
    }

    /**
     * No row for the request. The ledger writer is one thread taking rows in order, so once the row of a later
     * call is in the table, any row the earlier request had appended would be there too.
     */
    private void assertNoLedgerRow(String requestId) throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("barrier", 1, 1)));
        HttpResponse<String> later = post(ALPHA, chatBody(MODEL, false));
        ledgerRow(requestId(later));
        assertThat(countRows(requestId)).isZero();
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        assertJsonContentType(response);
        JsonNode root = JSON.readTree(response.body());
        assertThat(root.propertyNames()).containsExactly("error");
        JsonNode error = root.path("error");
        assertThat(error.propertyNames()).containsExactlyInAnyOrder("message", "type", "code", "param");
        assertThat(error.path("code").asString()).isEqualTo(code);
        assertThat(error.path("message").asString()).isNotBlank();
        assertThat(error.path("type").asString()).isIn("invalid_request_error", "server_error");
        return error;
    }

    private static void assertJsonContentType(HttpResponse<?> response) {
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
    }

    private static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    }
}
