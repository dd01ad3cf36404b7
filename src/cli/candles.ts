/**
 * `testudo candles import|resample|gaps|export`: the candle store from the command line.
 *
 * - `import FILE` loads an OHLCV file (format detected) or, with `--from-trades FILE` (or a file detected as the
 *   freqtrade trades format), builds 1m candles from public trades; then ingests them (COPY; idempotent: rows are
 *   keyed by symbol, timeframe and open time, changed rows are updated) and rolls up the higher timeframes.
 * - `resample` (re)builds every timeframe above `--from-timeframe` from the stored candles.
 * - `gaps` lists the missing bars of a stored series (reported, never filled).
 * - `export` writes a stored range as CSV (`time,open,high,low,close,volume`, ISO times) or JSON
 *   (`[[open_time_ms, "open", "high", "low", "close", "volume"], ...]`), both importable again.
 *
 * People get text on stdout and a progress bar on stderr (only when stderr is a terminal and `--json` is off);
 * `--json` prints one JSON document and nothing else.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { openDatabase, type Sql } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { loadCandleFile } from '../feed/load.ts';
import { TIMEFRAMES, isTimeframe, timeframeOfLength, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { formatTimeUtc as iso, parseTimeText, type CandleFormat } from '../core/marketdata/importers.ts';
import { findGaps, medianSpacing } from '../core/marketdata/gaps.ts';
import { candlesFromTrades } from '../core/marketdata/trades.ts';
import { higherTimeframes } from '../core/marketdata/resample.ts';
import { countStoredCandles, ingestCandles, resampleStored, storedTimes, streamStoredCandles } from '../db/candles.ts';
import { isTradesFile, loadTradesFile } from '../marketdata/trades-file.ts';

/** Where the candle store is: a PGlite directory, or a PostgreSQL URL (which wins). */
export interface DbFlags {
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

/** Flags of `testudo candles import`. */
export interface ImportFlags extends DbFlags {
  symbol: string;
  /** Bar length; inferred from the file's median spacing when omitted; always 1m for trades. */
  timeframe?: string;
  /** `csv | yahoo | cryptodatadownload | json`, or `trades` for a freqtrade trades file. */
  format?: CandleFormat | 'trades';
  /** A freqtrade trades file to build 1m candles from (instead of `file`). */
  fromTrades?: string;
  /** `--no-rollup`: leave the higher timeframes alone. */
  rollup?: boolean;
}

/** Flags of `testudo candles resample`. */
export interface ResampleFlags extends DbFlags {
  symbol: string;
  fromTimeframe: string;
}

/** Flags of `testudo candles gaps`. */
export interface GapsFlags extends DbFlags {
  symbol: string;
  timeframe: string;
  from?: string;
  to?: string;
}

/** Flags of `testudo candles export`. */
export interface ExportFlags extends DbFlags {
  symbol: string;
  timeframe: string;
  from?: string;
  to?: string;
  format?: string;
  out?: string;
  /** Also write an unfinished last bucket (left out by default). */
  includeIncomplete?: boolean;
}

function timeframeFlag(tf: string, flag = '--timeframe'): Timeframe {
  if (!isTimeframe(tf)) throw new Error(`${flag} ${tf}: use ${Object.keys(TIMEFRAMES).join(' ')}`);
  return tf;
}

function timeFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeText(v);
  if (t === undefined)
    throw new Error(`${flag} ${v}: not a date or time (use ISO 8601, e.g. 2019-10-01 or 2019-10-01T12:00Z)`);
  return t;
}

async function withDb<T>(f: DbFlags, fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
  const sql = await openDatabase({ url: f.databaseUrl, dataDir: f.databaseUrl ? undefined : f.dataDir });
  try {
    await migrate(sql);
    return await fn(sql);
  } finally {
    await sql.close();
  }
}

/** A progress bar on stderr, or a no-op when stderr is not a terminal or JSON output was asked for. */
function progressBar(
  json: boolean | undefined,
  label: string,
): { active: boolean; update(done: number, total: number): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { active: false, update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    active: true,
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Action of `testudo candles import [file]`. */
export async function runCandlesImport(file: string | undefined, f: ImportFlags): Promise<void> {
  const source = f.fromTrades ?? file;
  if (source === undefined) throw new Error('candles import: give a FILE or --from-trades FILE');
  if (f.fromTrades !== undefined && file !== undefined)
    throw new Error('candles import: give a FILE or --from-trades FILE, not both');
  const trades =
    f.fromTrades !== undefined || f.format === 'trades' || (f.format === undefined && (await isTradesFile(source)));
  let candles: Candle[];
  let format: string;
  let timeframe: Timeframe;
  let tradeCount: number | undefined;
  if (trades) {
    if (f.timeframe !== undefined && f.timeframe !== '1m') {
      throw new Error(`--timeframe ${f.timeframe}: candles from trades are built as 1m (higher ones are rolled up)`);
    }
    const list = await loadTradesFile(source);
    tradeCount = list.length;
    candles = candlesFromTrades(list, '1m');
    format = 'freqtrade-trades';
    timeframe = '1m';
  } else {
    const parsed = await loadCandleFile(source, f.format as CandleFormat | undefined);
    candles = parsed.candles;
    format = parsed.format;
    if (parsed.outOfOrder)
      process.stderr.write(
        `testudo candles: warning: ${source}: ${parsed.outOfOrder.rows} row(s) out of time order were sorted into place (the first at line ${parsed.outOfOrder.firstLine})\n`,
      );
    const spacing = medianSpacing(candles.map((c) => c.time));
    if (f.timeframe === undefined) {
      const guess = timeframeOfLength(spacing);
      if (!guess) {
        throw new Error(
          `--timeframe is needed: the file's bars are ${spacing === null ? 'too few to tell' : `${spacing / 60_000} minutes apart (median)`}`,
        );
      }
      timeframe = guess;
    } else {
      timeframe = timeframeFlag(f.timeframe);
      if (spacing !== null && spacing !== TIMEFRAMES[timeframe])
        throw new Error(
          `--timeframe ${f.timeframe} does not match the file: its bars are ${spacing / 60_000} minutes apart (median)`,
        );
    }
  }
  await withDb(f, async (sql) => {
    const bar = progressBar(f.json, `import ${f.symbol} ${timeframe}`);
    let r;
    try {
      r = await ingestCandles(sql, f.symbol, timeframe, candles, {
        rollup: f.rollup !== false,
        onProgress: (done, total) => bar.update(done, total),
      });
    } finally {
      bar.stop();
    }
    const out = {
      file: source,
      format,
      symbol: f.symbol,
      timeframe,
      ...(tradeCount !== undefined ? { trades: tradeCount } : {}),
      candles: candles.length,
      inserted: r.inserted,
      updated: r.updated,
      skipped: candles.length - r.inserted,
      first: candles.length > 0 ? iso(candles[0]!.time) : null,
      last: candles.length > 0 ? iso(candles[candles.length - 1]!.time) : null,
      rolledUp: r.rolledUp,
    };
    if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      const ups = Object.entries(r.rolledUp)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(
        `imported ${r.inserted} new ${timeframe} candles of ${f.symbol} (${r.updated} updated, ` +
          `${r.unchanged} already stored) from ${source} [${format}${tradeCount !== undefined ? `, ${tradeCount} trades` : ''}], ` +
          `${out.first} → ${out.last}${ups ? `; rolled up: ${ups}` : ''}\n`,
      );
    }
  });
}

/** Action of `testudo candles resample`. */
export async function runCandlesResample(f: ResampleFlags): Promise<void> {
  const from = timeframeFlag(f.fromTimeframe, '--from-timeframe');
  const levels = higherTimeframes(from);
  if (levels.length === 0) throw new Error(`--from-timeframe ${from}: there is no higher timeframe`);
  await withDb(f, async (sql) => {
    const bar = progressBar(f.json, `resample ${f.symbol} ${from} →`);
    let done = 0;
    let written;
    try {
      bar.update(0, levels.length);
      written = await resampleStored(sql, f.symbol, from, () => bar.update(++done, levels.length));
    } finally {
      bar.stop();
    }
    if (f.json) process.stdout.write(JSON.stringify({ symbol: f.symbol, fromTimeframe: from, written }) + '\n');
    else if (Object.keys(written).length === 0)
      process.stdout.write(`no ${from} candles of ${f.symbol} stored: nothing to resample\n`);
    else
      process.stdout.write(
        `resampled ${f.symbol} from ${from}: ${Object.entries(written)
          .map(([k, v]) => `${k} ${v} written`)
          .join(', ')}\n`,
      );
  });
}

/** Action of `testudo candles gaps`. */
export async function runCandlesGaps(f: GapsFlags): Promise<void> {
  const timeframe = timeframeFlag(f.timeframe);
  const from = timeFlag(f.from, '--from');
  const to = timeFlag(f.to, '--to');
  await withDb(f, async (sql) => {
    const times = await storedTimes(sql, { symbol: f.symbol, timeframe, from, to });
    const gaps = findGaps(times, timeframe);
    const missing = gaps.reduce((n, g) => n + g.missingBars, 0);
    if (f.json) {
      process.stdout.write(
        JSON.stringify({
          symbol: f.symbol,
          timeframe,
          bars: times.length,
          first: times.length > 0 ? iso(times[0]!) : null,
          last: times.length > 0 ? iso(times[times.length - 1]!) : null,
          missingBars: missing,
          gaps: gaps.map((g) => ({ from: iso(g.from), to: iso(g.to), missingBars: g.missingBars })),
        }) + '\n',
      );
      return;
    }
    if (times.length === 0) {
      process.stdout.write(`no ${timeframe} candles of ${f.symbol} stored\n`);
      return;
    }
    process.stdout.write(
      `${f.symbol} ${timeframe}: ${times.length} bars ${iso(times[0]!)} → ${iso(times[times.length - 1]!)}, ` +
        `${gaps.length} gaps, ${missing} missing bars\n`,
    );
    for (const g of gaps) process.stdout.write(`  ${iso(g.from)} → ${iso(g.to)}  ${g.missingBars} missing\n`);
  });
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Action of `testudo candles export`. */
export async function runCandlesExport(f: ExportFlags): Promise<void> {
  const timeframe = timeframeFlag(f.timeframe);
  const format = f.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new Error(`--format ${format}: use csv or json`);
  const from = timeFlag(f.from, '--from');
  const to = timeFlag(f.to, '--to');
  await withDb(f, async (sql) => {
    const out: Writable = f.out ? createWriteStream(f.out) : process.stdout;
    // a bar only when writing to a file (stdout carries the data) and stderr is a terminal
    const bar = progressBar(f.json || !f.out, `export ${f.symbol} ${timeframe}`);
    let total = 0;
    const range = { symbol: f.symbol, timeframe, from, to };
    if (bar.active) total = await countStoredCandles(sql, range);
    let n = 0;
    try {
      if (format === 'csv') await write(out, 'time,open,high,low,close,volume\n');
      else await write(out, '[');
      for await (const page of streamStoredCandles(sql, range)) {
        let s = '';
        for (const c of page) {
          // An unfinished bucket is not a bar: left out unless asked for (re-imported, it would pass for a finished one).
          if (!c.complete && !f.includeIncomplete) continue;
          if (format === 'csv') s += `${iso(c.time)},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`;
          else s += `${n === 0 ? '' : ','}\n[${c.time},"${c.open}","${c.high}","${c.low}","${c.close}","${c.volume}"]`;
          n++;
        }
        await write(out, s);
        bar.update(n, Math.max(total, n));
      }
      if (format === 'json') await write(out, n === 0 ? ']\n' : '\n]\n');
    } finally {
      bar.stop();
      if (f.out) {
        out.end();
        await once(out, 'finish');
      }
    }
    if (f.out) {
      const msg = { symbol: f.symbol, timeframe, format, candles: n, out: f.out };
      process.stdout.write(
        f.json ? JSON.stringify(msg) + '\n' : `exported ${n} ${timeframe} candles of ${f.symbol} to ${f.out}\n`,
      );
    }
  });
}
