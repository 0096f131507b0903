package dev.tollgate.bench;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.flywaydb.core.Flyway;

import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.metering.Attempt;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.metering.LedgerEntry;
import dev.tollgate.metering.LedgerWriter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import tools.jackson.databind.json.JsonMapper;

/**
 * How fast the ledger writer puts rows into PostgreSQL (the embedded server of the tests: a real PostgreSQL started
 * from a jar), with the production schema (Flyway) and the gateway's default batch size and flush interval. Two
 * runs: rows offered at a steady rate (the gateway's load; {@code RATE} rows per second for {@code SECONDS}), then as
 * fast as one thread can append (the writer's ceiling). For each: rows per second written, rows per batch, and
 * transactions per second as PostgreSQL counted them ({@code pg_stat_database.xact_commit}). Run from gateway/ after
 * the classpath line of docs/PERFORMANCE.md:
 * {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) dev.tollgate.bench.LedgerThroughput}
 */
public final class LedgerThroughput {

    private LedgerThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("RATE", 5_000);
        int seconds = Integer.getInteger("SECONDS", 20);
        int burst = Integer.getInteger("BURST", 200_000);
        int batchSize = Integer.getInteger("BATCH", 500);
        Duration flush = Duration.ofMillis(Long.getLong("FLUSH_MS", 200));
        Path dir = Files.createTempDirectory("ledger-bench");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            HikariConfig config = new HikariConfig();
            // -DREWRITE=true: the PostgreSQL driver's reWriteBatchedInserts (multi-row INSERTs for a JDBC batch)
            config.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres")
                    + (Boolean.getBoolean("REWRITE") ? "&reWriteBatchedInserts=true" : ""));
            config.setUsername("postgres");
            config.setMaximumPoolSize(4);
            try (HikariDataSource db = new HikariDataSource(config)) {
                Flyway.configure().dataSource(db).locations("classpath:db/migration").load().migrate();
                System.out.printf("batch-size %d, flush-interval %d ms, JDBC URL %s%n", batchSize, flush.toMillis(),
                        config.getJdbcUrl());
                run(db, dir, "steady " + rate + " rows/s for " + seconds + " s", rate, (long) rate * seconds,
                        batchSize, flush);
                run(db, dir, "as fast as one thread appends, " + burst + " rows", 0, burst, batchSize, flush);
                try (Connection c = db.getConnection(); Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT count(*), pg_size_pretty(pg_total_relation_size('ledger'))"
                                + " FROM ledger")) {
                    r.next();
                    System.out.printf("ledger: %d rows, %s with its indexes%n", r.getLong(1), r.getString(2));
                }
            }
        }
    }

    private static void run(HikariDataSource db, Path dir, String what, int rate, long rows, int batchSize,
            Duration flush) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LedgerWriter writer = new LedgerWriter(db, JsonMapper.builder().build(), registry, 100_000, batchSize, flush,
                dir.resolve(what.hashCode() + ".jsonl"));
        writer.start();
        long commitsBefore = commits(db);
        long start = System.nanoTime();
        long period = rate > 0 ? 1_000_000_000L / rate : 0;
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        for (long i = 0; i < rows; i++) {
            if (rate > 0) {
                long due = start + i * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            } else {
                while (writer.pending() > 90_000) {
                    LockSupport.parkNanos(100_000); // the queue holds 100,000: do not spill
                }
            }
            writer.append(entry(what.hashCode() + "-" + i, t.plusMillis(i)));
        }
        long appended = System.nanoTime();
        while (writer.pending() > 0) {
            LockSupport.parkNanos(1_000_000);
        }
        long end = System.nanoTime();
        Thread.sleep(1_500); // PostgreSQL publishes other sessions' counts within a second
        long commits = commits(db) - commitsBefore - 1; // less the first count's own transaction
        writer.stop(Duration.ofSeconds(10));
        DistributionSummary batches = registry.get(GatewayMetrics.LEDGER_BATCH_ROWS).summary();
        double secs = (end - start) / 1e9;
        System.out.printf("%s: %d rows in %.2f s (appending took %.2f s, the last rows written %.0f ms after): "
                        + "%.0f rows/s written; %d batches, %.1f rows per batch (max %.0f); %.1f transactions/s "
                        + "(PostgreSQL counted %d commits)%n",
                what, rows, secs, (appended - start) / 1e9, (end - appended) / 1e6, rows / secs, batches.count(),
                batches.mean(), batches.max(), batches.count() / secs, commits);
    }

    private static long commits(HikariDataSource db) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** A row like a routed chat call's: priced, one attempt, a counterfactual. */
    private static LedgerEntry entry(String id, Instant time) {
        return new LedgerEntry(id, time, "team-" + (id.hashCode() & 7), "key-web", "web", "gpt-4o-mini", "openai",
                "gpt-4o-mini", false, 57, 0, 0, 0, 72, 0, new BigDecimal("0.000051750000"),
                "openai/gpt-4o-mini@2024-10-01", 2_345, null, 200, "success", null, false,
                new BigDecimal("0.000862500000"), "gpt-4o", null,
                List.of(new Attempt("openai", "gpt-4o-mini", AttemptOutcome.SUCCESS, 2_300)), 0, null);
    }
}
