package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tollgate.TollgateApplication;
import dev.tollgate.auth.KeyHasher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hot reload of the price tables and routing rules, in a context of its own: its tables are copies in a temporary
 * folder that the tests edit, polled every 100 ms. One fake upstream backend ({@code fake-openai}, OpenAI's
 * prices). The context is closed after the class, before its folder is deleted.
 */
@SpringBootTest(classes = TollgateApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Import(TablesReloadIT.Config.class)
@DirtiesContext
class TablesReloadIT {

    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static final FakeUpstream UPSTREAM = FakeUpstream.start();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ALPHA = "sk-test-alpha";
    private static final String BETA = "sk-test-beta";
    private static final String GAMMA = "sk-test-gamma-added-by-reload";
    private static final String PRICING_RELOADS_REJECTED = "tollgate_table_reloads_rejected_total";
    private static final String PRICING_RELOADS_ACCEPTED = "tollgate_table_reloads_total";

    @TempDir
    static Path folder;
    private static boolean copied;

    @TestConfiguration
    static class Config {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("tollgate.pricing.location", () -> tables().resolve("pricing").toString());
        r.add("tollgate.rules.location", () -> tables().resolve("rules").toString());
        r.add("tollgate.pricing.reload-interval", () -> "100ms");
        r.add("tollgate.providers.fake-openai.type", () -> "openai");
        r.add("tollgate.providers.fake-openai.base-url", UPSTREAM::baseUrl);
        r.add("tollgate.providers.fake-openai.api-key", () -> "sk-upstream-secret-456");
        r.add("tollgate.providers.fake-openai.prices", () -> "openai");
        r.add("tollgate.providers.fake-openai.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.fake-openai.resilience.stream-idle-timeout", () -> "1500ms");
        r.add("tollgate.providers.fake-openai.connect-timeout", () -> "1s");
    }

    /** The temporary folder, holding copies of the shipped price tables and the test rules (made once). */
    private static synchronized Path tables() {
        if (folder == null) {
            throw new IllegalStateException("the @TempDir folder is not set yet");
        }
        if (!copied) {
            copy(Path.of("../pricing"), folder.resolve("pricing"));
            copy(Path.of("src/test/resources/rules"), folder.resolve("rules"));
            copied = true;
        }
        return folder;
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @BeforeEach
    void resetClock() {
        CLOCK.set(NOW);
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hi", 1000, 500)));
    }

    // ------------------------------------------------------------------ prices

    @Test
    void newPriceRowAppliesToNewCallsFromItsEffectiveDate() throws Exception {
        Path openai = folder.resolve("pricing/openai.yaml");
        // a new row for gpt-4o-mini after its 2024-10-01 one, effective before the test clock's now
        String text = Files.readString(openai);
        String block = "  - model: gpt-4o-mini\n";
        int mini = text.indexOf(block);
        int next = text.indexOf("  - model: ", mini + block.length());
        assertThat(mini).isNotNegative();
        assertThat(next).isGreaterThan(mini);
        String newRow = "      - effective-from: 2026-11-01\n"
                + "        source: \"test: a price change\"\n"
                + "        input: 0.20\n"
                + "        cached-input: 0.10\n"
                + "        output: 0.80\n";
        String head = text.substring(0, next).stripTrailing() + "\n";
        replace(openai, head + newRow + "\n" + text.substring(next));

        await().atMost(Duration.ofSeconds(10)).until(
                () -> "openai/gpt-4o-mini@2026-11-01".equals(miniOffering(ALPHA).path("price_version").asString()));
        HttpResponse<String> now = post(ALPHA, body("gpt-4o-mini"));
        CLOCK.set(Instant.parse("2026-10-31T23:59:59Z"));
        HttpResponse<String> dayBefore = post(ALPHA, body("gpt-4o-mini"));

        // 1000 x 0.20 / 1M + 500 x 0.80 / 1M
        assertThat(now.statusCode()).isEqualTo(200);
        assertThat(new BigDecimal(now.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.0006");
        assertThat(now.headers().firstValue("x-tollgate-price-version")).hasValue("openai/gpt-4o-mini@2026-11-01");
        Map<String, Object> row = ledgerRow(now.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.0006");
        assertThat(row).containsEntry("PRICE_VERSION", "openai/gpt-4o-mini@2026-11-01");
        // the old row still prices calls made before the new one took effect: 1000 x 0.15 / 1M + 500 x 0.60 / 1M
        assertThat(new BigDecimal(dayBefore.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .isEqualByComparingTo("0.00045");
        assertThat(dayBefore.headers().firstValue("x-tollgate-price-version"))
                .hasValue("openai/gpt-4o-mini@2024-10-01");
    }

    @Test
    void invalidPriceEditIsRejectedAndTheLastGoodPricesStayInForce() throws Exception {
        JsonNode inForce = miniOffering(ALPHA);
        String version = inForce.path("price_version").asString();
        BigDecimal expectedCost = new BigDecimal(inForce.path("input_usd_per_1m").asString()).multiply(BigDecimal
                .valueOf(1000)).add(new BigDecimal(inForce.path("output_usd_per_1m").asString())
                .multiply(BigDecimal.valueOf(500))).movePointLeft(6);
        BigDecimal rejectedBefore = metric(PRICING_RELOADS_REJECTED, "table=\"pricing\"");
        Path openai = folder.resolve("pricing/openai.yaml");
        String original = Files.readString(openai);
        int mini = original.indexOf("  - model: gpt-4o-mini\n");
        int input = original.indexOf("        input: 0.15\n", mini);
        assertThat(input).isGreaterThan(mini);
        try {
            replace(openai, original.substring(0, input) + "        input: -0.15\n"
                    + original.substring(input + "        input: 0.15\n".length()));

            await().atMost(Duration.ofSeconds(10)).until(
                    () -> metric(PRICING_RELOADS_REJECTED, "table=\"pricing\"").compareTo(rejectedBefore) > 0);
            HttpResponse<String> response = post(ALPHA, body("gpt-4o-mini"));

            assertThat(metric(PRICING_RELOADS_REJECTED, "table=\"pricing\"").subtract(rejectedBefore))
                    .isEqualByComparingTo("1");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("x-tollgate-price-version")).hasValue(version);
            assertThat(new BigDecimal(response.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                    .isEqualByComparingTo(expectedCost).isPositive();
            assertThat(miniOffering(ALPHA).path("input_usd_per_1m").asString())
                    .isEqualTo(inForce.path("input_usd_per_1m").asString());
        } finally {
            // wait until the restored file is in force, so the next test's edit cannot meet this one in a poll
            BigDecimal accepted = metric(PRICING_RELOADS_ACCEPTED, "outcome=\"accepted\",table=\"pricing\"");
            replace(openai, original);
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(PRICING_RELOADS_ACCEPTED,
                    "outcome=\"accepted\",table=\"pricing\"").compareTo(accepted) > 0);
        }
    }

    // ------------------------------------------------------------------ keys

    @Test
    void keyAddedToTheRulesWorksAfterReload() throws Exception {
        assertThat(post(GAMMA, body("gpt-4o-mini")).statusCode()).isEqualTo(401);

        Path teams = folder.resolve("rules/teams.yaml");
        replace(teams, Files.readString(teams) + "  - id: gamma\n    keys:\n      - id: gamma-cli\n"
                + "        hash: " + KeyHasher.hash(GAMMA) + "\n");

        await().atMost(Duration.ofSeconds(10)).until(() -> get(GAMMA, "/v1/models").statusCode() == 200);
        HttpResponse<String> response = post(GAMMA, body("gpt-4o-mini"));
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("TEAM", "gamma").containsEntry("KEY_ID", "gamma-cli");
        assertThat(post(ALPHA, body("gpt-4o-mini")).statusCode()).as("the other keys still work").isEqualTo(200);
    }

    @Test
    void keyRemovedFromTheRulesGets401AfterReload() throws Exception {
        assertThat(post(BETA, body("gpt-4o-mini")).statusCode()).isEqualTo(200);
        Path teams = folder.resolve("rules/teams.yaml");
        String text = Files.readString(teams);
        String beta = "  - id: beta\n    keys:\n      - id: beta-batch\n        hash: " + KeyHasher.hash(BETA) + "\n";
        assertThat(text).contains(beta);

        replace(teams, text.replace(beta, ""));

        await().atMost(Duration.ofSeconds(10)).until(() -> get(BETA, "/v1/models").statusCode() == 401);
        HttpResponse<String> response = post(BETA, body("gpt-4o-mini"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asString()).isEqualTo("invalid_api_key");
        assertThat(post(ALPHA, body("gpt-4o-mini")).statusCode()).as("the other keys still work").isEqualTo(200);
    }

    // ------------------------------------------------------------------ budgets

    @Test
    void budgetAddedToTheRulesStartsWithItsPeriodsSpendFromTheLedger() throws Exception {
        CLOCK.set(Instant.parse("2027-05-10T12:00:00Z")); // a month no other test spends in
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        AdminApiIT.insertLedgerRow(jdbc, "alpha", "alpha-web", "web", "2027-04-30T23:59:59Z", "5.000000000000");
        AdminApiIT.insertLedgerRow(jdbc, "alpha", "alpha-web", "web", "2027-05-01T00:00:00Z", "0.500000000000");
        AdminApiIT.insertLedgerRow(jdbc, "alpha", "alpha-web", "web", "2027-05-09T08:00:00Z", "0.250000000000");
        Path teams = folder.resolve("rules/teams.yaml");
        String original = Files.readString(teams);
        assertThat(original).contains("  - id: alpha\n");
        try {
            replace(teams, original.replace("  - id: alpha\n", "  - id: alpha\n    budget:\n      amount-usd: 10\n"));

            await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(get(ALPHA, "/v1/budgets").body())
                    .path("data").size() == 1);
            JsonNode budget = JSON.readTree(get(ALPHA, "/v1/budgets").body()).path("data").get(0);
            assertThat(budget.path("id").asString()).isEqualTo("team:alpha");
            assertThat(budget.path("spent_usd").asString()).isEqualTo("0.75");
            assertThat(budget.path("remaining_usd").asString()).isEqualTo("9.25");
        } finally {
            BigDecimal accepted = metric(PRICING_RELOADS_ACCEPTED, "outcome=\"accepted\",table=\"rules\"");
            replace(teams, original);
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(PRICING_RELOADS_ACCEPTED,
                    "outcome=\"accepted\",table=\"rules\"").compareTo(accepted) > 0);
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Replaces a table file in one atomic rename (as a ConfigMap update does), so the poller never reads it
     * half-written. The new content is written next to the watched folders, not in them.
     */
    private static void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(Files.createTempFile(folder, "next-", ".tmp"), content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private JsonNode miniOffering(String key) throws Exception {
        HttpResponse<String> response = get(key, "/v1/models");
        assertThat(response.statusCode()).isEqualTo(200);
        for (JsonNode m : JSON.readTree(response.body()).path("data")) {
            if ("gpt-4o-mini".equals(m.path("id").asString())) {
                return m.path("tollgate").path("providers").get(0);
            }
        }
        throw new AssertionError("gpt-4o-mini is not listed");
    }

    private static String body(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String key, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (java.net.http.HttpTimeoutException e) {
            GatewayITSupport.printThreads("GET " + path);
            throw e;
        }
    }

    private Map<String, Object> ledgerRow(String requestId) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE request_id = ?", Integer.class, requestId) > 0);
        return jdbc.queryForMap("SELECT * FROM ledger WHERE request_id = ?", requestId);
    }

    /** One Prometheus sample, scraped over HTTP; zero when the series does not exist yet. */
    private BigDecimal metric(String name, String labels) throws Exception {
        String prefix = name + "{" + labels;
        for (String line : get(null, "/actuator/prometheus").body().split("\n")) {
            if (line.startsWith(prefix)) {
                return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return BigDecimal.ZERO;
    }
}
