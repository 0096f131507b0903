-- Budgets and rate limits set through the admin API; they take precedence over the routing rules' for the same id
-- (team:alpha, key:alpha-web, app:alpha/web). One row per id; every replica re-reads the tables periodically.
-- Portable between H2 (embedded default) and PostgreSQL.
CREATE TABLE budget_override (
    id               VARCHAR(200)   NOT NULL PRIMARY KEY,
    scope            VARCHAR(8)     NOT NULL,
    team             VARCHAR(64)    NOT NULL,
    subject          VARCHAR(130)   NOT NULL,
    -- at most 9 000 000 USD, whole nano-USD (the budget counters' unit)
    amount_usd       NUMERIC(20, 9) NOT NULL,
    budget_period    VARCHAR(16)    NOT NULL,
    budget_mode      VARCHAR(16)    NOT NULL,
    -- percentages, ascending, comma-separated ("50,80,100"; empty: no alerts)
    alert_thresholds VARCHAR(200)   NOT NULL,
    downgrade_to_fit BOOLEAN        NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE rate_limit_override (
    id                  VARCHAR(200) NOT NULL PRIMARY KEY,
    scope               VARCHAR(8)   NOT NULL,
    team                VARCHAR(64)  NOT NULL,
    subject             VARCHAR(130) NOT NULL,
    -- 0: no limit of that kind
    requests_per_minute BIGINT       NOT NULL,
    tokens_per_minute   BIGINT       NOT NULL,
    updated_at          TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The last time an operator started a budget's period again (POST /admin/budgets/.../reset). Restoring a counter
-- from the ledger counts only calls from max(period start, reset_at). period_key is the period's start in epoch
-- seconds (the counter key's suffix); 0 for a budget that never starts again.
CREATE TABLE budget_reset (
    budget_id  VARCHAR(200) NOT NULL,
    period_key VARCHAR(20)  NOT NULL,
    reset_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (budget_id, period_key)
);

-- Restoring the counters sums the ledger's costs since each period's start: a range over ts.
CREATE INDEX ledger_ts ON ledger (ts);
