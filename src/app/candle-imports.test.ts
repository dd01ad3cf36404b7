/**
 * Candle upload jobs against a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`): spooling an
 * upload to disk, the importer's outcomes as job states and events, temporary files removed, the queue bounded.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { migrate } from '../db/migrate.ts';
import { CandleImports, spoolUpload, sweepStaleUploads, type ImportJobView } from './candle-imports.ts';
import { EventBus, type TradingEvent } from './events.ts';

const csv = (n: number, start = Date.UTC(2024, 0, 1), stepMs = 60_000): string =>
  'time,open,high,low,close,volume\n' +
  Array.from({ length: n }, (_, i) => `${new Date(start + i * stepMs).toISOString()},10,12,9,11,2\n`).join('');

describe('candle upload jobs', () => {
  let sql: Sql;
  let events: EventBus;
  let imports: CandleImports;
  const seen: TradingEvent[] = [];
  const upload = (text: string | Buffer) => spoolUpload(Readable.from([Buffer.from(text)]), 1_000_000);
  const count = async (symbol: string): Promise<number> =>
    Number((await sql.query('SELECT count(*)::int AS n FROM candles WHERE symbol = $1', [symbol]))[0]!.n);
  const run = async (symbol: string, text: string | Buffer, o: Record<string, string> = {}): Promise<ImportJobView> => {
    const file = await upload(text);
    const job = imports.submit({ userId: 7, symbol, file, ...o });
    await imports.drain();
    expect(existsSync(file.path)).toBe(false); // the job deleted its temporary file
    return imports.get(job.id, 7)!;
  };

  beforeAll(async () => {
    sql = await openTestDatabase();
    await migrate(sql);
    events = new EventBus();
    events.subscribe(7, (e) => seen.push(e));
    imports = new CandleImports({ sql, events });
  });
  afterAll(async () => {
    await sql.close();
  });

  it('spools an upload to a file named for its content, refusing one over the limit before or while reading', async () => {
    const plain = await upload('a,b\n');
    expect([plain.path.endsWith('.upload'), plain.bytes, readFileSync(plain.path, 'utf8')]).toEqual([true, 4, 'a,b\n']);
    await plain.discard();
    expect(existsSync(plain.path)).toBe(false);
    const gz = await upload(gzipSync('a,b\n'));
    expect(gz.path.endsWith('.gz')).toBe(true);
    await gz.discard();
    const untouched = new Readable({
      read() {
        throw new Error('must not be read');
      },
    });
    await expect(spoolUpload(untouched, 10, 11)).rejects.toMatchObject({ statusCode: 413 });
    const before = new Set(readdirSync(dirname(plain.path)));
    const chunks = Readable.from([Buffer.alloc(8), Buffer.alloc(8)]);
    await expect(spoolUpload(chunks, 10)).rejects.toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    await new Promise((r) => setTimeout(r, 50));
    // nothing left behind (other test files may add their own uploads meanwhile: only new empty files count)
    const left = readdirSync(dirname(plain.path)).filter(
      (f) => !before.has(f) && statSync(join(dirname(plain.path), f), { throwIfNoEntry: false })?.size === 0,
    );
    expect(left).toEqual([]);
  });

  it('sweeps spooled files left over from a crash a day ago, and no others', async () => {
    const old = await upload('a');
    const fresh = await upload('b');
    const day = 24 * 3600_000;
    await utimes(old.path, (Date.now() - day - 60_000) / 1000, (Date.now() - day - 60_000) / 1000);
    await sweepStaleUploads();
    expect([existsSync(old.path), existsSync(fresh.path)]).toEqual([false, true]);
    await fresh.discard();
  });

  it('imports through the CLI importer: the timeframe inferred, progress then done, to the uploader', async () => {
    seen.length = 0;
    const job = await run('JOB-USD', csv(500));
    expect(job).toMatchObject({
      status: 'done',
      phase: 'done',
      timeframe: '1m',
      format: 'csv',
      rows: 500,
      rowsTotal: 500,
      bytes: job.total,
      result: { candles: 500, inserted: 500, updated: 0, unchanged: 0, trades: null, outOfOrder: null },
    });
    expect(await count('JOB-USD')).toBeGreaterThan(500); // with the 5m.. rollups
    // parsing, then storing (once per stored batch, at most every 100 ms, and at the end), then done
    const kinds = seen.map((e) => `${e.type} ${String(e.data.phase)}`);
    expect([kinds[0], kinds.at(-1), kinds.length >= 4]).toEqual(['import-progress parsing', 'import-done done', true]);
    expect(new Set(kinds.slice(1, -1))).toEqual(new Set(['import-progress storing']));
    expect(seen.at(-2)!.data).toEqual({
      id: job.id,
      phase: 'storing',
      rows: 500,
      rowsTotal: 500,
      bytes: job.total,
      total: job.total,
    });
    // again: nothing new, every row already stored
    expect((await run('JOB-USD', csv(500))).result).toMatchObject({ inserted: 0, unchanged: 500 });
  });

  it('fails a bad file with the line or element and the code, writing nothing', async () => {
    const bad = csv(20).replace(/\n([^\n]*),10,12,9,11,2\n$/, '\n$1,10,12,9,13,2\n');
    const job = await run('BAD-CSV', bad);
    expect(job).toMatchObject({ status: 'failed', phase: 'failed', result: null, rows: 0 });
    expect(job.error).toEqual({
      code: 'validation-failed',
      message: 'file: line 21: high 12 is below close 13',
      fields: [
        {
          field: 'file',
          code: 'high-below-open-close',
          message: 'line 21: high 12 is below close 13',
          line: 21,
        },
      ],
    });
    const json = await run('BAD-JSON', '[[1704067200000,"1","2","1","1","1"],[1704067260000,"1","0.5","1","1","1"]]');
    expect(json.error!.fields![0]).toMatchObject({ field: 'file', code: 'high-below-low', line: 2 });
    const gzip = await run('BAD-GZ', Buffer.concat([gzipSync(csv(5)).subarray(0, 20), Buffer.alloc(20)]));
    expect(gzip.error!.fields![0]).toMatchObject({ field: 'file' });
    const tf = await run('BAD-TF', csv(30), { timeframe: '1h' });
    expect(tf.error!.fields).toMatchObject([{ field: 'timeframe', code: 'timeframe-mismatch' }]);
    for (const s of ['BAD-CSV', 'BAD-JSON', 'BAD-GZ', 'BAD-TF']) expect(await count(s)).toBe(0);
    expect(seen.filter((e) => e.type === 'import-failed')).toHaveLength(4);
  });

  it('builds 1m candles from a freqtrade trades file', async () => {
    const t = Date.UTC(2024, 0, 1);
    const trades = JSON.stringify([
      [t, '1', null, 'buy', 100, 0.5, 50],
      [t + 10_000, '2', null, 'sell', 101, 0.25, 25.25],
      [t + 70_000, '3', null, 'buy', 99, 1, 99],
    ]);
    const job = await run('TRD-USD', trades);
    expect(job).toMatchObject({ status: 'done', timeframe: '1m', format: 'freqtrade-trades' });
    expect(job.result).toMatchObject({ trades: 3, candles: 2 });
  });

  it('refuses an empty upload and more than four pending imports', async () => {
    const empty = await upload('');
    expect(() => imports.submit({ userId: 7, symbol: 'E-USD', file: empty })).toThrow(
      expect.objectContaining({ code: 'validation-failed' }),
    );
    await empty.discard();
    const files = await Promise.all(Array.from({ length: 5 }, () => upload(csv(10))));
    for (const f of files.slice(0, 4)) imports.submit({ userId: 7, symbol: 'Q-USD', file: f });
    expect(() => imports.submit({ userId: 7, symbol: 'Q-USD', file: files[4]! })).toThrow(
      expect.objectContaining({ code: 'import-busy' }),
    );
    await files[4]!.discard();
    await imports.drain();
    expect(files.map((f) => existsSync(f.path))).toEqual([false, false, false, false, false]);
    // another user cannot see the jobs
    expect(imports.get([...seen].reverse().find((e) => e.type === 'import-done')!.data.id as string, 8)).toBe(
      undefined,
    );
  });
});
