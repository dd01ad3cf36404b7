-- Backtesting: strategies saved per user, backtest and optimisation jobs, and their results.
-- `backtests` is the job table on both engines: status queued → running → done | failed. On PostgreSQL the jobs are
-- also carried by pg-boss (in its own schema) so any `testudo worker` can take them; on PGlite the server runs them
-- in-process. Results are written in one transaction with the status change to 'done'; a failed job has an error
-- code and no result rows.

CREATE TABLE saved_strategies (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  -- a built-in strategy name, e.g. 'sma-cross'
  strategy text NOT NULL,
  -- default parameter values and backtest options (JSON objects)
  params jsonb NOT NULL DEFAULT '{}',
  options jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, name)
);

CREATE TABLE backtests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('backtest', 'optimization')),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  strategy_id bigint REFERENCES saved_strategies(id) ON DELETE SET NULL,
  strategy text NOT NULL,
  -- the parameters (for an optimisation: the fixed ones)
  params jsonb NOT NULL DEFAULT '{}',
  options jsonb NOT NULL DEFAULT '{}',
  -- optimisation only: the axes [{ "name", "values" }] in order, the statistic, the constraint
  grid jsonb,
  maximize text,
  constraint_text text,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  from_time timestamptz,
  to_time timestamptz,
  progress_done integer NOT NULL DEFAULT 0,
  progress_total integer NOT NULL DEFAULT 0,
  error_code text,
  error_message text,
  attempts integer NOT NULL DEFAULT 0,
  -- the process that ran it last (host:pid)
  worker text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  CHECK (status <> 'failed' OR error_code IS NOT NULL),
  CHECK (kind <> 'optimization' OR (grid IS NOT NULL AND maximize IS NOT NULL))
);
CREATE INDEX backtests_user ON backtests(user_id, id DESC);
CREATE INDEX backtests_pending ON backtests(id) WHERE status IN ('queued', 'running');

-- The result of a backtest: statistics (backtesting.py's names), R statistics, and the equity curve sampled to at
-- most 1,000 points [[time ms, equity, drawdown fraction], ...].
CREATE TABLE backtest_results (
  backtest_id bigint PRIMARY KEY REFERENCES backtests(id) ON DELETE CASCADE,
  bars integer NOT NULL,
  stats jsonb NOT NULL,
  r_stats jsonb,
  rejections jsonb NOT NULL DEFAULT '{}',
  equity jsonb NOT NULL
);

-- Closed trades of a backtest, in order. Prices and money are exact decimals (quote currency); size in units, signed.
CREATE TABLE backtest_trades (
  backtest_id bigint NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  size numeric NOT NULL,
  entry_bar integer NOT NULL,
  exit_bar integer NOT NULL,
  entry_time timestamptz NOT NULL,
  exit_time timestamptz NOT NULL,
  entry_price numeric NOT NULL,
  exit_price numeric NOT NULL,
  sl numeric,
  tp numeric,
  pnl numeric NOT NULL,
  commission numeric NOT NULL,
  return_pct double precision NOT NULL,
  r_multiple double precision,
  exit_reason text NOT NULL,
  tag text,
  PRIMARY KEY (backtest_id, seq)
);

-- The ranked grid of an optimisation: rank 1 is best; points without a value (errors, NaN) rank last.
CREATE TABLE optimization_results (
  backtest_id bigint NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
  rank integer NOT NULL,
  grid_index integer NOT NULL,
  params jsonb NOT NULL,
  value double precision,
  stats jsonb,
  r_stats jsonb,
  error_code text,
  error_message text,
  PRIMARY KEY (backtest_id, rank)
);
