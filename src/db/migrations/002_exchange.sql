-- The simulated multi-user exchange. Prices are integer ticks and sizes integer lots of each market's grid (bigint);
-- cash is NUMERIC in the exchange's currency.

ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false;

-- Trading accounts: each user has a personal one; alt accounts are owned by one or more users.
CREATE TABLE ex_accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('user', 'alt')),
  -- the user whose personal account this is (null for alt accounts)
  personal_of bigint UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  cash numeric NOT NULL DEFAULT 0 CHECK (cash >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ex_account_owners (
  account_id bigint NOT NULL REFERENCES ex_accounts(id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (account_id, user_id)
);
CREATE INDEX ex_account_owners_user ON ex_account_owners(user_id);

CREATE TABLE ex_markets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  kind text NOT NULL CHECK (kind IN ('spot', 'bounded')),
  tick_size numeric NOT NULL CHECK (tick_size > 0),
  lot_size numeric NOT NULL CHECK (lot_size > 0),
  min_price bigint NOT NULL DEFAULT 0 CHECK (min_price >= 0),
  max_price bigint CHECK (max_price IS NULL OR max_price > min_price),
  status text NOT NULL CHECK (status IN ('open', 'paused', 'closed')),
  hide_accounts boolean NOT NULL DEFAULT false,
  restricted boolean NOT NULL DEFAULT false,
  settled_price bigint,
  settled_at timestamptz,
  created_by bigint REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Accounts allowed to see and trade a restricted market.
CREATE TABLE ex_market_access (
  market_id bigint NOT NULL REFERENCES ex_markets(id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES ex_accounts(id) ON DELETE CASCADE,
  PRIMARY KEY (market_id, account_id)
);

CREATE TABLE ex_positions (
  account_id bigint NOT NULL REFERENCES ex_accounts(id) ON DELETE CASCADE,
  market_id bigint NOT NULL REFERENCES ex_markets(id) ON DELETE CASCADE,
  position bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, market_id)
);

-- Orders; ids are assigned by the exchange process. priority is the order's place in time priority (a new value
-- when an amend loses priority); resting and pending orders are replayed in this order to rebuild the books.
CREATE TABLE ex_orders (
  id bigint PRIMARY KEY,
  market_id bigint NOT NULL REFERENCES ex_markets(id),
  account_id bigint NOT NULL REFERENCES ex_accounts(id),
  user_id bigint NOT NULL REFERENCES users(id),
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  type text NOT NULL CHECK (type IN ('limit', 'market', 'stop-market', 'stop-limit')),
  price bigint,
  stop_price bigint,
  size bigint NOT NULL CHECK (size > 0),
  remaining bigint NOT NULL CHECK (remaining >= 0),
  filled bigint NOT NULL DEFAULT 0,
  tif text NOT NULL,
  post_only boolean NOT NULL DEFAULT false,
  stp text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'pending', 'filled', 'cancelled')),
  priority bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_orders_live ON ex_orders(market_id, priority) WHERE status IN ('open', 'pending');
CREATE INDEX ex_orders_account ON ex_orders(account_id, id DESC);

-- Every change of an order's remaining size, for replay and audit.
CREATE TABLE ex_order_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES ex_orders(id) ON DELETE CASCADE,
  event text NOT NULL CHECK (event IN ('accepted', 'fill', 'amend', 'cancel', 'trigger')),
  remaining bigint NOT NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_order_history_order ON ex_order_history(order_id, id);

CREATE TABLE ex_trades (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  market_id bigint NOT NULL REFERENCES ex_markets(id),
  maker_order_id bigint NOT NULL,
  taker_order_id bigint NOT NULL,
  maker_account_id bigint NOT NULL,
  taker_account_id bigint NOT NULL,
  price bigint NOT NULL,
  size bigint NOT NULL,
  taker_side text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_trades_market ON ex_trades(market_id, id DESC);

CREATE TABLE ex_transfers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_account_id bigint REFERENCES ex_accounts(id),
  to_account_id bigint NOT NULL REFERENCES ex_accounts(id),
  amount numeric NOT NULL CHECK (amount > 0),
  note text NOT NULL DEFAULT '',
  by_user_id bigint NOT NULL REFERENCES users(id),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_transfers_from ON ex_transfers(from_account_id, id DESC);
CREATE INDEX ex_transfers_to ON ex_transfers(to_account_id, id DESC);

CREATE TABLE ex_settlements (
  market_id bigint PRIMARY KEY REFERENCES ex_markets(id),
  price bigint NOT NULL,
  by_user_id bigint NOT NULL REFERENCES users(id),
  at timestamptz NOT NULL DEFAULT now()
);
