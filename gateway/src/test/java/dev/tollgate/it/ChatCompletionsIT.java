package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import dev.tollgate.metering.TokenCounter;

/** The chat path end to end through real HTTP: forwarding, streaming, cost, ledger, metrics. */
class ChatCompletionsIT extends GatewayITSupport {

    @Test
    void nonStreamedCallIsForwardedUntouchedMeteredAndLedgered() throws Exception {
        String upstreamBody = chatCompletion("hi there", 1000, 500);
        UPSTREAM.behave(FakeUpstream.json(200, upstreamBody));
        String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":0.2,\"x_unknown_field\":{\"kept\":true}}";

        HttpResponse<String> response = post(ALPHA, request);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(upstreamBody);
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("fake-openai");
        assertThat(response.headers().firstValue("x-tollgate-model")).hasValue("gpt-4o-mini");
        // 1000 x 0.15 / 1M + 500 x 0.60 / 1M
        assertThat(new BigDecimal(response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.00045");
        String requestId = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

        FakeUpstream.Received received = UPSTREAM.take();
        assertThat(received.path()).isEqualTo("/v1/chat/completions");
        assertThat(received.body()).isEqualTo(request);
        assertThat(received.headers().get("authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
        received.headers().forEach(h -> assertThat(h.getValue()).doesNotContain(ALPHA));

        Map<String, Object> row = ledgerRow(requestId);
        assertThat(row).containsEntry("TEAM", "alpha").containsEntry("KEY_ID", "alpha-web").containsEntry("APP", "web")
                .containsEntry("REQUESTED_MODEL", "gpt-4o-mini").containsEntry("PROVIDER", "fake-openai")
                .containsEntry("MODEL", "gpt-4o-mini").containsEntry("INPUT_TOKENS", 1000L)
                .containsEntry("OUTPUT_TOKENS", 500L).containsEntry("STATUS", 200)
                .containsEntry("OUTCOME", "success").containsEntry("ESTIMATED", false)
                .containsEntry("PRICE_VERSION", "openai/gpt-4o-mini@2024-10-01");
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.00045");
    }

    @Test
    void costHeadersLedgerAndSpendCounterAgreeExactly() throws Exception {
        String labels = "model=\"gpt-4o\",provider=\"fake-openai\",team=\"beta\"";
        BigDecimal before = metric("tollgate_spend_usd_total", labels);
        BigDecimal ledgerBefore = ledgerSum("beta", "gpt-4o");
        BigDecimal headers = BigDecimal.ZERO;
        List<String> ids = new ArrayList<>();
        long[][] usages = {{7, 3}, {1234, 567}, {99_999, 1}, {3, 77_777}, {0, 12}};
        for (long[] u : usages) {
            UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("x", u[0], u[1])));
            HttpResponse<String> r = post(BETA, chatBody("gpt-4o", false));
            headers = headers.add(new BigDecimal(r.headers().firstValue("x-tollgate-cost-usd").orElseThrow()));
            ids.add(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
        }
        ids.forEach(this::ledgerRow);

        BigDecimal expected = BigDecimal.ZERO;
        for (long[] u : usages) {
            expected = expected.add(BigDecimal.valueOf(u[0]).multiply(new BigDecimal("2.50"))
                    .add(BigDecimal.valueOf(u[1]).multiply(new BigDecimal("10.00"))).movePointLeft(6));
        }
        assertThat(headers).isEqualByComparingTo(expected);
        assertThat(ledgerSum("beta", "gpt-4o").subtract(ledgerBefore)).isEqualByComparingTo(expected);
        assertThat(metric("tollgate_spend_usd_total", labels).subtract(before)).isEqualByComparingTo(expected);
    }

    @Test
    void costUsesThePriceInForceAtTheRequestTime() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("thinking", 0, 1_000_000)));

        CLOCK.set(Instant.parse("2025-02-10T00:00:00Z"));
        HttpResponse<String> atLaunch = post(ALPHA, chatBody("deepseek-reasoner", false));
        CLOCK.set(NOW);
        HttpResponse<String> today = post(ALPHA, chatBody("deepseek-reasoner", false));
        HttpResponse<String> o1 = post(ALPHA, chatBody("o1", false));

        assertThat(new BigDecimal(atLaunch.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("2.19");
        assertThat(atLaunch.headers().firstValue("x-tollgate-price-version"))
                .hasValue("deepseek/deepseek-reasoner@2025-01-20");
        assertThat(new BigDecimal(today.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.42");
        assertThat(new BigDecimal(o1.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("60.00");
        Map<String, Object> row = ledgerRow(atLaunch.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row.get("TS").toString()).startsWith("2025-02-10");
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("2.19");
    }

    @Test
    void streamReachesTheClientEventByEventWhileTheUpstreamIsStillSending() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        UPSTREAM.behave(FakeUpstream.gatedSse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(21, 2),
                "[DONE]"), gate));

        HttpResponse<java.io.InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("fake-openai");
        BufferedReader reader = lines(response);
        // The upstream holds everything after its first event until the gate opens: this line can only
        // arrive if the gateway passed the first event on without waiting for the rest.
        assertThat(reader.readLine()).isEqualTo("data: " + chunk("Hel"));
        gate.countDown();
        List<String> rest = readAll(reader);

        assertThat(rest).contains("data: " + chunk("lo"), "data: " + finishChunk(), "data: [DONE]");
        assertThat(String.join("\n", rest)).as("the usage chunk the gateway asked for is removed")
                .doesNotContain("\"usage\"");
        assertThat(UPSTREAM.take().body()).contains("\"stream_options\":{\"include_usage\":true}");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("INPUT_TOKENS", 21L).containsEntry("OUTPUT_TOKENS", 2L)
                .containsEntry("ESTIMATED", false).containsEntry("STREAM", true).containsEntry("OUTCOME", "success");
        assertThat(row.get("TTFT_US")).isNotNull();
        // 21 x 0.15 / 1M + 2 x 0.60 / 1M
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.00000435");
    }

    @Test
    void streamKeepsTheUsageChunkWhenTheClientAskedForIt() throws Exception {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("a"), finishChunk(), usageChunk(5, 1), "[DONE]"),
                Duration.ofMillis(5)));
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

        HttpResponse<java.io.InputStream> response = openStream(ALPHA, body);
        List<String> lines = readAll(lines(response));

        assertThat(lines).contains("data: " + usageChunk(5, 1), "data: [DONE]");
        assertThat(UPSTREAM.take().body()).isEqualTo(body);
    }

    @Test
    void streamWithoutUsageIsCountedWithTheTokenizerAndFlaggedEstimated() throws Exception {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("The quick brown"), chunk(" fox jumps"), finishChunk(),
                "[DONE]"), Duration.ofMillis(2)));

        HttpResponse<java.io.InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        readAll(lines(response));

        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        TokenCounter tokens = new TokenCounter();
        assertThat(row).containsEntry("ESTIMATED", true)
                .containsEntry("OUTPUT_TOKENS", (long) tokens.count("The quick brown fox jumps"));
        assertThat((Long) row.get("INPUT_TOKENS")).isPositive();
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
    }

    @Test
    void clientThatLeavesMidStreamIsChargedForWhatWasDelivered() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        UPSTREAM.behave(FakeUpstream.gatedSse(List.of(chunk("partial answer here"), chunk("never delivered"),
                finishChunk(), usageChunk(10, 99), "[DONE]"), gate));

        HttpResponse<java.io.InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        BufferedReader reader = lines(response);
        assertThat(reader.readLine()).startsWith("data: ");
        response.body().close();
        String requestId = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

        Map<String, Object> row = ledgerRow(requestId);
        gate.countDown();
        assertThat(row).containsEntry("OUTCOME", "cancelled").containsEntry("STATUS", 499)
                .containsEntry("ESTIMATED", true)
                .containsEntry("OUTPUT_TOKENS", (long) new TokenCounter().count("partial answer here"));
        assertThat((BigDecimal) row.get("COST_USD")).isPositive();
    }

    @Test
    void simulatedBackendAnswersInTheOpenAiShapeAndSaysItIsSimulated() throws Exception {
        HttpResponse<String> response = post(ALPHA, chatBody("claude-haiku-4-5", false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-tollgate-simulated")).hasValue("true");
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("sim");
        assertThat(response.body()).contains("\"content\":\"[simulated sim/claude-haiku-4-5]")
                .contains("\"system_fingerprint\":\"tollgate-simulated\"");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("ESTIMATED", false).containsEntry("PROVIDER", "sim");
        // 3 per message + "user" + "Say hello" + 3 priming, counted with o200k_base
        TokenCounter tokens = new TokenCounter();
        assertThat(row.get("INPUT_TOKENS")).isEqualTo(6L + tokens.count("user") + tokens.count("Say hello"));
    }

    @Test
    void simulatedStreamEndsWithDoneAndIsBilledFromItsUsage() throws Exception {
        HttpResponse<java.io.InputStream> response = openStream(BETA, chatBody("claude-sonnet-4-5", true));
        List<String> lines = readAll(lines(response));

        assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
        assertThat(String.join("\n", lines)).doesNotContain("\"usage\"");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("ESTIMATED", false).containsEntry("OUTCOME", "success");
        assertThat((Long) row.get("OUTPUT_TOKENS")).isPositive();
    }

    @Test
    void providerHeaderPinsTheBackend() throws Exception {
        HttpResponse<String> pinned = post(ALPHA, chatBody("claude-haiku-4-5", false), "x-tollgate-provider", "sim");
        HttpResponse<String> notOffered = post(ALPHA, chatBody("gpt-4o", false), "x-tollgate-provider", "sim");
        HttpResponse<String> unknown = post(ALPHA, chatBody("gpt-4o", false), "x-tollgate-provider", "nobody");

        assertThat(pinned.statusCode()).isEqualTo(200);
        assertThat(notOffered.statusCode()).isEqualTo(404);
        assertThat(notOffered.body()).contains("\"code\":\"model_not_found\"");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("nobody");
    }

    private BigDecimal ledgerSum(String team, String model) {
        BigDecimal sum = jdbc.queryForObject("SELECT COALESCE(SUM(cost_usd), 0) FROM ledger WHERE team = ? AND model = ?",
                BigDecimal.class, team, model);
        return sum == null ? BigDecimal.ZERO : sum;
    }

    static List<String> readAll(BufferedReader reader) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
