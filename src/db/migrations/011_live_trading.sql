-- Live trading: exchange connections (venues), venue order ids and fills on the bracket legs, the raw fills of
-- each venue (deduplicated on (user, exchange, fill id)), history imports, and trades that are imported or rejected by
-- the venue. Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).

-- A user's connection to a venue. Its trades are sized and checked against its own risk account (`account_id`, a
-- row of `accounts` with `exchange` = the venue's exchange id). `credentials` is the JSON of the API key, secret (or
-- wallet address and agent key) sealed by src/app/secrets.ts (AES-256-GCM); `key_id` is the id of the key that sealed
-- it (also inside the ciphertext), so a rotation can find the rows still sealed under an old key.
CREATE TABLE connections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts(id),
  venue text NOT NULL CHECK (venue IN ('sim', 'ccxt', 'hyperliquid')),
  -- CCXT exchange id: binance, bybit, okx, hyperliquid; 'testudo' for the built-in simulated exchange
  exchange text NOT NULL CHECK (exchange ~ '^[a-z0-9]{2,32}$'),
  market_type text NOT NULL DEFAULT 'spot' CHECK (market_type IN ('spot', 'swap')),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
  sandbox boolean NOT NULL DEFAULT false,
  -- an API origin replacing the exchange's own (only origins on the server's allowlist are accepted)
  base_url text,
  credentials text NOT NULL,
  key_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  -- { "missingStop": "place" | "report", "symbols": [...] } and other per-connection settings
  settings jsonb NOT NULL DEFAULT '{}',
  last_tested_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, label)
);
CREATE INDEX connections_user ON connections(user_id, id);
CREATE INDEX connections_key ON connections(key_id);

-- Trades on a venue name their connection; imported trades have no decision, stop or planned risk (R unknown).
ALTER TABLE trades ADD COLUMN connection_id bigint REFERENCES connections(id) ON DELETE SET NULL;
ALTER TABLE trades ADD COLUMN source text NOT NULL DEFAULT 'testudo' CHECK (source IN ('testudo', 'import'));
-- the venue's reason when it refused the entry (status 'rejected')
ALTER TABLE trades ADD COLUMN venue_error jsonb;
ALTER TABLE trades DROP CONSTRAINT trades_status_check;
ALTER TABLE trades ADD CONSTRAINT trades_status_check
  CHECK (status IN ('pending', 'open', 'closed', 'cancelled', 'rejected'));
-- a venue's symbols (BTC/USDT, BTC/USDC:USDC) are its own, not rows of `instruments`
ALTER TABLE trades DROP CONSTRAINT trades_symbol_fkey;
ALTER TABLE trades ALTER COLUMN decision_id DROP NOT NULL;
ALTER TABLE trades ALTER COLUMN stop_price DROP NOT NULL;
ALTER TABLE trades ALTER COLUMN risk_pct DROP NOT NULL;
ALTER TABLE trades ALTER COLUMN planned_risk DROP NOT NULL;
ALTER TABLE trades ALTER COLUMN margin DROP NOT NULL;
CREATE INDEX trades_connection ON trades(connection_id, status) WHERE connection_id IS NOT NULL;

-- Decisions about live trades: venue outcomes (a refusal, exits placed or resized, an orphan cancelled) and the
-- repairs of reconciliation.
ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check
  CHECK (kind IN ('submit', 'move-stop', 'move-target', 'breakeven', 'partial-close', 'close', 'venue', 'reconcile'));

-- Bracket legs on a venue: the client order id Testudo derived from the decision, the venue's order id (and OCO list
-- id), how much has filled, and why the venue refused it.
ALTER TABLE orders ADD COLUMN client_order_id text;
ALTER TABLE orders ADD COLUMN venue_order_id text;
ALTER TABLE orders ADD COLUMN venue_list_id text;
ALTER TABLE orders ADD COLUMN filled_qty numeric NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN reason text;
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('held', 'open', 'filled', 'cancelled', 'rejected'));
CREATE UNIQUE INDEX orders_client_order_id ON orders(account_id, client_order_id) WHERE client_order_id IS NOT NULL;

ALTER TABLE fills ADD COLUMN venue_fill_id text;
ALTER TABLE fills ADD COLUMN fee_currency text;
CREATE UNIQUE INDEX fills_venue_fill ON fills(account_id, venue_fill_id) WHERE venue_fill_id IS NOT NULL;

-- Every fill seen on a venue, live or imported, once: (user, exchange, fill id) is the dedup key. `trade_id` links
-- it to the journal's trade (a live bracket's, or one grouped by an import).
CREATE TABLE venue_fills (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  connection_id bigint REFERENCES connections(id) ON DELETE SET NULL,
  exchange text NOT NULL,
  fill_id text NOT NULL,
  venue_order_id text,
  client_order_id text,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  price numeric NOT NULL CHECK (price > 0),
  qty numeric NOT NULL CHECK (qty > 0),
  fee numeric NOT NULL DEFAULT 0,
  fee_currency text,
  liquidity text CHECK (liquidity IN ('maker', 'taker')),
  filled_at timestamptz NOT NULL,
  source text NOT NULL CHECK (source IN ('live', 'import')),
  trade_id bigint REFERENCES trades(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, exchange, fill_id)
);
CREATE INDEX venue_fills_connection ON venue_fills(connection_id, symbol, filled_at);

-- History imports (a durable job: the row is the queue, resumed by the next start when left queued or running).
CREATE TABLE venue_imports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  since timestamptz NOT NULL,
  fills_seen integer NOT NULL DEFAULT 0,
  fills_new integer NOT NULL DEFAULT 0,
  trades_created integer NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX venue_imports_connection ON venue_imports(connection_id, id DESC);
CREATE INDEX venue_imports_open ON venue_imports(status) WHERE status IN ('queued', 'running');
