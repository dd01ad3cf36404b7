-- Testudo schema v1. Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).
-- Money, prices and quantities are NUMERIC (exact decimal); times are timestamptz (UTC).

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Browser sessions (cookie) and API tokens (bearer), stored as SHA-256 of the secret.
CREATE TABLE auth_tokens (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('session', 'api')),
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

CREATE TABLE instruments (
  symbol text PRIMARY KEY,
  base text NOT NULL,
  quote text NOT NULL,
  tick_size numeric NOT NULL CHECK (tick_size > 0),
  lot_size numeric NOT NULL CHECK (lot_size > 0),
  min_qty numeric NOT NULL CHECK (min_qty >= 0),
  min_notional numeric NOT NULL CHECK (min_notional >= 0),
  maker_fee numeric NOT NULL,
  taker_fee numeric NOT NULL
);

-- A paper account. balance is the realized equity; the open_* and reserved columns are running totals of the
-- account's pending and open trades, kept in the same transaction as the trades they sum.
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  currency text NOT NULL,
  exchange text NOT NULL DEFAULT 'paper',
  initial_balance numeric NOT NULL,
  balance numeric NOT NULL,
  peak_equity numeric NOT NULL,
  halted_at timestamptz,
  consecutive_losses integer NOT NULL DEFAULT 0,
  last_loss_at timestamptz,
  pnl_day text,
  pnl_day_realized numeric NOT NULL DEFAULT 0,
  open_risk numeric NOT NULL DEFAULT 0,
  open_positions integer NOT NULL DEFAULT 0,
  reserved numeric NOT NULL DEFAULT 0,
  risk_profile jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_user ON accounts(user_id);

-- Every risk decision, approved or not: inputs, each rule's verdict, the sizing and the outcome.
CREATE TABLE decisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  market_time timestamptz NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL,
  approved boolean NOT NULL,
  input jsonb NOT NULL,
  verdicts jsonb NOT NULL,
  sizing jsonb NOT NULL
);
CREATE INDEX decisions_account ON decisions(account_id, id DESC);

CREATE TABLE trades (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  decision_id bigint NOT NULL REFERENCES decisions(id),
  symbol text NOT NULL REFERENCES instruments(symbol),
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  entry_type text NOT NULL CHECK (entry_type IN ('market', 'limit')),
  entry_price numeric NOT NULL,
  stop_price numeric NOT NULL,
  target_price numeric,
  qty numeric NOT NULL CHECK (qty > 0),
  risk_pct numeric NOT NULL,
  planned_risk numeric NOT NULL,
  margin numeric NOT NULL,
  setup text,
  tags text[] NOT NULL DEFAULT '{}',
  notes text,
  status text NOT NULL CHECK (status IN ('pending', 'open', 'closed', 'cancelled')),
  -- market time of the submission (the replay's clock during a replay); created_at is the wall clock
  submitted_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  opened_at timestamptz,
  entry_fill_price numeric,
  entry_fee numeric,
  closed_at timestamptz,
  exit_fill_price numeric,
  exit_fee numeric,
  exit_reason text CHECK (exit_reason IN ('stop', 'target', 'manual')),
  gross_pnl numeric,
  fees numeric,
  net_pnl numeric,
  initial_risk numeric,
  r_multiple double precision,
  mae_r double precision,
  mfe_r double precision,
  mae_ticks numeric NOT NULL DEFAULT 0,
  mfe_ticks numeric NOT NULL DEFAULT 0
);
CREATE INDEX trades_account_status ON trades(account_id, status);
CREATE INDEX trades_decision ON trades(decision_id);
CREATE INDEX trades_account_closed ON trades(account_id, closed_at) WHERE status = 'closed';
CREATE INDEX trades_active ON trades(status) WHERE status IN ('pending', 'open');

-- The legs of each bracket. stop and target wait ('held') until the entry fills, then rest ('open') as OCO.
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trade_id bigint NOT NULL REFERENCES trades(id) ON DELETE CASCADE,
  account_id bigint NOT NULL,
  leg text NOT NULL CHECK (leg IN ('entry', 'stop', 'target', 'manual')),
  type text NOT NULL CHECK (type IN ('market', 'limit', 'stop-market')),
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  price numeric,
  qty numeric NOT NULL,
  reduce_only boolean NOT NULL DEFAULT false,
  oco boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('held', 'open', 'filled', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_trade ON orders(trade_id);

CREATE TABLE fills (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  trade_id bigint NOT NULL,
  account_id bigint NOT NULL,
  price numeric NOT NULL,
  qty numeric NOT NULL,
  fee numeric NOT NULL,
  liquidity text NOT NULL CHECK (liquidity IN ('maker', 'taker')),
  filled_at timestamptz NOT NULL
);
CREATE INDEX fills_trade ON fills(trade_id);

-- Idempotency-Key records: the same key with the same body replays the stored response.
CREATE TABLE idempotency_keys (
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

CREATE TABLE candles (
  symbol text NOT NULL,
  timeframe text NOT NULL,
  open_time timestamptz NOT NULL,
  open numeric NOT NULL,
  high numeric NOT NULL,
  low numeric NOT NULL,
  close numeric NOT NULL,
  volume numeric NOT NULL,
  PRIMARY KEY (symbol, timeframe, open_time)
);
