/**
 * `testudo optimize`: runs a parameter grid of a built-in strategy over a candle file or stored candles, in
 * parallel over worker threads, ranks the results by one statistic and prints a table (or JSON with `--json`).
 * A progress bar goes to stderr when it is a terminal.
 *
 * With `--url` (or `TESTUDO_URL`) and `--token` (or `TESTUDO_TOKEN`) the grid runs on the server instead, as an
 * optimisation job (`POST /api/v1/optimizations`) over the server's stored candles (`--symbol --timeframe`), so
 * every `testudo worker` of its PostgreSQL database takes a share; the command follows the job's progress and
 * prints the same table or JSON as the local mode.
 *
 * Errors print one line on stderr and exit 1; a refused parameter names it: `--param fast: "abc" is not a whole
 * number`.
 */
import { mkdir } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { barsFromCandles } from '../core/backtest/series.ts';
import { BacktestError, type BacktestOptions, type BarSeries, type StatKey } from '../core/backtest/types.ts';
import { isTimeframe, type Candle } from '../core/marketdata/candle.ts';
import { loadCandleFile } from '../feed/load.ts';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { readStoredCandles, type JobDetail } from '../app/backtests.ts';
import { readStoredBars } from '../marketdata/bars-store.ts';
import {
  OptimizeError,
  defaultWorkers,
  optimize,
  paramOfField,
  parseAxis,
  prepareGrid,
  statValue,
  type GridAxis,
  type GridResult,
  type OptimizeOutcome,
  type PreparedGrid,
} from '../optimize/index.ts';
import { CliError, usageError } from './errors.ts';
import { BacktestUsageError, optionsFromFlags, timeFlag } from './backtest.ts';
import { call } from './client.ts';

/** Flags of `testudo optimize`. */
export interface OptimizeFlags {
  data?: string;
  symbol?: string;
  timeframe?: string;
  from?: string;
  to?: string;
  strategy: string;
  param: string[];
  maximize: string;
  constraint?: string;
  workers?: number;
  top: number;
  json?: boolean;
  cash?: string;
  commission?: string;
  spread?: string;
  exclusiveOrders?: boolean;
  tradeOnClose?: boolean;
  finalizeTrades?: boolean;
  /** Quantity step in units (decimal text). */
  lotSize?: string;
  /** Price tick (decimal text); default inferred from the data. Local mode only. */
  tickSize?: string;
  /** Testudo mode: risk per trade, percent of equity (decimal text). */
  risk?: string;
  dataDir: string;
  databaseUrl?: string;
  /** Run on this server (`TESTUDO_URL`) instead of locally. */
  url?: string;
  /** API token for `url` (`TESTUDO_TOKEN`). */
  token?: string;
}

/** Loads the bars of `--data FILE` or of `--symbol/--timeframe` from the candle store, within `--from/--to`. */
export async function loadBars(f: OptimizeFlags): Promise<BarSeries> {
  const from = timeFlag('from', f.from);
  const to = timeFlag('to', f.to);
  let candles: Candle[];
  if (f.data) {
    candles = (await loadCandleFile(f.data)).candles.filter(
      (c) => (from === undefined || c.time >= from) && (to === undefined || c.time < to),
    );
  } else {
    if (!f.symbol || !f.timeframe)
      throw usageError('give --data FILE, or --symbol and --timeframe (stored candles)', 'missing-option');
    if (!isTimeframe(f.timeframe)) throw usageError(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
    if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
    const sql = await openDatabase({ url: f.databaseUrl, dataDir: f.databaseUrl ? undefined : f.dataDir });
    try {
      await migrate(sql);
      // the candle store's column cache (the same bars, bit for bit); the rows when it does not apply
      const range = {
        symbol: f.symbol,
        timeframe: f.timeframe,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      };
      const bars = await readStoredBars(sql, range, f.tickSize !== undefined ? { tickSize: f.tickSize } : {});
      if (bars) return bars;
      candles = await readStoredCandles(sql, { symbol: f.symbol, timeframe: f.timeframe, from, to });
    } finally {
      await sql.close();
    }
    if (candles.length === 0)
      throw new CliError(
        'no-data',
        `no stored ${f.timeframe} candles of ${f.symbol} in the range: import some (testudo candles import)`,
      );
  }
  if (candles.length === 0) throw new CliError('no-data', 'no candles in the range');
  return barsFromCandles(candles, f.tickSize !== undefined ? { tickSize: f.tickSize } : {});
}

const fmt = (v: unknown): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : v.toFixed(4)
    : v === null || v === undefined
      ? '—'
      : String(v);

/** The ranking as a text table: rank, parameters, the maximised statistic and a few others. */
export function formatTable(out: OptimizeOutcome, axes: readonly GridAxis[], top: number): string {
  const cols: StatKey[] = [
    ...new Set<StatKey>([out.maximize, 'Return [%]', '# Trades', 'Win Rate [%]', 'Max. Drawdown [%]', 'SQN']),
  ];
  const head = ['#', ...axes.map((a) => a.name), ...cols];
  const rows = out.ranked
    .slice(0, top)
    .map((r, i) => [
      String(i + 1),
      ...axes.map((a) => String(r.params[a.name])),
      ...cols.map((c) => (r.error ? (c === out.maximize ? `error: ${r.error.code}` : '') : fmt(r.stats?.[c]))),
    ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padStart(widths[j]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/**
 * A refusal as a {@link CliError} with its code: a refused parameter is named as typed
 * (`--param fast: "abc" is not a whole number`); a bad flag is a usage error (exit 2). Other errors are returned
 * unchanged.
 */
export function describeOptimizeError(e: unknown): unknown {
  if (e instanceof OptimizeError) {
    const name = paramOfField(e.field);
    return new CliError(
      e.code,
      name !== null && !e.message.startsWith('--param') ? `--param ${name}: ${e.message}` : e.message,
    );
  }
  if (e instanceof BacktestUsageError) return usageError(e.message);
  if (e instanceof BacktestError) return new CliError(e.code, e.message);
  return e;
}

/** Action of `testudo optimize`: locally, or on the server with `--url`. @throws Error with a one-line message. */
export async function runOptimize(f: OptimizeFlags): Promise<void> {
  try {
    await (f.url ? runRemote(f) : runLocal(f));
  } catch (e) {
    throw describeOptimizeError(e);
  }
}

/** Checks the grid and options before anything is read or sent. */
function prepare(f: OptimizeFlags): { axes: GridAxis[]; options: BacktestOptions; g: PreparedGrid } {
  if (f.param.length === 0)
    throw usageError('give at least one --param name=start:stop:step (or a,b,c, or a value)', 'missing-option');
  const axes = f.param.map(parseAxis);
  // The same mapping as `testudo backtest` (`--risk PCT` is Testudo mode with riskPerTradePct = PCT).
  const options = optionsFromFlags(f);
  const g = prepareGrid({ strategy: f.strategy, axes, constraint: f.constraint, maximize: f.maximize, options });
  return { axes, options, g };
}

function progressBar(f: OptimizeFlags, total: number): cliProgress.SingleBar | null {
  const bar =
    process.stderr.isTTY && !f.json
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'optimizing [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}' },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(total, 0);
  return bar;
}

/** Prints a ranking as JSON (`--json`) or as the header line and table. */
function print(
  f: OptimizeFlags,
  axes: readonly GridAxis[],
  out: OptimizeOutcome,
  run: { bars: number | null; workers: number | null; seconds: number; where: string; extra?: Record<string, unknown> },
): void {
  if (f.json) {
    process.stdout.write(
      JSON.stringify({
        strategy: out.strategy,
        maximize: out.maximize,
        bars: run.bars,
        total: out.total,
        skipped: out.skipped,
        workers: run.workers,
        seconds: run.seconds,
        ...run.extra,
        results: out.ranked.slice(0, f.top).map((r, i) => ({
          rank: i + 1,
          params: r.params,
          value: statValue(r, out.maximize),
          stats: r.stats,
          rStats: r.rStats,
          error: r.error,
        })),
      }) + '\n',
    );
    return;
  }
  process.stdout.write(
    `${out.strategy}: ${out.total} parameter sets over ${run.bars ?? '?'} bars` +
      `${out.skipped ? ` (${out.skipped} skipped by the constraint)` : ''}, ${run.where}, ${run.seconds.toFixed(1)} s; ` +
      `ranked by ${out.maximize}\n\n`,
  );
  process.stdout.write(formatTable(out, axes, f.top));
}

async function runLocal(f: OptimizeFlags): Promise<void> {
  const { axes, options, g } = prepare(f);
  const bars = await loadBars(f);
  const workers = f.workers ?? defaultWorkers();
  const bar = progressBar(f, g.grid.length);
  const started = performance.now();
  let out: OptimizeOutcome;
  try {
    out = await optimize(bars, g, options, { workers, onProgress: (d) => bar?.update(d) });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  print(f, axes, out, { bars: bars.length, workers, seconds, where: `${workers} worker(s)` });
}

/** Options as the API takes them: Testudo mode as `{ riskPerTradePct }` over the default protocol. */
function apiOptions(o: BacktestOptions): Record<string, unknown> {
  const { testudo, ...rest } = o;
  return testudo
    ? {
        ...rest,
        testudo: testudo.profile ? { riskPerTradePct: testudo.profile.riskPerTradePct } : {},
      }
    : rest;
}

/** Poll interval while following a job on the server, ms. */
const POLL_MS = 250;

async function runRemote(f: OptimizeFlags): Promise<void> {
  if (f.data !== undefined)
    throw usageError(
      '--data with --url: the server runs on its own candle store; give --symbol and --timeframe (import the file there with testudo candles import)',
    );
  if (f.tickSize !== undefined)
    throw usageError('--tick-size with --url: the server infers the tick from the data; run locally to override it');
  if (!f.symbol || !f.timeframe)
    throw usageError('--url needs --symbol and --timeframe (the server’s stored candles)', 'missing-option');
  if (!isTimeframe(f.timeframe)) throw usageError(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
  const { axes, options, g } = prepare(f);
  const client = { url: f.url!, token: f.token };
  const body = {
    strategy: f.strategy,
    grid: Object.fromEntries(axes.map((a) => [a.name, a.values])),
    maximize: g.maximize,
    ...(f.constraint !== undefined ? { constraint: f.constraint } : {}),
    options: apiOptions(options),
    data: {
      symbol: f.symbol,
      timeframe: f.timeframe,
      ...(f.from !== undefined ? { from: f.from } : {}),
      ...(f.to !== undefined ? { to: f.to } : {}),
    },
  };
  const started = performance.now();
  const sent = await call(client, 'POST', '/api/v1/optimizations', body);
  if (sent.status !== 202) throw apiError(sent.json);
  const id = Number(sent.json.id);
  const bar = progressBar(f, g.grid.length);
  let job: JobDetail;
  try {
    for (;;) {
      const r = await call(client, 'GET', `/api/v1/optimizations/${id}?top=${Math.max(1, Math.min(f.top, 10_000))}`);
      if (r.status !== 200) throw apiError(r.json);
      job = r.json as unknown as JobDetail;
      bar?.update(job.progress.done);
      if (job.status === 'done' || job.status === 'failed') break;
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
  if (job.status === 'failed')
    throw new CliError(
      'job-failed',
      `optimisation ${id} failed: ${job.error?.code ?? 'internal-error'}: ${job.error?.message ?? ''}`,
    );
  const ranking = job.ranking!;
  const ranked: GridResult[] = ranking.results.map((r) => ({
    index: r.rank - 1,
    params: r.params,
    stats: r.stats,
    rStats: r.rStats as GridResult['rStats'],
    error: r.error,
  }));
  const out: OptimizeOutcome = {
    strategy: job.strategy,
    maximize: ranking.maximize as StatKey,
    total: ranking.total,
    skipped: g.skipped,
    ranked,
  };
  const seconds = (performance.now() - started) / 1000;
  print(f, axes, out, {
    bars: ranking.bars,
    workers: null,
    seconds,
    where: `on ${f.url} (optimisation ${id})`,
    extra: { id, server: f.url },
  });
}

/** An API error body as a CliError: its code, the message, then `field: message` of each field issue. */
function apiError(json: Record<string, unknown>): CliError {
  const err = json.error as
    { code?: string; message?: string; fields?: { field: string; message: string }[] } | undefined;
  if (!err)
    return new CliError('bad-response', `unexpected answer from the server: ${JSON.stringify(json).slice(0, 200)}`);
  const fields = (err.fields ?? []).map((x) => `${x.field}: ${x.message}`).join('; ');
  return new CliError(err.code ?? 'server-error', `${err.message ?? ''}${fields ? ` (${fields})` : ''}`);
}
