-- What each call would have cost on the model the client asked for (for an alias: its baseline model), priced
-- with the same usage at that model's cheapest price in force. NULL when that model had no price.
ALTER TABLE ledger ADD COLUMN counterfactual_cost_usd NUMERIC(30, 12);
ALTER TABLE ledger ADD COLUMN baseline_model VARCHAR(256);
ALTER TABLE ledger ADD COLUMN route_alias VARCHAR(64);
