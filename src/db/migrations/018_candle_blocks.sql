-- The candle store's column cache: the complete candles of one (symbol, timeframe) whose open time falls in
-- [span_start, span_end) — 8,192 bars of the timeframe, block number `block` = floor(open ms / span ms) — encoded as
-- one value (src/core/marketdata/candle-blocks.ts), so a backtest reads a million stored bars as ~120 values instead
-- of a million rows; `candle_block_extents` keeps the series' first and last stored open time (NULL when it has
-- none) as of when blocks were last built. A cache only: `candles` stays the truth. Every write to `candles` deletes
-- the blocks its time range overlaps and the series' extent, in its transaction and under the symbol's advisory lock,
-- which a reader building blocks takes too (src/db/candles.ts, src/marketdata/bars-store.ts); readers rebuild what
-- is missing. The values are already compact, so they are stored uncompressed (STORAGE EXTERNAL).
-- Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).
CREATE TABLE candle_blocks (
  symbol text COLLATE "C" NOT NULL,
  timeframe text COLLATE "C" NOT NULL,
  block bigint NOT NULL,
  span_start timestamptz NOT NULL,
  span_end timestamptz NOT NULL CHECK (span_end > span_start),
  rows integer NOT NULL CHECK (rows >= 0),
  data bytea NOT NULL,
  PRIMARY KEY (symbol, timeframe, block)
);
ALTER TABLE candle_blocks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE candle_block_extents (
  symbol text COLLATE "C" NOT NULL,
  timeframe text COLLATE "C" NOT NULL,
  first_time timestamptz,
  last_time timestamptz,
  PRIMARY KEY (symbol, timeframe)
);
