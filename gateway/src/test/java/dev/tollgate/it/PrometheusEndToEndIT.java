package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.yaml.snakeyaml.Yaml;

import dev.tollgate.TollgateApplication;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proof that the Grafana dashboards and the alert rules (one copy each, under {@code helm/tollgate}) work
 * against a real Prometheus. The gateway runs in its demo profile (every provider simulated), plus a provider
 * {@code flaky} at a closed port that ties with OpenAI on price, so calls fail over and its breaker opens. A real
 * {@code prometheus} scrapes the gateway every second and evaluates the rules file, while two teams call several
 * models, streamed and not, go past a rate limit, a soft budget and a hard budget. Then every PromQL expression of
 * every dashboard panel (template variables replaced the way Grafana does) must parse and return data, and every
 * alert expression must parse and evaluate without error; {@code promtool check rules} must pass.
 * <p>
 * The {@code prometheus} binary is required, not assumed: a missing one fails with how to install it, so that a
 * CI without it can never pass by skipping (the build installs it when missing: {@code src/test/sh/ensure-test-tools.sh}).
 */
class PrometheusEndToEndIT {

    static final Path HELM = Path.of("..", "helm", "tollgate");
    static final Path DASHBOARDS = HELM.resolve("dashboards");
    static final Path ALERTS = HELM.resolve("rules").resolve("tollgate-alerts.yaml");
    static final List<String> DASHBOARD_FILES = List.of("spend.json", "budgets.json", "traffic.json");

    static final String DEMO = "sk-tollgate-demo";
    static final String RESEARCH = "sk-tollgate-research";
    static final String ADMIN = "sk-tollgate-admin-demo";

    /**
     * What Grafana puts in place of its variables. {@code $team} becomes a multi-value selection of both demo
     * teams, formatted as Grafana formats one for a Prometheus regex matcher.
     */
    static final Map<String, String> VARIABLES = variables();

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static ConfigurableApplicationContext gateway;
    static PrometheusServer prometheus;
    static int port;

    static Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("${team}", "(demo|research)");
        v.put("$team", "(demo|research)");
        v.put("${__rate_interval}", "1m");
        v.put("$__rate_interval", "1m");
        v.put("${__interval}", "15s");
        v.put("$__interval", "15s");
        v.put("${__range}", "1h");
        v.put("$__range", "1h");
        return v;
    }

    @BeforeAll
    static void start() throws Exception {
        Path binary = PrometheusServer.binary("prometheus", "TOLLGATE_PROMETHEUS").orElse(null);
        if (binary == null) {
            fail("The prometheus binary was not found on the PATH, in /usr/bin or in $TOLLGATE_PROMETHEUS. This test "
                    + "runs the dashboards' and alerts' queries on a real Prometheus: install it (Debian/Ubuntu: "
                    + "apt-get install prometheus; the Maven build does it before the integration tests where it can) or point TOLLGATE_PROMETHEUS at the binary.");
        }
        Path scratch = Files.createTempDirectory("prometheus-e2e");
        long started = System.nanoTime();
        gateway = new SpringApplicationBuilder(TollgateApplication.class).profiles("demo").run(
                "--server.port=0",
                "--tollgate.pricing.location=../pricing",
                "--tollgate.rules.location=../routing-rules/demo",
                "--spring.datasource.url=jdbc:h2:mem:prometheus-e2e-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "--tollgate.ledger.spill-file=" + scratch.resolve("spill.jsonl"),
                "--tollgate.ledger.flush-interval=20ms",
                // ties with OpenAI on price (same table), at a closed port: its calls fail over, its breaker opens
                "--tollgate.providers.flaky.type=openai",
                "--tollgate.providers.flaky.base-url=http://127.0.0.1:1/v1",
                "--tollgate.providers.flaky.api-key=sk-not-used",
                "--tollgate.providers.flaky.prices=openai");
        port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
        prometheus = PrometheusServer.start(binary, scratch, "127.0.0.1:" + port, "/actuator/prometheus", ALERTS);
        awaitScrapeAfter(System.currentTimeMillis());
        driveTraffic();
        // the ledger's batch writer and one more scrape: every counter's last value is in Prometheus
        Thread.sleep(300);
        awaitScrapeAfter(System.currentTimeMillis());
        Thread.sleep(1500); // a rule evaluation or two on the final data
        System.out.printf("PROMETHEUS-E2E gateway, traffic and prometheus ready in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /** Two rounds of calls a few scrapes apart (rates need two samples), then the refusals. */
    static void driveTraffic() throws Exception {
        // research: a soft budget its rounds of calls overrun (about 0.0005 USD of them: thresholds 50, 80, 100
        // crossed, soft_budget_exceeded), whatever the rate-limited burst below lets through
        assertThat(admin("PUT", "/admin/budgets/team/research",
                "{\"amount_usd\":\"0.0002\",\"period\":\"daily\",\"mode\":\"soft\",\"alert_thresholds\":[50,80,100]}")
                .statusCode()).isEqualTo(200);
        for (int round = 0; round < 2; round++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (String model : List.of("gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini",
                    "gpt-4o-mini", "gpt-4o", "deepseek-chat", "claude-haiku-4-5", "gemini-2.0-flash", "cheap", "auto",
                    "balanced")) {
                calls.add(call(DEMO, model, false));
            }
            for (String model : List.of("gpt-4o-mini", "claude-haiku-4-5", "deepseek-chat", "auto")) {
                calls.add(call(DEMO, model, true));
            }
            for (String model : List.of("gpt-4o", "gpt-4o", "cheap")) {
                calls.add(call(RESEARCH, model, false));
            }
            calls.add(call(RESEARCH, "gpt-4o", true));
            calls.add(call(RESEARCH, "claude-sonnet-4-5", true));
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.join();
                assertThat(r.statusCode()).as("round %d: %s", round, r.body()).isEqualTo(200);
            }
            awaitScrapeAfter(System.currentTimeMillis());
            Thread.sleep(1000);
        }
        // research goes past its rate limit. Its rules' 60 a minute is a bucket refilled one call a second, so
        // "10 made, 60 more" depends on how long the rounds took (on a loaded machine the bucket is full again): the
        // admin API lowers it to 3 a minute (a call every 20 s) and 20 calls go at once, of which at most 3 or 4 fit
        assertThat(admin("PUT", "/admin/rate-limits/team/research", "{\"requests_per_minute\":3}").statusCode())
                .isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(call(RESEARCH, "gpt-4o-mini", false));
        }
        Map<Integer, Long> statuses = burst.stream().map(CompletableFuture::join)
                .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
        assertThat(statuses).containsKeys(200, 429);
        // demo: a hard budget smaller than what it has spent refuses the next calls (budget_exceeded)
        assertThat(admin("PUT", "/admin/budgets/team/demo",
                "{\"amount_usd\":\"0.0001\",\"period\":\"monthly\",\"mode\":\"hard\"}").statusCode()).isEqualTo(200);
        assertThat(call(DEMO, "gpt-4o", false).join().statusCode()).isEqualTo(429);
        assertThat(call(DEMO, "gpt-4o-mini", true).join().statusCode()).isEqualTo(429);
    }

    @Test
    void everyDashboardQueryAnswersWithData() throws Exception {
        List<Query> queries = dashboardQueries();
        List<String> failures = new ArrayList<>();
        for (Query q : queries) {
            String problem = problem(q.expr(), true);
            if (problem != null) {
                failures.add(q + ": " + problem);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + queries.size() + " dashboard queries failed:\n  "
                    + String.join("\n  ", failures) + "\nprometheus log:\n" + prometheus.log());
        }
        System.out.printf("PROMETHEUS-E2E %d dashboard expressions in %d panels of %d dashboards: all parsed and "
                + "returned data%n", queries.size(), queries.stream().map(q -> q.file() + q.panelId()).distinct()
                .count(), DASHBOARD_FILES.size());
    }

    @Test
    void teamVariableListsTheTeamsThatCalled() throws Exception {
        JsonNode values = prometheus.get("/api/v1/label/team/values?match[]=tollgate_requests_total");
        Set<String> teams = new HashSet<>();
        for (JsonNode v : values.path("data")) {
            teams.add(v.asString());
        }
        assertThat(teams).contains("demo", "research");
    }

    @Test
    void everyAlertExpressionEvaluates() throws Exception {
        Map<String, String> alerts = alertExpressions();
        assertThat(alerts).isNotEmpty();
        List<String> failures = new ArrayList<>();
        List<String> withData = new ArrayList<>();
        for (Map.Entry<String, String> a : alerts.entrySet()) {
            String problem = problem(a.getValue(), false);
            if (problem != null) {
                failures.add("alert " + a.getKey() + ": " + problem + "\n    expr: " + a.getValue());
            } else if (problem(a.getValue(), true) == null) {
                withData.add(a.getKey());
            }
        }
        // Prometheus loaded the same file and evaluates it every second: no rule may report an error
        for (JsonNode group : prometheus.get("/api/v1/rules").path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if ("err".equals(rule.path("health").asString())) {
                    failures.add("rule " + rule.path("name").asString() + " fails in Prometheus: "
                            + rule.path("lastError").asString());
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
        // research overran its soft budget: the exhausted-budget alert's expression selects it now
        JsonNode exhausted = prometheus.query(alerts.get("TollgateBudgetExhausted")).path("data").path("result");
        assertThat(exhausted.toString()).contains("\"team\":\"research\"");
        System.out.printf("PROMETHEUS-E2E %d alert expressions parsed and evaluated; with data on this traffic: %s%n",
                alerts.size(), withData);
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Path promtool = PrometheusServer.binary("promtool", "TOLLGATE_PROMTOOL").orElse(null);
        if (promtool == null) {
            fail("promtool was not found (it comes with the prometheus package): install it or set TOLLGATE_PROMTOOL");
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", ALERTS.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void dashboardsAreGrafanaDashboardsWithTheSharedVariables() throws Exception {
        Set<String> uids = new HashSet<>();
        for (String file : DASHBOARD_FILES) {
            JsonNode d = JSON.readTree(DASHBOARDS.resolve(file).toFile());
            assertThat(d.path("schemaVersion").asInt()).as(file).isGreaterThanOrEqualTo(36);
            assertThat(uids.add(d.path("uid").asString())).as(file + " uid is unique").isTrue();
            Map<String, JsonNode> vars = new LinkedHashMap<>();
            for (JsonNode v : d.path("templating").path("list")) {
                vars.put(v.path("name").asString(), v);
            }
            assertThat(vars.get("datasource").path("type").asString()).as(file).isEqualTo("datasource");
            assertThat(vars.get("datasource").path("query").asString()).as(file).isEqualTo("prometheus");
            JsonNode team = vars.get("team");
            assertThat(team.path("query").path("query").asString()).as(file)
                    .isEqualTo("label_values(tollgate_requests_total, team)");
            assertThat(team.path("multi").asBoolean() && team.path("includeAll").asBoolean()).as(file).isTrue();
            Set<Integer> ids = new HashSet<>();
            List<int[]> boxes = new ArrayList<>();
            for (JsonNode p : d.path("panels")) {
                String where = file + " panel " + p.path("id").asInt() + " \"" + p.path("title").asString() + "\"";
                assertThat(ids.add(p.path("id").asInt())).as(where + ": id is unique").isTrue();
                JsonNode g = p.path("gridPos");
                int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
                assertThat(box[2] > 0 && box[3] > 0 && box[0] + box[2] <= 24).as(where + ": gridPos").isTrue();
                for (int[] other : boxes) {
                    boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
                            && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
                    assertThat(overlap).as(where + ": overlaps another panel").isFalse();
                }
                boxes.add(box);
                if ("row".equals(p.path("type").asString())) {
                    continue;
                }
                assertThat(p.path("datasource").path("uid").asString()).as(where).isEqualTo("${datasource}");
                assertThat(p.path("fieldConfig").path("defaults").path("unit").asString()).as(where + ": unit")
                        .isNotEmpty();
                assertThat(p.path("targets").size()).as(where + ": targets").isPositive();
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("refId").asString()).as(where).isNotEmpty();
                    assertThat(t.path("expr").asString()).as(where).isNotEmpty();
                    assertThat(t.path("datasource").path("uid").asString()).as(where).isEqualTo("${datasource}");
                }
            }
        }
    }

    /** Why an expression fails: it does not parse or evaluate, or ({@code needData}) its result is empty or NaN. */
    static String problem(String expr, boolean needData) throws IOException, InterruptedException {
        JsonNode answer = prometheus.query(expr);
        if (!"success".equals(answer.path("status").asString())) {
            return answer.path("errorType").asString() + ": " + answer.path("error").asString();
        }
        if (!needData) {
            return null;
        }
        JsonNode data = answer.path("data");
        if ("scalar".equals(data.path("resultType").asString())) {
            return null;
        }
        JsonNode result = data.path("result");
        if (result.isEmpty()) {
            return "empty result";
        }
        for (JsonNode series : result) {
            if (!Double.isNaN(Double.parseDouble(series.path("value").path(1).asString("NaN")))) {
                return null;
            }
        }
        return "every value is NaN: " + result;
    }

    /** One target of one panel, its template variables replaced. */
    record Query(String file, int panelId, String title, String refId, String expr) {
        @Override
        public String toString() {
            return file + " panel " + panelId + " \"" + title + "\" " + refId + ": " + expr;
        }
    }

    static List<Query> dashboardQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (String file : DASHBOARD_FILES) {
            collect(file, JSON.readTree(DASHBOARDS.resolve(file).toFile()).path("panels"), queries);
        }
        assertThat(queries).hasSizeGreaterThan(30);
        return queries;
    }

    private static void collect(String file, JsonNode panels, List<Query> into) {
        for (JsonNode p : panels) {
            collect(file, p.path("panels"), into); // a collapsed row holds its panels
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asString();
                for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
                    expr = expr.replace(v.getKey(), v.getValue());
                }
                Query q = new Query(file, p.path("id").asInt(), p.path("title").asString(), t.path("refId").asString(),
                        expr);
                assertThat(expr).as("%s: a template variable this test does not know", q).doesNotContain("$");
                into.add(q);
            }
        }
    }

    /** Alert name to expression, from the rules file. */
    @SuppressWarnings("unchecked")
    static Map<String, String> alertExpressions() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(ALERTS));
        Map<String, String> alerts = new LinkedHashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                String name = (String) rule.getOrDefault("alert", rule.get("record"));
                assertThat(alerts.put(name, (String) rule.get("expr"))).as("alert %s defined twice", name).isNull();
                if (rule.containsKey("alert")) {
                    assertThat(rule).as(name).containsKeys("for", "labels", "annotations");
                    assertThat((Map<String, Object>) rule.get("labels")).as(name).containsKey("severity");
                    assertThat((Map<String, Object>) rule.get("annotations")).as(name)
                            .containsKeys("summary", "description");
                }
            }
        }
        return alerts;
    }

    /** Waits until Prometheus has a sample of the gateway scraped after {@code epochMillis}. */
    static void awaitScrapeAfter(long epochMillis) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode result = prometheus.query("timestamp(up{job=\"tollgate\"} == 1)").path("data").path("result");
            if (!result.isEmpty()
                    && Double.parseDouble(result.path(0).path("value").path(1).asString("0")) * 1000 > epochMillis) {
                return;
            }
            Thread.sleep(100);
        }
        fail("prometheus did not scrape the gateway; targets: " + prometheus.get("/api/v1/targets") + "\nlog:\n"
                + prometheus.log());
    }

    static CompletableFuture<HttpResponse<String>> call(String key, String model, boolean stream) {
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 times 7?\"}]}";
        return HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").header("authorization", "Bearer " + ADMIN)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
