-- Auctions of items outside the markets. Amounts are NUMERIC in the exchange's currency, like ex_accounts.cash.
-- The current best bid and its bidder are kept on the auction row: while an auction is open, that amount is cash
-- reserved from the bidder's available balance (see `auctionReservedCash` in src/app/exchange/auctions.ts).

CREATE TABLE ex_auctions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seller_account_id bigint NOT NULL REFERENCES ex_accounts(id),
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- the lowest acceptable bid (null: any bid above zero)
  min_bid numeric CHECK (min_bid IS NULL OR min_bid > 0),
  -- the price at which anyone may buy at once (null: no buy-it-now)
  buy_now_price numeric CHECK (buy_now_price IS NULL OR buy_now_price > 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sold', 'cancelled')),
  best_bid numeric CHECK (best_bid IS NULL OR best_bid > 0),
  best_bidder_account_id bigint REFERENCES ex_accounts(id),
  winner_account_id bigint REFERENCES ex_accounts(id),
  price numeric CHECK (price IS NULL OR price > 0),
  -- how it closed: 'buy-now', 'settle' or 'cancel'
  closed_how text CHECK (closed_how IS NULL OR closed_how IN ('buy-now', 'settle', 'cancel')),
  created_by bigint NOT NULL REFERENCES users(id),
  closed_by bigint REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  CHECK ((best_bid IS NULL) = (best_bidder_account_id IS NULL)),
  CHECK (status <> 'sold' OR (winner_account_id IS NOT NULL AND price IS NOT NULL))
);
CREATE INDEX ex_auctions_status ON ex_auctions(status, id DESC);
-- Reserved cash of an account: the sum of best_bid over the open auctions it leads.
CREATE INDEX ex_auctions_reserved ON ex_auctions(best_bidder_account_id) WHERE status = 'open';

CREATE TABLE ex_auction_bids (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  auction_id bigint NOT NULL REFERENCES ex_auctions(id) ON DELETE CASCADE,
  bidder_account_id bigint NOT NULL REFERENCES ex_accounts(id),
  amount numeric NOT NULL CHECK (amount > 0),
  by_user_id bigint NOT NULL REFERENCES users(id),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ex_auction_bids_auction ON ex_auction_bids(auction_id, id DESC);
