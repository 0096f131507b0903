-- Failover: every backend a call tried, in order, as a JSON array of {provider, model, outcome, latency_us}
-- (NULL for calls that reached no backend), and how many times it moved on to another backend.
ALTER TABLE ledger ADD COLUMN attempts VARCHAR(8000);
ALTER TABLE ledger ADD COLUMN failover_count INTEGER DEFAULT 0 NOT NULL;
