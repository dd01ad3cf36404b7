import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '../core/marketdata/candle.ts';
import { parseCandles } from '../core/marketdata/importers.ts';
import { CandleSeriesError, higherTimeframes, resampleCandles } from '../core/marketdata/resample.ts';
import { ensureCandlePartitions, importCandles, ingestCandles, readCandlePage, resampleStored } from './candles.ts';
import { migrate } from './migrate.ts';
import type { Sql } from './sql.ts';
import { openTestDatabase, TEST_DB } from './testing.ts';

const REAL_1M = new URL('../../../shared/data/freqtrade-unittest-btc-1m.json', import.meta.url);
const haveData = existsSync(REAL_1M);
if (!haveData) console.warn(`skipping real-data candle store tests: ${REAL_1M.pathname} is absent`);

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const bar = (time: number, close = '100.5', volume = '10'): Candle => ({
  time,
  open: '100',
  high: '101',
  low: '99',
  close,
  volume,
});
const hours = (n: number, from = T0): Candle[] => Array.from({ length: n }, (_, i) => bar(from + i * H));

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
  await migrate(sql);
});
afterAll(async () => {
  await sql?.close();
});

async function all(symbol: string, timeframe: Timeframe) {
  return readCandlePage(sql, { symbol, timeframe }, undefined, 1_000_000);
}
async function count(symbol: string): Promise<number> {
  const [r] = await sql.query<{ n: unknown }>('SELECT count(*) AS n FROM candles WHERE symbol = $1', [symbol]);
  return Number(r?.n);
}

describe('migration 004', () => {
  it('keeps the rows of the old candles table, now partitioned and complete', async () => {
    const db = await openTestDatabase();
    try {
      await db.exec(
        'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const dir = new URL('./migrations/', import.meta.url);
      for (const f of (await readdir(dir)).filter((f) => f < '004').sort()) {
        await db.exec(readFileSync(new URL(f, dir), 'utf8'));
        await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [f.replace(/\.sql$/, '')]);
      }
      await db.query(
        `INSERT INTO candles VALUES ('OLD', '1h', '2015-03-01T00:00:00Z', 1, 2, 0.5, 1.50, 10),
                                    ('OLD', '1h', '1850-01-01T00:00:00Z', 1, 2, 0.5, 1.5, 10)`,
      );
      expect(await migrate(db)).toContain('004_candles_store');
      const rows = await db.query(
        `SELECT tableoid::regclass::text AS part, close::text AS close, complete FROM candles ORDER BY open_time`,
      );
      expect(rows).toEqual([
        { part: 'candles_default', close: '1.5', complete: true },
        { part: 'candles_y2015', close: '1.50', complete: true },
      ]);
      const [k] = await db.query(`SELECT relkind FROM pg_class WHERE oid = 'candles'::regclass`);
      expect(k?.relkind).toBe('p');
    } finally {
      await db.close();
    }
  });
});

describe('Sql.copyFrom', () => {
  it('bulk-loads COPY text from chunks on this driver and returns the row count', async () => {
    await sql.exec('CREATE TEMP TABLE copy_probe (a text, b numeric)');
    const n = await sql.copyFrom!('COPY copy_probe (a, b) FROM STDIN', [
      'x\t1.50\n',
      'y\\\\z\t2\n',
      new TextEncoder().encode('w\t3\n'),
    ]);
    expect(n).toBe(3);
    expect(await sql.query('SELECT a, b::text AS b FROM copy_probe ORDER BY b')).toEqual([
      { a: 'x', b: '1.50' },
      { a: 'y\\z', b: '2' },
      { a: 'w', b: '3' },
    ]);
  });
});

describe('ingestCandles', () => {
  it('stores the same exact values through COPY text and binary, odd symbols included', async () => {
    const c = [bar(T0, '100.50', '0.000'), bar(T0 + H, '100.0001', '123456789.123456789'), bar(T0 + 2 * H)];
    await ingestCandles(sql, 'TAB\tSLASH\\', '1h', c, { copyFormat: 'text' });
    await ingestCandles(sql, 'BIN', '1h', c, { copyFormat: 'binary' });
    const strip = (rows: Awaited<ReturnType<typeof all>>) => rows.map(({ complete: _, ...r }) => r);
    expect(strip(await all('TAB\tSLASH\\', '1h'))).toEqual(c);
    expect(strip(await all('BIN', '1h'))).toEqual(c);
  });

  it('imports a series once: a second import inserts nothing and changes nothing', async () => {
    const c = hours(48);
    expect(await importCandles(sql, 'ONCE', '1h', c)).toBe(48);
    const again = await ingestCandles(sql, 'ONCE', '1h', c);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 48, path: 'merge' });
    expect(await count('ONCE')).toBe(48 + 12 + 2 + 1); // 1h + 4h + 1d + 1w
    const stored = await all('ONCE', '1h');
    expect(stored.map(({ complete: _, ...rest }) => rest)).toEqual(c);
  });

  it('merges overlapping imports and updates a conflicting row to the new values', async () => {
    await ingestCandles(sql, 'OVER', '1h', hours(10));
    const next = hours(10, T0 + 5 * H).map((c, i) => (i === 0 ? { ...c, close: '100.75', volume: '11.5' } : c));
    const r = await ingestCandles(sql, 'OVER', '1h', next);
    expect(r).toMatchObject({ inserted: 5, updated: 1, unchanged: 4, path: 'merge' });
    const stored = await all('OVER', '1h');
    expect(stored).toHaveLength(15);
    expect(stored[5]).toMatchObject({ close: '100.75', volume: '11.5' });
    // the 4h bucket holding the changed bar was rolled up again
    const [b4] = (await all('OVER', '4h')).filter((c) => c.time === T0 + 4 * H);
    expect(b4).toMatchObject({ close: '100.5', volume: '41.5' });
  });

  it('writes nothing when a bar deep in the series is bad, naming the bar, on both paths', async () => {
    const c = hours(10_000, Date.UTC(2010, 0, 1));
    c[7000] = { ...c[7000]!, high: '98' };
    const err = await ingestCandles(sql, 'BAD', '1h', c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CandleSeriesError);
    expect(err).toMatchObject({ code: 'high-below-low', index: 7000 });
    expect((err as Error).message).toMatch(/^bar 7000 \(2010-10-19T16:00:00\.000Z\): high 98 is below low 99/);
    expect(await count('BAD')).toBe(0);
    // merge path: something stored in the range already
    await ingestCandles(sql, 'BAD', '1h', [c[0]!]);
    await expect(ingestCandles(sql, 'BAD', '1h', c)).rejects.toThrow(/bar 7000/);
    expect(await count('BAD')).toBe(1 + 3);
    // unsorted input is refused before anything happens
    await expect(ingestCandles(sql, 'BAD', '1h', [bar(T0 + H), bar(T0)])).rejects.toMatchObject({
      code: 'unsorted',
      index: 1,
    });
    // the connection is still usable
    expect(await importCandles(sql, 'BAD', '1h', hours(2))).toBe(2);
  });

  it('creates yearly partitions on demand and moves rows out of the default partition', async () => {
    await sql.query(
      `INSERT INTO candles (symbol, timeframe, open_time, open, high, low, close, volume)
       VALUES ('PART', '1h', '2031-06-01T00:00:00Z', 1, 1, 1, 1, 1)`,
    );
    const [before] = await sql.query(`SELECT tableoid::regclass::text AS t FROM candles WHERE symbol = 'PART'`);
    expect(before?.t).toBe('candles_default');
    expect(await ensureCandlePartitions(sql, Date.UTC(2031, 0, 1), Date.UTC(2031, 11, 31))).toEqual(['candles_y2031']);
    expect(await ensureCandlePartitions(sql, Date.UTC(2031, 0, 1), Date.UTC(2031, 11, 31))).toEqual([]);
    const [after] = await sql.query(`SELECT tableoid::regclass::text AS t FROM candles WHERE symbol = 'PART'`);
    expect(after?.t).toBe('candles_y2031');
    await ingestCandles(sql, 'PART', '1h', hours(3, Date.UTC(2031, 5, 1, 1)));
    expect((await all('PART', '1h')).length).toBe(4);
  });

  it.skipIf(TEST_DB !== 'postgres')('serialises concurrent ingests (needs TESTUDO_TEST_DB=postgres)', async () => {
    const a = hours(500, Date.UTC(2022, 0, 1));
    const b = hours(500, Date.UTC(2022, 0, 1) + 250 * H).map((c) => ({ ...c, close: '100.25' }));
    const [ra, rb] = await Promise.all([ingestCandles(sql, 'CONC', '1h', a), ingestCandles(sql, 'CONC', '1h', b)]);
    expect(ra.inserted + rb.inserted).toBe(750);
    const stored = await all('CONC', '1h');
    expect(stored).toHaveLength(750);
    const fromCandles = resampleCandles(stored, '1h', '1d');
    expect((await all('CONC', '1d')).map((c) => [c.time, c.close, c.volume])).toEqual(
      fromCandles.map((c) => [c.time, c.close, c.volume]),
    );
  });

  it('flags the incomplete last bucket and completes it when later data arrives', async () => {
    await ingestCandles(sql, 'INC', '1h', hours(6)); // 00:00–05:00: 4h bucket 04:00 has 2 of 4 hours
    let h4 = await all('INC', '4h');
    expect(h4.map((c) => c.complete)).toEqual([true, false]);
    expect((await all('INC', '1d'))[0]!.complete).toBe(false);
    // later data after a hole: 04:00 stays as it is but is no longer the last bucket
    await ingestCandles(sql, 'INC', '1h', hours(1, T0 + 10 * H));
    h4 = await all('INC', '4h');
    expect(h4.map((c) => [(c.time - T0) / H, c.complete])).toEqual([
      [0, true],
      [4, true],
      [8, false],
    ]);
  });
});

describe.skipIf(!haveData)('rollups on real 1m data (13,681 bars)', () => {
  const candles = haveData ? parseCandles(readFileSync(REAL_1M, 'utf8')).candles : [];
  const expected = (tf: Timeframe) => resampleCandles(candles, '1m', tf);

  it('match the pure resampler for every higher timeframe, also when ingested in two overlapping parts', async () => {
    await ingestCandles(sql, 'REAL', '1m', candles);
    await ingestCandles(sql, 'SPLIT', '1m', candles.slice(0, 7000));
    await ingestCandles(sql, 'SPLIT', '1m', candles.slice(6000));
    for (const tf of higherTimeframes('1m')) {
      expect(await all('REAL', tf), tf).toEqual(expected(tf));
      expect(await all('SPLIT', tf), tf).toEqual(expected(tf));
    }
  });

  it('are rebuilt by resampleStored', async () => {
    await ingestCandles(sql, 'REBUILD', '1m', candles, { rollup: false });
    expect(await all('REBUILD', '1h')).toEqual([]);
    const written = await resampleStored(sql, 'REBUILD', '1m');
    expect(written['1h']).toBe(expected('1h').length);
    for (const tf of higherTimeframes('1m')) expect(await all('REBUILD', tf), tf).toEqual(expected(tf));
    expect(await resampleStored(sql, 'NOTHING', '1m')).toEqual({});
  });
});
