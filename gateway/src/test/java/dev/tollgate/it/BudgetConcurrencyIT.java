package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.tollgate.TollgateApplication;
import dev.tollgate.auth.KeyHasher;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.redis.EmbeddedRedis;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PriceTableLoader;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proof that a hard budget holds under concurrency and across replicas: one real redis-server, two gateways
 * sharing it (two Spring contexts in this JVM, each with its own H2 ledger), 300 concurrent calls of one key split
 * across them against a budget that covers 50.5 calls (every call's worst case is its actual cost: {@code max_tokens}
 * is what the fake upstream answers, and it reports as many prompt tokens as the body has bytes, the most the
 * gateway's prompt bound allows). Then the same on one
 * gateway with the in-memory store, and Redis stopped during traffic: the gateway {@code A} fails closed, {@code B}
 * fails open against its local share. Figures are printed for docs/PERFORMANCE.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BudgetConcurrencyIT {

    /** Opens the health details ({@code /actuator/health/details}). */
    static final String ADMIN_KEY = "sk-test-admin-key";
    static final String GAMMA = "sk-test-gamma";
    static final String DELTA = "sk-test-delta";
    static final int MAX_TOKENS = 50;
    static final int CALLS = 300;
    /** The key budget of gamma covers this many calls. */
    static final String GAMMA_CALLS = "50.5";
    /** Delta's budget: room for every call of the outage test while Redis is up. */
    static final String DELTA_CALLS = "1000.5";
    /** B's fail-open share: delta's local budget is 0.02 x 1000.5 calls = 20 calls. */
    static final String SHARE = "0.02";
    static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":" + MAX_TOKENS
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in one short sentence, please.\"}]}";

    static final String STORE_ERRORS = "tollgate_budget_store_errors_total{operation=\"admit\"";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static EmbeddedRedis redis;
    static FakeUpstream upstream;
    static Path rules;
    static long callNanos;
    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() throws IOException {
        long prompt = BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8).length; // the prompt's bound
        PriceRow price = PriceTableLoader.load(Path.of("../pricing")).find("openai", "gpt-4o-mini").orElseThrow()
                .rowAt(Instant.now());
        callNanos = (price.estimatePicoUsd(prompt, MAX_TOKENS) + 999) / 1000;
        upstream = FakeUpstream.start();
        // 20 ms upstream time, so that calls are in flight together
        FakeUpstream.Behaviour answer = FakeUpstream.json(200,
                FakeUpstream.chatCompletion("Hello!", prompt, MAX_TOKENS));
        upstream.behave((req, res, in) -> Mono.delay(Duration.ofMillis(20))
                .then(Mono.from(answer.answer(req, res, in))));
        rules = Files.createTempDirectory(Path.of("target"), "rules-budget");
        Files.writeString(rules.resolve("teams.yaml"), """
                teams:
                  - id: gamma
                    keys:
                      - id: gamma-web
                        hash: %s
                        budget: { amount-usd: %s, period: monthly, mode: hard }
                  - id: delta
                    keys:
                      - id: delta-web
                        hash: %s
                        budget: { amount-usd: %s, period: monthly, mode: hard }
                """.formatted(KeyHasher.hash(GAMMA), usd(GAMMA_CALLS), KeyHasher.hash(DELTA), usd(DELTA_CALLS)));
        redis = EmbeddedRedis.start();
        long started = System.nanoTime();
        a = gateway("redis", "fail-closed");
        b = gateway("redis", "fail-open");
        System.out.printf("BUDGET-IT two gateways started in %d ms; one call costs %d nano-USD (%d prompt tokens)%n",
                (System.nanoTime() - started) / 1_000_000, callNanos, prompt);
        warmUp(a);
        warmUp(b);
    }

    /** A gateway that has served a few calls (of delta, whose budget is large), as one in production has. */
    static void warmUp(ConfigurableApplicationContext gateway) {
        for (int round = 0; round < 4; round++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(call(gateway, DELTA));
            }
            calls.forEach(c -> assertThat(c.join().statusCode()).isEqualTo(200));
        }
    }

    @AfterAll
    static void stop() {
        close(a);
        close(b);
        if (redis != null) {
            redis.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** {@code calls} x one call's cost, in USD. */
    static String usd(String calls) {
        return Nanos.toUsd(new BigDecimal(calls).multiply(BigDecimal.valueOf(callNanos)).longValue()).toPlainString();
    }

    static long budgetNanos(String calls) {
        return Nanos.ofUsd(new BigDecimal(usd(calls)));
    }

    static ConfigurableApplicationContext gateway(String store, String policy) {
        String url = upstream.baseUrl();
        return new SpringApplicationBuilder(TollgateApplication.class).profiles("test").run(
                "--server.port=0",
                "--tollgate.rules.location=" + rules.toAbsolutePath(),
                "--tollgate.budgets.store=" + store,
                "--tollgate.budgets.redis.url=" + redis.url(),
                "--tollgate.budgets.store-failure-policy=" + policy,
                "--tollgate.budgets.fallback-share=" + SHARE,
                "--tollgate.providers.fake-openai.type=openai",
                "--tollgate.providers.fake-openai.base-url=" + url,
                "--tollgate.providers.fake-openai.api-key=sk-upstream",
                "--tollgate.providers.fake-openai.prices=openai",
                "--tollgate.admin.key-hash=" + KeyHasher.hash(ADMIN_KEY));
    }

    static void close(ConfigurableApplicationContext context) {
        if (context != null) {
            context.close();
        }
    }

    static URI uri(ConfigurableApplicationContext context, String path) {
        return URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + path);
    }

    static CompletableFuture<HttpResponse<String>> call(ConfigurableApplicationContext context, String key) {
        return HTTP.sendAsync(HttpRequest.newBuilder(uri(context, "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(ConfigurableApplicationContext context, String key, String path) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(context, path)).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            r.header("authorization", "Bearer " + key);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String code(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("error").path("code").asString("");
    }

    /** Fires {@code CALLS} calls of gamma at once, alternating between the gateways; returns them when all ended. */
    static List<HttpResponse<String>> burst(List<ConfigurableApplicationContext> gateways) {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>(CALLS);
        for (int i = 0; i < CALLS; i++) {
            calls.add(call(gateways.get(i % gateways.size()), GAMMA));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        return calls.stream().map(CompletableFuture::join).toList();
    }

    /** The ledger's row count and cost sum for a key, waiting until it holds {@code rows} rows. */
    static BigDecimal ledgerSum(ConfigurableApplicationContext context, String keyId, int rows) {
        JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE key_id = ?", Integer.class, keyId) >= rows);
        BigDecimal sum = jdbc.queryForObject("SELECT SUM(cost_usd) FROM ledger WHERE key_id = ?", BigDecimal.class,
                keyId);
        return sum == null ? BigDecimal.ZERO : sum;
    }

    static int count(List<HttpResponse<String>> responses, int status, String code) {
        return (int) responses.stream().filter(r -> r.statusCode() == status && (code == null || code.equals(code(r))))
                .count();
    }

    /** The key budget's spent and reserved amounts as {@code GET /v1/budgets} shows them. */
    static BigDecimal[] budget(ConfigurableApplicationContext context, String key) throws Exception {
        JsonNode data = JSON.readTree(get(context, key, "/v1/budgets").body()).path("data").get(0);
        return new BigDecimal[] {new BigDecimal(data.path("spent_usd").asString()),
                new BigDecimal(data.path("reserved_usd").asString())};
    }

    @Test
    @Order(1)
    void twoGatewaysSharingRedisNeverSpendPastAHardBudget() throws Exception {
        BigDecimal errorsBefore = metric(a, STORE_ERRORS).add(metric(b, STORE_ERRORS));
        long started = System.nanoTime();
        List<HttpResponse<String>> responses = burst(List.of(a, b));
        long millis = (System.nanoTime() - started) / 1_000_000;

        int admitted = count(responses, 200, null);
        int refused = count(responses, 429, "budget_exceeded");
        BigDecimal spent = ledgerSum(a, "gamma-web", CALLS / 2).add(ledgerSum(b, "gamma-web", CALLS / 2));
        BigDecimal budget = Nanos.toUsd(budgetNanos(GAMMA_CALLS));
        BigDecimal oneCall = Nanos.toUsd(callNanos);
        System.out.printf("BUDGET-IT redis, 2 gateways: %d calls in %d ms: %d admitted (A %d, B %d), %d refused "
                + "budget_exceeded; ledger sum %s USD of a %s USD budget, %s USD left (one call %s USD)%n", CALLS,
                millis, admitted, admitted - countOdd(responses), countOdd(responses),
                refused, spent.stripTrailingZeros().toPlainString(), budget.toPlainString(),
                budget.subtract(spent).stripTrailingZeros().toPlainString(), oneCall.toPlainString());

        assertThat(metric(a, STORE_ERRORS).add(metric(b, STORE_ERRORS))).as("Redis answered every step in time")
                .isEqualByComparingTo(errorsBefore);
        assertThat(admitted + refused).as("every call is admitted or refused for the budget").isEqualTo(CALLS);
        assertThat(admitted).isEqualTo(50);
        assertThat(spent).isLessThanOrEqualTo(budget);
        assertThat(budget.subtract(spent)).as("less than one call's cost is left unused").isLessThan(oneCall);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            BigDecimal[] shown = budget(b, GAMMA);
            assertThat(shown[0]).as("Redis' counter is the ledger's sum").isEqualByComparingTo(spent);
            assertThat(shown[1]).as("nothing left reserved").isZero();
        });
        assertThat(budget(a, GAMMA)[0]).isEqualByComparingTo(spent);
    }

    /** Calls admitted by B (odd indexes). */
    private static int countOdd(List<HttpResponse<String>> responses) {
        int n = 0;
        for (int i = 1; i < responses.size(); i += 2) {
            n += responses.get(i).statusCode() == 200 ? 1 : 0;
        }
        return n;
    }

    @Test
    @Order(2)
    void whenRedisStopsDuringTrafficFailClosedRefusesAndFailOpenAdmitsItsLocalShare() throws Exception {
        BigDecimal errorsBefore = metric(b, STORE_ERRORS);
        record Sent(String gateway, long sentNanos, CompletableFuture<HttpResponse<String>> response) {
        }
        List<Sent> sent = new CopyOnWriteArrayList<>();
        long stoppedAt = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 120; i++) {
            if (i == 40) {
                // the calls sent so far are answered first: one still being admitted when Redis stops would go to
                // B's local share too, and the count of B's share below would depend on that race
                sent.forEach(x -> x.response().join());
                redis.stop();
                stoppedAt = System.nanoTime();
            }
            ConfigurableApplicationContext target = i % 2 == 0 ? a : b;
            sent.add(new Sent(i % 2 == 0 ? "A" : "B", System.nanoTime(), call(target, DELTA)));
            Thread.sleep(25);
        }
        List<HttpResponse<String>> afterA = new ArrayList<>();
        List<HttpResponse<String>> afterB = new ArrayList<>();
        List<HttpResponse<String>> before = new ArrayList<>();
        for (Sent s : sent) {
            HttpResponse<String> r = s.response().join();
            if (s.sentNanos() < stoppedAt) {
                before.add(r);
            } else {
                (s.gateway().equals("A") ? afterA : afterB).add(r);
            }
        }
        JsonNode health = JSON.readTree(get(b, ADMIN_KEY, "/actuator/health/details").body());
        JsonNode healthA = JSON.readTree(get(a, null, "/actuator/health").body());
        int readinessA = get(a, null, "/actuator/health/readiness").statusCode();
        int readinessB = get(b, null, "/actuator/health/readiness").statusCode();
        BigDecimal errorsAfter = metric(b, STORE_ERRORS);
        System.out.println("BUDGET-IT health component budgetStore of B: " + health.path("components")
                .path("budgetStore") + "; /actuator/health " + get(b, null, "/actuator/health").statusCode());
        System.out.printf("BUDGET-IT redis stopped after 40 of 120 paced calls (%d ms): before %d x 200; after: A %d x "
                + "503 budget_store_unavailable of %d, B %d x 200 + %d x 429 budget_exceeded of %d; B store errors "
                + "%s -> %s; budgetStore A %s B %s; readiness A %d B %d%n",
                (System.nanoTime() - start) / 1_000_000, count(before, 200, null),
                count(afterA, 503, "budget_store_unavailable"), afterA.size(), count(afterB, 200, null),
                count(afterB, 429, "budget_exceeded"), afterB.size(), errorsBefore, errorsAfter,
                healthA.path("components").path("budgetStore").path("status").asString(),
                health.path("components").path("budgetStore").path("status").asString(), readinessA, readinessB);

        assertThat(before).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 503));
        assertThat(count(before, 200, null)).isGreaterThanOrEqualTo(30);
        assertThat(afterA).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(code(r)).isEqualTo("budget_store_unavailable");
        });
        assertThat(count(afterB, 200, null)).as("B's own share of delta's budget: 20 calls").isEqualTo(20);
        assertThat(count(afterB, 429, "budget_exceeded")).isEqualTo(afterB.size() - 20);
        assertThat(errorsAfter.subtract(errorsBefore).intValue()).isGreaterThanOrEqualTo(afterB.size());
        assertThat(health.path("components").path("budgetStore").path("status").asString()).isEqualTo("DOWN");
        assertThat(health.path("components").path("budgetStore").path("details").path("policy").asString())
                .isEqualTo("fail-open");
        assertThat(healthA.path("components").path("budgetStore").path("status").asString()).isEqualTo("DOWN");
        assertThat(readinessA).isEqualTo(200);
        assertThat(readinessB).isEqualTo(200);

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> JSON.readTree(
                get(a, null, "/actuator/health").body()).path("components").path("budgetStore").path("status")
                .asString().equals("UP"));
        assertThat(call(a, DELTA).join().statusCode()).as("served through Redis again").isEqualTo(200);
    }

    @Test
    @Order(3)
    void oneGatewayWithTheInMemoryStoreNeverSpendsPastAHardBudget() {
        close(a);
        close(b);
        a = null;
        b = null;
        ConfigurableApplicationContext memory = gateway("memory", "fail-closed");
        try {
            warmUp(memory);
            long started = System.nanoTime();
            List<HttpResponse<String>> responses = burst(List.of(memory));
            long millis = (System.nanoTime() - started) / 1_000_000;
            int admitted = count(responses, 200, null);
            int refused = count(responses, 429, "budget_exceeded");
            BigDecimal spent = ledgerSum(memory, "gamma-web", CALLS);
            BigDecimal budget = Nanos.toUsd(budgetNanos(GAMMA_CALLS));
            System.out.printf("BUDGET-IT memory, 1 gateway: %d calls in %d ms: %d admitted, %d refused "
                    + "budget_exceeded; ledger sum %s USD of %s USD, %s USD left%n", CALLS, millis, admitted, refused,
                    spent.stripTrailingZeros().toPlainString(), budget.toPlainString(),
                    budget.subtract(spent).stripTrailingZeros().toPlainString());

            assertThat(admitted + refused).isEqualTo(CALLS);
            assertThat(admitted).isEqualTo(50);
            assertThat(spent).isLessThanOrEqualTo(budget);
            assertThat(budget.subtract(spent)).isLessThan(Nanos.toUsd(callNanos));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(budget(memory, GAMMA)[0])
                    .isEqualByComparingTo(spent));
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            memory.close();
        }
    }

    static BigDecimal metric(ConfigurableApplicationContext context, String prefix) throws Exception {
        for (String line : get(context, null, "/actuator/prometheus").body().split("\n")) {
            if (line.startsWith(prefix)) {
                return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return BigDecimal.ZERO;
    }
}
