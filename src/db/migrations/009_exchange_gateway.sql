-- The exchange as a Binance-compatible venue: every market gets a gateway symbol and (spot) base/quote assets, orders
-- carry the client's own id and may belong to an order list (OCO), and take-profit orders join the stop orders.

-- Gateway symbol: [A-Z0-9]{2,20}, unique. Existing markets get one from their names: the upper-cased alphanumerics,
-- clipped to 20 characters ('M' || id when fewer than 2 are left), de-duplicated by replacing the tail with the id.
ALTER TABLE ex_markets ADD COLUMN symbol text;
ALTER TABLE ex_markets ADD COLUMN base_asset text;
ALTER TABLE ex_markets ADD COLUMN quote_asset text;
WITH s AS (
  SELECT id, left(upper(regexp_replace(name, '[^A-Za-z0-9]', '', 'g')), 20) AS sym FROM ex_markets
), r AS (
  SELECT id, CASE WHEN length(sym) < 2 THEN 'M' || id::text ELSE sym END AS sym FROM s
), d AS (
  SELECT id, sym, row_number() OVER (PARTITION BY sym ORDER BY id) AS n FROM r
)
UPDATE ex_markets m
   SET symbol = CASE WHEN d.n = 1 THEN d.sym ELSE left(d.sym, 20 - length(m.id::text)) || m.id::text END
  FROM d WHERE d.id = m.id;
-- Base asset: the symbol without a trailing 'USD' (when something is left), quote asset: the cash asset 'USD'.
UPDATE ex_markets SET
  base_asset = CASE WHEN symbol ~ '^[A-Z0-9]{2,}USD$' THEN left(symbol, length(symbol) - 3) ELSE symbol END,
  quote_asset = 'USD';
ALTER TABLE ex_markets ALTER COLUMN symbol SET NOT NULL;
ALTER TABLE ex_markets ALTER COLUMN base_asset SET NOT NULL;
ALTER TABLE ex_markets ALTER COLUMN quote_asset SET NOT NULL;
ALTER TABLE ex_markets ADD CONSTRAINT ex_markets_symbol_format CHECK (symbol ~ '^[A-Z0-9]{2,20}$');
ALTER TABLE ex_markets ADD CONSTRAINT ex_markets_symbol_key UNIQUE (symbol);
ALTER TABLE ex_markets ADD CONSTRAINT ex_markets_assets_format
  CHECK (base_asset ~ '^[A-Z0-9]{1,20}$' AND quote_asset ~ '^[A-Z0-9]{1,20}$');

-- Order lists (OCO): two linked orders of one account and market; ids assigned by the exchange process.
CREATE TABLE ex_order_lists (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES ex_accounts(id),
  market_id bigint NOT NULL REFERENCES ex_markets(id),
  client_list_id text,
  -- 'executing' while a leg is live, 'all-done' once both legs left the book
  status text NOT NULL CHECK (status IN ('executing', 'all-done')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_order_lists_account ON ex_order_lists(account_id, id DESC);

ALTER TABLE ex_orders ADD COLUMN client_order_id text;
ALTER TABLE ex_orders ADD COLUMN list_id bigint REFERENCES ex_order_lists(id);
ALTER TABLE ex_orders DROP CONSTRAINT ex_orders_type_check;
ALTER TABLE ex_orders ADD CONSTRAINT ex_orders_type_check
  CHECK (type IN ('limit', 'market', 'stop-market', 'stop-limit', 'take-profit', 'take-profit-limit'));
CREATE INDEX ex_orders_client_id ON ex_orders(account_id, client_order_id) WHERE client_order_id IS NOT NULL;

-- An account's own trades, by either side, for paginated history (my trades).
CREATE INDEX ex_trades_maker_account ON ex_trades(maker_account_id, id);
CREATE INDEX ex_trades_taker_account ON ex_trades(taker_account_id, id);
