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
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.ObjectMapper;

/**
 * Writes ledger rows off the event loop: callers {@link #append} to a bounded in-memory queue (never blocking);
 * one writer thread takes batches and inserts them with JDBC.
 * <p>
 * No row is dropped, by this policy: a row the queue cannot take (queue full: the database is slow or down) and a
 * batch that still fails after {@value #ATTEMPTS} attempts go to an append-only spill file (JSON lines) through a
 * single spill thread; the spill file is replayed into the database at the next start, skipping rows that are
 * already there (the request id is the primary key, so replay is idempotent). At shutdown the writer drains the
 * queue into the database, and what it cannot write within the drain timeout is spilled; a row appended after
 * stop() is spilled too. The writer can be started again after a stop (Spring may pause and restart lifecycles).
 * Thread-safe.
 */
public final class LedgerWriter {

    static final int ATTEMPTS = 3;
    /**
     * How long {@link #stop} waits, beyond the drain timeout, for an interrupted writer to hand over the batch it
     * holds and for the spill file to be written: local disk work, which the drain timeout (a bound on the database)
     * must not cut short.
     */
    static final Duration SPILL_GRACE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
    private static final String INSERT = "INSERT INTO ledger (request_id, ts, day_utc, team, key_id, app, requested_model, "
            + "provider, model, stream, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, "
            + "reasoning_tokens, cost_usd, price_version, latency_us, ttft_us, status, outcome, error_code, estimated, "
            + "counterfactual_cost_usd, baseline_model, route_alias, attempts, failover_count, reserved_usd) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Attempts kept on a row at most (the column holds their JSON); a call tries at most a few. */
    static final int MAX_ATTEMPTS_STORED = 32;
    private static final String DUPLICATE_KEY = "23505";

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final BlockingQueue<LedgerEntry> queue;
    private final int batchSize;
    private final Duration flushInterval;
    private final Path spillFile;
    private volatile ExecutorService spiller = newSpiller();
    private final Counter written;
    private final Counter spilled;
    private final Counter failures;
    private final AtomicLong inFlight = new AtomicLong();
    private final Object spillLock = new Object();
    private volatile boolean running;
    /** Set by stop(), cleared by start(): rows appended in between go to the spill file. */
    private volatile boolean stopped;
    private Thread thread;

    public LedgerWriter(DataSource dataSource, ObjectMapper mapper, MeterRegistry registry, int capacity, int batchSize,
            Duration flushInterval, Path spillFile) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        this.spillFile = spillFile;
        this.written = Counter.builder(GatewayMetrics.LEDGER_ROWS).tag("outcome", "written").register(registry);
        this.spilled = Counter.builder(GatewayMetrics.LEDGER_ROWS).tag("outcome", "spilled").register(registry);
        this.failures = Counter.builder(GatewayMetrics.LEDGER_WRITE_FAILURES).register(registry);
        Gauge.builder(GatewayMetrics.LEDGER_QUEUE, queue, BlockingQueue::size).register(registry);
    }

    /** Replays the spill file, then starts the writer thread. */
    public synchronized void start() {
        if (running) {
            return;
        }
        if (spiller.isShutdown()) {
            spiller = newSpiller(); // started again after a stop (Spring can stop and restart lifecycles)
        }
        replaySpill();
        stopped = false;
        running = true;
        thread = new Thread(this::run, "tollgate-ledger-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Never blocks: the row goes to the queue, or (queue full) to the spill thread. */
    public void append(LedgerEntry entry) {
        inFlight.incrementAndGet();
        // after stop() no thread takes from the queue: the row goes to the spill file, replayed at the next start
        if (stopped || !queue.offer(entry)) {
            spill(List.of(entry));
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
            spill(rest);
        }
        spiller.shutdown();
        try {
            if (!spiller.awaitTermination(SPILL_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.error("ledger: spilling to {} did not finish within {}", spillFile, SPILL_GRACE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
                queue.drainTo(batch, batchSize - 1);
                writeWithRetries(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (!batch.isEmpty()) {
                    spill(new ArrayList<>(batch));
                }
                return;
            } catch (RuntimeException e) {
                log.error("ledger writer: unexpected failure; spilling the batch", e);
                spill(new ArrayList<>(batch));
                batch.clear();
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
        spill(new ArrayList<>(batch));
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

    /** Hands rows to the spill thread; once {@link #stop} has shut that down, writes them in the caller. */
    private void spill(List<LedgerEntry> rows) {
        try {
            spiller.execute(() -> writeSpill(rows));
        } catch (RejectedExecutionException e) {
            writeSpill(rows);
        }
    }

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
                log.error("ledger: cannot spill {} rows to {}: {}", rows.size(), spillFile, e.getMessage());
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
            if (Files.exists(spillFile)) {
                Files.move(spillFile, replaying);
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
                rows.add(mapper.readValue(line, LedgerEntry.class));
            }
        }
        for (int from = 0; from < rows.size(); from += batchSize) {
            insert(rows.subList(from, Math.min(rows.size(), from + batchSize)));
        }
        Files.delete(file);
        log.info("ledger: replayed {} spilled rows", rows.size());
    }

    private static ExecutorService newSpiller() {
        return Executors.newSingleThreadExecutor(r -> daemon(r, "tollgate-ledger-spill"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
