package dev.tollgate.admin;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import dev.tollgate.pricing.Usage;
import dev.tollgate.routing.ReplayCall;

/**
 * Reads past calls from the ledger with plain JDBC (H2 or PostgreSQL, no connection pool), for a replay. Only calls
 * that reached a backend are read: a refused call (no provider) cost nothing and had no usage. A cost left null is
 * read as zero. Stateless, thread-safe.
 */
public final class LedgerCalls {

    private static final String SELECT = "SELECT team, ts, requested_model, stream, input_tokens, "
            + "cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, "
            + "estimated, cost_usd, "
            + "counterfactual_cost_usd FROM ledger WHERE provider IS NOT NULL AND requested_model IS NOT NULL "
            + "AND day_utc >= ? AND day_utc <= ? ORDER BY ts, request_id";

    private LedgerCalls() {
    }

    /**
     * The calls of UTC days {@code from} to {@code to} (both included; null: unbounded), oldest first.
     *
     * @param user     null to connect without credentials (or with those in the URL)
     * @param password null when {@code user} is null
     */
    public static List<ReplayCall> read(String url, String user, String password, LocalDate from, LocalDate to)
            throws SQLException {
        try (Connection c = user == null ? DriverManager.getConnection(url)
                : DriverManager.getConnection(url, user, password)) {
            c.setReadOnly(true);
            c.setAutoCommit(false); // lets PostgreSQL stream the rows with the fetch size instead of loading them all
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setFetchSize(1000);
                ps.setDate(1, Date.valueOf(from == null ? LocalDate.of(1970, 1, 1) : from));
                ps.setDate(2, Date.valueOf(to == null ? LocalDate.of(9999, 12, 31) : to));
                List<ReplayCall> calls = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        calls.add(call(rs));
                    }
                }
                c.rollback();
                return calls;
            }
        }
    }

    private static ReplayCall call(ResultSet rs) throws SQLException {
        Usage usage = new Usage(rs.getLong("input_tokens"), rs.getLong("cached_input_tokens"),
                rs.getLong("cache_write_tokens"), rs.getLong("cache_write_1h_tokens"), rs.getLong("output_tokens"),
                rs.getLong("reasoning_tokens"), rs.getBoolean("estimated"));
        BigDecimal cost = rs.getBigDecimal("cost_usd");
        return new ReplayCall(rs.getString("team"), rs.getObject("ts", OffsetDateTime.class).toInstant(),
                rs.getString("requested_model"), rs.getBoolean("stream"), usage,
                cost == null ? BigDecimal.ZERO : cost, rs.getBigDecimal("counterfactual_cost_usd"));
    }
}
