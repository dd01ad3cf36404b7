import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandleFormatError, CandleStreamParser } from '../core/marketdata/importers.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { loadCandleFile, streamCandleFile, type CandleBatch } from './load.ts';

const CSV = 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,10\n2020-01-01,1,1,1,1,0\n';

describe('loadCandleFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testudo-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a plain file and a gzipped one to the same candles', async () => {
    await writeFile(join(dir, 'a.csv'), CSV);
    await writeFile(join(dir, 'a.csv.gz'), gzipSync(CSV));
    const plain = await loadCandleFile(join(dir, 'a.csv'));
    expect(plain.format).toBe('csv');
    expect(plain.candles.map((c) => c.close)).toEqual(['1', '1.5']);
    expect(await loadCandleFile(join(dir, 'a.csv.gz'))).toEqual(plain);
    expect((await loadCandleFile(join(dir, 'a.csv'), 'yahoo')).format).toBe('yahoo');
  });

  it('prefixes format errors with the path and keeps code and line', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'Date,Open,High,Low,Close\n2020-01-01,1,0.5,1,1\n');
    const err = await loadCandleFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CandleFormatError);
    expect(err).toMatchObject({ code: 'high-below-low', line: 2, file });
    expect((err as Error).message).toBe(`${file}: line 2: high 0.5 is below low 1`);
  });

  it('rejects a missing file with the fs error', async () => {
    await expect(loadCandleFile(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  const goog = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
  if (!existsSync(goog)) console.warn(`[load.test] skipping real-data test: ${goog} is absent`);
  it.skipIf(!existsSync(goog))('loads the shared GOOG.csv', async () => {
    expect((await loadCandleFile(goog)).candles).toHaveLength(2148);
  });
});

describe('streamCandleFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testudo-stream-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `n` daily bars, newest first (as CryptoDataDownload writes them). */
  const newestFirst = (n: number): string =>
    'Date,Open,High,Low,Close,Volume\n' +
    Array.from({ length: n }, (_, i) => {
      const d = new Date(Date.UTC(2020, 0, 1) + (n - 1 - i) * 86_400_000).toISOString().slice(0, 10);
      return `${d},${10 + (i % 5)},${20 + (i % 3)},5,${12 + (i % 4)},${i}`;
    }).join('\n') +
    '\n';

  async function collect(path: string): Promise<{ batches: CandleBatch[]; parser: CandleStreamParser }> {
    const parser = new CandleStreamParser();
    const batches: CandleBatch[] = [];
    for await (const b of streamCandleFile(path, parser, { batchRows: 100, chunkBytes: 1024 })) batches.push(b);
    return { batches, parser };
  }

  it('yields ascending, non-overlapping batches of a gzipped newest-first file, with the bytes read', async () => {
    const text = newestFirst(1000);
    await writeFile(join(dir, 'd.csv'), text);
    await writeFile(join(dir, 'd.csv.gz'), gzipSync(text));
    const whole = await loadCandleFile(join(dir, 'd.csv'));
    await writeFile(join(dir, 'd-gzip-without-suffix'), gzipSync(text)); // gzip told by its magic bytes
    for (const name of ['d.csv', 'd.csv.gz', 'd-gzip-without-suffix']) {
      const { batches, parser } = await collect(join(dir, name));
      expect(batches.length).toBeGreaterThan(2);
      const all: Candle[] = [];
      for (const b of batches) {
        for (let i = 1; i < b.candles.length; i++) expect(b.candles[i]!.time).toBeGreaterThan(b.candles[i - 1]!.time);
        all.push(...b.candles);
      }
      expect(all.sort((a, b) => a.time - b.time)).toEqual(whole.candles);
      // newest first: each batch is older than the one before
      for (let i = 1; i < batches.length; i++)
        expect(batches[i]!.candles.at(-1)!.time).toBeLessThan(batches[i - 1]!.candles[0]!.time);
      const last = batches[batches.length - 1]!;
      expect(last.bytesRead).toBe(last.totalBytes);
      expect([parser.format, parser.rows, parser.outOfOrder]).toEqual(['csv', 1000, null]);
    }
  });

  it('rejects a missing file with the fs error and bad content naming the file and line', async () => {
    await expect(collect(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
    const bad = join(dir, 'bad.csv');
    await writeFile(
      bad,
      newestFirst(500).replace(/\n(\d{4}-\d\d-\d\d),1[0-4],/g, (m, d: string) =>
        d === '2020-03-01' ? `\n${d},99,` : m,
      ),
    );
    const err = await collect(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CandleFormatError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+: high \\d+ is below open 99$`),
    );
  });
});
