/**
 * `testudo backtest`: runs a strategy (built-in name or a module path) over candles from a file or the candle store
 * and prints backtesting.py's statistics (plus R statistics), optionally writing the trades and the equity curve as
 * CSV and a self-contained HTML report.
 *
 * Output: `--json` prints exactly one JSON object with the STAT_KEYS keys in order and nothing else on stdout;
 * otherwise an aligned table. A progress bar goes to stderr when stderr is a terminal. Errors (bad flags, a bad
 * parameter, an unknown strategy, bad data) print one line `testudo backtest: <code>: <message>` on stderr and exit
 * with code 2 (a bad flag) or 1 (anything else); no file is written unless the whole run succeeded.
 */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveParams } from '../core/backtest/params.ts';
import { runBacktest, type ProgressFn } from '../core/backtest/run.ts';
import { barsFromCandles } from '../core/backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import {
  BacktestError,
  STAT_KEYS,
  type BacktestOptions,
  type BacktestResult,
  type BarSeries,
  type Commission,
  type StrategyDefinition,
} from '../core/backtest/types.ts';
import { isTimeframe, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { readAll } from '../core/marketdata/source.ts';
import { CandleFormatError } from '../core/marketdata/importers.ts';
import { isDecimalText } from '../core/money/decimal.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import { backtestReportHtml } from '../report/backtest-report.ts';
import { readChartsBundle } from '../report/bundle.ts';
import { alignedTable, equityCsv, statRows, tradesCsv } from '../report/format.ts';
import { CliError, usageError } from './errors.ts';

/** Flags of `testudo backtest` (text as typed; commander's camelCase names). */
export interface BacktestFlags {
  data?: string;
  symbol?: string;
  timeframe?: string;
  from?: string;
  to?: string;
  dataDir: string;
  databaseUrl?: string;
  tickSize?: string;
  strategy: string;
  /** `k=v` pairs, repeatable. */
  param: string[];
  cash?: string;
  commission?: string;
  spread?: string;
  exclusiveOrders?: boolean;
  tradeOnClose?: boolean;
  finalizeTrades?: boolean;
  lotSize?: string;
  risk?: string;
  json?: boolean;
  tradesCsv?: string;
  equityCsv?: string;
  report?: string;
  /** Refuse data with gaps or rows out of order instead of warning. */
  strict?: boolean;
}

/** A bad flag, with a message meant for the terminal. */
export class BacktestUsageError extends Error {
  override readonly name = 'BacktestUsageError';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStrategy = StrategyDefinition<any>;

function isStrategy(v: unknown): v is AnyStrategy {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.name === 'string' && typeof s.init === 'function' && typeof s.params === 'object' && !!s.params;
}

/**
 * Lets `import()` load TypeScript: registers tsx's loader once, unless bin/testudo.mjs already did (it does when it
 * runs the sources; the compiled CLI in dist/ does not, so a `.ts` strategy module needs it).
 */
async function enableTypeScript(): Promise<void> {
  const key = Symbol.for('testudo.tsx');
  const g = globalThis as Record<symbol, unknown>;
  if (g[key]) return;
  (await import('tsx/esm/api')).register();
  g[key] = true;
}

/**
 * Resolves `--strategy`: a built-in name (see `BUILTIN_STRATEGIES`), else a path to a TypeScript/JavaScript module
 * whose default export is a {@link StrategyDefinition} (imported dynamically, relative to the working directory).
 * @throws BacktestError `unknown-strategy` for an unknown name, a missing file or a module without a strategy as
 *   its default export; `strategy-error` when the module throws while loading.
 */
export async function loadStrategy(spec: string): Promise<AnyStrategy> {
  if (Object.hasOwn(BUILTIN_STRATEGIES, spec)) return BUILTIN_STRATEGIES[spec]!;
  const names = Object.keys(BUILTIN_STRATEGIES).join(', ') || 'none yet';
  const looksLikePath = /[\\/]/.test(spec) || /\.[cm]?[jt]s$/.test(spec);
  if (!looksLikePath)
    throw new BacktestError(
      'unknown-strategy',
      `unknown strategy "${spec}": the built-in strategies are ${names}; or give the path of a module whose default export is a strategy`,
    );
  const path = resolve(spec);
  if (!existsSync(path)) throw new BacktestError('unknown-strategy', `strategy module ${spec} does not exist`);
  let mod: { default?: unknown };
  try {
    if (/\.[cm]?ts$/.test(path)) await enableTypeScript();
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // tsx loads a .ts file as CommonJS unless its package is "type": "module"; such a file importing ESM fails.
    const hint =
      /\.ts$/.test(path) && /require|ES Module/i.test(msg)
        ? ' (a .ts file outside an ESM package loads as CommonJS: name it .mts, or add {"type": "module"} to its package.json)'
        : '';
    throw new BacktestError('strategy-error', `strategy module ${spec} failed to load: ${msg}${hint}`);
  }
  if (!isStrategy(mod.default))
    throw new BacktestError(
      'unknown-strategy',
      `strategy module ${spec} has no strategy as its default export (an object with name, params and init)`,
    );
  return mod.default;
}

/** `--param k=v` pairs → raw values by name. @throws BacktestUsageError for a pair without `=` or a repeated name. */
export function parseParamFlags(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    const k = eq < 0 ? '' : p.slice(0, eq).trim();
    if (!k) throw new BacktestUsageError(`--param ${p}: expected name=value`);
    if (Object.hasOwn(out, k)) throw new BacktestUsageError(`--param ${k} is given twice`);
    out[k] = p.slice(eq + 1).trim();
  }
  return out;
}

/**
 * `--commission`: a fraction of traded value (`"0.002"`) or a fixed amount per fill plus a fraction (`"1+0.001"`).
 * @throws BacktestUsageError when either part is not decimal text.
 */
export function parseCommission(s: string): Commission {
  const t = s.trim();
  const m = /^([^+]+)\+(.+)$/.exec(t);
  if (m && isDecimalText(m[1]!.trim()) && isDecimalText(m[2]!.trim()))
    return { fixed: m[1]!.trim(), rate: m[2]!.trim() };
  if (isDecimalText(t)) return t;
  throw new BacktestUsageError(`--commission ${s}: use a fraction like 0.002 or fixed+fraction like 1+0.001`);
}

function decimalFlag(name: string, v: string | undefined, positive: boolean): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!isDecimalText(t) || (positive && !(Number(t) > 0)) || Number(t) < 0)
    throw new BacktestUsageError(`--${name} ${v}: must be a ${positive ? 'positive' : 'non-negative'} decimal number`);
  return t;
}

/**
 * A `--from`/`--to` value as ms UTC: ISO 8601 text, a bare date meaning UTC midnight; undefined when not given.
 * @throws BacktestUsageError when the text is not a date or time.
 */
export function timeFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new BacktestUsageError(`--${name} ${v}: not an ISO 8601 date or time`);
  return ms;
}

/**
 * The backtest options from the flags. `--risk PCT` turns on Testudo mode with the default Testudo Protocol and
 * `riskPerTradePct = PCT`.
 * @throws BacktestUsageError for malformed numbers, or a `--risk` above the protocol's hard maximum per trade.
 */
export function optionsFromFlags(f: BacktestFlags): BacktestOptions {
  const o: BacktestOptions = {};
  const cash = decimalFlag('cash', f.cash, true);
  if (cash !== undefined) o.cash = cash;
  if (f.commission !== undefined) o.commission = parseCommission(f.commission);
  const spread = decimalFlag('spread', f.spread, false);
  if (spread !== undefined) o.spread = spread;
  const lot = decimalFlag('lot-size', f.lotSize, true);
  if (lot !== undefined) o.lotSize = lot;
  if (f.exclusiveOrders) o.exclusiveOrders = true;
  if (f.tradeOnClose) o.tradeOnClose = true;
  if (f.finalizeTrades) o.finalizeTrades = true;
  const risk = decimalFlag('risk', f.risk, true);
  if (risk !== undefined) {
    const max = DEFAULT_RISK_PROFILE.maxRiskPerTradePct;
    if (Number(risk) > Number(max))
      throw new BacktestUsageError(`--risk ${risk}: above the Testudo Protocol's hard maximum of ${max}% per trade`);
    o.testudo = { profile: { ...DEFAULT_RISK_PROFILE, riskPerTradePct: risk } };
  }
  return o;
}

/**
 * Candles of `[from, to)` from `--data` (a `FileDataSource`), or from the candle store with `--symbol` and
 * `--timeframe` (a `PgDataSource` on PostgreSQL with `--database-url`, else PGlite in `--data-dir`).
 * `label` names the series for titles (`GOOG.csv`, `BTC-USD 1h`).
 */
async function loadCandles(
  f: BacktestFlags,
): Promise<{ candles: Candle[]; bars?: BarSeries; source: string; label: string; notices: string[] }> {
  const from = timeFlag('from', f.from);
  const to = timeFlag('to', f.to);
  if (from !== undefined && to !== undefined && from >= to) throw new BacktestUsageError('--from must be before --to');
  if (f.timeframe !== undefined && !isTimeframe(f.timeframe))
    throw new BacktestUsageError(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
  const timeframe = f.timeframe as Timeframe | undefined;
  if (f.data !== undefined) {
    if (f.symbol !== undefined) throw new BacktestUsageError('give either --data or --symbol, not both');
    // Fast path: the file's bytes straight to columns (no candle objects); when it does not apply (JSON, bad data,
    // rows out of order, values it does not read exactly) the general importer below reads the file and reports.
    const { readBarsFile } = await import('../marketdata/bars-file.ts');
    try {
      const read = readBarsFile(f.data, { from, to }, f.tickSize !== undefined ? { tickSize: f.tickSize } : {});
      if (read) {
        const notices = read.outOfOrder ? [disorderNotice(f.data, read.outOfOrder)] : [];
        return { candles: [], bars: read.bars, source: f.data, label: basename(f.data), notices };
      }
    } catch (e) {
      throw fileError(e, f.data);
    }
    // The data sources load the database drivers (~0.3 s): imported only once flags and strategy are checked.
    const { FileDataSource } = await import('../marketdata/sources.ts');
    // A file holds one series: without symbol/timeframe options the source does not check the range's ones.
    const src = new FileDataSource(f.data);
    let candles: Candle[];
    try {
      candles = await readAll(src, { symbol: 'FILE', timeframe: timeframe ?? '1d', from, to });
    } catch (e) {
      throw fileError(e, f.data);
    }
    const disorder = await src.outOfOrder();
    const notices = disorder ? [disorderNotice(f.data, disorder)] : [];
    return { candles, source: f.data, label: basename(f.data), notices };
  }
  if (f.symbol === undefined) throw new BacktestUsageError('give --data FILE, or --symbol with --timeframe');
  if (timeframe === undefined) throw new BacktestUsageError('--symbol needs --timeframe');
  if (!f.databaseUrl && !existsSync(f.dataDir))
    throw new CliError(
      'no-candle-store',
      `no candle store in ${f.dataDir}: import candles first (testudo candles import), or give --database-url`,
    );
  const [{ PgDataSource }, { openDatabase }, { migrate }] = await Promise.all([
    import('../marketdata/sources.ts'),
    import('../db/sql.ts'),
    import('../db/migrate.ts'),
  ]);
  // a backtest reads the column cache (a few MB): PGlite's page cache small keeps the command's memory down
  const sql = await openDatabase({
    url: f.databaseUrl,
    dataDir: f.databaseUrl ? undefined : f.dataDir,
    pgliteSharedBuffers: '16MB',
  });
  try {
    await migrate(sql);
    const where = f.databaseUrl ? 'PostgreSQL' : `PGlite ${f.dataDir}`;
    const named = { source: `${f.symbol} ${timeframe} (candle store, ${where})`, label: `${f.symbol} ${timeframe}` };
    // Fast path: the candle store's column cache (blocks built from the rows on first use); the general path below
    // when it does not apply (it then reports any problem).
    const { readStoredBars } = await import('../marketdata/bars-store.ts');
    const range = { symbol: f.symbol, timeframe, from, to };
    const bars = await readStoredBars(sql, range, f.tickSize !== undefined ? { tickSize: f.tickSize } : {});
    if (bars) return { candles: [], bars, ...named, notices: [] };
    const candles = await readAll(new PgDataSource(sql, { completeOnly: true }), range);
    return { candles, ...named, notices: [] };
  } finally {
    await sql.close();
  }
}

/** The warning about rows of a `--data` file that were out of time order. */
function disorderNotice(path: string, d: { rows: number; firstLine: number }): string {
  return `${path}: ${d.rows} row(s) out of time order were sorted into place (the first at line ${d.firstLine})`;
}

/** A read error of the `--data` file as the CliError the command reports (other errors unchanged). */
function fileError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new CliError('file-not-found', `--data ${path}: no such file`);
  if (code === 'EISDIR' || code === 'EACCES')
    return new CliError('file-unreadable', `--data ${path}: cannot read the file (${code})`);
  return e;
}

/** The statistics document of `--json`: exactly the STAT_KEYS keys, in order, with the result's values. */
export function statsJson(result: BacktestResult): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const k of STAT_KEYS) out[k] = result.stats[k] ?? null;
  return out;
}

async function progressReporter(total: number): Promise<{ onProgress?: ProgressFn; stop(): void }> {
  if (!process.stderr.isTTY) return { stop() {} };
  // cli-progress is CommonJS; loaded only when there is a terminal to draw on.
  const { default: cp } = await import('cli-progress');
  const bar = new cp.SingleBar(
    {
      stream: process.stderr,
      format: 'backtest [{bar}] {percentage}% | {value}/{total} bars | ETA {eta}s',
      hideCursor: true,
      clearOnComplete: true,
    },
    cp.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { onProgress: (done) => bar.update(done), stop: () => bar.stop() };
}

/**
 * Action of `testudo backtest`.
 * @throws CliError: `invalid-option` (exit 2) for a bad flag, the BacktestError's or CandleFormatError's code (exit 1)
 *   for a refused run or bad data, `file-not-found` for a missing `--data` file.
 */
export async function runBacktestCommand(f: BacktestFlags): Promise<void> {
  try {
    await backtestCommand(f);
  } catch (e) {
    if (e instanceof BacktestUsageError) throw usageError(e.message.replace(/\s*\n\s*/g, ' '));
    if (e instanceof BacktestError || e instanceof CandleFormatError)
      throw new CliError(e.code, e.message.replace(/\s*\n\s*/g, ' '));
    throw e;
  }
}

async function backtestCommand(f: BacktestFlags): Promise<void> {
  // Everything that can be checked before reading data is checked first.
  const strategy = await loadStrategy(f.strategy);
  const rawParams = parseParamFlags(f.param ?? []);
  const params = resolveParams(strategy, rawParams);
  const options = optionsFromFlags(f);
  const bundle = f.report !== undefined ? await readChartsBundle() : '';
  const loaded = await loadCandles(f);
  const { candles, source, label, notices } = loaded;
  let bars = loaded.bars;
  if (!bars) {
    if (candles.length === 0) throw new CliError('no-data', `no candles in ${source} for the requested range`);
    bars = barsFromCandles(candles, f.tickSize !== undefined ? { tickSize: f.tickSize } : {});
  }

  const progress = await progressReporter(bars.length);
  let result: BacktestResult;
  try {
    result = runBacktest(bars, strategy, params, options, progress.onProgress);
  } finally {
    progress.stop();
  }

  // Data problems are reported, never fixed silently: warnings on stderr, or a refusal with --strict.
  const warnings = [...notices, ...result.warnings];
  if (f.strict && warnings.length > 0)
    throw new BacktestError('bad-bars', `refused by --strict: ${warnings.join('; ')}`);
  for (const w of warnings) process.stderr.write(`testudo backtest: warning: ${w}\n`);

  // Outputs are built in full before anything is written.
  const files: [string, string][] = [];
  if (f.tradesCsv !== undefined) files.push([f.tradesCsv, tradesCsv(result)]);
  if (f.equityCsv !== undefined) files.push([f.equityCsv, equityCsv(bars, result)]);
  if (f.report !== undefined)
    files.push([
      f.report,
      backtestReportHtml({
        title: `${strategy.name} on ${label}`,
        strategy: f.strategy,
        params,
        source,
        settings: settingsOf(options, f.risk),
        bars,
        result,
        chartsBundle: bundle,
      }),
    ]);
  await writeAll(files);

  if (f.json) {
    process.stdout.write(JSON.stringify(statsJson(result)) + '\n');
    return;
  }
  const paramText = Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const lines = [
    `Strategy  ${strategy.name}${paramText ? ` (${paramText})` : ''}${options.testudo ? `, Testudo mode: risk ${f.risk}% per trade` : ''}`,
    `Data      ${source}, ${bars.length} bars`,
    '',
    alignedTable(statRows(result)),
  ];
  for (const [path] of files) lines.push(`wrote ${path}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Writes every file or none: each goes to a temporary file beside its target first, and the temporaries are renamed
 * over the targets only once all are written (on a failure they are removed and the error is thrown).
 */
async function writeAll(files: readonly [string, string][]): Promise<void> {
  const temps = files.map(([path]) => `${path}.${process.pid}.tmp`);
  let k = 0;
  try {
    for (; k < files.length; k++) await writeFile(temps[k]!, files[k]![1]);
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new CliError('file-unwritable', `cannot write ${files[k]![0]} (${why}); no file was written`);
  }
  for (k = 0; k < files.length; k++) await rename(temps[k]!, files[k]![0]);
}

function settingsOf(o: BacktestOptions, risk: string | undefined): Record<string, unknown> {
  const c = o.commission;
  return {
    cash: o.cash ?? '10000',
    commission: c === undefined ? '0' : typeof c === 'string' ? c : `${c.fixed}+${c.rate}`,
    spread: o.spread ?? '0',
    lotSize: o.lotSize ?? '1',
    exclusiveOrders: o.exclusiveOrders ?? false,
    tradeOnClose: o.tradeOnClose ?? false,
    finalizeTrades: o.finalizeTrades ?? false,
    ...(risk !== undefined ? { testudoRiskPct: risk } : {}),
  };
}
