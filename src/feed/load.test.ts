import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandleFormatError } from '../core/marketdata/importers.ts';
import { loadCandleFile } from './load.ts';

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
