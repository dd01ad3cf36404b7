-- Research messages: a user's trade ideas and analyses (the trading-framework design's message collection). An
-- optional title, a Markdown body (stored as text; the Desk renders and sanitises it), normalised kebab-case tags,
-- optional links to a symbol, a strategy (by name) and one of the owner's trades. `search` is the full-text vector
-- of title and body with the 'simple' configuration (no stemming, no stop words: symbols and tickers match as
-- typed), queried with websearch_to_tsquery through the GIN index. Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).
CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title text CHECK (char_length(title) <= 200),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  symbol text CHECK (char_length(symbol) <= 40),
  strategy text CHECK (char_length(strategy) <= 80),
  trade_id bigint REFERENCES trades(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || body)) STORED
);
CREATE INDEX messages_user ON messages(user_id, id DESC);
CREATE INDEX messages_search ON messages USING gin(search);
CREATE INDEX messages_tags ON messages USING gin(tags);
CREATE INDEX messages_trade ON messages(trade_id) WHERE trade_id IS NOT NULL;
