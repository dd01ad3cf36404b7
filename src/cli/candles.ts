/**
 * `testudo candles import`: loads an OHLCV file (format detected) into the `candles` table; importing the same
 * file twice leaves one copy (rows are keyed by symbol, timeframe and open time).
 */
import { mkdir } from 'node:fs/promises';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { loadCandleFile } from '../feed/load.ts';
import { TIMEFRAMES, isTimeframe } from '../core/marketdata/candle.ts';
import type { CandleFormat } from '../core/marketdata/importers.ts';
import { importCandles } from '../db/candles.ts';

/** Flags of `testudo candles import`. */
export interface ImportFlags {
  symbol: string;
  timeframe: string;
  format?: CandleFormat;
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

/** Median spacing of sorted open times, ms; null with fewer than two. */
export function medianSpacing(times: readonly number[]): number | null {
  if (times.length < 2) return null;
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) d.push(times[i]! - times[i - 1]!);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** Action of `testudo candles import`. */
export async function runCandlesImport(file: string, f: ImportFlags): Promise<void> {
  if (!isTimeframe(f.timeframe)) throw new Error(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
  const { format, candles } = await loadCandleFile(file, f.format);
  const spacing = medianSpacing(candles.map((c) => c.time));
  if (spacing !== null && spacing !== TIMEFRAMES[f.timeframe])
    throw new Error(
      `--timeframe ${f.timeframe} does not match the file: its bars are ${spacing / 60_000} minutes apart (median)`,
    );
  if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
  const sql = await openDatabase({ url: f.databaseUrl, dataDir: f.databaseUrl ? undefined : f.dataDir });
  try {
    await migrate(sql);
    const inserted = await importCandles(sql, f.symbol, f.timeframe, candles);
    const out = {
      file,
      format,
      symbol: f.symbol,
      timeframe: f.timeframe,
      candles: candles.length,
      inserted,
      skipped: candles.length - inserted,
      first: new Date(candles[0]!.time).toISOString(),
      last: new Date(candles[candles.length - 1]!.time).toISOString(),
    };
    if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
    else
      process.stdout.write(
        `imported ${inserted} new ${f.timeframe} candles of ${f.symbol} (${out.skipped} already stored) from ${file} [${format}], ${out.first} → ${out.last}\n`,
      );
  } finally {
    await sql.close();
  }
}
