-- Budgets: what the call's budgets reserved for it (NULL when no budget applied). A hard budget is charged the
-- call's cost but at most this (a provider billing past the output cap it was sent is recorded in full in cost_usd);
-- the restore of budget counters from the ledger charges hard budgets the same way.
ALTER TABLE ledger ADD COLUMN reserved_usd NUMERIC(30,12);
