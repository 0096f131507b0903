-- Tokens written to a 1-hour cache (Anthropic bills them at 2x input), apart from the 5-minute writes in
-- cache_write_tokens. Rows written before this migration had no such count: 0.
ALTER TABLE ledger ADD COLUMN cache_write_1h_tokens BIGINT DEFAULT 0 NOT NULL;
