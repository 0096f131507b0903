package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;

import dev.tollgate.TollgateApplication;
import dev.tollgate.resilience.BackendGuards;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/embeddings} end to end: the official OpenAI Java SDK against the gateway, which routes among the
 * backends of the one model the call names. Test tables ({@code pricing-embeddings}): text-embedding-3-small at
 * {@code cheap} (0.02 USD per 1M input tokens) and {@code dear} (0.025), text-embedding-3-large at {@code other}
 * (0.01: cheaper, but another model), text-embedding-3-small at {@code anth} (0.001, but an Anthropic-type backend,
 * which has no embeddings API), and the chat model gpt-4o-mini at {@code cheap}. Each backend has its own fake
 * upstream, so a test sees which one was called.
 */
@SpringBootTest(classes = TollgateApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Import(EmbeddingsIT.Config.class)
class EmbeddingsIT {

    static final String ALPHA = "sk-test-alpha";
    static final String BROKE = "sk-test-broke";
    static final String TPM = "sk-test-tpm";
    static final String RPM = "sk-test-emb-rpm";
    static final String MODEL = "text-embedding-3-small";

    static final FakeUpstream CHEAP = FakeUpstream.start();
    static final FakeUpstream DEAR = FakeUpstream.start();
    static final FakeUpstream OTHER = FakeUpstream.start();
    static final FakeUpstream ANTH = FakeUpstream.start();
    static final MutableClock CLOCK = new MutableClock(GatewayITSupport.NOW);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = new JsonMapper();

    @TestConfiguration
    static class Config {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry r) {
        r.add("tollgate.pricing.location", () -> "src/test/resources/pricing-embeddings");
        r.add("tollgate.rules.location", () -> "src/test/resources/rules-embeddings");
        backend(r, "cheap", "openai", "emb-cheap", CHEAP.baseUrl());
        backend(r, "dear", "openai", "emb-dear", DEAR.baseUrl());
        backend(r, "other", "openai", "emb-other", OTHER.baseUrl());
        backend(r, "anth", "anthropic", "emb-anthropic", ANTH.baseUrl());
    }

    private static void backend(DynamicPropertyRegistry r, String id, String type, String prices, String url) {
        r.add("tollgate.providers." + id + ".type", () -> type);
        r.add("tollgate.providers." + id + ".base-url", () -> url);
        r.add("tollgate.providers." + id + ".api-key", () -> "sk-upstream-" + id);
        r.add("tollgate.providers." + id + ".prices", () -> prices);
        r.add("tollgate.providers." + id + ".resilience.first-byte-timeout", () -> "1500ms");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    BackendGuards guards;

    JdbcTemplate jdbc;
    OpenAIClient sdk;

    @BeforeEach
    void reset() {
        CLOCK.set(GatewayITSupport.NOW);
        jdbc = new JdbcTemplate(dataSource);
        guards.reset();
        CHEAP.behave(FakeUpstream.embeddings(7));
        DEAR.behave(FakeUpstream.embeddings(7));
        OTHER.behave(FakeUpstream.embeddings(7));
        ANTH.behave(FakeUpstream.embeddings(7));
        sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(ALPHA).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void close() {
        sdk.close();
    }

    // ------------------------------------------------------------------ the official SDK

    @Test
    void sdkEmbedsOneStringAsFloatsAtTheCheapestBackendOfTheModel() throws Exception {
        HttpResponseFor<CreateEmbeddingResponse> raw = sdk.embeddings().withRawResponse().create(
                EmbeddingCreateParams.builder().model(MODEL).input("hello world")
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        CreateEmbeddingResponse answer = raw.parse();

        assertThat(answer.data()).hasSize(1);
        assertThat(answer.data().get(0).embedding()).containsExactly(0.5f, -0.25f, 0.125f);
        assertThat(answer.usage().promptTokens()).isEqualTo(7);
        assertThat(answer.model()).isEqualTo(MODEL);
        assertThat(raw.headers().values("x-tollgate-provider")).containsExactly("cheap");
        assertThat(raw.headers().values("x-tollgate-model")).containsExactly(MODEL);
        FakeUpstream.Received sent = CHEAP.take();
        assertThat(sent.path()).isEqualTo("/v1/embeddings");
        assertThat(sent.headers().get("authorization")).isEqualTo("Bearer sk-upstream-cheap");
        JsonNode body = JSON.readTree(sent.body());
        assertThat(body.path("model").asString()).isEqualTo(MODEL);
        assertThat(body.path("input").asString()).isEqualTo("hello world");
        assertThat(body.path("encoding_format").asString()).isEqualTo("float");
    }

    @Test
    void sdkEmbedsAListAsBase64ThatArrivesByteIdentical() {
        CreateEmbeddingResponse answer = sdk.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .inputOfArrayOfStrings(List.of("first", "second", "third"))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());

        assertThat(answer.data()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(answer.data().get(i).index()).isEqualTo(i);
            assertThat(answer.data().get(i).embeddingValue().asBase64()).isEqualTo(FakeUpstream.base64Vector(i));
        }
    }

    @Test
    void sdkEmbedsAListAsFloatsAndTokenIds() {
        CreateEmbeddingResponse strings = sdk.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .inputOfArrayOfStrings(List.of("a", "b")).encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                .build());
        CreateEmbeddingResponse tokens = sdk.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .inputOfArrayOfTokenArrays(List.of(List.of(1L, 2L, 3L), List.of(4L)))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

        assertThat(strings.data().get(1).embedding()).containsExactly(1.5f, -0.25f, 0.125f);
        assertThat(tokens.data()).hasSize(2);
    }

    // ------------------------------------------------------------------ pass-through

    @Test
    void bodyGoesUpstreamAsTheClientsBytesAndTheAnswerComesBackUntouched() throws Exception {
        String body = "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":256,"
                + "\"encoding_format\":\"base64\",\"user\":\"u-1\",\"x_extension\":{\"keep\":[1,2]}}";
        HttpResponse<String> r = post("/v1/embeddings", ALPHA, body);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(CHEAP.take().body()).isEqualTo(body);
        assertThat(r.body()).isEqualTo(FakeUpstream.embeddingsAnswer(body, 7));
    }

    @Test
    void aPinnedProviderGetsTheClientsBytesWithOnlyTheModelReplaced() throws Exception {
        String body = "{ \"input\" : \"x\", \"model\" : \"dear/text-embedding-3-small\", \"dimensions\": 64 }";
        HttpResponse<String> r = post("/v1/embeddings", ALPHA, body);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-tollgate-provider")).hasValue("dear");
        assertThat(DEAR.take().body())
                .isEqualTo("{ \"input\" : \"x\", \"model\" : \"text-embedding-3-small\", \"dimensions\": 64 }");
    }

    // ------------------------------------------------------------------ metering

    /**
     * 1,234 input tokens at cheap's 0.02 USD per 1M: 1,234 x 0.02 / 1,000,000 = 0.00002468 USD, no output. The
     * header, the ledger row and the spend counter's increase agree exactly; the input token counter rises by 1,234.
     */
    @Test
    void costHeaderLedgerAndMetricsAgreeExactly() throws Exception {
        CHEAP.behave(FakeUpstream.embeddings(1234));
        String labels = "model=\"" + MODEL + "\",provider=\"cheap\",team=\"alpha\"";
        BigDecimal spendBefore = metric("tollgate_spend_usd_total", labels);
        BigDecimal tokensBefore = metric("tollgate_tokens_total", "kind=\"input\"," + labels);
        BigDecimal requestsBefore = metric("tollgate_requests_total",
                "model=\"" + MODEL + "\",outcome=\"success\",provider=\"cheap\",team=\"alpha\"");

        HttpResponse<String> r = post("/v1/embeddings", ALPHA, "{\"model\":\"" + MODEL + "\",\"input\":\"hello\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        BigDecimal expected = new BigDecimal("0.00002468");
        assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo(expected);
        assertThat(r.headers().firstValue("x-tollgate-price-version"))
                .hasValue("emb-cheap/text-embedding-3-small@2024-01-25");
        Map<String, Object> row = ledgerRow(r.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("TEAM", "alpha").containsEntry("PROVIDER", "cheap")
                .containsEntry("MODEL", MODEL).containsEntry("REQUESTED_MODEL", MODEL)
                .containsEntry("INPUT_TOKENS", 1234L).containsEntry("OUTPUT_TOKENS", 0L)
                .containsEntry("STATUS", 200).containsEntry("OUTCOME", "success").containsEntry("ESTIMATED", false);
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo(expected);
        assertThat(metric("tollgate_spend_usd_total", labels).subtract(spendBefore)).isEqualByComparingTo(expected);
        assertThat(metric("tollgate_tokens_total", "kind=\"input\"," + labels).subtract(tokensBefore))
                .isEqualByComparingTo("1234");
        assertThat(metric("tollgate_requests_total", "model=\"" + MODEL + "\",outcome=\"success\",provider=\"cheap\","
                + "team=\"alpha\"").subtract(requestsBefore)).isEqualByComparingTo("1");
    }

    /**
     * Team broke has a hard budget of 0.000001 USD. 1,000 bytes of input bound 1,000 + 2 tokens; at the dearest
     * candidate's 0.025 USD per 1M that is 0.00002505 USD, and at the cheapest's 0.02 still 0.00002004: refused, no
     * upstream call. "hi" bounds 2 + 2 = 4 tokens, 0.0000001 USD at most: admitted.
     */
    @Test
    void aHardBudgetRefusesAnInputItsBoundDoesNotFit() throws Exception {
        HttpResponse<String> refused = post("/v1/embeddings", BROKE,
                "{\"model\":\"" + MODEL + "\",\"input\":\"" + "a".repeat(1000) + "\"}");

        assertThat(refused.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("insufficient_quota");
        assertThat(error.path("code").asString()).isEqualTo("budget_exceeded");
        assertThat(CHEAP.receivedCount()).isZero();
        assertThat(DEAR.receivedCount()).isZero();

        HttpResponse<String> admitted = post("/v1/embeddings", BROKE, "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}");
        assertThat(admitted.statusCode()).isEqualTo(200);
    }

    @Test
    void rateLimitsCountEmbeddingsCalls() throws Exception {
        String manyTokens = "{\"model\":\"" + MODEL + "\",\"input\":\"" + "lorem ipsum dolor sit amet ".repeat(30)
                + "\"}";
        HttpResponse<String> tooMany = post("/v1/embeddings", TPM, manyTokens);
        assertThat(tooMany.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(tooMany.body()).path("error").path("code").asString())
                .isEqualTo("rate_limit_exceeded");

        String small = "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}";
        assertThat(post("/v1/embeddings", RPM, small).statusCode()).isEqualTo(200);
        HttpResponse<String> second = post("/v1/embeddings", RPM, small);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("retry-after")).isPresent();
    }

    // ------------------------------------------------------------------ routing and failover

    @Test
    void aFailingCheapestBackendFailsOverToTheSameModelNeverToAnotherOne() throws Exception {
        CHEAP.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "boom", "upstream broke")));

        HttpResponse<String> r = post("/v1/embeddings", ALPHA, "{\"model\":\"" + MODEL + "\",\"input\":\"x\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-tollgate-provider")).hasValue("dear");
        assertThat(r.headers().firstValue("x-tollgate-model")).hasValue(MODEL);
        // 7 tokens at dear's 0.025 USD per 1M: 0.000000175 USD
        assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.000000175");
        assertThat(CHEAP.receivedCount()).isEqualTo(1);
        assertThat(DEAR.take().path()).isEqualTo("/v1/embeddings");
        assertThat(OTHER.receivedCount()).isZero();
        assertThat(ANTH.receivedCount()).isZero();
    }

    @Test
    void whenEveryBackendOfTheModelFailsTheCallFailsRatherThanChangeModel() throws Exception {
        CHEAP.behave(FakeUpstream.json(500, FakeUpstream.error("server_error", "boom", "cheap broke")));
        DEAR.behave(FakeUpstream.json(503, FakeUpstream.error("server_error", "busy", "dear broke")));

        HttpResponse<String> r = post("/v1/embeddings", ALPHA, "{\"model\":\"" + MODEL + "\",\"input\":\"x\"}");

        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_error");
        assertThat(error.path("message").asString()).contains("cheap").contains("dear");
        assertThat(CHEAP.receivedCount()).isEqualTo(1);
        assertThat(DEAR.receivedCount()).isEqualTo(1);
        assertThat(OTHER.receivedCount()).isZero();
        assertThat(ANTH.receivedCount()).isZero();
    }

    @Test
    void aChatCallNeverReachesAnEmbeddingModelNorAnEmbeddingsCallAChatModel() throws Exception {
        HttpResponse<String> chat = post("/v1/chat/completions", ALPHA, "{\"model\":\"" + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(chat.body()).path("error").path("message").asString())
                .contains("an embedding model: call it with POST /v1/embeddings");

        HttpResponse<String> embed = post("/v1/embeddings", ALPHA, "{\"model\":\"gpt-4o-mini\",\"input\":\"x\"}");
        assertThat(embed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(embed.body()).path("error").path("message").asString())
                .contains("not an embedding model");
        assertThat(CHEAP.receivedCount() + DEAR.receivedCount() + OTHER.receivedCount() + ANTH.receivedCount())
                .isZero();
    }

    @Test
    void anAnthropicBackendIsNeverSentAnEmbeddingsCall() throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", ALPHA, "{\"model\":\"anth/" + MODEL + "\",\"input\":\"x\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("message").asString())
                .contains("Anthropic's API has no embeddings endpoint");
        assertThat(ANTH.receivedCount()).isZero();
    }

    @Test
    void badRequestsAreRefusedInOpenAisShapeNamingTheField() throws Exception {
        assertRefused("{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"stream\":true}", "stream");
        assertRefused("{\"model\":\"" + MODEL + "\"}", "input");
        assertRefused("{\"model\":\"" + MODEL + "\",\"input\":[]}", "input");
        assertRefused("{\"model\":\"" + MODEL + "\",\"input\":[\"a\",1]}", "input[1]");
        assertRefused("{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"encoding_format\":\"int8\"}", "encoding_format");
        assertRefused("{\"input\":\"x\"}", "model");
        assertThat(CHEAP.receivedCount()).isZero();
    }

    private void assertRefused(String body, String param) throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", ALPHA, body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("type").asString()).as(body).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).as(body).isEqualTo(param);
    }

    @Test
    void explainDecidesAnEmbeddingsBodyAsTheCallWould() throws Exception {
        HttpResponse<String> r = post("/v1/route/explain?endpoint=embeddings", ALPHA,
                "{\"model\":\"" + MODEL + "\",\"input\":\"x\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode decision = JSON.readTree(r.body());
        assertThat(decision.toString()).contains("\"cheap\"").contains("\"dear\"").contains("untranslatable");
    }

    @Test
    void modelsListTheEndpointsEachModelServes() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/v1/models")).header("authorization",
                "Bearer " + ALPHA).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, List<String>> endpoints = new java.util.TreeMap<>();
        for (JsonNode m : JSON.readTree(r.body()).path("data")) {
            endpoints.put(m.path("id").asString(), m.path("tollgate").path("endpoints").valueStream()
                    .map(JsonNode::asString).toList());
        }
        assertThat(endpoints).containsEntry(MODEL, List.of("embeddings"))
                .containsEntry("text-embedding-3-large", List.of("embeddings"))
                .containsEntry("gpt-4o-mini", List.of("chat", "messages", "responses"));
    }

    // ------------------------------------------------------------------ helpers

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> ledgerRow(String requestId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE request_id = ?", Integer.class, requestId) > 0);
        return jdbc.queryForMap("SELECT * FROM ledger WHERE request_id = ?", requestId);
    }

    private BigDecimal metric(String name, String labels) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String prefix = name + "{" + labels;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return BigDecimal.ZERO;
    }
}
