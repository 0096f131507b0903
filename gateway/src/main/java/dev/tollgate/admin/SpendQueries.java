package dev.tollgate.admin;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * Reads spend from the ledger (blocking JDBC: callers run it off the event loop). Only calls that reached a
 * backend are counted; refused calls cost nothing and are in the ledger with no provider. Thread-safe.
 */
public final class SpendQueries {

    private static final String BY_DAY_PROVIDER_MODEL = "SELECT day_utc, provider, model, COUNT(*), SUM(input_tokens), "
            + "SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(cost_usd), "
            + "SUM(CASE WHEN estimated THEN 1 ELSE 0 END), SUM(COALESCE(counterfactual_cost_usd, cost_usd)), "
            + "SUM(cache_write_1h_tokens), SUM(reasoning_tokens) FROM ledger "
            + "WHERE team = ? AND day_utc >= ? AND day_utc <= ? AND provider IS NOT NULL "
            + "GROUP BY day_utc, provider, model ORDER BY day_utc, provider, model";

    private static final String BY_SUBJECT_SINCE = "SELECT team, key_id, app, SUM(cost_usd), SUM(CASE WHEN reserved_usd "
            + "IS NOT NULL AND reserved_usd < cost_usd THEN reserved_usd ELSE cost_usd END) FROM ledger WHERE ts >= ? "
            + "GROUP BY team, key_id, app";

    private final DataSource dataSource;

    public SpendQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Rows from {@code from} to {@code to}, both UTC days included. */
    public List<SpendRow> spend(String team, LocalDate from, LocalDate to) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(BY_DAY_PROVIDER_MODEL)) {
            ps.setString(1, team);
            ps.setDate(2, Date.valueOf(from));
            ps.setDate(3, Date.valueOf(to));
            List<SpendRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal cost = rs.getBigDecimal(9);
                    BigDecimal counterfactual = rs.getBigDecimal(11);
                    rows.add(new SpendRow(rs.getDate(1).toLocalDate(), rs.getString(2), rs.getString(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(12), rs.getLong(8),
                            rs.getLong(13), cost == null ? BigDecimal.ZERO : cost, rs.getLong(10),
                            counterfactual == null ? BigDecimal.ZERO : counterfactual));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("reading spend from the ledger failed: " + e.getMessage(), e);
        }
    }

    /**
     * The exact cost of every call that started at or after {@code since}, summed by team, key and app (the
     * subjects of budgets). Unpriced calls (cost NULL) add nothing.
     */
    public List<SubjectSpend> spendSince(Instant since) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(BY_SUBJECT_SINCE)) {
            ps.setObject(1, since.atOffset(ZoneOffset.UTC));
            List<SubjectSpend> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal cost = rs.getBigDecimal(4);
                    BigDecimal charged = rs.getBigDecimal(5);
                    rows.add(new SubjectSpend(rs.getString(1), rs.getString(2), rs.getString(3),
                            cost == null ? BigDecimal.ZERO : cost, charged == null ? BigDecimal.ZERO : charged));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("reading spend since " + since + " from the ledger failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The ledger's spend of one team, key and app combination (app may be null). Immutable.
     *
     * @param hardChargedUsd what hard budgets were charged for these calls: each call's cost, but at most what was
     *                       reserved for it
     */
    public record SubjectSpend(String team, String keyId, String app, BigDecimal costUsd, BigDecimal hardChargedUsd) {

        public SubjectSpend(String team, String keyId, String app, BigDecimal costUsd) {
            this(team, keyId, app, costUsd, costUsd);
        }
    }
}
