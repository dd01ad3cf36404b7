import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { barsFromCandles } from '../core/backtest/series.ts';
import type { BarSeries } from '../core/backtest/types.ts';
import { parseCandles } from '../core/marketdata/importers.ts';
import { readBarsFile, readCandleColumns } from './bars-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'bars-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plain = (b: BarSeries | undefined): unknown =>
  b && {
    length: b.length,
    tickSize: b.tickSize,
    cols: [b.time, b.open, b.high, b.low, b.close, b.volume, ...Object.values(b.ticks)].map((a) => Array.from(a)),
  };

const TEXT =
  'Timestamps are UTC timezone,https://www.CryptoDataDownload.com\r\n' +
  'date,symbol,open,high,low,close,volume_btc,volume\r\n' +
  '2019-10-17 11-AM,BTCUSD,8035.88,8040,8000.5,8010.25,10.5,84000\r\n' +
  '2019-10-17 09-AM,BTCUSD,8051,8056.83,8021.23,8035.88,61.25,492394.56\r\n' +
  '2019-10-17 10-AM,BTCUSD,8035.88,8060,8030,8035.88,1,8000\r\n' +
  '2019-10-17 08-AM,BTCUSD,7975.89,8070,7975.89,8051.00,370.45,2971610.86\r\n';

describe('readBarsFile', () => {
  it('reads a file in reads of any size, gzipped or not, as barsFromCandles over the importer does', () => {
    const path = join(dir, 'cdd.csv');
    writeFileSync(path, TEXT);
    writeFileSync(`${path}.gz`, gzipSync(Buffer.from(TEXT)));
    const parsed = parseCandles(TEXT);
    const want = plain(barsFromCandles(parsed.candles));
    for (const chunkBytes of [1, 2, 5, 17, 100, 1 << 22]) {
      const cols = readCandleColumns(path, { chunkBytes });
      expect(cols?.outOfOrder).toEqual(parsed.outOfOrder);
      expect(cols?.outOfOrder).toEqual({ rows: 1, firstLine: 5 });
    }
    expect(plain(readBarsFile(path)?.bars)).toEqual(want);
    expect(plain(readBarsFile(`${path}.gz`)?.bars)).toEqual(want);
    // [from, to): the second and third hours
    const from = parsed.candles[1]!.time;
    const to = parsed.candles[3]!.time;
    expect(plain(readBarsFile(path, { from, to })?.bars)).toEqual(plain(barsFromCandles(parsed.candles.slice(1, 3))));
    expect(readBarsFile(path, { from: to, to })).toBe(undefined);
  });

  it('gives up on what the general importer must report, and throws the file system error', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, TEXT.replace('8040', '7000')); // high below open
    expect(readBarsFile(bad)).toBe(undefined);
    expect(() => readBarsFile(join(dir, 'missing.csv'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(readFileSync(bad, 'utf8')).toContain('7000');
  });
});
