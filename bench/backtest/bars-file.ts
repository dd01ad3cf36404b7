/**
 * The benchmark's big candle file: a real series (by default ../shared/data/coinbase-btcusd-1h.csv, 20,111 hourly
 * bars) repeated back to back with shifted timestamps (as `repeatSeries` does) to at least `bars` bars, written as
 * the plain CSV both `testudo backtest --data` and the backtesting.py driver (scripts/parity-backtestingpy.py) read:
 * a header `time,Open,High,Low,Close,Volume`, time in ms UTC, the file's exact decimal prices, oldest first.
 *
 * Standalone: `node --import tsx bench/backtest/bars-file.ts [--bars N] [--data FILE] [--out FILE]` prints the path.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCandleFile } from '../../src/feed/load.ts';

/** Default source series, beside the checkout. */
export const DEFAULT_SOURCE = fileURLToPath(new URL('../../../shared/data/coinbase-btcusd-1h.csv', import.meta.url));

/**
 * Writes (once: an existing file of that name is reused) the series of `source` repeated to at least `bars` bars.
 * @param opts.out the file to write; default `<tmpdir>/testudo-bench/<source name>-x<times>.csv`.
 * @returns the path and the number of bars in it.
 * @throws the importer's CandleFormatError for a bad source file, the fs error when the file cannot be written.
 */
export async function benchBarsFile(
  bars: number,
  source = DEFAULT_SOURCE,
  opts: { out?: string } = {},
): Promise<{ path: string; bars: number }> {
  const { candles } = await loadCandleFile(source);
  const times = Math.max(1, Math.ceil(bars / candles.length));
  const n = candles.length * times;
  const path = opts.out ?? join(tmpdir(), 'testudo-bench', `${basename(source).replace(/\.[^.]*$/, '')}-x${times}.csv`);
  if (existsSync(path)) return { path, bars: n };
  await mkdir(dirname(path), { recursive: true });
  const step = candles.length > 1 ? candles[1]!.time - candles[0]!.time : 3_600_000;
  const span = candles[candles.length - 1]!.time - candles[0]!.time + step;
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const write = (s: string): Promise<void> =>
    out.write(s) ? Promise.resolve() : new Promise((res) => out.once('drain', () => res()));
  await write('time,Open,High,Low,Close,Volume\n');
  for (let r = 0; r < times; r++) {
    const lines: string[] = [];
    for (const c of candles) lines.push(`${c.time + r * span},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    await write(lines.join('\n') + '\n');
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  await rename(tmp, path);
  return { path, bars: n };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { bars: { type: 'string', default: '1000000' }, data: { type: 'string' }, out: { type: 'string' } },
  });
  const r = await benchBarsFile(
    Number(values.bars),
    values.data ?? DEFAULT_SOURCE,
    values.out ? { out: values.out } : {},
  );
  console.log(`${r.path} (${r.bars} bars)`);
}
