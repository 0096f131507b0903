package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.config.TollgateProperties;
import dev.tollgate.metering.TokenCounter;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.json.JsonMapper;

/**
 * A 4 MB prompt does not stall the event loop for everyone else on it: with one event loop for the whole gateway,
 * small requests sent while a 4 MB request is being parsed and counted are answered meanwhile.
 */
@Import(LargeBodyIT.OneEventLoop.class)
class LargeBodyIT extends GatewayITSupport {

    private static final String[] WORDS = {"the", "gateway", "routes", "each", "call", "to", "a", "backend", "and",
        "meters", "tokens", "exactly", "while", "streams", "pass", "through", "budget", "price", "table", "provider",
        "latency", "failover", "circuit", "breaker", "opens", "errors", "rise", "42", "1.5", "Kubernetes", "ledger"};
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Every connection of the server and every upstream call on one event-loop thread; request bodies up to 4 MB
     * (the properties as bound, but for that limit, which the support's dynamic properties set lower).
     */
    @TestConfiguration
    static class OneEventLoop {
        @Bean(destroyMethod = "dispose")
        @Primary
        LoopResources oneEventLoop() {
            return LoopResources.create("one-loop", 1, true);
        }

        @Bean
        @Primary
        TollgateProperties fourMegabyteBodies(ConfigurableEnvironment environment) {
            StandardEnvironment withLimit = new StandardEnvironment();
            MutablePropertySources sources = withLimit.getPropertySources();
            sources.forEach(source -> sources.remove(source.getName()));
            sources.addFirst(new MapPropertySource("four-megabyte-bodies",
                    Map.of("tollgate.limits.max-body-size", "4MB")));
            environment.getPropertySources().stream()
                    .filter(source -> !source.getName().equals("configurationProperties")) // the original's view
                    .forEach(sources::addLast);
            return Binder.get(withLimit).bindOrCreate("tollgate", TollgateProperties.class);
        }
    }

    @Test
    void smallRequestsAreAnsweredWhileAFourMegabytePromptIsParsedAndCounted() throws Exception {
        String body = body(4 * 1024 * 1024 - 1024);
        long promptTokens = ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8), JsonMapper.builder().build())
                .promptTokens(new TokenCounter());
        long parseAndCount = parseAndCountMillis(body);
        assertThat(parseAndCount).as("the work the test relies on must be long enough to see").isGreaterThan(100);
        assertThat(models().statusCode()).isEqualTo(200); // the small request's path is warm

        CompletableFuture<HttpResponse<String>> large = CLIENT.sendAsync(HttpRequest.newBuilder(
                uri("/v1/chat/completions")).timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
                .header("authorization", "Bearer " + ALPHA).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        // Small requests, one after the other, until the large one is answered. With its body parsed and counted on
        // the event loop, the small request in flight when that work begins waits until it ends (the loop is busy),
        // some parseAndCount ms; off the loop, every small request is answered at once.
        List<Long> smallMillis = new ArrayList<>();
        while (!large.isDone() && smallMillis.size() < 1000) {
            long start = System.nanoTime();
            assertThat(models().statusCode()).isEqualTo(200);
            smallMillis.add((System.nanoTime() - start) / 1_000_000);
        }

        System.out.printf("LARGE-BODY-IT parse and count of the 4 MB body: %d ms; small requests answered meanwhile "
                + "(ms each): %s%n", parseAndCount, smallMillis);
        assertThat(smallMillis).as("small requests answered while the 4 MB one was read, parsed and counted")
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(smallMillis.stream().mapToLong(Long::longValue).max().orElseThrow()).as("the longest wait of "
                + "a small request (ms each: %s), while parsing and counting the large body takes %d ms here",
                smallMillis, parseAndCount).isLessThan(parseAndCount / 2);
        // the large call itself is counted and routed: its prompt fits no context window
        HttpResponse<String> answered = large.get();
        assertThat(answered.statusCode()).as("%.300s", answered.body()).isEqualTo(400);
        assertThat(answered.body()).contains("no_eligible_backend").contains(promptTokens + " prompt");
        assertThat(answered.headers().firstValue("connection")).as("its body was read: nothing left to drain, the "
                + "connection stays open").isEmpty();
    }

    private HttpResponse<String> models() throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(uri("/v1/models")).timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + ALPHA).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What the gateway's parse and count of {@code body} take on this machine now (the second of two runs). */
    private static long parseAndCountMillis(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        JsonMapper mapper = JsonMapper.builder().build();
        TokenCounter tokens = new TokenCounter();
        ChatRequest.parse(bytes, mapper).promptTokens(tokens);
        long start = System.nanoTime();
        ChatRequest.parse(bytes, mapper).promptTokens(tokens);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A chat request of about {@code size} bytes whose prompt is words, in ten messages. */
    private static String body(int size) {
        Random random = new Random(3);
        StringBuilder sb = new StringBuilder(size + 256).append("{\"model\":\"gpt-4o-mini\",\"messages\":[");
        for (int m = 0; m < 10; m++) {
            sb.append(m == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"");
            int start = sb.length();
            while (sb.length() - start < size / 10) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            sb.append("\"}");
        }
        return sb.append("],\"max_tokens\":16}").toString();
    }
}
