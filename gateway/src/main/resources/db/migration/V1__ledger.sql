-- One row per request, success or failure. Portable between H2 (embedded default) and PostgreSQL.
-- cost_usd is exact: prices have at most 6 decimal places per 1M tokens, so costs have at most 12.
-- cost_usd is NULL for an unpriced call, never 0.
CREATE TABLE ledger (
    request_id          VARCHAR(64)     NOT NULL PRIMARY KEY,
    ts                  TIMESTAMP WITH TIME ZONE NOT NULL,
    day_utc             DATE            NOT NULL,
    team                VARCHAR(64)     NOT NULL,
    key_id              VARCHAR(64)     NOT NULL,
    app                 VARCHAR(64),
    requested_model     VARCHAR(256),
    provider            VARCHAR(64),
    model               VARCHAR(256),
    stream              BOOLEAN         NOT NULL,
    input_tokens        BIGINT          NOT NULL,
    cached_input_tokens BIGINT          NOT NULL,
    cache_write_tokens  BIGINT          NOT NULL,
    output_tokens       BIGINT          NOT NULL,
    reasoning_tokens    BIGINT          NOT NULL,
    cost_usd            NUMERIC(30, 12),
    price_version       VARCHAR(400),
    latency_us          BIGINT          NOT NULL,
    ttft_us             BIGINT,
    status              INTEGER         NOT NULL,
    outcome             VARCHAR(32)     NOT NULL,
    error_code          VARCHAR(64),
    estimated           BOOLEAN         NOT NULL
);

CREATE INDEX ledger_team_day ON ledger (team, day_utc);
