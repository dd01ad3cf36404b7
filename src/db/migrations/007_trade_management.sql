-- Trade management: stop and target moves, stop to breakeven and partial closes of open trades, each a stored
-- decision. Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).

-- What a decision was about: a submission (every row before this migration), or a change of an existing trade
-- (trade_id) with the requested change and its result in `change`.
ALTER TABLE decisions
  ADD COLUMN kind text NOT NULL DEFAULT 'submit'
    CHECK (kind IN ('submit', 'move-stop', 'move-target', 'breakeven', 'partial-close', 'close')),
  ADD COLUMN trade_id bigint REFERENCES trades(id) ON DELETE CASCADE,
  ADD COLUMN change jsonb;
CREATE INDEX decisions_trade ON decisions(trade_id, id) WHERE trade_id IS NOT NULL;

-- The current stop, target and open quantity of a trade; NULL while they equal the initial stop_price,
-- target_price and qty (which stay as submitted: the initial risk and R are measured from them).
ALTER TABLE trades
  ADD COLUMN current_stop_price numeric,
  ADD COLUMN current_target_price numeric,
  ADD COLUMN open_qty numeric CHECK (open_qty > 0);

-- A partial close is a reduce-only market order of its own leg.
ALTER TABLE orders DROP CONSTRAINT orders_leg_check;
ALTER TABLE orders ADD CONSTRAINT orders_leg_check CHECK (leg IN ('entry', 'stop', 'target', 'manual', 'partial'));
