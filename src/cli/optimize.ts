/**
 * `testudo optimize`: runs a parameter grid of a built-in strategy over a candle file or stored candles, in
 * parallel over worker threads, ranks the results by one statistic and prints a table (or JSON with `--json`).
 * A progress bar goes to stderr when it is a terminal.
 */
import { mkdir } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { barsFromCandles } from '../core/backtest/series.ts';
import type { BacktestOptions, BarSeries, Commission, StatKey } from '../core/backtest/types.ts';
import { isTimeframe, type Candle } from '../core/marketdata/candle.ts';
import { loadCandleFile } from '../feed/load.ts';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { readStoredCandles } from '../app/backtests.ts';
import {
  defaultWorkers,
  optimize,
  parseAxis,
  prepareGrid,
  statValue,
  type GridAxis,
  type OptimizeOutcome,
} from '../optimize/index.ts';

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
  dataDir: string;
  databaseUrl?: string;
}

/** `--commission 0.001` (a fraction) or `--commission 1+0.001` (fixed amount + fraction). */
export function parseCommission(text: string): Commission {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\+\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m) return { fixed: m[1]!, rate: m[2]! };
  if (!/^\d+(\.\d+)?$/.test(text.trim()))
    throw new Error(`--commission ${text}: use a fraction (0.001) or fixed+rate (1+0.001)`);
  return text.trim();
}

/** The backtest options given on the command line. */
export function optionsFromFlags(f: OptimizeFlags): BacktestOptions {
  const o: BacktestOptions = {};
  if (f.cash !== undefined) o.cash = f.cash;
  if (f.commission !== undefined) o.commission = parseCommission(f.commission);
  if (f.spread !== undefined) o.spread = f.spread;
  if (f.exclusiveOrders) o.exclusiveOrders = true;
  if (f.tradeOnClose) o.tradeOnClose = true;
  if (f.finalizeTrades) o.finalizeTrades = true;
  return o;
}

function parseTime(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--${flag} ${v}: not an ISO 8601 date or time`);
  return t;
}

/** Loads the bars of `--data FILE` or of `--symbol/--timeframe` from the candle store, within `--from/--to`. */
export async function loadBars(f: OptimizeFlags): Promise<BarSeries> {
  const from = parseTime('from', f.from);
  const to = parseTime('to', f.to);
  let candles: Candle[];
  if (f.data) {
    candles = (await loadCandleFile(f.data)).candles.filter(
      (c) => (from === undefined || c.time >= from) && (to === undefined || c.time < to),
    );
  } else {
    if (!f.symbol || !f.timeframe) throw new Error('give --data FILE, or --symbol and --timeframe (stored candles)');
    if (!isTimeframe(f.timeframe)) throw new Error(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
    if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
    const sql = await openDatabase({ url: f.databaseUrl, dataDir: f.databaseUrl ? undefined : f.dataDir });
    try {
      await migrate(sql);
      candles = await readStoredCandles(sql, { symbol: f.symbol, timeframe: f.timeframe, from, to });
    } finally {
      await sql.close();
    }
    if (candles.length === 0)
      throw new Error(
        `no stored ${f.timeframe} candles of ${f.symbol} in the range: import some (testudo candles import)`,
      );
  }
  if (candles.length === 0) throw new Error('no candles in the range');
  return barsFromCandles(candles);
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

/** Action of `testudo optimize`. */
export async function runOptimize(f: OptimizeFlags): Promise<void> {
  if (f.param.length === 0) throw new Error('give at least one --param name=start:stop:step (or a,b,c, or a value)');
  const axes = f.param.map(parseAxis);
  const options = optionsFromFlags(f);
  const g = prepareGrid({ strategy: f.strategy, axes, constraint: f.constraint, maximize: f.maximize, options });
  const bars = await loadBars(f);
  const workers = f.workers ?? defaultWorkers();
  const bar =
    process.stderr.isTTY && !f.json
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'optimizing [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}' },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(g.grid.length, 0);
  const started = performance.now();
  let out: OptimizeOutcome;
  try {
    out = await optimize(bars, g, options, { workers, onProgress: (d) => bar?.update(d) });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (f.json) {
    process.stdout.write(
      JSON.stringify({
        strategy: out.strategy,
        maximize: out.maximize,
        bars: bars.length,
        total: out.total,
        skipped: out.skipped,
        workers,
        seconds,
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
    `${out.strategy}: ${out.total} parameter sets over ${bars.length} bars` +
      `${out.skipped ? ` (${out.skipped} skipped by the constraint)` : ''}, ${workers} worker(s), ${seconds.toFixed(1)} s; ` +
      `ranked by ${out.maximize}\n\n`,
  );
  process.stdout.write(formatTable(out, axes, f.top));
}
