package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;

import dev.tollgate.TollgateApplication;
import dev.tollgate.resilience.BackendGuards;

/**
 * A gateway on a random port for the Anthropic Messages tests, with one backend of each wire format:
 * {@code anthropic} (native Messages API, Anthropic's prices) at {@link #ANTHROPIC}, and {@code fake-deepseek}
 * (OpenAI-compatible, DeepSeek's prices) at {@link #OPENAI}. The teams are in {@code rules-anthropic}. Clients are the
 * official Anthropic Java SDK, and plain HTTP where a test needs the bytes.
 */
@SpringBootTest(classes = TollgateApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Import(AnthropicITSupport.Config.class)
public abstract class AnthropicITSupport {

    public static final String ALPHA = "sk-test-alpha";
    public static final String BROKE = "sk-test-broke";
    public static final String LIMITED = "sk-test-limited";
    public static final String ANTHROPIC_KEY = "sk-ant-upstream-secret";
    public static final String DEEPSEEK_KEY = "sk-deepseek-upstream-secret";

    protected static final FakeAnthropic ANTHROPIC = FakeAnthropic.start();
    protected static final FakeUpstream OPENAI = FakeUpstream.start();
    protected static final MutableClock CLOCK = new MutableClock(GatewayITSupport.NOW);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

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
        r.add("tollgate.rules.location", () -> "src/test/resources/rules-anthropic");
        r.add("tollgate.providers.anthropic.enabled", () -> "true");
        r.add("tollgate.providers.anthropic.type", () -> "anthropic");
        r.add("tollgate.providers.anthropic.base-url", () -> ANTHROPIC.baseUrl() + "/v1");
        r.add("tollgate.providers.anthropic.api-key", () -> ANTHROPIC_KEY);
        r.add("tollgate.providers.anthropic.forward-headers", () -> "anthropic-beta");
        r.add("tollgate.providers.anthropic.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.anthropic.resilience.stream-idle-timeout", () -> "1500ms");
        r.add("tollgate.providers.fake-deepseek.type", () -> "openai");
        r.add("tollgate.providers.fake-deepseek.base-url", OPENAI::baseUrl);
        r.add("tollgate.providers.fake-deepseek.api-key", () -> DEEPSEEK_KEY);
        r.add("tollgate.providers.fake-deepseek.prices", () -> "deepseek");
        r.add("tollgate.providers.fake-deepseek.resilience.first-byte-timeout", () -> "1500ms");
        r.add("tollgate.providers.fake-deepseek.resilience.stream-idle-timeout", () -> "1500ms");
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected DataSource dataSource;

    @Autowired
    protected BackendGuards guards;

    protected JdbcTemplate jdbc;

    private final List<AnthropicClient> clients = new ArrayList<>();

    @BeforeEach
    void resetWorld() {
        CLOCK.set(GatewayITSupport.NOW);
        jdbc = new JdbcTemplate(dataSource);
        guards.reset();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(AnthropicClient::close);
        clients.clear();
    }

    /** The official SDK pointed at the gateway, without retries unless asked. */
    protected AnthropicClient sdk(String key, int maxRetries) {
        AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port).apiKey(key)
                .maxRetries(maxRetries).timeout(Duration.ofSeconds(20)).build();
        clients.add(client);
        return client;
    }

    protected AnthropicClient sdk(String key) {
        return sdk(key, 0);
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A raw {@code POST} with the gateway key in {@code x-api-key}, as Claude Code and curl users send it. */
    protected HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("x-api-key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<InputStream> openStream(String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/messages")).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").header("x-api-key", key)
                .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The call's ledger row, once the batch writer has written it (at most 10 s). */
    protected Map<String, Object> ledgerRow(String requestId) {
        assertThat(requestId).as("the call's x-tollgate-request-id").isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE request_id = ?", Integer.class, requestId) == 1);
        return jdbc.queryForMap("SELECT * FROM ledger WHERE request_id = ?", requestId);
    }

    /** The value of the first series of {@code name} whose labels begin with {@code labels}, 0 when none. */
    protected BigDecimal metric(String name, String labels) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/actuator/prometheus")).timeout(Duration.ofSeconds(20))
                .GET().build();
        String text = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        String prefix = name + "{" + labels;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return BigDecimal.ZERO;
    }

    /** A streamed body's non-empty lines, read to its end. */
    protected static List<String> readAll(HttpResponse<InputStream> response) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    protected static String messagesBody(String model, int maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }
}
