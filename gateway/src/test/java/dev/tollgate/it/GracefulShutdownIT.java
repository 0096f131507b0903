package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.Environment;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.tollgate.TollgateApplication;
import dev.tollgate.metering.LedgerWriter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shutting the gateway down the way production does ({@code context.close()}, {@code server.shutdown=graceful}), on
 * an H2 file database that outlives it: calls in flight finish and are all in the ledger; rows the ledger could not
 * write in time are spilled and come back at the next start.
 * <p>
 * The gateway is started with {@link SpringApplicationBuilder}, as {@code main} does, not by the test framework. The
 * upstream holds every answer until shutdown has begun (it waits for {@link ContextClosedEvent}), so the calls are
 * certainly in flight while the gateway shuts down, whatever the speed of the machine.
 */
class GracefulShutdownIT {

    private static final int STREAMS = 20;
    private static final int CALLS = 20;
    private static final int EVENTS = 20;
    /**
     * How long calls stay in flight after shutdown has begun: longer than the 3 s for which even an immediate
     * shutdown of Reactor Netty waits for active requests, so only a graceful shutdown lets them finish.
     */
    private static final Duration EVENT_INTERVAL = Duration.ofMillis(250);
    private static final Duration ANSWER_DELAY = EVENT_INTERVAL.multipliedBy(EVENTS);
    private static final String KEY = GatewayITSupport.ALPHA;

    /** The test's handle on the gated database of {@link GatedDatabase}; one gateway at a time uses it. */
    private static volatile Gate gate;

    @TempDir
    Path dir;

    private FakeUpstream upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final List<ConfigurableApplicationContext> gateways = new ArrayList<>();

    @BeforeEach
    void upstream() {
        upstream = FakeUpstream.start();
        gate = new Gate();
    }

    @AfterEach
    void cleanUp() {
        gate.open();
        gateways.forEach(ConfigurableApplicationContext::close);
        clients.shutdownNow();
        upstream.close();
    }

    @Test
    void callsInFlightFinishAndAreAllInTheLedger() throws Exception {
        CompletableFuture<Void> shutdownBegun = new CompletableFuture<>();
        CountDownLatch arrived = new CountDownLatch(STREAMS + CALLS);
        upstream.behave((req, res, body) -> {
            arrived.countDown();
            Mono<Void> released = Mono.fromFuture(shutdownBegun);
            if (new String(body, StandardCharsets.UTF_8).contains("\"stream\":true")) {
                // the first event at once (the client sees its call started), the rest after shutdown has begun
                return res.status(200).header("content-type", "text/event-stream").sendString(Flux.concat(
                        Mono.just(FakeUpstream.event(chunk("t0 "))),
                        released.thenMany(Flux.fromIterable(streamRest()).delayElements(EVENT_INTERVAL)
                                .map(FakeUpstream::event))));
            }
            return released.then(Mono.delay(ANSWER_DELAY)).then(Mono.defer(() -> res.status(200)
                    .header("content-type", "application/json").sendString(Mono.just(chatCompletion("done", 10, 5)))
                    .then()));
        });
        ConfigurableApplicationContext gateway = start(List.of(), event -> {
            if (event instanceof ContextClosedEvent) {
                shutdownBegun.complete(null);
            }
        });
        int port = port(gateway);
        assertThat(gateway.getBean(DataSource.class)).as("the test classes stay out of the component scan")
                .isNotInstanceOf(GatedDataSource.class);

        CountDownLatch streamsStarted = new CountDownLatch(STREAMS);
        List<Future<Call>> streams = IntStream.range(0, STREAMS)
                .mapToObj(i -> clients.submit(() -> stream(port, streamsStarted))).toList();
        List<Future<Call>> calls = IntStream.range(0, CALLS)
                .mapToObj(i -> clients.submit(() -> call(port, "gpt-4o-mini"))).toList();
        assertThat(arrived.await(30, TimeUnit.SECONDS)).as("every call reached the upstream").isTrue();
        assertThat(streamsStarted.await(30, TimeUnit.SECONDS)).as("every stream showed its first event").isTrue();
        assertThat(shutdownBegun).isNotDone();

        gateway.close(); // returns once the graceful shutdown is over and the ledger has stopped

        List<String> expectedEvents = new ArrayList<>();
        expectedEvents.add("data: " + chunk("t0 "));
        streamRest().stream().filter(e -> !e.contains("\"usage\"")).forEach(e -> expectedEvents.add("data: " + e));
        List<String> ids = new ArrayList<>();
        for (Future<Call> f : streams) {
            Call c = f.get(30, TimeUnit.SECONDS);
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.lines()).as("stream %s completed", c.requestId()).containsExactlyElementsOf(expectedEvents);
            ids.add(c.requestId());
        }
        for (Future<Call> f : calls) {
            Call c = f.get(30, TimeUnit.SECONDS);
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.lines()).containsExactly(chatCompletion("done", 10, 5));
            ids.add(c.requestId());
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(STREAMS + CALLS);
        Map<String, String> ledger = ledgerOutcomes();
        assertThat(ledger).as("one row per call, none lost").containsOnlyKeys(ids);
        assertThat(ledger.values()).containsOnly("success");
        assertThat(spillFile()).doesNotExist();
    }

    @Test
    void rowsNotWrittenAtShutdownAreSpilledAndReplayedByTheNextStart() throws Exception {
        upstream.behave(FakeUpstream.json(200, chatCompletion("ok", 10, 5)));
        ConfigurableApplicationContext first = start(List.of(GatedDatabase.class), event -> { },
                "--tollgate.ledger.drain-timeout=200ms");
        int port = port(first);
        String before = call(port, "gpt-4o-mini").requestId();
        await().atMost(Duration.ofSeconds(10)).until(() -> ledgerOutcomes().containsKey(before));

        gate.close(); // the database stops answering: the next rows stay in the writer's hands and queue
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Call c = call(port, i % 2 == 0 ? "gpt-4o-mini" : "claude-haiku-4-5");
            assertThat(c.status()).isEqualTo(200);
            ids.add(c.requestId());
        }
        LedgerWriter writer = first.getBean(LedgerWriter.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.pending() == ids.size());
        gate.awaitWaiting();

        first.close(); // drain timeout 200 ms: the writer is interrupted and everything still pending is spilled

        assertThat(spilledIds()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(ledgerOutcomes()).containsOnlyKeys(before);

        ConfigurableApplicationContext next = start(List.of(), event -> { });

        // the spill file is replayed while the gateway starts
        assertThat(ledgerOutcomes().keySet()).containsExactlyInAnyOrderElementsOf(concat(before, ids));
        assertThat(spillFile()).doesNotExist();
        assertThat(spillFile().resolveSibling(spillFile().getFileName() + ".replaying")).doesNotExist();
        // and the gateway works on the same database afterwards
        String after = call(port(next), "gpt-4o-mini").requestId();
        await().atMost(Duration.ofSeconds(10)).until(() -> ledgerOutcomes().containsKey(after));
    }

    // ------------------------------------------------------------------ the gateway

    private ConfigurableApplicationContext start(List<Class<?>> extraSources,
            ApplicationListener<ApplicationEvent> listener, String... extraArgs) {
        List<Class<?>> sources = new ArrayList<>(List.of(TollgateApplication.class));
        sources.addAll(extraSources);
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--spring.main.register-shutdown-hook=false",
                "--spring.datasource.url=" + jdbcUrl(),
                "--tollgate.ledger.spill-file=" + spillFile(),
                "--tollgate.providers.fake-openai.type=openai",
                "--tollgate.providers.fake-openai.base-url=" + upstream.baseUrl(),
                "--tollgate.providers.fake-openai.api-key=" + GatewayITSupport.UPSTREAM_KEY,
                "--tollgate.providers.fake-openai.prices=openai",
                "--tollgate.providers.fake-openai.resilience.first-byte-timeout=20s",
                "--tollgate.providers.sim.type=simulated",
                "--tollgate.providers.sim.prices=anthropic",
                "--tollgate.providers.sim.simulated.latency=0ms"));
        args.addAll(List.of(extraArgs));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(sources.toArray(Class<?>[]::new))
                .profiles("test")
                .initializers(c -> c.getBeanFactory().registerSingleton("excludeTestClasses", new ExcludeTestClasses()))
                .listeners(listener)
                .run(args.toArray(String[]::new));
        gateways.add(context);
        return context;
    }

    private static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    private String jdbcUrl() {
        return "jdbc:h2:file:" + dir.resolve("ledger").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    private Path spillFile() {
        return dir.resolve("ledger-spill.jsonl").toAbsolutePath();
    }

    /** request id to outcome, read from the file database with plain JDBC. */
    private Map<String, String> ledgerOutcomes() throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "sa", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT request_id, outcome FROM ledger")) {
            while (rs.next()) {
                assertThat(rows.put(rs.getString(1), rs.getString(2))).isNull();
            }
        }
        return rows;
    }

    private List<String> spilledIds() throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(spillFile(), StandardCharsets.UTF_8)) {
            ids.add(JsonMapper.builder().build().readTree(line).get("requestId").asString());
        }
        return ids;
    }

    private static List<String> streamRest() {
        List<String> events = new ArrayList<>();
        for (int i = 1; i < EVENTS; i++) {
            events.add(chunk("t" + i + " "));
        }
        events.add(finishChunk());
        events.add(usageChunk(10, EVENTS));
        events.add("[DONE]");
        return events;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest);
        all.add(0, first);
        return all;
    }

    // ------------------------------------------------------------------ clients

    /** One call as the client saw it: status, request id, and the body's non-empty lines. */
    record Call(int status, String requestId, List<String> lines) {
    }

    private Call call(int port, String model) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(port, model, false), HttpResponse.BodyHandlers.ofString());
        return new Call(r.statusCode(), r.headers().firstValue("x-tollgate-request-id").orElseThrow(),
                List.of(r.body()));
    }

    private Call stream(int port, CountDownLatch started) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(request(port, "gpt-4o-mini", true),
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isEmpty()) {
                    lines.add(line);
                    if (lines.size() == 1) {
                        started.countDown();
                    }
                }
            }
        }
        return new Call(r.statusCode(), r.headers().firstValue("x-tollgate-request-id").orElseThrow(), lines);
    }

    private static HttpRequest request(int port, String model, boolean stream) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
                .header("authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}"))
                .build();
    }

    // ------------------------------------------------------------------ a database that can stop answering

    /** Open: connections pass; closed: connection requests wait (interruptibly, as Hikari's do) until it opens. */
    static final class Gate {
        private volatile CountDownLatch latch = new CountDownLatch(0);
        private final Semaphore waiting = new Semaphore(0);

        void close() {
            latch = new CountDownLatch(1);
        }

        void open() {
            latch.countDown();
        }

        void pass() throws SQLException {
            CountDownLatch l = latch;
            if (l.getCount() == 0) {
                return;
            }
            waiting.release();
            try {
                l.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted during connection acquisition", "08001", e);
            }
        }

        void awaitWaiting() throws InterruptedException {
            assertThat(waiting.tryAcquire(10, TimeUnit.SECONDS)).as("the ledger writer waits for the database")
                    .isTrue();
        }
    }

    /** The gateway's datasource (the configured H2 URL, pooled by Hikari) behind {@link #gate}. */
    @Configuration(proxyBeanMethods = false)
    static class GatedDatabase {
        @Bean(destroyMethod = "close")
        GatedDataSource dataSource(Environment env) {
            HikariDataSource pool = new HikariDataSource();
            pool.setJdbcUrl(env.getRequiredProperty("spring.datasource.url"));
            pool.setUsername("sa");
            pool.setPassword("");
            pool.setMaximumPoolSize(4);
            return new GatedDataSource(pool);
        }
    }

    static final class GatedDataSource extends DelegatingDataSource implements AutoCloseable {
        private final HikariDataSource pool;

        GatedDataSource(HikariDataSource pool) {
            super(pool);
            this.pool = pool;
        }

        @Override
        public Connection getConnection() throws SQLException {
            gate.pass();
            return super.getConnection();
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /**
     * Keeps every class under {@code src/test} out of the gateway's component scan, as the test framework's own
     * filter does for {@code @SpringBootTest} contexts (which it does not do here): these gateways run exactly the
     * configuration given as sources, e.g. {@link GatedDatabase} only where a test asks for it.
     */
    static final class ExcludeTestClasses extends TypeExcludeFilter {
        @Override
        public boolean match(MetadataReader reader, MetadataReaderFactory factory) throws IOException {
            return reader.getResource().getURL().toString().contains("/test-classes/");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ExcludeTestClasses;
        }

        @Override
        public int hashCode() {
            return ExcludeTestClasses.class.hashCode();
        }
    }
}
