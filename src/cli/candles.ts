/**
 * `testudo candles import|download|resample|gaps|export`: the candle store from the command line.
 *
 * - `import FILE` loads an OHLCV file (format detected) or, with `--from-trades FILE` (or a file detected as the
 *   freqtrade trades format), builds 1m candles from public trades; then ingests them (COPY; idempotent: rows are
 *   keyed by symbol, timeframe and open time, changed rows are updated) and rolls up the higher timeframes.
 * - `download` fills the store from a venue's REST history through CCXT (`src/app/candle-download.ts`: closed bars
 *   only, resumes after what is stored, idempotent).
 * - `resample` (re)builds every timeframe above `--from-timeframe` from the stored candles.
 * - `gaps` lists the missing bars of a stored series (reported, never filled).
 * - `export` writes a stored range as CSV (`time,open,high,low,close,volume`, ISO times) or JSON
 *   (`[[open_time_ms, "open", "high", "low", "close", "volume"], ...]`), both importable again.
 *
 * People get text on stdout and a progress bar on stderr (only when stderr is a terminal and `--json` is off);
 * `--json` prints one JSON document and nothing else.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { openDatabase, type Sql } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { streamCandleFile } from '../feed/load.ts';
import { TIMEFRAMES, isTimeframe, timeframeOfLength, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import {
  CandleStreamParser,
  formatTimeUtc as iso,
  parseTimeText,
  type CandleFormat,
} from '../core/marketdata/importers.ts';
import { findGaps, medianSpacing } from '../core/marketdata/gaps.ts';
import { candlesFromTrades } from '../core/marketdata/trades.ts';
import { higherTimeframes } from '../core/marketdata/resample.ts';
import {
  countStoredCandles,
  ingestCandleBatches,
  resampleStored,
  storedTimes,
  streamStoredCandles,
  type IngestResult,
} from '../db/candles.ts';
import { checkReadableFile, usageError } from './errors.ts';
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

/** Flags of `testudo candles download`. */
export interface DownloadFlags extends DbFlags {
  /** CCXT exchange id; default `binance`. */
  exchange: string;
  /** The venue's market, `BTC/USDT` (or `BTC-USDT`). */
  symbol: string;
  timeframe: string;
  since: string;
  until?: string;
  /** Symbol to store under; default the platform form (`BTC-USDT`). */
  storeSymbol?: string;
  /** The exchange API's scheme and host (and path prefix) instead of its own, e.g. `http://127.0.0.1:3000/binance`. */
  baseUrl?: string;
  /** Fetch the whole range again, whatever is stored. */
  full?: boolean;
  /** Bars per request. */
  limit?: string;
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
  if (!isTimeframe(tf)) throw usageError(`${flag} ${tf}: use ${Object.keys(TIMEFRAMES).join(' ')}`);
  return tf;
}

function timeFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeText(v);
  if (t === undefined)
    throw usageError(`${flag} ${v}: not a date or time (use ISO 8601, e.g. 2019-10-01 or 2019-10-01T12:00Z)`);
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
  unit = '',
): { active: boolean; update(done: number, total: number): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { active: false, update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total}${unit ? ` ${unit}` : ''} | ETA {eta}s`,
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

/** What {@link importCandleFile} did (the document `candles import --json` prints). */
export interface ImportSummary {
  file: string;
  format: string;
  symbol: string;
  timeframe: Timeframe;
  trades?: number;
  candles: number;
  inserted: number;
  updated: number;
  skipped: number;
  first: string | null;
  last: string | null;
  rolledUp: Partial<Record<Timeframe, number>>;
  /** Rows out of time order that were sorted into place (count and first line), or null. */
  outOfOrder: { rows: number; firstLine: number } | null;
}

/** Options of {@link importCandleFile}. */
export interface ImportOptions {
  symbol: string;
  /** Bar length; inferred from the first batch's median spacing when omitted; always 1m for trades. */
  timeframe?: string;
  format?: CandleFormat | 'trades';
  /** Read `source` as a freqtrade trades file (1m candles). */
  trades?: boolean;
  rollup?: boolean;
  /**
   * Called once before the first batch (0 bytes) and after each stored batch, with the file's bytes read so far, its
   * size (compressed bytes for gzip) and the rows stored so far.
   */
  onProgress?: (bytesRead: number, totalBytes: number, rows: number) => void;
  /** Rows per batch (default 4,096) and bytes per read (default 128 KiB). */
  batchRows?: number;
  chunkBytes?: number;
}

/**
 * Imports a candle file into the store as it is read: chunks are parsed and COPied in batches of `batchRows`, all in
 * one transaction (see `ingestCandleBatches`), so memory stays at one batch whatever the file's size. A freqtrade
 * trades file is read whole and turned into 1m candles first.
 * @throws CliError `file-not-found` (exit 1) for a missing file, `invalid-option` (exit 2) for a bad or mismatching
 *   `--timeframe`; CandleFormatError / TradeFormatError for bad content; nothing is written on any error.
 */
export async function importCandleFile(sql: Sql, source: string, o: ImportOptions): Promise<ImportSummary> {
  await checkReadableFile(source);
  const trades = o.trades === true || o.format === 'trades' || (o.format === undefined && (await isTradesFile(source)));
  if (trades) {
    if (o.timeframe !== undefined && o.timeframe !== '1m')
      throw usageError(`--timeframe ${o.timeframe}: candles from trades are built as 1m (higher ones are rolled up)`);
    const list = await loadTradesFile(source);
    const candles = candlesFromTrades(list, '1m');
    const size = (await stat(source)).size;
    const r = await ingestCandleBatches(sql, o.symbol, '1m', [candles], {
      rollup: o.rollup !== false,
      onBatch: (rows) => o.onProgress?.(size, size, rows),
    });
    return summary(source, 'freqtrade-trades', o.symbol, '1m', r, list.length, candles, null);
  }
  o.onProgress?.(0, (await stat(source)).size, 0); // the bar appears at once, before the first batch
  const parser = new CandleStreamParser(o.format ? { format: o.format as CandleFormat } : {});
  const batches = streamCandleFile(source, parser, {
    batchRows: o.batchRows ?? 4096,
    chunkBytes: o.chunkBytes ?? 128 * 1024,
  });
  let progress = { bytesRead: 0, totalBytes: 0 };
  // the first batch tells the timeframe (median spacing of its bars)
  const head = await batches.next();
  const firstBatch = head.done ? [] : head.value.candles;
  if (!head.done) progress = head.value;
  const spacing = medianSpacing(firstBatch.map((c) => c.time));
  let timeframe: Timeframe;
  if (o.timeframe === undefined) {
    const guess = timeframeOfLength(spacing);
    if (!guess)
      throw usageError(
        `--timeframe is needed: the file's bars are ${spacing === null ? 'too few to tell' : `${spacing / 60_000} minutes apart (median)`}`,
        'missing-option',
      );
    timeframe = guess;
  } else {
    timeframe = timeframeFlag(o.timeframe);
    if (spacing !== null && spacing !== TIMEFRAMES[timeframe])
      throw usageError(
        `--timeframe ${o.timeframe} does not match the file: its bars are ${spacing / 60_000} minutes apart (median)`,
      );
  }
  async function* all(): AsyncGenerator<Candle[]> {
    if (firstBatch.length > 0) yield firstBatch;
    for await (const b of batches) {
      progress = b;
      yield b.candles;
    }
  }
  const r = await ingestCandleBatches(sql, o.symbol, timeframe, all(), {
    rollup: o.rollup !== false,
    onBatch: (rows) => o.onProgress?.(progress.bytesRead, progress.totalBytes, rows),
  });
  return summary(source, parser.format ?? 'csv', o.symbol, timeframe, r, undefined, parser.range, parser.outOfOrder);
}

function summary(
  file: string,
  format: string,
  symbol: string,
  timeframe: Timeframe,
  r: IngestResult,
  trades: number | undefined,
  range: { first: number; last: number } | readonly Candle[] | undefined,
  outOfOrder: ImportSummary['outOfOrder'],
): ImportSummary {
  const span = Array.isArray(range)
    ? range.length > 0
      ? { first: range[0]!.time, last: range[range.length - 1]!.time }
      : undefined
    : (range as { first: number; last: number } | undefined);
  return {
    file,
    format,
    symbol,
    timeframe,
    ...(trades !== undefined ? { trades } : {}),
    candles: r.candles,
    inserted: r.inserted,
    updated: r.updated,
    skipped: r.candles - r.inserted,
    first: span ? iso(span.first) : null,
    last: span ? iso(span.last) : null,
    rolledUp: r.rolledUp,
    outOfOrder,
  };
}

/** Action of `testudo candles import [file]`. */
export async function runCandlesImport(file: string | undefined, f: ImportFlags): Promise<void> {
  const source = f.fromTrades ?? file;
  if (source === undefined) throw usageError('give a FILE or --from-trades FILE', 'missing-argument');
  if (f.fromTrades !== undefined && file !== undefined) throw usageError('give a FILE or --from-trades FILE, not both');
  if (f.timeframe !== undefined) timeframeFlag(f.timeframe);
  if (f.format !== undefined && !['csv', 'yahoo', 'cryptodatadownload', 'json', 'trades'].includes(f.format))
    throw usageError(`--format ${f.format}: use csv, yahoo, cryptodatadownload, json or trades`);
  await checkReadableFile(source); // before the database opens
  await withDb(f, async (sql) => {
    const bar = progressBar(f.json, `import ${f.symbol}`, 'KiB');
    let out: ImportSummary;
    try {
      out = await importCandleFile(sql, source, {
        symbol: f.symbol,
        timeframe: f.timeframe,
        format: f.format,
        trades: f.fromTrades !== undefined,
        rollup: f.rollup !== false,
        onProgress: (done, total) => bar.update(Math.round(done / 1024), Math.round(total / 1024)),
      });
    } finally {
      bar.stop();
    }
    if (out.outOfOrder)
      process.stderr.write(
        `testudo candles import: warning: ${source}: ${out.outOfOrder.rows} row(s) out of time order were sorted into place (the first at line ${out.outOfOrder.firstLine})\n`,
      );
    if (f.json) {
      const { outOfOrder: _, ...doc } = out;
      process.stdout.write(JSON.stringify(doc) + '\n');
    } else {
      const ups = Object.entries(out.rolledUp)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(
        `imported ${out.inserted} new ${out.timeframe} candles of ${f.symbol} (${out.updated} updated, ` +
          `${out.candles - out.inserted - out.updated} already stored) from ${source} [${out.format}${out.trades !== undefined ? `, ${out.trades} trades` : ''}], ` +
          `${out.first} → ${out.last}${ups ? `; rolled up: ${ups}` : ''}\n`,
      );
    }
  });
}

/** Action of `testudo candles download`. */
export async function runCandlesDownload(f: DownloadFlags): Promise<void> {
  const timeframe = timeframeFlag(f.timeframe);
  const since = timeFlag(f.since, '--since')!;
  const until = timeFlag(f.until, '--until');
  if (until !== undefined && until <= since) throw usageError(`--until ${f.until}: must be after --since ${f.since}`);
  if (!/^[a-z0-9]+$/.test(f.exchange)) throw usageError(`--exchange ${f.exchange}: not a CCXT exchange id`);
  if (!/^[A-Za-z0-9]+[/-][A-Za-z0-9]+$/.test(f.symbol))
    throw usageError(`--symbol ${f.symbol}: use BASE/QUOTE (e.g. BTC/USDT)`);
  if (f.baseUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(f.baseUrl))
    throw usageError(`--base-url ${f.baseUrl}: must be an http(s) URL`);
  const limit = f.limit === undefined ? undefined : Number(f.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
    throw usageError(`--limit ${f.limit}: must be a whole number from 1 to 1000`);
  const { downloadCandles } = await import('../app/candle-download.ts');
  let exchange;
  try {
    const { createExchange } = await import('../feed/live.ts');
    exchange = createExchange({ exchangeId: f.exchange, apiBaseUrl: f.baseUrl });
  } catch (e) {
    throw usageError(`--exchange ${f.exchange}: ${(e as Error).message}`);
  }
  try {
    await withDb(f, async (sql) => {
      const bar = progressBar(f.json, `download ${f.symbol} ${timeframe}`, 'bars');
      let out;
      try {
        out = await downloadCandles(sql, {
          exchange,
          symbol: f.symbol,
          timeframe,
          since,
          until,
          storeSymbol: f.storeSymbol,
          full: f.full === true,
          limit,
          onProgress: (done, total) => bar.update(done, total),
        });
      } finally {
        bar.stop();
      }
      if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
      else if (out.fetchedRanges.length === 0)
        process.stdout.write(
          `${out.storeSymbol} ${timeframe}: every closed bar from ${out.since} to ${out.until} is stored already\n`,
        );
      else
        process.stdout.write(
          `downloaded ${out.candles} ${timeframe} candles of ${out.symbol} from ${out.exchange} as ${out.storeSymbol} ` +
            `(${out.inserted} new, ${out.updated} updated, ${out.unchanged} already stored) in ${out.requests} requests` +
            `${out.first ? `, ${out.first} → ${out.last}` : ''}` +
            `${out.resumedAfter ? `; resumed at ${out.resumedAfter}` : ''}\n`,
        );
    });
  } finally {
    await exchange.close().catch(() => undefined);
  }
}

/** Action of `testudo candles resample`. */
export async function runCandlesResample(f: ResampleFlags): Promise<void> {
  const from = timeframeFlag(f.fromTimeframe, '--from-timeframe');
  const levels = higherTimeframes(from);
  if (levels.length === 0) throw usageError(`--from-timeframe ${from}: there is no higher timeframe`);
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
  if (format !== 'csv' && format !== 'json') throw usageError(`--format ${format}: use csv or json`);
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
