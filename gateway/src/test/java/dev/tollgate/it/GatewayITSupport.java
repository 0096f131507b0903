package dev.tollgate.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
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

import dev.tollgate.TollgateApplication;
import dev.tollgate.resilience.BackendGuards;

/**
 * The gateway on a random port, in its real configuration but for: fake upstreams on loopback, in-memory H2, test
 * keys ({@value #ALPHA}, {@value #BETA}) and a movable clock. One Spring context serves every subclass.
 * <p>
 * Backends: {@code fake-openai} (OpenAI's prices) and {@code fake-deepseek} (DeepSeek's) both forward to
 * {@link #UPSTREAM}; {@code sim} is a simulated backend priced by Anthropic's table; {@code dead} (Google's
 * prices) points at a closed port.
 */
@SpringBootTest(classes = TollgateApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Import(GatewayITSupport.Config.class)
public abstract class GatewayITSupport {

    public static final String ALPHA = "sk-test-alpha";
    public static final String BETA = "sk-test-beta";
    public static final String UPSTREAM_KEY = "sk-upstream-secret-123";
    public static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");

    protected static final FakeUpstream UPSTREAM = FakeUpstream.start();
    protected static final MutableClock CLOCK = new MutableClock(NOW);

    private static final HttpClient SCRAPER = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TestConfiguration
    static class Config {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }

        @Bean
        NettyServerCustomizer exchangeProbe() {
            return server -> server.doOnChannelInit((observer, channel, remote) -> ExchangeProbe.install(channel));
        }
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry r) {
        backend(r, "fake-openai", "openai", UPSTREAM.baseUrl());
        backend(r, "fake-deepseek", "deepseek", UPSTREAM.baseUrl());
        backend(r, "dead", "google", "http://127.0.0.1:1/v1");
        r.add("tollgate.providers.sim.type", () -> "simulated");
        r.add("tollgate.providers.sim.prices", () -> "anthropic");
        r.add("tollgate.providers.sim.simulated.latency", () -> "0ms");
        r.add("tollgate.providers.sim.simulated.chunk-interval", () -> "1ms");
        r.add("tollgate.limits.max-body-size", () -> "64KB");
        r.add("tollgate.limits.max-upstream-body", () -> "256KB");
    }

    private static void backend(DynamicPropertyRegistry r, String id, String prices, String url) {
        r.add("tollgate.providers." + id + ".type", () -> "openai");
        r.add("tollgate.providers." + id + ".base-url", () -> url);
        r.add("tollgate.providers." + id + ".api-key", () -> UPSTREAM_KEY);
        r.add("tollgate.providers." + id + ".prices", () -> prices);
        r.add("tollgate.providers." + id + ".resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers." + id + ".resilience.stream-idle-timeout", () -> "1500ms");
        r.add("tollgate.providers." + id + ".connect-timeout", () -> "1s");
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected DataSource dataSource;

    protected JdbcTemplate jdbc;

    @Autowired
    protected BackendGuards guards;

    @BeforeEach
    void resetWorld() {
        CLOCK.set(NOW);
        jdbc = new JdbcTemplate(dataSource);
        // Breakers opened by one test's faults must not exclude a backend from the next test.
        guards.reset();
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    protected HttpResponse<String> post(String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            printThreads("POST /v1/chat/completions");
            throw e;
        }
    }

    protected HttpResponse<String> get(String key, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a streamed call; the caller reads lines as they arrive. */
    protected HttpResponse<java.io.InputStream> openStream(String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    protected static BufferedReader lines(HttpResponse<java.io.InputStream> response) {
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    protected static String chatBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    /** The ledger row of a request, waiting for the batch writer. */
    protected Map<String, Object> ledgerRow(String requestId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> countRows(requestId) > 0);
        return jdbc.queryForMap("SELECT * FROM ledger WHERE request_id = ?", requestId);
    }

    protected int countRows(String requestId) {
        Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM ledger WHERE request_id = ?", Integer.class, requestId);
        return n == null ? 0 : n;
    }

    /**
     * The value of one Prometheus sample, scraped over HTTP; zero when the series does not exist yet. Scrapes use
     * their own client (their own connections), as Prometheus does; a scrape that times out prints every thread's
     * stack so that a hang can be diagnosed from the build log.
     */
    /** Every thread's stack on standard error: what a request that timed out was waiting for. */
    static void printThreads(String what) {
        System.err.println("timed out: " + what + "; threads:");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            System.err.println("thread " + thread.getName() + " " + thread.getState());
            for (StackTraceElement frame : stack) {
                System.err.println("    at " + frame);
            }
        });
    }

    protected BigDecimal metric(String name, String labels) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/actuator/prometheus")).timeout(Duration.ofSeconds(20))
                .GET().build();
        String text;
        try {
            text = SCRAPER.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.net.http.HttpTimeoutException e) {
            printThreads("scrape of " + name);
            throw e;
        }
        String prefix = name + "{" + labels;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix) || line.startsWith(name + " ") && labels.isEmpty()) {
                return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return BigDecimal.ZERO;
    }
}
