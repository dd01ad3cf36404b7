-- The candle store: `candles` becomes range-partitioned by open_time (one partition per UTC year, created on demand
-- by src/db/candles.ts before each ingest, plus a DEFAULT partition for anything else), keyed by
-- (symbol, timeframe, open_time); the key's text columns use the "C" collation (byte order), which makes the
-- primary-key maintenance of a bulk ingest markedly cheaper than a linguistic collation. `complete` is false only
-- for the last bucket of a resampled timeframe whose source data ends before the bucket does. Existing rows are
-- kept: new table, copy, swap.
-- Runs on PostgreSQL 15+ and PGlite (PostgreSQL 18).

ALTER TABLE candles RENAME TO candles_v1;
ALTER TABLE candles_v1 RENAME CONSTRAINT candles_pkey TO candles_v1_pkey;

CREATE TABLE candles (
  symbol text COLLATE "C" NOT NULL,
  timeframe text COLLATE "C" NOT NULL,
  open_time timestamptz NOT NULL,
  open numeric NOT NULL,
  high numeric NOT NULL,
  low numeric NOT NULL,
  close numeric NOT NULL,
  volume numeric NOT NULL,
  complete boolean NOT NULL DEFAULT true,
  PRIMARY KEY (symbol, timeframe, open_time)
) PARTITION BY RANGE (open_time);

CREATE TABLE candles_default PARTITION OF candles DEFAULT;

-- A yearly partition for every year present in the old table (years 1900–2199; others stay in the default).
DO $$
DECLARE
  y integer;
BEGIN
  FOR y IN
    SELECT DISTINCT extract(year FROM open_time AT TIME ZONE 'UTC')::integer FROM candles_v1
  LOOP
    IF y BETWEEN 1900 AND 2199 THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF candles FOR VALUES FROM (%L) TO (%L)',
        'candles_y' || y,
        make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC'),
        make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'UTC')
      );
    END IF;
  END LOOP;
END
$$;

INSERT INTO candles (symbol, timeframe, open_time, open, high, low, close, volume, complete)
SELECT symbol, timeframe, open_time, open, high, low, close, volume, true FROM candles_v1;

DROP TABLE candles_v1;
