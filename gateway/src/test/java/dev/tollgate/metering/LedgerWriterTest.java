package dev.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ledger writer without Spring, against the real migration on H2 (in memory) and on an embedded PostgreSQL:
 * batching, retries then spill, replay at start (idempotent), overflow without blocking, and drain at stop.
 * <p>
 * Timing never decides a result: a "slow database" is a {@link TestDataSource} whose connections wait for a gate the
 * test opens, so the test knows exactly which rows the writer holds, which are queued and which must overflow.
 */
class LedgerWriterTest {

    enum Engine {
        H2, POSTGRES
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Instant T0 = Instant.parse("2026-11-15T12:00:00.123456Z");
    private static final RecursiveComparisonConfiguration EXACT_DECIMALS = RecursiveComparisonConfiguration.builder()
            .withComparatorForType(Comparator.nullsFirst(BigDecimal::compareTo), BigDecimal.class).build();

    private static EmbeddedPostgres postgres;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    Path dir;

    private final List<LedgerWriter> writers = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopWriters() {
        writers.forEach(w -> w.stop(Duration.ofSeconds(5)));
        executor.shutdownNow();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    // ------------------------------------------------------------------ behaviours

    @ParameterizedTest
    @EnumSource(Engine.class)
    void appendedRowsAreWrittenInBatchesOfAtMostTheBatchSize(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        LedgerWriter writer = writer(db, 1000, 10);
        writer.start();
        db.closeGate();

        List<LedgerEntry> rows = entries("batch", 26);
        writer.append(rows.get(0));
        db.awaitWaiting(); // the writer holds row 0 and waits for the database; the next 25 rows queue up
        rows.subList(1, 26).forEach(writer::append);
        db.openGate();
        writer.stop(Duration.ofSeconds(10));

        assertThat(db.batchSizes).containsExactly(1, 10, 10, 5);
        assertThat(readLedger(db.delegate)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(writer.pending()).isZero();
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rowsArrivingWithinTheFlushIntervalShareOneTransaction(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LedgerWriter writer = new LedgerWriter(db, MAPPER, registry, 1000, 10, Duration.ofSeconds(2), spillFile());
        writers.add(writer);
        writer.start();

        // 12 rows appended at once: a full batch goes at once, the other 2 wait out the flush interval together
        List<LedgerEntry> rows = entries("linger", 12);
        rows.forEach(writer::append);
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.pending() == 0);

        assertThat(db.batchSizes).containsExactly(10, 2);
        DistributionSummary batches = registry.get(GatewayMetrics.LEDGER_BATCH_ROWS).summary();
        assertThat(batches.count()).isEqualTo(2);
        assertThat(batches.totalAmount()).isEqualTo(12);
        assertThat(readLedger(db.delegate)).hasSize(12);
    }

    @Test
    void stoppingWritesTheBatchItIsFillingWithoutWaitingOutTheFlushInterval() throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(Engine.H2));
        LedgerWriter writer = new LedgerWriter(db, MAPPER, new SimpleMeterRegistry(), 1000, 10, Duration.ofMinutes(10),
                spillFile());
        writers.add(writer);
        writer.start();
        List<LedgerEntry> rows = entries("stop", 3);
        rows.forEach(writer::append);
        Thread.sleep(500);
        assertThat(db.batchSizes).as("the batch waits for more rows").isEmpty();

        long started = System.nanoTime();
        writer.stop(Duration.ofSeconds(60));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("stop waits for the database, not the interval")
                .isLessThan(Duration.ofSeconds(30));
        assertThat(db.batchSizes).containsExactly(3);
        assertThat(readLedger(db.delegate)).hasSize(3);
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rowsTheDatabaseRefusesGoToTheSpillFileAfterTheRetries(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        db.goDown();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LedgerWriter writer = new LedgerWriter(db, MAPPER, registry, 1000, 10, Duration.ofMillis(10), spillFile());
        writers.add(writer);
        List<LedgerEntry> rows = entries("down", 5);
        // queued before the writer thread runs, so they form exactly one batch
        rows.forEach(writer::append);
        writer.start();

        await().atMost(Duration.ofSeconds(20)).until(() -> writer.pending() == 0);

        assertThat(db.connectionAttempts).hasValue(LedgerWriter.ATTEMPTS);
        assertThat(spilledIds()).containsExactlyElementsOf(ids(rows));
        assertThat(registry.get(GatewayMetrics.LEDGER_ROWS).tag("outcome", "spilled").counter().count()).isEqualTo(5);
        assertThat(registry.get(GatewayMetrics.LEDGER_ROWS).tag("outcome", "written").counter().count()).isZero();
        assertThat(registry.get(GatewayMetrics.LEDGER_WRITE_FAILURES).counter().count())
                .isEqualTo(LedgerWriter.ATTEMPTS);
        assertThat(readLedger(db.delegate)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aNewWriterReplaysTheSpillFileAtStartExactly(Engine engine) throws Exception {
        DataSource database = migratedDatabase(engine);
        List<LedgerEntry> rows = entries("replay", 7);
        spillThroughADeadDatabase(rows);
        assertThat(spillFile()).exists();

        LedgerWriter next = writer(database, 1000, 3);
        next.start();

        // start() replays before it returns: no waiting
        assertThat(readLedger(database)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(spillFile()).doesNotExist();
        assertThat(replayingFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aSpillFileWrittenBeforeOneHourCacheWritesWereKeptReplaysThemAsZero(Engine engine) throws Exception {
        DataSource database = migratedDatabase(engine);
        List<LedgerEntry> rows = entries("older", 3);
        Files.createDirectories(spillFile().getParent());
        List<String> lines = new ArrayList<>();
        for (LedgerEntry row : rows) {
            ObjectNode json = (ObjectNode) MAPPER.valueToTree(row);
            assertThat(json.remove("cacheWrite1hTokens")).as("the field the older version did not write").isNotNull();
            lines.add(MAPPER.writeValueAsString(json));
        }
        Files.write(spillFile(), lines, StandardCharsets.UTF_8);

        LedgerWriter next = writer(database, 1000, 10);
        next.start();

        List<LedgerEntry> expected = rows.stream().map(r -> withOneHourWrites(r, 0)).toList();
        assertThat(expected.get(1).cacheWrite1hTokens()).isZero();
        assertThat(rows.get(1).cacheWrite1hTokens()).isPositive();
        assertThat(readLedger(database)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void replaySkipsRowsAlreadyInTheDatabaseInsteadOfFailing(Engine engine) throws Exception {
        DataSource database = migratedDatabase(engine);
        List<LedgerEntry> rows = entries("dup", 5);
        LedgerWriter first = writer(database, 1000, 10);
        first.start();
        rows.subList(0, 3).forEach(first::append);
        first.stop(Duration.ofSeconds(10));
        assertThat(countRows(database)).isEqualTo(3);
        // the spill file holds rows 0..4 again; its copies of rows 0..2 say something else, to see which one wins
        List<LedgerEntry> spilled = new ArrayList<>(rows.subList(3, 5));
        rows.subList(0, 3).forEach(r -> spilled.add(withOutcome(r, "replayed-copy")));
        spillThroughADeadDatabase(spilled);

        LedgerWriter next = writer(database, 1000, 10);
        next.start();

        assertThat(readLedger(database)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(spillFile()).doesNotExist();
        assertThat(replayingFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rowsWrittenWhileTheTableIsGoneAreSpilledAndReplayedOnceTheSchemaIsBack(Engine engine) throws Exception {
        DataSource database = migratedDatabase(engine);
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE ledger");
        }
        LedgerWriter writer = writer(database, 1000, 10);
        List<LedgerEntry> rows = entries("dropped", 4);
        rows.forEach(writer::append);
        writer.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.pending() == 0);
        assertThat(spilledIds()).containsExactlyElementsOf(ids(rows));

        Flyway flyway = Flyway.configure().dataSource(database).locations("classpath:db/migration").cleanDisabled(false)
                .load();
        flyway.clean();
        flyway.migrate();
        LedgerWriter next = writer(database, 1000, 10);
        next.start();

        assertThat(readLedger(database)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFullQueueSpillsTheOverflowInsteadOfBlockingTheCaller(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        LedgerWriter writer = writer(db, 1, 10);
        writer.start();
        db.closeGate();
        List<LedgerEntry> rows = entries("full", 21);
        writer.append(rows.get(0));
        db.awaitWaiting(); // the writer holds row 0 and cannot take anything else from the queue

        Future<?> caller = executor.submit(() -> rows.subList(1, 21).forEach(writer::append));
        caller.get(10, TimeUnit.SECONDS); // throws TimeoutException if append blocked on the full queue

        // row 1 fills the queue (capacity 1); rows 2..20 overflow to the spill file
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.pending() == 2);
        assertThat(spilledIds()).containsExactlyElementsOf(ids(rows.subList(2, 21)));
        db.openGate();
        writer.stop(Duration.ofSeconds(10));
        assertThat(readLedger(db.delegate)).extracting(LedgerEntry::requestId)
                .containsExactlyInAnyOrderElementsOf(ids(rows.subList(0, 2)));

        // nothing was lost: the next start brings the overflow in
        writer(db.delegate, 10, 10).start();
        assertThat(readLedger(db.delegate)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void stopDrainsTheQueueIntoTheDatabase(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        LedgerWriter writer = writer(db, 1000, 5);
        writer.start();
        db.closeGate();
        List<LedgerEntry> rows = entries("drain", 100);
        writer.append(rows.get(0));
        db.awaitWaiting();
        rows.subList(1, 100).forEach(writer::append);

        Thread stopper = new Thread(() -> writer.stop(Duration.ofSeconds(30)), "test-stopper");
        stopper.start();
        // stop() has told the writer to stop and now waits for it to drain: only then may the database answer
        await().atMost(Duration.ofSeconds(10)).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        db.openGate();
        stopper.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(stopper.isAlive()).isFalse();
        assertThat(readLedger(db.delegate)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(db.batchSizes).startsWith(1, 5).allMatch(n -> n <= 5);
        assertThat(spillFile()).doesNotExist();
        assertThat(writer.pending()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void stopSpillsWhatItCouldNotWriteWithinTheDrainTimeout(Engine engine) throws Exception {
        TestDataSource db = new TestDataSource(migratedDatabase(engine));
        LedgerWriter writer = writer(db, 1000, 5);
        writer.start();
        db.closeGate();
        List<LedgerEntry> rows = entries("timeout", 12);
        writer.append(rows.get(0));
        db.awaitWaiting(); // row 0 is in the writer's hands, rows 1..11 in the queue; the database never answers
        rows.subList(1, 12).forEach(writer::append);

        writer.stop(Duration.ofMillis(200));

        // both the rows still queued and the batch the writer was holding when it was interrupted are spilled
        assertThat(spilledIds()).containsExactlyInAnyOrderElementsOf(ids(rows));
        assertThat(writer.pending()).isZero();
        db.openGate();
        writer(db.delegate, 1000, 5).start();
        assertThat(readLedger(db.delegate)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(rows);
        assertThat(spillFile()).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rowsAppendedAfterStopAreSpilledAndWrittenWhenTheWriterStartsAgain(Engine engine) throws Exception {
        DataSource database = migratedDatabase(engine);
        LedgerWriter writer = writer(database, 1000, 10);
        writer.start();
        List<LedgerEntry> before = entries("before-stop", 2);
        before.forEach(writer::append);
        writer.stop(Duration.ofSeconds(10));
        List<LedgerEntry> after = entries("after-stop", 3);
        after.forEach(writer::append);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.pending() == 0);
        assertThat(spilledIds()).containsExactlyElementsOf(ids(after));

        writer.start();
        List<LedgerEntry> restarted = entries("restarted", 2);
        restarted.forEach(writer::append);
        writer.stop(Duration.ofSeconds(10));

        List<LedgerEntry> all = new ArrayList<>(before);
        all.addAll(after);
        all.addAll(restarted);
        assertThat(readLedger(database)).usingRecursiveFieldByFieldElementComparator(EXACT_DECIMALS)
                .containsExactlyInAnyOrderElementsOf(all);
        assertThat(spillFile()).doesNotExist();
    }

    // ------------------------------------------------------------------ helpers

    private LedgerWriter writer(DataSource db, int capacity, int batchSize) {
        LedgerWriter w = new LedgerWriter(db, MAPPER, new SimpleMeterRegistry(), capacity, batchSize,
                Duration.ofMillis(10), spillFile());
        writers.add(w);
        return w;
    }

    /** Spills rows the way production does: through a writer whose database is down. */
    private void spillThroughADeadDatabase(List<LedgerEntry> rows) {
        TestDataSource dead = new TestDataSource(null);
        dead.goDown();
        LedgerWriter w = writer(dead, 1000, 1000);
        rows.forEach(w::append);
        w.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> w.pending() == 0);
        w.stop(Duration.ofSeconds(5));
    }

    private Path spillFile() {
        return dir.resolve("spill").resolve("ledger-spill.jsonl");
    }

    private Path replayingFile() {
        return dir.resolve("spill").resolve("ledger-spill.jsonl.replaying");
    }

    private List<String> spilledIds() throws IOException {
        if (!Files.exists(spillFile())) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(spillFile(), StandardCharsets.UTF_8)) {
            ids.add(MAPPER.readTree(line).get("requestId").asString());
        }
        return ids;
    }

    private static List<String> ids(List<LedgerEntry> rows) {
        return rows.stream().map(LedgerEntry::requestId).toList();
    }

    /**
     * Rows with every kind of value: every kind of token count apart (1-hour cache writes included), costs down to
     * the last of the 12 decimals (which JSON may write as 1E-12), an unpriced row (null cost), null ttft and error
     * code, microsecond timestamps.
     */
    private static List<LedgerEntry> entries(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> {
            boolean unpriced = i % 7 == 6;
            BigDecimal cost = unpriced ? null
                    : BigDecimal.valueOf(i * 1_000_003L + 1).movePointLeft(12).setScale(12);
            return new LedgerEntry(prefix + "-" + i + "-" + UUID.randomUUID().toString().substring(0, 8),
                    T0.plusMillis(i * 1001L), i % 2 == 0 ? "alpha" : "beta", i % 2 == 0 ? "alpha-web" : "beta-batch",
                    i % 2 == 0 ? "web" : null, "gpt-4o-mini", unpriced ? null : "fake-openai",
                    unpriced ? null : "gpt-4o-mini", i % 3 == 0, 1000L + i, i, 2L * i, 5L * i, 500L + i, 3L * i, cost,
                    unpriced ? null : "openai/gpt-4o-mini@2024-10-01", 12_345L + i, i % 3 == 0 ? (Long) (678L + i) : null,
                    unpriced ? 404 : 200, unpriced ? "rejected" : "success", unpriced ? "model_not_found" : null,
                    i % 4 == 1, null, null, null, List.of(), 0, null);
        }).toList();
    }

    private static LedgerEntry withOutcome(LedgerEntry e, String outcome) {
        return new LedgerEntry(e.requestId(), e.time(), e.team(), e.keyId(), e.app(), e.requestedModel(), e.provider(),
                e.model(), e.stream(), e.inputTokens(), e.cachedInputTokens(), e.cacheWriteTokens(),
                e.cacheWrite1hTokens(), e.outputTokens(), e.reasoningTokens(), e.costUsd(), e.priceVersion(),
                e.latencyMicros(), e.ttftMicros(), e.status(), outcome, e.errorCode(), e.estimated(), null, null, null,
                List.of(), 0, null);
    }

    private static LedgerEntry withOneHourWrites(LedgerEntry e, long tokens) {
        return new LedgerEntry(e.requestId(), e.time(), e.team(), e.keyId(), e.app(), e.requestedModel(), e.provider(),
                e.model(), e.stream(), e.inputTokens(), e.cachedInputTokens(), e.cacheWriteTokens(), tokens,
                e.outputTokens(), e.reasoningTokens(), e.costUsd(), e.priceVersion(), e.latencyMicros(),
                e.ttftMicros(), e.status(), e.outcome(), e.errorCode(), e.estimated(), null, null, null, List.of(), 0,
                null);
    }

    private static int countRows(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Every ledger row, read back into the record it was written from. */
    static List<LedgerEntry> readLedger(DataSource db) throws SQLException {
        List<LedgerEntry> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM ledger")) {
            while (rs.next()) {
                long ttft = rs.getLong("ttft_us");
                Long ttftOrNull = rs.wasNull() ? null : ttft;
                rows.add(new LedgerEntry(rs.getString("request_id"),
                        rs.getObject("ts", OffsetDateTime.class).toInstant(), rs.getString("team"),
                        rs.getString("key_id"), rs.getString("app"), rs.getString("requested_model"),
                        rs.getString("provider"), rs.getString("model"), rs.getBoolean("stream"),
                        rs.getLong("input_tokens"), rs.getLong("cached_input_tokens"),
                        rs.getLong("cache_write_tokens"), rs.getLong("cache_write_1h_tokens"),
                        rs.getLong("output_tokens"), rs.getLong("reasoning_tokens"),
                        rs.getBigDecimal("cost_usd"), rs.getString("price_version"), rs.getLong("latency_us"),
                        ttftOrNull, rs.getInt("status"), rs.getString("outcome"), rs.getString("error_code"),
                        rs.getBoolean("estimated"), null, null, null, List.of(), 0, null));
            }
        }
        return rows;
    }

    // ------------------------------------------------------------------ databases

    /** A fresh database with the production migration applied. */
    private static DataSource migratedDatabase(Engine engine) throws Exception {
        DataSource ds = switch (engine) {
            case H2 -> {
                JdbcDataSource h2 = new JdbcDataSource();
                h2.setURL("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
                h2.setUser("sa");
                yield h2;
            }
            case POSTGRES -> {
                String name = "ledger_" + DATABASES.incrementAndGet();
                try (Connection c = postgres().getPostgresDatabase().getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + name);
                }
                yield postgres().getDatabase("postgres", name);
            }
        };
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        return ds;
    }

    private static synchronized EmbeddedPostgres postgres() throws IOException {
        if (postgres == null) {
            postgres = EmbeddedPostgres.builder().start();
        }
        return postgres;
    }

    /**
     * A database the test controls: passes through ({@code delegate}), is down (every connection attempt fails), or
     * is slow (connection attempts wait for the gate; interrupting the wait fails the attempt, as Hikari does). Records
     * the size of every JDBC batch executed through it.
     */
    static final class TestDataSource implements DataSource {

        final DataSource delegate;
        final AtomicInteger connectionAttempts = new AtomicInteger();
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        private final Semaphore waiting = new Semaphore(0);
        private volatile boolean down;
        private volatile CountDownLatch gate = new CountDownLatch(0);

        TestDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        void goDown() {
            down = true;
        }

        void closeGate() {
            gate = new CountDownLatch(1);
        }

        void openGate() {
            gate.countDown();
        }

        /** Waits until a connection attempt is held at the gate. */
        void awaitWaiting() throws InterruptedException {
            assertThat(waiting.tryAcquire(10, TimeUnit.SECONDS)).as("the writer asked the database for a connection")
                    .isTrue();
        }

        @Override
        public Connection getConnection() throws SQLException {
            connectionAttempts.incrementAndGet();
            if (down) {
                throw new SQLException("Connection refused (test database is down)", "08001");
            }
            CountDownLatch g = gate;
            if (g.getCount() > 0) {
                waiting.release();
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("Interrupted during connection acquisition", "08001", e);
                }
            }
            return recording(delegate.getConnection());
        }

        private Connection recording(Connection c) {
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        Object result = call(method, c, args);
                        return result instanceof PreparedStatement ps ? recording(ps) : result;
                    });
        }

        private PreparedStatement recording(PreparedStatement ps) {
            return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                        Object result = call(method, ps, args);
                        if ("executeBatch".equals(method.getName())) {
                            batchSizes.add(((int[]) result).length);
                        }
                        return result;
                    });
        }

        private static Object call(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
