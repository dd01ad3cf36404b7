-- Strategy runs: a strategy module running on the live or replayed feed, every order it places going through the
-- trading service's submission (sizing from the stop, every rule, brackets). `host` says where the strategy code
-- runs: 'server' (a built-in strategy run by the server) or 'client' (a user module run by `testudo run` on the
-- user's machine, which posts its signals and orders to the run). `cursor_time` is the open time of the last bar the
-- runner finished (restart resumes after it); `start_equity` the account's equity when the run started (the parity
-- report's starting cash). Each order a run places is keyed (run, bar time, sequence on that bar) and submitted with
-- that key as its Idempotency-Key, so a bar processed again after a restart never doubles an order.
-- Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).
CREATE TABLE strategy_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  strategy text NOT NULL CHECK (char_length(strategy) BETWEEN 1 AND 200),
  params jsonb NOT NULL DEFAULT '{}',
  symbol text NOT NULL CHECK (char_length(symbol) <= 40),
  timeframe text NOT NULL,
  connection_id bigint,
  host text NOT NULL CHECK (host IN ('server', 'client')),
  status text NOT NULL CHECK (status IN ('running', 'stopped', 'failed')),
  error jsonb,
  start_equity numeric NOT NULL,
  cursor_time timestamptz,
  -- open time of the first bar the strategy acted on (bars before it were warm-up history)
  first_bar_time timestamptz,
  -- open time of the oldest bar of the history the strategy is evaluated on (its indicators start there): a backtest
  -- from this bar over the same bars calls the strategy as the run did
  history_from timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz
);
CREATE INDEX strategy_runs_user ON strategy_runs(user_id, id DESC);
CREATE INDEX strategy_runs_running ON strategy_runs(status) WHERE status = 'running';

-- What a run did, in order: 'signal' (the strategy asked for an order or a close), 'decision' (the risk gate's
-- answer, approved or rejected with its codes), 'order' (the bracket sent), 'fill' (an entry or exit filled).
CREATE TABLE strategy_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES strategy_runs(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('signal', 'decision', 'order', 'fill', 'status')),
  bar_time timestamptz,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX strategy_events_run ON strategy_events(run_id, id);

-- What a run asked for on each bar: one row per (run, bar, sequence) — an entry ('entry': linked to the decision and,
-- when approved, the trade), a close of its open trades or a cancel of its pending entries — with `result`, the
-- stored outcome a repeat of the same (run, bar, sequence) answers with.
CREATE TABLE strategy_orders (
  run_id bigint NOT NULL REFERENCES strategy_runs(id) ON DELETE CASCADE,
  bar_time timestamptz NOT NULL,
  seq integer NOT NULL CHECK (seq >= 0),
  kind text NOT NULL DEFAULT 'entry' CHECK (kind IN ('entry', 'close', 'cancel')),
  decision_id bigint REFERENCES decisions(id),
  trade_id bigint REFERENCES trades(id) ON DELETE SET NULL,
  approved boolean NOT NULL,
  result jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, bar_time, seq)
);
CREATE INDEX strategy_orders_trade ON strategy_orders(trade_id) WHERE trade_id IS NOT NULL;
