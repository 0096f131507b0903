package dev.tollgate.admin;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;

/**
 * The admin API's budgets, rate limits and budget resets in the database (tables of {@code V4__limit_overrides.sql};
 * portable SQL for H2 and PostgreSQL). Blocking JDBC: callers run it off the event loop. An upsert is an update,
 * else an insert, else (another replica inserted the same id in between) the update again: no vendor-specific
 * MERGE. Thread-safe.
 */
public final class LimitOverridesRepository {

    private static final Logger log = LoggerFactory.getLogger(LimitOverridesRepository.class);

    private static final String BUDGETS = "SELECT id, scope, team, subject, amount_usd, budget_period, budget_mode, "
            + "alert_thresholds, downgrade_to_fit FROM budget_override";
    private static final String UPDATE_BUDGET = "UPDATE budget_override SET scope = ?, team = ?, subject = ?, "
            + "amount_usd = ?, budget_period = ?, budget_mode = ?, alert_thresholds = ?, downgrade_to_fit = ?, "
            + "updated_at = ? WHERE id = ?";
    private static final String INSERT_BUDGET = "INSERT INTO budget_override (scope, team, subject, amount_usd, "
            + "budget_period, budget_mode, alert_thresholds, downgrade_to_fit, updated_at, id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String RATE_LIMITS = "SELECT id, scope, team, subject, requests_per_minute, tokens_per_minute "
            + "FROM rate_limit_override";
    private static final String UPDATE_RATE_LIMIT = "UPDATE rate_limit_override SET scope = ?, team = ?, subject = ?, "
            + "requests_per_minute = ?, tokens_per_minute = ?, updated_at = ? WHERE id = ?";
    private static final String INSERT_RATE_LIMIT = "INSERT INTO rate_limit_override (scope, team, subject, "
            + "requests_per_minute, tokens_per_minute, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE_RESET = "UPDATE budget_reset SET reset_at = ? "
            + "WHERE budget_id = ? AND period_key = ? AND reset_at < ?";
    private static final String INSERT_RESET = "INSERT INTO budget_reset (reset_at, budget_id, period_key) "
            + "VALUES (?, ?, ?)";
    private static final String RESETS = "SELECT budget_id, period_key, reset_at FROM budget_reset";

    private final DataSource dataSource;
    /** The unreadable rows last reported, so that a poll every few seconds does not repeat the same warning. */
    private volatile Set<String> reportedBadRows = Set.of();

    public LimitOverridesRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Every stored budget and rate limit. A row that does not make a valid budget (edited by hand) is left out with
     * a warning, so that one bad row does not keep every other change out.
     */
    public LimitOverrides load() {
        Map<String, BudgetSpec> budgets = new HashMap<>();
        Map<String, RateLimitSpec> rateLimits = new HashMap<>();
        Set<String> bad = new TreeSet<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(BUDGETS); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    try {
                        BudgetSpec spec = new BudgetSpec(scope(rs.getString(2)), rs.getString(3), rs.getString(4),
                                normalized(rs.getBigDecimal(5)),
                                BudgetPeriod.fromName(rs.getString(6)).orElseThrow(() -> bad("period", rs, 6)),
                                BudgetMode.fromName(rs.getString(7)).orElseThrow(() -> bad("mode", rs, 7)),
                                thresholds(rs.getString(8)), rs.getBoolean(9));
                        check(id, spec.id());
                        budgets.put(id, spec);
                    } catch (IllegalArgumentException e) {
                        bad.add("budget_override '" + id + "': " + e.getMessage());
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(RATE_LIMITS); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    try {
                        RateLimitSpec spec = new RateLimitSpec(scope(rs.getString(2)), rs.getString(3),
                                rs.getString(4), rs.getLong(5), rs.getLong(6));
                        check(id, spec.id());
                        rateLimits.put(id, spec);
                    } catch (IllegalArgumentException e) {
                        bad.add("rate_limit_override '" + id + "': " + e.getMessage());
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the admin budgets and rate limits failed: " + e.getMessage(), e);
        }
        if (!bad.equals(reportedBadRows)) {
            reportedBadRows = Set.copyOf(bad);
            bad.forEach(problem -> log.warn("admin overrides: row left out: {}", problem));
        }
        return new LimitOverrides(budgets, rateLimits);
    }

    /** Stores a budget (inserted, or replacing the one with its id). */
    public void putBudget(BudgetSpec spec, Instant now) {
        upsert(UPDATE_BUDGET, INSERT_BUDGET, ps -> {
            ps.setString(1, spec.scope().label());
            ps.setString(2, spec.team());
            ps.setString(3, spec.subject());
            ps.setBigDecimal(4, spec.amountUsd());
            ps.setString(5, spec.period().yamlName());
            ps.setString(6, spec.mode().yamlName());
            ps.setString(7, spec.thresholds().stream().map(String::valueOf).collect(Collectors.joining(",")));
            ps.setBoolean(8, spec.downgradeToFit());
            ps.setObject(9, utc(now));
            ps.setString(10, spec.id());
        }, "budget " + spec.id());
    }

    /** Deletes a budget; false when there was none with that id. */
    public boolean deleteBudget(String id) {
        return delete("DELETE FROM budget_override WHERE id = ?", id);
    }

    /** Stores a rate limit (inserted, or replacing the one with its id). */
    public void putRateLimit(RateLimitSpec spec, Instant now) {
        upsert(UPDATE_RATE_LIMIT, INSERT_RATE_LIMIT, ps -> {
            ps.setString(1, spec.scope().label());
            ps.setString(2, spec.team());
            ps.setString(3, spec.subject());
            ps.setLong(4, spec.requestsPerMinute());
            ps.setLong(5, spec.tokensPerMinute());
            ps.setObject(6, utc(now));
            ps.setString(7, spec.id());
        }, "rate limit " + spec.id());
    }

    /** Deletes a rate limit; false when there was none with that id. */
    public boolean deleteRateLimit(String id) {
        return delete("DELETE FROM rate_limit_override WHERE id = ?", id);
    }

    /**
     * Records that a budget's period was started again at {@code at}. Only the latest reset of a period is kept
     * (an earlier one no longer matters).
     */
    public void recordReset(String budgetId, String periodKey, Instant at) {
        OffsetDateTime when = utc(at);
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(UPDATE_RESET)) {
                ps.setObject(1, when);
                ps.setString(2, budgetId);
                ps.setString(3, periodKey);
                ps.setObject(4, when);
                if (ps.executeUpdate() > 0) {
                    return;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT_RESET)) {
                ps.setObject(1, when);
                ps.setString(2, budgetId);
                ps.setString(3, periodKey);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (!duplicate(e)) {
                    throw e;
                }
                // the period has a reset already, at this time or later (another replica's): it stands
            }
        } catch (SQLException e) {
            throw new IllegalStateException("recording the reset of budget " + budgetId + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** The last reset of every budget period that has one, by counter key ({@code <budget id>@<period key>}). */
    public Map<String, Instant> lastResets() {
        Map<String, Instant> out = new HashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(RESETS);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1) + "@" + rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the budget resets failed: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * An amount as the budget domain keeps it: without trailing zeros, so that a value read back from the
     * {@code NUMERIC(20, 9)} column equals the one stored ({@code 10.000000000} and {@code 10} are the same budget).
     */
    public static BigDecimal normalized(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private void upsert(String update, String insert, Binder binder, String what) {
        try (Connection c = dataSource.getConnection()) {
            if (execute(c, update, binder) > 0) {
                return;
            }
            try {
                execute(c, insert, binder);
            } catch (SQLException e) {
                if (!duplicate(e)) {
                    throw e;
                }
                execute(c, update, binder);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storing the " + what + " failed: " + e.getMessage(), e);
        }
    }

    private static int execute(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }

    private boolean delete(String sql, String id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("deleting " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** SQLSTATE class 23: integrity constraint violation (a duplicate primary key), in H2 and PostgreSQL alike. */
    private static boolean duplicate(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Scope scope(String label) {
        for (Scope s : Scope.values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("scope must be team, key or app, but was '" + label + "'");
    }

    private static List<Integer> thresholds(String text) {
        List<Integer> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("alert_thresholds must be comma-separated whole numbers, but was '"
                        + text + "'");
            }
        }
        return out;
    }

    private static IllegalArgumentException bad(String field, ResultSet rs, int column) {
        String value;
        try {
            value = rs.getString(column);
        } catch (SQLException e) {
            value = "?";
        }
        return new IllegalArgumentException(field + " is not valid: '" + value + "'");
    }

    private static void check(String id, String expected) {
        if (!id.equals(expected)) {
            throw new IllegalArgumentException("id does not match its scope, team and subject (expected '"
                    + expected + "')");
        }
    }
}
