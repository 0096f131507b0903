package dev.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.it.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger's overflow path never does file I/O on the caller's thread (an event loop), also after stop, and is
 * bounded: a row that finds the queue and the spill queue full is lost, counted and logged, never silently.
 * <p>
 * The spill file is a named pipe: opening it for writing blocks until the test opens it for reading, so a caller
 * that wrote the file itself would block, and the rows the spill thread holds stay where the test can count them.
 */
class LedgerOverflowTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Instant T0 = Instant.parse("2026-11-15T12:00:00Z");

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ExecutorService caller = Executors.newSingleThreadExecutor(LedgerOverflowTest::daemon);
    private final ExecutorService reader = Executors.newSingleThreadExecutor(LedgerOverflowTest::daemon);
    private final Logger logger = (Logger) LoggerFactory.getLogger(LedgerWriter.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    LedgerOverflowTest() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void close() throws Exception {
        logger.detachAppender(lines);
        if (Files.exists(spillFile())) {
            // a thread still opening the pipe to write (a failed test) gets its reader; opened for reading and
            // writing, the pipe itself never blocks
            try (RandomAccessFile release = new RandomAccessFile(spillFile().toFile(), "rw")) {
                Thread.sleep(200);
            }
        }
        caller.shutdownNow();
        reader.shutdownNow();
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "ledger-overflow-test");
        t.setDaemon(true);
        return t;
    }

    @Test
    void rowsAppendedAfterStopAreSpilledByTheSpillThreadNotByTheCaller() throws Exception {
        LedgerWriter writer = stoppedWriter(100);
        List<LedgerEntry> rows = entries("after-stop", 3);

        caller.submit(() -> rows.forEach(writer::append)).get(2, TimeUnit.SECONDS);

        assertThat(writer.pending()).as("held by the spill thread, which waits for the file").isEqualTo(3);
        List<String> spilled = reader.submit(() -> drainPipe(3)).get(10, TimeUnit.SECONDS);
        assertThat(spilled).containsExactlyElementsOf(ids(rows));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.pending() == 0);
    }

    @Test
    void aRowThatFindsBothQueuesFullIsLostCountedAndLoggedNeverBlockingTheCaller() throws Exception {
        LedgerWriter writer = stoppedWriter(2);
        List<LedgerEntry> rows = entries("full", 5);

        // the spill thread takes the first row and waits for the file; the next two fill the spill queue
        caller.submit(() -> writer.append(rows.get(0))).get(2, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> spillQueueSize() == 0);
        caller.submit(() -> rows.subList(1, 5).forEach(writer::append)).get(2, TimeUnit.SECONDS);

        assertThat(registry.get(GatewayMetrics.LEDGER_ROWS).tag("outcome", "lost").counter().count()).isEqualTo(2);
        assertThat(writer.pending()).isEqualTo(3);
        List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("ledger: rows lost")).toList();
        assertThat(logged).as("the first loss, not one line per row").hasSize(1);
        assertThat(logged.get(0)).contains("request " + rows.get(3).requestId() + " was lost")
                .contains("the writer has stopped and the spill queue (2 rows) is full");

        List<String> spilled = reader.submit(() -> drainPipe(3)).get(10, TimeUnit.SECONDS);
        assertThat(spilled).containsExactlyElementsOf(ids(rows.subList(0, 3)));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.pending() == 0);
        assertThat(registry.get(GatewayMetrics.LEDGER_ROWS).tag("outcome", "spilled").counter().count()).isEqualTo(3);
    }

    /** A writer started and stopped (nothing takes from its queue any more) whose spill file is a named pipe. */
    private LedgerWriter stoppedWriter(int spillQueueCapacity) throws Exception {
        LedgerWriter writer = new LedgerWriter(null, MAPPER, registry, 100, 10, Duration.ofMillis(10), spillFile(),
                spillQueueCapacity, new MutableClock(T0));
        writer.start();
        writer.stop(Duration.ofSeconds(5));
        Files.createDirectories(spillFile().getParent());
        Process mkfifo = new ProcessBuilder("mkfifo", spillFile().toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
        return writer;
    }

    private double spillQueueSize() {
        return registry.get(GatewayMetrics.LEDGER_SPILL_QUEUE).gauge().value();
    }

    /** Reads request ids from the pipe, opening it as often as the spill thread writes, until {@code n} came. */
    private List<String> drainPipe(int n) throws IOException {
        List<String> ids = new ArrayList<>();
        while (ids.size() < n) {
            try (BufferedReader r = Files.newBufferedReader(spillFile(), StandardCharsets.UTF_8)) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    ids.add(MAPPER.readTree(line).get("requestId").asString());
                }
            }
        }
        return ids;
    }

    private Path spillFile() {
        return dir.resolve("spill").resolve("ledger-spill.jsonl");
    }

    private static List<String> ids(List<LedgerEntry> rows) {
        return rows.stream().map(LedgerEntry::requestId).toList();
    }

    private static List<LedgerEntry> entries(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> new LedgerEntry(prefix + "-" + i, T0.plusMillis(i), "alpha",
                "alpha-web", "web", "gpt-4o-mini", "fake-openai", "gpt-4o-mini", false, 10, 0, 0, 5, 0,
                new BigDecimal("0.000001000000"), "openai/gpt-4o-mini@2024-10-01", 1000, null, 200, "success", null,
                false)).toList();
    }
}
