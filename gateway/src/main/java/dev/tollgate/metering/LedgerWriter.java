package dev.tollgate.metering;

import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;

/**
 * Writes ledger rows off the event loop: callers {@link #append} to a bounded in-memory queue (never blocking, never
 * touching a file); one writer thread takes batches and inserts them with JDBC, one transaction per batch: a batch is
 * what arrives within {@code flush-interval} of its first row, up to {@code batch-size} rows.
 * <p>
 * Where a row goes, by this policy: into the queue; if the queue is full (the database is slow or down) or the
 * writer has stopped, into a second bounded queue, the spill queue, whose thread (started when rows arrive, gone
 * when idle) appends them to the spill file (JSON lines); a batch that still fails after {@value #ATTEMPTS}
 * attempts is appended there by the writer thread itself. The spill file is replayed into the database at the next
 * start, skipping rows that are already there (the request id is the primary key, so replay is idempotent). Only a
 * row that finds both queues full, or that the spill file cannot take (disk full), is lost: it is counted
 * ({@code tollgate_ledger_rows_total{outcome="lost"}}) and logged with its request id (then at most once a minute
 * with the count, {@link ThrottledLog}). At shutdown the writer drains the queue into the database, and what it
 * cannot write within the drain timeout is spilled by the stopping thread. The writer can be started again after a
 * stop (Spring may pause and restart lifecycles). Thread-safe.
 */
public final class LedgerWriter {

    static final int ATTEMPTS = 3;
    /**
     * How long {@link #stop} waits, beyond the drain timeout, for an interrupted writer to hand over the batch it
     * holds and for the spill file to be written: local disk work, which the drain timeout (a bound on the database)
     * must not cut short.
     */
    static final Duration SPILL_GRACE = Duration.ofSeconds(10);
    /** Default of {@code tollgate.ledger.spill-queue-capacity}. */
    public static final int DEFAULT_SPILL_QUEUE_CAPACITY = 10_000;
    /** How often a writer filling a batch looks whether it is being stopped. */
    static final Duration STOP_CHECK = Duration.ofMillis(50);
    /** The spill thread ends after this long without rows; the next overflowing row starts another. */
    static final Duration SPILLER_IDLE = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
    private static final String INSERT = "INSERT INTO ledger (request_id, ts, day_utc, team, key_id, app, requested_model, "
            + "provider, model, stream, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, "
            + "output_tokens, reasoning_tokens, cost_usd, price_version, latency_us, ttft_us, status, outcome, "
            + "error_code, estimated, counterfactual_cost_usd, baseline_model, route_alias, attempts, failover_count, "
            + "reserved_usd) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Attempts kept on a row at most (the column holds their JSON); a call tries at most a few. */
    static final int MAX_ATTEMPTS_STORED = 32;
    private static final String DUPLICATE_KEY = "23505";

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    /**
     * Reads spilled rows. A row spilled by an earlier version lacks the counts added since (1-hour cache writes):
     * they read as 0, which is what that version recorded, rather than failing the whole replay.
     */
    private final ObjectReader spillReader;
    private final BlockingQueue<LedgerEntry> queue;
    private final int batchSize;
    private final Duration flushInterval;
    private final Path spillFile;
    /** Rows for the spill file, taken by the spill thread. */
    private final BlockingQueue<LedgerEntry> overflow;
    /** Whether a spill thread is taking from {@link #overflow}. */
    private final AtomicBoolean spillerActive = new AtomicBoolean();
    private final Counter written;
    private final Counter spilled;
    private final Counter lost;
    private final Counter failures;
    /** Rows per batch the writer takes: its count is the transactions, its sum the rows. */
    private final DistributionSummary batchRows;
    private final ThrottledLog lostLog;
    private final AtomicLong inFlight = new AtomicLong();
    private final Object spillLock = new Object();
    private volatile boolean running;
    /** Set by stop(), cleared by start(): rows appended in between go to the spill file. */
    private volatile boolean stopped;
    private Thread thread;

    public LedgerWriter(DataSource dataSource, ObjectMapper mapper, MeterRegistry registry, int capacity, int batchSize,
            Duration flushInterval, Path spillFile) {
        this(dataSource, mapper, registry, capacity, batchSize, flushInterval, spillFile, DEFAULT_SPILL_QUEUE_CAPACITY,
                Clock.systemUTC());
    }

    /**
     * @param capacity           rows the queue holds for the writer
     * @param spillQueueCapacity rows the spill queue holds for the spill thread
     */
    public LedgerWriter(DataSource dataSource, ObjectMapper mapper, MeterRegistry registry, int capacity, int batchSize,
            Duration flushInterval, Path spillFile, int spillQueueCapacity, Clock clock) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.spillReader = mapper.readerFor(LedgerEntry.class)
                .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.overflow = new ArrayBlockingQueue<>(spillQueueCapacity);
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        this.spillFile = spillFile;
        this.written = Counter.builder(GatewayMetrics.LEDGER_ROWS).tag("outcome", "written").register(registry);
        this.spilled = Counter.builder(GatewayMetrics.LEDGER_ROWS).tag("outcome", "spilled").register(registry);
        this.lost = Counter.builder(GatewayMetrics.LEDGER_ROWS).tag("outcome", "lost").register(registry);
        this.failures = Counter.builder(GatewayMetrics.LEDGER_WRITE_FAILURES).register(registry);
        this.batchRows = DistributionSummary.builder(GatewayMetrics.LEDGER_BATCH_ROWS)
                .description("Rows per ledger batch (one transaction each)").baseUnit("rows").register(registry);
        this.lostLog = new ThrottledLog(log, "ledger: rows lost", ThrottledLog.DEFAULT_INTERVAL, clock);
        Gauge.builder(GatewayMetrics.LEDGER_QUEUE, queue, BlockingQueue::size).register(registry);
        Gauge.builder(GatewayMetrics.LEDGER_SPILL_QUEUE, overflow, BlockingQueue::size).register(registry);
    }

    /** Replays the spill file, then starts the writer thread. */
    public synchronized void start() {
        if (running) {
            return;
        }
        replaySpill();
        stopped = false;
        running = true;
        thread = new Thread(this::run, "tollgate-ledger-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Never blocks and never touches a file (callers are event loops): the row goes to the queue, or (queue full, or
     * after stop(), when no thread takes from it) to the spill queue, or, both full, it is lost (counted, logged).
     */
    public void append(LedgerEntry entry) {
        inFlight.incrementAndGet();
        if (stopped || !queue.offer(entry)) {
            if (overflow.offer(entry)) {
                startSpiller();
            } else {
                inFlight.decrementAndGet();
                lost.increment();
                int spillCapacity = overflow.size() + overflow.remainingCapacity();
                lostLog.failure("request " + entry.requestId() + " was lost: " + (stopped
                        ? "the writer has stopped and the spill queue (" + spillCapacity + " rows) is full"
                        : "the queue (" + (queue.size() + queue.remainingCapacity()) + " rows) and the spill queue ("
                        + spillCapacity + " rows) are full"));
            }
        }
    }

    /** Rows appended and not yet written or spilled. */
    public long pending() {
        return inFlight.get();
    }

    /** Stops taking time: drains the queue into the database for up to {@code timeout}, spills the rest. */
    public synchronized void stop(Duration timeout) {
        if (!running) {
            return;
        }
        stopped = true;
        running = false;
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // the interrupted writer spills the batch it holds: let it hand that over before the spiller stops
            thread.interrupt();
            try {
                thread.join(SPILL_GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("ledger: the writer thread did not stop within {} of its interrupt; it spills its batch "
                        + "itself when its database call returns", SPILL_GRACE);
            }
        }
        List<LedgerEntry> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            log.warn("ledger: {} rows not written within {}; spilling them to {}", rest.size(), timeout, spillFile);
            writeSpill(rest); // on the stopping thread, which is no event loop
        }
        awaitSpilled(SPILL_GRACE);
    }

    /** Waits until the spill queue is empty and the spill file written, for at most {@code timeout}. */
    private void awaitSpilled(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!overflow.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        synchronized (spillLock) {
            // a batch being written when the queue became empty is written now
        }
        if (!overflow.isEmpty()) {
            log.error("ledger: {} rows still wait for the spill file {} after {}", overflow.size(), spillFile, timeout);
        }
    }

    private void run() {
        List<LedgerEntry> batch = new ArrayList<>(batchSize);
        while (running || !queue.isEmpty()) {
            try {
                LedgerEntry first = queue.poll(flushInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                fill(batch);
                batchRows.record(batch.size());
                writeWithRetries(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (!batch.isEmpty()) {
                    writeSpill(new ArrayList<>(batch));
                }
                return;
            } catch (RuntimeException e) {
                log.error("ledger writer: unexpected failure; spilling the batch", e);
                writeSpill(new ArrayList<>(batch));
                batch.clear();
            }
        }
    }

    /**
     * Fills {@code batch}, which holds its first row, up to {@code batch-size} rows with what arrives within
     * {@code flush-interval} of that row (less when the writer is stopping): one transaction per batch, not per row,
     * so that at full load the database sees few, large transactions; a row waits at most the flush interval.
     */
    private void fill(List<LedgerEntry> batch) throws InterruptedException {
        long deadline = System.nanoTime() + flushInterval.toNanos();
        queue.drainTo(batch, batchSize - batch.size());
        while (batch.size() < batchSize && running) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            // in slices, so that a stop() is seen within one: the last batch is written, not kept waiting
            LedgerEntry next = queue.poll(Math.min(left, STOP_CHECK.toNanos()), TimeUnit.NANOSECONDS);
            if (next != null) {
                batch.add(next);
                queue.drainTo(batch, batchSize - batch.size());
            }
        }
    }

    private void writeWithRetries(List<LedgerEntry> batch) throws InterruptedException {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                insert(batch);
                written.increment(batch.size());
                inFlight.addAndGet(-batch.size());
                return;
            } catch (SQLException e) {
                failures.increment();
                log.warn("ledger: writing {} rows failed (attempt {} of {}): {}", batch.size(), attempt, ATTEMPTS,
                        e.getMessage());
                if (attempt < ATTEMPTS) {
                    Thread.sleep(100L << attempt);
                }
            }
        }
        writeSpill(new ArrayList<>(batch)); // the writer thread's own file I/O
    }

    /** Inserts a batch; a duplicate request id (a replayed row) is skipped, row by row. */
    private void insert(List<LedgerEntry> batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (LedgerEntry e : batch) {
                    bind(ps, e);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (!isDuplicate(e)) {
                    throw e;
                }
                insertOneByOne(c, batch);
            }
        }
    }

    private static void insertOneByOne(Connection c, List<LedgerEntry> batch) throws SQLException {
        c.setAutoCommit(true);
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (LedgerEntry e : batch) {
                bind(ps, e);
                try {
                    ps.executeUpdate();
                } catch (SQLException ex) {
                    if (!isDuplicate(ex)) {
                        throw ex;
                    }
                }
            }
        }
    }

    private static boolean isDuplicate(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (DUPLICATE_KEY.equals(x.getSQLState())) {
                return true;
            }
        }
        return e.getCause() instanceof SQLException cause && DUPLICATE_KEY.equals(cause.getSQLState());
    }

    /**
     * The attempts as a JSON array ({@code [{"provider":..,"model":..,"outcome":..,"latency_us":..}]}); ids come
     * from configuration and the price tables, so only quotes and backslashes need escaping. Null when none.
     */
    static String attemptsJson(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder(64 * attempts.size()).append('[');
        for (int k = 0; k < Math.min(attempts.size(), MAX_ATTEMPTS_STORED); k++) {
            Attempt a = attempts.get(k);
            if (k > 0) {
                sb.append(',');
            }
            sb.append("{\"provider\":\"").append(jsonEscape(a.provider())).append("\",\"model\":\"")
                    .append(jsonEscape(a.model())).append("\",\"outcome\":\"").append(a.outcome().label())
                    .append("\",\"latency_us\":").append(a.latencyMicros()).append('}');
        }
        return sb.append(']').toString();
    }

    private static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c < 0x20 ? ' ' : c);
        }
        return sb.toString();
    }

    private static void bind(PreparedStatement ps, LedgerEntry e) throws SQLException {
        int i = 1;
        ps.setString(i++, e.requestId());
        ps.setTimestamp(i++, Timestamp.from(e.time()));
        ps.setDate(i++, Date.valueOf(e.time().atOffset(ZoneOffset.UTC).toLocalDate()));
        ps.setString(i++, e.team());
        ps.setString(i++, e.keyId());
        ps.setString(i++, e.app());
        ps.setString(i++, truncate(e.requestedModel(), 256));
        ps.setString(i++, e.provider());
        ps.setString(i++, e.model());
        ps.setBoolean(i++, e.stream());
        ps.setLong(i++, e.inputTokens());
        ps.setLong(i++, e.cachedInputTokens());
        ps.setLong(i++, e.cacheWriteTokens());
        ps.setLong(i++, e.cacheWrite1hTokens());
        ps.setLong(i++, e.outputTokens());
        ps.setLong(i++, e.reasoningTokens());
        BigDecimal cost = e.costUsd();
        if (cost == null) {
            ps.setNull(i++, Types.NUMERIC);
        } else {
            ps.setBigDecimal(i++, cost);
        }
        ps.setString(i++, e.priceVersion());
        ps.setLong(i++, e.latencyMicros());
        if (e.ttftMicros() == null) {
            ps.setNull(i++, Types.BIGINT);
        } else {
            ps.setLong(i++, e.ttftMicros());
        }
        ps.setInt(i++, e.status());
        ps.setString(i++, e.outcome());
        ps.setString(i++, e.errorCode());
        ps.setBoolean(i++, e.estimated());
        if (e.counterfactualCostUsd() == null) {
            ps.setNull(i++, Types.NUMERIC);
        } else {
            ps.setBigDecimal(i++, e.counterfactualCostUsd());
        }
        ps.setString(i++, truncate(e.baselineModel(), 256));
        ps.setString(i++, e.routeAlias());
        ps.setString(i++, attemptsJson(e.attempts()));
        ps.setInt(i++, e.failoverCount());
        if (e.reservedUsd() == null) {
            ps.setNull(i, Types.NUMERIC);
        } else {
            ps.setBigDecimal(i, e.reservedUsd());
        }
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * Makes sure a spill thread takes from the spill queue. Invariant: whenever the spill queue is not empty,
     * {@link #spillerActive} is true and a thread will look at the queue again; the thread clears the flag before its
     * last look, so a row offered after that look finds the flag clear and starts another.
     */
    private void startSpiller() {
        if (spillerActive.compareAndSet(false, true)) {
            Thread thread = new Thread(this::spillLoop, "tollgate-ledger-spill");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void spillLoop() {
        List<LedgerEntry> batch = new ArrayList<>(batchSize);
        while (true) {
            LedgerEntry first;
            try {
                first = overflow.poll(SPILLER_IDLE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = overflow.poll();
            }
            if (first == null) {
                spillerActive.set(false);
                if (overflow.isEmpty() || !spillerActive.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            batch.add(first);
            overflow.drainTo(batch, batchSize - 1);
            writeSpill(batch);
            batch.clear();
        }
    }

    /** Appends rows to the spill file. Never on an event loop: the spill, writer or stopping thread. */
    private void writeSpill(List<LedgerEntry> rows) {
        synchronized (spillLock) {
            try {
                Path parent = spillFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try (BufferedWriter w = Files.newBufferedWriter(spillFile, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    for (LedgerEntry row : rows) {
                        w.write(mapper.writeValueAsString(row));
                        w.newLine();
                    }
                }
                spilled.increment(rows.size());
            } catch (IOException | RuntimeException e) {
                lost.increment(rows.size());
                lostLog.failure(rows.size() + " rows (the first request " + rows.get(0).requestId()
                        + ") could not be written to the spill file " + spillFile + ": " + e.getMessage());
            } finally {
                inFlight.addAndGet(-rows.size());
            }
        }
    }

    /**
     * Replays the spill file into the database and removes it. The file is first renamed to {@code .replaying},
     * so rows spilled while replaying go to a new file; a {@code .replaying} file left by an interrupted replay is
     * replayed first (duplicates are skipped). If the database refuses, the file stays for the next start.
     */
    private void replaySpill() {
        Path replaying = spillFile.resolveSibling(spillFile.getFileName() + ".replaying");
        try {
            if (Files.exists(replaying)) {
                replay(replaying);
            }
            boolean moved;
            synchronized (spillLock) {
                // not while the spill thread appends to it: rows spilled from now on go to a new file
                moved = Files.exists(spillFile);
                if (moved) {
                    Files.move(spillFile, replaying);
                }
            }
            if (moved) {
                replay(replaying);
            }
        } catch (IOException | SQLException | RuntimeException e) {
            log.error("ledger: replaying {} failed, kept for the next start: {}", replaying, e.getMessage());
        }
    }

    private void replay(Path file) throws IOException, SQLException {
        List<LedgerEntry> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rows.add(spillReader.readValue(line));
            }
        }
        for (int from = 0; from < rows.size(); from += batchSize) {
            insert(rows.subList(from, Math.min(rows.size(), from + batchSize)));
        }
        Files.delete(file);
        log.info("ledger: replayed {} spilled rows", rows.size());
    }
}
