/**
 * Backtests as a service: strategies saved per user, backtest and optimisation jobs over stored candles, their
 * results in PostgreSQL, and progress events on the user's WebSocket.
 *
 * The job table is `backtests` (status `queued` → `running` → `done` | `failed`), on both engines:
 * - **PostgreSQL**: each job is also sent to pg-boss (queue {@link JOB_QUEUE}, pg-boss tables in their own schema) in
 *   the same transaction as its row, so any process running {@link startJobWorker} (`testudo worker`, or the server
 *   itself) may take it. An optimisation is cut into chunks of a few grid points ({@link planChunks}), each its own
 *   pg-boss job, so several machines share one grid; the chunk that finishes last ranks them ({@link executeChunk}).
 *   Progress reaches the server through the row (`progress_done/total`: bars of a backtest, grid points of an
 *   optimisation), which the server polls for the jobs it enqueued and republishes as events.
 * - **PGlite** (one embedded process): pg-boss cannot share work across machines, so the server runs jobs itself, in
 *   worker threads, from the same table; an optimisation runs whole (unchunked) over its worker threads; queued and
 *   interrupted jobs are picked up again when it starts.
 *
 * Invariants: a job's results are written in one transaction together with its change to `done`; a job that fails
 * (no data, bad bars, a parameter the strategy refuses, a strategy that throws) is `failed` with a stable
 * `error_code` and has no result rows. Users see only their own strategies and jobs (others': 404).
 *
 * Events (`/ws`): `backtest-progress` `{ id, kind, done, total }` (at most about 4 per second per job),
 * `backtest-done` `{ id, kind }`, `backtest-failed` `{ id, kind, code, message }`.
 */
import { PgDataSource } from '../marketdata/sources.ts';
import { readStoredBars } from '../marketdata/bars-store.ts';
import { readAll } from '../core/marketdata/source.ts';
import { isTimeframe } from '../core/marketdata/candle.ts';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { barsFromCandles } from '../core/backtest/series.ts';
import {
  BacktestError,
  STAT_KEYS,
  type BacktestOptions,
  type BacktestStats,
  type Params,
  type RStats,
  type StatKey,
} from '../core/backtest/types.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import type { Row, Sql } from '../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../db/sql.ts';
import {
  AbortedError,
  OptimizeError,
  WorkerTaskError,
  builtinStrategy,
  checkParams,
  optimize,
  prepareGrid,
  rangeValues,
  rankResults,
  runBacktestInWorker,
  runGridParallel,
  statValue,
  type GridAxis,
  type GridResult,
  type ParamValue,
} from '../optimize/index.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import type { EventBus, TradingEvent, TradingEventType } from './events.ts';

/** Name of the pg-boss queue carrying backtest and optimisation jobs. */
export const JOB_QUEUE = 'testudo-backtest';

/**
 * The data of a pg-boss job: a whole job by id (a backtest, or an optimisation enqueued before chunking), or one
 * chunk of a chunked optimisation (`chunk`, 0-based, a row of `optimization_chunks`).
 */
export interface JobData {
  id: number;
  chunk?: number;
}

/** A strategy saved by a user: a built-in strategy with default parameters and backtest options. */
export interface SavedStrategy {
  id: number;
  name: string;
  strategy: string;
  params: Params;
  options: BacktestOptions;
  createdAt: string;
  updatedAt: string;
}

/** Input of create/replace strategy (validated for shape at the boundary; parameters checked here). */
export interface StrategyInput {
  name: string;
  strategy: string;
  params?: Params | undefined;
  options?: BacktestOptions | undefined;
}

/** Which candles a job runs on (`from` inclusive, `to` exclusive, ISO 8601 text or absent). */
export interface DataRange {
  symbol: string;
  timeframe: string;
  from?: string | undefined;
  to?: string | undefined;
}

/** A backtest job request: a saved strategy (`strategyId`) or a built-in (`strategy`), overrides, data. */
export interface BacktestInput {
  strategyId?: number | undefined;
  strategy?: string | undefined;
  params?: Params | undefined;
  options?: BacktestOptions | undefined;
  data: DataRange;
}

/** An optimisation job request: a backtest request plus the grid, the statistic and an optional constraint. */
export interface OptimizationInput extends BacktestInput {
  /** Axes in order: a list of values or an inclusive range per parameter. */
  grid: Record<string, ParamValue[] | { start: number; stop: number; step: number }>;
  maximize?: string | undefined;
  constraint?: string | undefined;
}

/** Kind and status of a job. */
export type JobKind = 'backtest' | 'optimization';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A job as listed (no results). Times are ISO 8601 text. */
export interface JobSummary {
  id: number;
  kind: JobKind;
  status: JobStatus;
  strategyId: number | null;
  strategy: string;
  params: Params;
  options: BacktestOptions;
  data: { symbol: string; timeframe: string; from: string | null; to: string | null };
  grid: GridAxis[] | null;
  maximize: string | null;
  constraint: string | null;
  progress: { done: number; total: number };
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A trade of a stored backtest (money and prices as decimal text). */
export interface StoredTrade {
  size: string;
  entryBar: number;
  exitBar: number;
  entryTime: string;
  exitTime: string;
  entryPrice: string;
  exitPrice: string;
  sl: string | null;
  tp: string | null;
  pnl: string;
  commission: string;
  returnPct: number;
  rMultiple: number | null;
  exitReason: string;
  tag: string | null;
}

/** A job with its results when done: `result` for a backtest, `ranking` for an optimisation. */
export interface JobDetail extends JobSummary {
  result?: {
    bars: number;
    stats: BacktestStats;
    rStats: unknown;
    rejections: Record<string, number>;
    trades: StoredTrade[];
    /** Sampled equity curve: [time ms, equity, drawdown fraction]. */
    equity: [number, number, number][];
  };
  ranking?: {
    maximize: string;
    /** Grid points run (after the constraint). */
    total: number;
    /** Bars the grid ran over (null for jobs finished before this was recorded). */
    bars: number | null;
    results: {
      rank: number;
      params: Params;
      value: number | null;
      stats: BacktestStats | null;
      rStats: unknown;
      error: { code: string; message: string } | null;
    }[];
  };
}

/** Options of {@link BacktestService}. */
export interface BacktestServiceOptions {
  sql: Sql;
  events: EventBus;
  /** `pg-boss` (default on PostgreSQL) or `in-process` (default, and the only choice, on PGlite). */
  mode?: 'pg-boss' | 'in-process';
  /**
   * Jobs this process runs at a time (default 1, or `TESTUDO_JOB_WORKERS`). On PostgreSQL 0 means: only enqueue,
   * leave the work to `testudo worker` processes.
   */
  localJobs?: number;
  /** Threads per optimisation (default: cores). */
  threads?: number;
  /** pg-boss schema; default `pgboss`, or `<schema>_pgboss` when the connection's schema is not `public`. */
  bossSchema?: string;
  /** Where unexpected errors go (the server's log). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

const MAX_EQUITY_POINTS = 1000;
/** Largest grid a job may run. */
export const MAX_JOB_GRID = 10_000;

function iso(v: unknown): string {
  return new Date(toMs(v)).toISOString();
}
function isoOrNull(v: unknown): string | null {
  const ms = toMsOrNull(v);
  return ms === null ? null : new Date(ms).toISOString();
}
function json(v: unknown): string {
  return JSON.stringify(v);
}
function obj<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
/** Stats in the order of STAT_KEYS (jsonb does not keep key order). */
function orderStats(s: unknown): BacktestStats {
  const o = obj<Record<string, unknown>>(s);
  return Object.fromEntries(STAT_KEYS.map((k) => [k, o[k] ?? null])) as BacktestStats;
}

/** The pg-boss `db` adapter over an {@link Sql} (a pool, or a transaction so a job is sent atomically with its row). */
function bossDb(sql: Sql): PgBoss.Db {
  return { executeSql: async (text, values) => ({ rows: await sql.query(text, values ?? []) }) };
}

/** The pg-boss schema for a connection: `pgboss` on `public`, else `<schema>_pgboss` (test schemas stay apart). */
async function defaultBossSchema(sql: Sql): Promise<string> {
  const [r] = await sql.query<{ s: string }>('SELECT current_schema() AS s');
  const s = r?.s ?? 'public';
  return s === 'public' ? 'pgboss' : `${s}_pgboss`;
}

/**
 * Reads the stored candles of a range, ascending, through {@link PgDataSource}; an incomplete last bucket of a
 * resampled timeframe is left out (it is not a finished bar). `from` inclusive, `to` exclusive, ms UTC.
 */
export async function readStoredCandles(
  sql: Sql,
  r: { symbol: string; timeframe: string; from?: number | null; to?: number | null },
): Promise<Candle[]> {
  if (!isTimeframe(r.timeframe)) return [];
  return readAll(new PgDataSource(sql, { completeOnly: true }), {
    symbol: r.symbol,
    timeframe: r.timeframe,
    ...(r.from == null ? {} : { from: r.from }),
    ...(r.to == null ? {} : { to: r.to }),
  });
}

/** A job's failure: stable code and message (what the row keeps). */
class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The bars of a job's data range (symbol, timeframe, from, to of its row) from the candle store.
 * @throws JobFailure `no-data` when the range holds no candles; BacktestError `bad-bars` for invalid ones.
 */
async function loadJobBars(sql: Sql, row: Row): Promise<ReturnType<typeof barsFromCandles>> {
  const range = {
    symbol: String(row.symbol),
    timeframe: String(row.timeframe),
    from: toMsOrNull(row.from_time),
    to: toMsOrNull(row.to_time),
  };
  // the candle store's column cache first (the same bars, bit for bit); the rows when it does not apply
  if (isTimeframe(range.timeframe)) {
    const bars = await readStoredBars(sql, {
      symbol: range.symbol,
      timeframe: range.timeframe,
      ...(range.from === null ? {} : { from: range.from }),
      ...(range.to === null ? {} : { to: range.to }),
    });
    if (bars) return bars;
  }
  const candles = await readStoredCandles(sql, range);
  if (candles.length === 0)
    throw new JobFailure(
      'no-data',
      `no stored ${String(row.timeframe)} candles of ${String(row.symbol)} in the range: import some first (testudo candles import)`,
    );
  return barsFromCandles(candles);
}

function failureOf(e: unknown): JobFailure {
  if (e instanceof JobFailure) return e;
  if (e instanceof BacktestError || e instanceof WorkerTaskError || e instanceof OptimizeError)
    return new JobFailure(e.code, e.message);
  return new JobFailure('internal-error', e instanceof Error ? e.message : String(e));
}

/** Samples equity/drawdown to at most {@link MAX_EQUITY_POINTS} points, always keeping the last bar. */
function sampleEquity(time: Float64Array, equity: Float64Array, drawdown: Float64Array): [number, number, number][] {
  const n = equity.length;
  const step = Math.max(1, Math.ceil(n / MAX_EQUITY_POINTS));
  const out: [number, number, number][] = [];
  const num = (x: number): number => (Number.isFinite(x) ? x : 0);
  for (let i = 0; i < n; i += step) out.push([time[i]!, num(equity[i]!), num(drawdown[i]!)]);
  if (n > 0 && (n - 1) % step !== 0) out.push([time[n - 1]!, num(equity[n - 1]!), num(drawdown[n - 1]!)]);
  return out;
}

/** Emits job events: to the bus (this process) and/or into the row (other processes). */
interface Reporter {
  progress(done: number, total: number): void;
  /** Writes the last progress still pending; awaited before the final state is stored. */
  flush(): Promise<void>;
}

/**
 * Runs one job by id to its end: claims the row, reads the candles, runs the backtest or the grid in worker
 * threads, and stores the results with `done` in one transaction — or `failed` with the error's code and no results.
 * A row already done, failed or deleted is left alone.
 * @returns the final status, or null when the row was not claimable.
 * @throws AbortedError when `signal` aborted (the row stays `running`, to be retried).
 */
export async function executeJob(
  sql: Sql,
  id: number,
  o: {
    threads?: number | undefined;
    signal?: AbortSignal | undefined;
    publish?: ((e: TradingEvent) => void) | undefined;
    /** Recorded as the job's `worker` (default host:pid). */
    worker?: string | undefined;
  } = {},
): Promise<JobStatus | null> {
  const [row] = await sql.query(
    `UPDATE backtests SET status = 'running', started_at = now(), attempts = attempts + 1, worker = $2
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
    [id, o.worker ?? `${hostname()}:${process.pid}`],
  );
  if (!row) return null;
  const userId = toInt(row.user_id);
  const kind = row.kind as JobKind;
  const publish = (type: TradingEventType, data: Record<string, unknown>): void =>
    o.publish?.({ type, userId, data: { id, kind, ...data } });
  let pending: Promise<void> = Promise.resolve();
  let lastWrite = 0;
  const reporter: Reporter = {
    progress(done, total) {
      const now = performance.now();
      if (now - lastWrite < 250 && done < total) return;
      lastWrite = now;
      publish('backtest-progress', { done, total });
      pending = pending.then(() =>
        sql
          .query(`UPDATE backtests SET progress_done = $2, progress_total = $3 WHERE id = $1 AND status = 'running'`, [
            id,
            done,
            total,
          ])
          .then(
            () => {},
            () => {},
          ),
      );
    },
    flush: () => pending,
  };
  try {
    const bars = await loadJobBars(sql, row);
    const strategy = String(row.strategy);
    const params = obj<Params>(row.params);
    const options = obj<BacktestOptions>(row.options);
    if (kind === 'backtest') {
      const r = await runBacktestInWorker(bars, strategy, params, options, (d, t) => reporter.progress(d, t), o.signal);
      await reporter.flush();
      const stored = await sql.tx(async (q) => {
        const [live] = await q.query(`SELECT 1 FROM backtests WHERE id = $1 AND status = 'running' FOR UPDATE`, [id]);
        if (!live) return false;
        await q.query(
          `INSERT INTO backtest_results (backtest_id, bars, stats, r_stats, rejections, equity)
           VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::jsonb)`,
          [
            id,
            bars.length,
            json(r.stats),
            json(r.rStats),
            json(r.rejections),
            json(sampleEquity(bars.time, r.equity, r.drawdown)),
          ],
        );
        const BATCH = 500;
        for (let i = 0; i < r.trades.length; i += BATCH) {
          const params: unknown[] = [id];
          const values = r.trades.slice(i, i + BATCH).map((t, k) => {
            params.push(
              i + k + 1,
              t.size,
              t.entryBar,
              t.exitBar,
              new Date(t.entryTime),
              new Date(t.exitTime),
              t.entryPrice,
              t.exitPrice,
              t.sl,
              t.tp,
              t.pnl,
              t.commission,
              Number.isFinite(t.returnPct) ? t.returnPct : null,
              t.rMultiple !== null && Number.isFinite(t.rMultiple) ? t.rMultiple : null,
              t.exitReason,
              t.tag,
            );
            const b = params.length - 16;
            return `($1, ${Array.from({ length: 16 }, (_, j) => `$${b + j + 1}`).join(', ')})`;
          });
          await q.query(
            `INSERT INTO backtest_trades (backtest_id, seq, size, entry_bar, exit_bar, entry_time, exit_time,
               entry_price, exit_price, sl, tp, pnl, commission, return_pct, r_multiple, exit_reason, tag)
             VALUES ${values.join(', ')}`,
            params,
          );
        }
        await q.query(
          `UPDATE backtests SET status = 'done', finished_at = now(), progress_done = $2, progress_total = $2, bars = $2
            WHERE id = $1`,
          [id, bars.length],
        );
        return true;
      });
      if (!stored) return null;
    } else {
      const axes = obj<GridAxis[]>(row.grid);
      const g = prepareGrid(
        {
          strategy,
          axes,
          fixed: params,
          constraint: row.constraint_text === null ? undefined : String(row.constraint_text),
          maximize: String(row.maximize),
          options,
        },
        MAX_JOB_GRID,
      );
      const out = await optimize(bars, g, options, {
        workers: o.threads,
        signal: o.signal,
        onProgress: (d, t) => reporter.progress(d, t),
      });
      await reporter.flush();
      const stored = await sql.tx(async (q) => {
        const [live] = await q.query(`SELECT 1 FROM backtests WHERE id = $1 AND status = 'running' FOR UPDATE`, [id]);
        if (!live) return false;
        await storeRanking(q, id, out.ranked, out.maximize, bars.length);
        return true;
      });
      if (!stored) return null;
    }
    publish('backtest-done', {});
    return 'done';
  } catch (e) {
    if (e instanceof AbortedError) throw e;
    await reporter.flush();
    const f = failureOf(e);
    const [failed] = await sql.query(
      `UPDATE backtests SET status = 'failed', finished_at = now(), error_code = $2, error_message = $3
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [id, f.code, f.message.slice(0, 2000)],
    );
    if (!failed) return null;
    publish('backtest-failed', { code: f.code, message: f.message });
    return 'failed';
  }
}

/**
 * Writes a ranking (best first) into `optimization_results` and marks the job `done` with its bar count; `q` is the
 * transaction holding the job row's lock (so this happens once, together with the status change).
 */
async function storeRanking(
  q: Sql,
  id: number,
  ranked: readonly GridResult[],
  maximize: StatKey,
  bars: number,
): Promise<void> {
  const BATCH = 500;
  for (let i = 0; i < ranked.length; i += BATCH) {
    const params: unknown[] = [id];
    const values = ranked.slice(i, i + BATCH).map((r, k) => {
      params.push(
        i + k + 1,
        r.index,
        json(r.params),
        statValue(r, maximize),
        r.stats === null ? null : json(r.stats),
        r.rStats === null ? null : json(r.rStats),
        r.error?.code ?? null,
        r.error?.message ?? null,
      );
      const b = params.length - 8;
      return `($1, $${b + 1}, $${b + 2}, $${b + 3}::jsonb, $${b + 4}, $${b + 5}::jsonb, $${b + 6}::jsonb, $${b + 7}, $${b + 8})`;
    });
    await q.query(
      `INSERT INTO optimization_results (backtest_id, rank, grid_index, params, value, stats, r_stats,
         error_code, error_message) VALUES ${values.join(', ')}`,
      params,
    );
  }
  await q.query(
    `UPDATE backtests SET status = 'done', finished_at = now(), progress_done = $2, progress_total = $2,
        maximize = $3, bars = $4 WHERE id = $1`,
    [id, ranked.length, maximize, bars],
  );
}

/** Grid points per chunk of a chunked optimisation: about {@link CHUNK_TARGET} chunks, 1 to 100 points each. */
const CHUNK_TARGET = 16;

/**
 * How a grid of `points` points (after the constraint) is cut into chunks: consecutive ranges in grid order, about
 * {@link CHUNK_TARGET} of them (so several workers get a share), each of 1 to 100 points.
 */
export function planChunks(points: number): { first: number; points: number }[] {
  const size = Math.max(1, Math.min(100, Math.ceil(points / CHUNK_TARGET)));
  const out: { first: number; points: number }[] = [];
  for (let first = 0; first < points; first += size) out.push({ first, points: Math.min(size, points - first) });
  return out;
}

/** Marks a chunked optimisation failed (if still live): its stored points are deleted, its chunks left undone. */
async function failOptimization(sql: Sql, id: number, f: JobFailure): Promise<boolean> {
  return sql.tx(async (q) => {
    const [row] = await q.query(
      `UPDATE backtests SET status = 'failed', finished_at = now(), error_code = $2, error_message = $3
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id, f.code, f.message.slice(0, 2000)],
    );
    if (!row) return false;
    await q.query('DELETE FROM optimization_points WHERE backtest_id = $1', [id]);
    await q.query(
      `UPDATE optimization_chunks SET status = 'failed', finished_at = now()
        WHERE backtest_id = $1 AND status IN ('queued', 'running')`,
      [id],
    );
    return true;
  });
}

/**
 * Runs one chunk of a chunked optimisation (PostgreSQL): claims the chunk, reads the candles, evaluates its grid
 * points in worker threads and stores them; the chunk that completes the grid ranks every stored point, writes
 * `optimization_results` and marks the job `done` — in one transaction under the job row's lock, so exactly once
 * even when chunks finish together on different machines. Progress (`progress_done`, points stored) advances per
 * chunk. A chunk that fails (no data, bad bars, a dead worker thread) fails the job with that code: its points are
 * deleted and no ranking is written; single grid points that the strategy refuses are results with an `error`, as
 * in the local optimiser.
 * @returns the job's status after this chunk (`running` while chunks remain), or null when there was nothing to do
 *   (job deleted, already done or failed, chunk already done).
 * @throws AbortedError when `signal` aborted (the chunk stays `running`, to be retried by pg-boss).
 */
export async function executeChunk(
  sql: Sql,
  id: number,
  chunk: number,
  o: {
    threads?: number | undefined;
    signal?: AbortSignal | undefined;
    publish?: ((e: TradingEvent) => void) | undefined;
    /** Recorded as the chunk's `worker` (default host:pid). */
    worker?: string | undefined;
  } = {},
): Promise<JobStatus | null> {
  const claimed = await sql.tx(async (q) => {
    const [row] = await q.query(
      `UPDATE backtests SET status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1,
          worker = $2
        WHERE id = $1 AND kind = 'optimization' AND status IN ('queued', 'running') RETURNING *`,
      [id, o.worker ?? `${hostname()}:${process.pid}`],
    );
    if (!row) return null;
    const [c] = await q.query(
      `UPDATE optimization_chunks SET status = 'running', attempts = attempts + 1, worker = $3
        WHERE backtest_id = $1 AND chunk = $2 AND status IN ('queued', 'running') RETURNING first_index, points`,
      [id, chunk, o.worker ?? `${hostname()}:${process.pid}`],
    );
    if (!c) return null;
    return { row, first: toInt(c.first_index), points: toInt(c.points) };
  });
  if (!claimed) return null;
  const { row, first, points } = claimed;
  const userId = toInt(row.user_id);
  const publish = (type: TradingEventType, data: Record<string, unknown>): void =>
    o.publish?.({ type, userId, data: { id, kind: 'optimization', ...data } });
  try {
    const bars = await loadJobBars(sql, row);
    const strategy = String(row.strategy);
    const options = obj<BacktestOptions>(row.options);
    const g = prepareGrid(
      {
        strategy,
        axes: obj<GridAxis[]>(row.grid),
        fixed: obj<Params>(row.params),
        constraint: row.constraint_text === null ? undefined : String(row.constraint_text),
        maximize: String(row.maximize),
        options,
      },
      MAX_JOB_GRID,
    );
    const slice = g.grid.slice(first, first + points);
    if (slice.length !== points)
      throw new JobFailure('bad-chunk', `chunk ${chunk} (points ${first}..${first + points - 1}) is off the grid`);
    const results = (
      await runGridParallel(bars, strategy, slice, options, { workers: o.threads, signal: o.signal })
    ).map((r) => ({ ...r, index: r.index + first }));
    const outcome = await sql.tx(async (q): Promise<{ status: JobStatus; done: number } | null> => {
      const [live] = await q.query(`SELECT 1 FROM backtests WHERE id = $1 AND status = 'running' FOR UPDATE`, [id]);
      if (!live) return null;
      const [c] = await q.query(
        `UPDATE optimization_chunks SET status = 'done', finished_at = now()
          WHERE backtest_id = $1 AND chunk = $2 AND status = 'running' RETURNING chunk`,
        [id, chunk],
      );
      if (!c) return null;
      const params: unknown[] = [id];
      const values = results.map((r) => {
        params.push(
          r.index,
          json(r.params),
          r.stats === null ? null : json(r.stats),
          r.rStats === null ? null : json(r.rStats),
          r.error?.code ?? null,
          r.error?.message ?? null,
        );
        const b = params.length - 6;
        return `($1, $${b + 1}, $${b + 2}::jsonb, $${b + 3}::jsonb, $${b + 4}::jsonb, $${b + 5}, $${b + 6})`;
      });
      await q.query(
        `INSERT INTO optimization_points (backtest_id, grid_index, params, stats, r_stats, error_code, error_message)
         VALUES ${values.join(', ')} ON CONFLICT (backtest_id, grid_index) DO NOTHING`,
        params,
      );
      const [left] = await q.query(
        `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open,
                (SELECT count(*)::int FROM optimization_points WHERE backtest_id = $1) AS done
           FROM optimization_chunks WHERE backtest_id = $1`,
        [id],
      );
      const done = toInt(left!.done);
      if (toInt(left!.open) > 0) {
        await q.query('UPDATE backtests SET progress_done = $2 WHERE id = $1', [id, done]);
        return { status: 'running', done };
      }
      const rows = await q.query(
        `SELECT grid_index, params, stats, r_stats, error_code, error_message FROM optimization_points
          WHERE backtest_id = $1 ORDER BY grid_index`,
        [id],
      );
      const all: GridResult[] = rows.map((x) => ({
        index: toInt(x.grid_index),
        params: obj<Params>(x.params),
        stats: x.stats === null ? null : orderStats(x.stats),
        rStats: x.r_stats === null ? null : obj<RStats>(x.r_stats),
        error: x.error_code === null ? null : { code: String(x.error_code), message: String(x.error_message ?? '') },
      }));
      if (all.length !== g.grid.length)
        throw new JobFailure('bad-chunk', `${all.length} of ${g.grid.length} grid points were stored`);
      await storeRanking(q, id, rankResults(all, g.maximize), g.maximize, bars.length);
      await q.query('DELETE FROM optimization_points WHERE backtest_id = $1', [id]);
      return { status: 'done', done };
    });
    if (!outcome) return null;
    publish('backtest-progress', { done: outcome.done, total: g.grid.length });
    if (outcome.status === 'done') publish('backtest-done', {});
    return outcome.status;
  } catch (e) {
    if (e instanceof AbortedError) throw e;
    const f = failureOf(e);
    if (!(await failOptimization(sql, id, f))) return null;
    publish('backtest-failed', { code: f.code, message: f.message });
    return 'failed';
  }
}

/** Something that runs jobs by id. */
interface JobRunner {
  /**
   * Queues job `id` of `userId`; `q` is the transaction that inserted its row (committed by the caller). `points`: an
   * optimisation's grid size, so a runner that shares work across machines can cut it into chunks.
   */
  enqueue(id: number, userId: number, q: Sql, points?: number): Promise<void>;
  /** Resumes jobs left queued or running by an earlier process, when this runner owns them. */
  recover(): Promise<void>;
  close(): Promise<void>;
}

/** PGlite (or in-process on PostgreSQL): a queue in this process, `concurrency` jobs at a time. */
class InProcessRunner implements JobRunner {
  private readonly waiting: number[] = [];
  private readonly running = new Map<number, AbortController>();
  private readonly idle = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly sql: Sql,
    private readonly concurrency: number,
    private readonly threads: number | undefined,
    private readonly publish: (e: TradingEvent) => void,
    private readonly onError: (err: unknown, context: Record<string, unknown>) => void,
  ) {}

  async enqueue(id: number): Promise<void> {
    // the row is the queue: nothing else to write
    this.waiting.push(id);
    queueMicrotask(() => this.pump());
  }

  async recover(): Promise<void> {
    const rows = await this.sql.query(
      `UPDATE backtests SET status = 'queued' WHERE status IN ('queued', 'running') RETURNING id`,
    );
    for (const r of rows.map((x) => toInt(x.id)).sort((a, b) => a - b)) this.waiting.push(r);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const ac = new AbortController();
      this.running.set(id, ac);
      void executeJob(this.sql, id, { threads: this.threads, signal: ac.signal, publish: this.publish })
        .catch((e) => {
          if (!(e instanceof AbortedError)) this.onError(e, { job: id });
        })
        .finally(() => {
          this.running.delete(id);
          if (this.running.size === 0) for (const f of this.idle) f();
          this.pump();
        });
    }
  }

  /** Resolves when no job is running (tests). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const f = (): void => {
        if (this.waiting.length > 0) return;
        this.idle.delete(f);
        resolve();
      };
      this.idle.add(f);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ac of this.running.values()) ac.abort();
    if (this.running.size > 0) await new Promise<void>((r) => this.idle.add(r));
  }
}

/** Retries and expiry of a pg-boss job, set on the queue and on each send. */
const JOB_RETRY = { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600 };

/** Stops a pg-boss started by this module, letting active jobs settle for up to 10 s; the pool stays open. */
function stopBoss(boss: PgBoss): Promise<void> {
  return boss.stop({ graceful: true, close: false, wait: true, timeout: 10_000 });
}

/**
 * Starts pg-boss on `sql` in `schema` and creates the job queue when missing (retried when two processes create it
 * at once and PostgreSQL reports a deadlock).
 */
async function startBoss(sql: Sql, schema: string, onError: (e: unknown) => void): Promise<PgBoss> {
  const boss = new PgBoss({ db: bossDb(sql), schema, supervise: true, schedule: false });
  boss.on('error', onError);
  await boss.start();
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await boss.getQueue(JOB_QUEUE))) await boss.createQueue(JOB_QUEUE, { name: JOB_QUEUE, ...JOB_RETRY });
      return boss;
    } catch (e) {
      if ((e as { code?: string }).code !== '40P01' || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** A worker taking jobs from pg-boss; see {@link startJobWorker}. */
export interface JobWorker {
  /** Stops taking jobs; running ones are aborted (pg-boss retries them). */
  stop(): Promise<void>;
}

/**
 * Takes jobs from the pg-boss queue of the database behind `sql` (PostgreSQL only) and runs them; what
 * `testudo worker` runs on each machine.
 * @param o.concurrency jobs at a time (default 1); `o.threads` threads per optimisation (default cores).
 * @throws Error `pg-boss needs PostgreSQL` on PGlite.
 */
export async function startJobWorker(
  sql: Sql,
  o: {
    concurrency?: number;
    threads?: number;
    bossSchema?: string;
    pollingIntervalSeconds?: number;
    onError?: (err: unknown, context: Record<string, unknown>) => void;
    publish?: (e: TradingEvent) => void;
    /** A started pg-boss to work through (the server's own); it is left running on stop. */
    boss?: PgBoss;
    /** Recorded as the `worker` of the jobs and chunks it runs (default host:pid). */
    name?: string;
  } = {},
): Promise<JobWorker> {
  if (sql.kind !== 'postgres')
    throw new Error('pg-boss needs PostgreSQL: on PGlite the server runs backtest jobs itself');
  const onError = o.onError ?? (() => {});
  const boss =
    o.boss ?? (await startBoss(sql, o.bossSchema ?? (await defaultBossSchema(sql)), (e) => onError(e, { boss: true })));
  const running = new Set<AbortController>();
  for (let i = 0; i < Math.max(1, o.concurrency ?? 1); i++) {
    await boss.work<JobData>(
      JOB_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: o.pollingIntervalSeconds ?? 1 },
      async (jobs) => {
        for (const job of jobs) {
          const ac = new AbortController();
          running.add(ac);
          try {
            const run = { threads: o.threads, signal: ac.signal, publish: o.publish, worker: o.name };
            if (job.data.chunk === undefined) await executeJob(sql, job.data.id, run);
            else await executeChunk(sql, job.data.id, job.data.chunk, run);
          } finally {
            running.delete(ac);
          }
        }
      },
    );
  }
  return {
    stop: async () => {
      await boss.offWork(JOB_QUEUE);
      for (const ac of running) ac.abort();
      if (!o.boss) await stopBoss(boss);
    },
  };
}

/** PostgreSQL: jobs go through pg-boss; this process works on them too unless `localJobs` is 0. */
class PgBossRunner implements JobRunner {
  private boss: Promise<PgBoss> | null = null;
  private worker: Promise<JobWorker> | null = null;
  private readonly watched = new Map<number, { userId: number; done: number; total: number }>();
  private timer: NodeJS.Timeout | null = null;
  private schema: Promise<string> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly o: {
      localJobs: number;
      threads: number | undefined;
      bossSchema: string | undefined;
      publish: (e: TradingEvent) => void;
      onError: (err: unknown, context: Record<string, unknown>) => void;
    },
  ) {}

  private bossSchema(): Promise<string> {
    this.schema ??= this.o.bossSchema ? Promise.resolve(this.o.bossSchema) : defaultBossSchema(this.sql);
    return this.schema;
  }

  private started(): Promise<PgBoss> {
    this.boss ??= this.bossSchema().then((s) => startBoss(this.sql, s, (e) => this.o.onError(e, { boss: true })));
    if (this.o.localJobs > 0)
      this.worker ??= this.boss.then((boss) =>
        startJobWorker(this.sql, {
          concurrency: this.o.localJobs,
          threads: this.o.threads,
          onError: this.o.onError,
          boss,
        }),
      );
    return this.boss;
  }

  async enqueue(id: number, userId: number, q: Sql, points?: number): Promise<void> {
    const boss = await this.started();
    const send = { db: bossDb(q), ...JOB_RETRY };
    if (points === undefined) await boss.send(JOB_QUEUE, { id } satisfies JobData, send);
    else {
      // An optimisation: one pg-boss job per chunk of the grid, so workers on several machines share it.
      const chunks = planChunks(points);
      const values = chunks.map((_, k) => `($1, $${3 * k + 2}, $${3 * k + 3}, $${3 * k + 4})`);
      await q.query(
        `INSERT INTO optimization_chunks (backtest_id, chunk, first_index, points) VALUES ${values.join(', ')}`,
        [id, ...chunks.flatMap((c, k) => [k, c.first, c.points])],
      );
      for (let k = 0; k < chunks.length; k++) await boss.send(JOB_QUEUE, { id, chunk: k } satisfies JobData, send);
    }
    this.watched.set(id, { userId, done: -1, total: -1 });
    this.timer ??= setInterval(() => void this.poll(), 250);
  }

  async recover(): Promise<void> {
    // Jobs left by an earlier server are still in pg-boss; start working on them when this process is a worker.
    const [r] = await this.sql.query(`SELECT count(*)::int AS n FROM backtests WHERE status IN ('queued', 'running')`);
    if (toInt(r?.n ?? 0) > 0 && this.o.localJobs > 0) await this.started();
  }

  /** Republishes the progress and end of watched jobs run by any worker process. */
  private async poll(): Promise<void> {
    if (this.watched.size === 0) return;
    try {
      const rows = await this.sql.query(
        `SELECT id, kind, status, progress_done, progress_total, error_code, error_message FROM backtests
          WHERE id = ANY($1::bigint[])`,
        [[...this.watched.keys()]],
      );
      const seen = new Set<number>();
      for (const row of rows) {
        const id = toInt(row.id);
        seen.add(id);
        const w = this.watched.get(id)!;
        const base = { id, kind: row.kind };
        const done = toInt(row.progress_done);
        const total = toInt(row.progress_total);
        if (row.status === 'running' && total > 0 && (done !== w.done || total !== w.total)) {
          w.done = done;
          w.total = total;
          this.o.publish({
            type: 'backtest-progress',
            userId: w.userId,
            data: { ...base, done, total },
          });
        }
        if (row.status === 'done' && total > 0 && (w.done !== total || w.total !== total))
          // the job ran between two polls: its last progress is still news
          this.o.publish({ type: 'backtest-progress', userId: w.userId, data: { ...base, done: total, total } });
        if (row.status === 'done' || row.status === 'failed') {
          this.watched.delete(id);
          this.o.publish(
            row.status === 'done'
              ? { type: 'backtest-done', userId: w.userId, data: base }
              : {
                  type: 'backtest-failed',
                  userId: w.userId,
                  data: { ...base, code: row.error_code, message: row.error_message },
                },
          );
        }
      }
      for (const id of this.watched.keys()) if (!seen.has(id)) this.watched.delete(id);
    } catch (e) {
      this.o.onError(e, { poll: 'backtests' });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.worker) await (await this.worker).stop();
    if (this.boss) await stopBoss(await this.boss);
  }
}

const JOB_COLUMNS = `id, kind, status, strategy_id, strategy, params, options, grid, maximize, constraint_text, symbol,
  timeframe, from_time, to_time, progress_done, progress_total, error_code, error_message, created_at, started_at,
  finished_at, bars`;

function jobSummary(r: Row): JobSummary {
  return {
    id: toInt(r.id),
    kind: r.kind as JobKind,
    status: r.status as JobStatus,
    strategyId: r.strategy_id === null ? null : toInt(r.strategy_id),
    strategy: String(r.strategy),
    params: obj<Params>(r.params),
    options: obj<BacktestOptions>(r.options),
    data: {
      symbol: String(r.symbol),
      timeframe: String(r.timeframe),
      from: isoOrNull(r.from_time),
      to: isoOrNull(r.to_time),
    },
    grid: r.grid === null ? null : obj<GridAxis[]>(r.grid),
    maximize: r.maximize === null ? null : String(r.maximize),
    constraint: r.constraint_text === null ? null : String(r.constraint_text),
    progress: { done: toInt(r.progress_done), total: toInt(r.progress_total) },
    error: r.error_code === null ? null : { code: String(r.error_code), message: String(r.error_message ?? '') },
    createdAt: iso(r.created_at),
    startedAt: isoOrNull(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
  };
}

function strategyOf(r: Row): SavedStrategy {
  return {
    id: toInt(r.id),
    name: String(r.name),
    strategy: String(r.strategy),
    params: obj<Params>(r.params),
    options: obj<BacktestOptions>(r.options),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** No job `id` (of `kind`, when given) for the caller. */
function jobNotFound(id: number, kind: JobKind | undefined): NotFoundError {
  return new NotFoundError(
    kind === 'optimization' ? 'optimization-not-found' : 'backtest-not-found',
    `no ${kind ?? 'backtest'} ${id}`,
  );
}

/** Saved strategies and backtest/optimisation jobs of users. Create with {@link BacktestService.open}. */
export class BacktestService {
  private constructor(
    private readonly sql: Sql,
    private readonly runner: JobRunner,
    /** How jobs run here: `pg-boss` or `in-process`. */
    readonly mode: 'pg-boss' | 'in-process',
  ) {}

  /**
   * Opens the service and resumes unfinished jobs (in-process) or the local pg-boss worker (PostgreSQL, when jobs
   * are pending). pg-boss starts lazily: nothing runs until a job exists.
   * @throws Error when `mode` is `pg-boss` on PGlite.
   */
  static async open(o: BacktestServiceOptions): Promise<BacktestService> {
    const mode = o.mode ?? (o.sql.kind === 'postgres' ? 'pg-boss' : 'in-process');
    if (mode === 'pg-boss' && o.sql.kind !== 'postgres')
      throw new Error('pg-boss needs PostgreSQL: on PGlite backtest jobs run in-process');
    const envJobs = process.env.TESTUDO_JOB_WORKERS;
    const localJobs = o.localJobs ?? (envJobs !== undefined && envJobs !== '' ? Number(envJobs) : 1);
    const onError = o.onError ?? (() => {});
    const publish = (e: TradingEvent): void => o.events.publish(e);
    const runner: JobRunner =
      mode === 'pg-boss'
        ? new PgBossRunner(o.sql, { localJobs, threads: o.threads, bossSchema: o.bossSchema, publish, onError })
        : new InProcessRunner(o.sql, Math.max(1, localJobs), o.threads, publish, onError);
    const svc = new BacktestService(o.sql, runner, mode);
    await runner.recover();
    return svc;
  }

  /** Resolves when this process runs no in-process job (tests); immediate with pg-boss. */
  async whenIdle(): Promise<void> {
    if (this.runner instanceof InProcessRunner) await this.runner.whenIdle();
  }

  /** Stops running jobs (they are resumed or retried later) and pg-boss. */
  async close(): Promise<void> {
    await this.runner.close();
  }

  // --- saved strategies ---

  /** Checks a built-in strategy name and parameter values; field-level issues, `unknown-strategy` first. */
  private check(strategy: string, params: Record<string, ParamValue | ParamValue[]>, prefix = 'params'): FieldIssue[] {
    let def;
    try {
      def = builtinStrategy(strategy);
    } catch (e) {
      return [{ field: 'strategy', code: 'unknown-strategy', message: (e as Error).message }];
    }
    return checkParams(def, params, prefix);
  }

  /** The user's saved strategies, by name. */
  async listStrategies(userId: number): Promise<SavedStrategy[]> {
    const rows = await this.sql.query('SELECT * FROM saved_strategies WHERE user_id = $1 ORDER BY name, id', [userId]);
    return rows.map(strategyOf);
  }

  /** One saved strategy of the user. @throws NotFoundError `strategy-not-found` (also for another user's). */
  async getStrategy(userId: number, id: number): Promise<SavedStrategy> {
    const [r] = await this.sql.query('SELECT * FROM saved_strategies WHERE id = $1 AND user_id = $2', [id, userId]);
    if (!r) throw new NotFoundError('strategy-not-found', `no strategy ${id}`);
    return strategyOf(r);
  }

  /**
   * Saves a strategy.
   * @throws ValidationError (`unknown-strategy`, parameter codes of `checkParams`); ConflictError
   *   `strategy-name-taken` when the user already has one of that name.
   */
  async createStrategy(userId: number, input: StrategyInput): Promise<SavedStrategy> {
    const issues = this.check(input.strategy, input.params ?? {});
    if (issues.length > 0) throw new ValidationError(issues);
    const rows = await this.sql.query(
      `INSERT INTO saved_strategies (user_id, name, strategy, params, options) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
       ON CONFLICT (user_id, name) DO NOTHING RETURNING *`,
      [userId, input.name, input.strategy, json(input.params ?? {}), json(input.options ?? {})],
    );
    if (!rows[0]) throw new ConflictError('strategy-name-taken', `you already have a strategy named "${input.name}"`);
    return strategyOf(rows[0]);
  }

  /** Replaces a saved strategy. @throws as {@link createStrategy}, and NotFoundError `strategy-not-found`. */
  async replaceStrategy(userId: number, id: number, input: StrategyInput): Promise<SavedStrategy> {
    const issues = this.check(input.strategy, input.params ?? {});
    if (issues.length > 0) throw new ValidationError(issues);
    return this.sql.tx(async (q) => {
      const [clash] = await q.query('SELECT id FROM saved_strategies WHERE user_id = $1 AND name = $2 AND id <> $3', [
        userId,
        input.name,
        id,
      ]);
      if (clash) throw new ConflictError('strategy-name-taken', `you already have a strategy named "${input.name}"`);
      const [r] = await q.query(
        `UPDATE saved_strategies SET name = $3, strategy = $4, params = $5::jsonb, options = $6::jsonb, updated_at = now()
          WHERE id = $1 AND user_id = $2 RETURNING *`,
        [id, userId, input.name, input.strategy, json(input.params ?? {}), json(input.options ?? {})],
      );
      if (!r) throw new NotFoundError('strategy-not-found', `no strategy ${id}`);
      return strategyOf(r);
    });
  }

  /** Deletes a saved strategy (its jobs keep their copy of it). @throws NotFoundError `strategy-not-found`. */
  async deleteStrategy(userId: number, id: number): Promise<void> {
    const rows = await this.sql.query('DELETE FROM saved_strategies WHERE id = $1 AND user_id = $2 RETURNING id', [
      id,
      userId,
    ]);
    if (rows.length === 0) throw new NotFoundError('strategy-not-found', `no strategy ${id}`);
  }

  // --- jobs ---

  /** Resolves strategy, parameters and options of a request (saved strategy first, the request's values over it). */
  private async resolve(
    userId: number,
    input: BacktestInput,
  ): Promise<{ strategyId: number | null; strategy: string; params: Params; options: BacktestOptions }> {
    if (input.strategyId !== undefined && input.strategy !== undefined)
      throw new ValidationError([
        { field: 'strategy', code: 'invalid-value', message: 'give either strategyId or strategy, not both' },
      ]);
    if (input.strategyId !== undefined) {
      const s = await this.getStrategy(userId, input.strategyId);
      return {
        strategyId: s.id,
        strategy: s.strategy,
        params: { ...s.params, ...(input.params ?? {}) },
        options: { ...s.options, ...(input.options ?? {}) },
      };
    }
    if (input.strategy === undefined)
      throw new ValidationError([
        { field: 'strategy', code: 'required', message: 'give strategyId (a saved strategy) or strategy (a built-in)' },
      ]);
    return { strategyId: null, strategy: input.strategy, params: input.params ?? {}, options: input.options ?? {} };
  }

  private range(d: DataRange): { from: Date | null; to: Date | null } {
    const from = d.from === undefined ? null : new Date(d.from);
    const to = d.to === undefined ? null : new Date(d.to);
    if (from && to && from.getTime() >= to.getTime())
      throw new ValidationError([{ field: 'data.to', code: 'invalid-value', message: 'must be after data.from' }]);
    return { from, to };
  }

  /**
   * Queues a backtest. Returns at once; the job runs in the background.
   * @throws ValidationError (strategy, parameters, range); NotFoundError `strategy-not-found`.
   */
  async submitBacktest(userId: number, input: BacktestInput): Promise<{ id: number; status: 'queued' }> {
    const r = await this.resolve(userId, input);
    const issues = this.check(r.strategy, r.params);
    if (issues.length > 0) throw new ValidationError(issues);
    return this.insertJob(userId, 'backtest', r, input.data);
  }

  /**
   * Queues an optimisation: the grid is validated (values against the strategy's ParamSpecs, the constraint, the
   * statistic, at most {@link MAX_JOB_GRID} points) before anything is written.
   * @throws ValidationError with field-level issues; NotFoundError `strategy-not-found`.
   */
  async submitOptimization(userId: number, input: OptimizationInput): Promise<{ id: number; status: 'queued' }> {
    const r = await this.resolve(userId, input);
    const axes: GridAxis[] = [];
    const issues: FieldIssue[] = [];
    for (const [name, spec] of Object.entries(input.grid)) {
      if (Array.isArray(spec)) axes.push({ name, values: spec });
      else {
        try {
          axes.push({ name, values: rangeValues(spec.start, spec.stop, spec.step, `grid.${name}`, MAX_JOB_GRID) });
        } catch (e) {
          if (!(e instanceof OptimizeError)) throw e;
          issues.push({ field: e.field, code: e.code, message: e.message });
        }
      }
    }
    if (axes.length === 0 && issues.length === 0)
      issues.push({ field: 'grid', code: 'empty-grid', message: 'give at least one parameter to vary' });
    const fixed = Object.fromEntries(Object.entries(r.params).filter(([k]) => !Object.hasOwn(input.grid, k)));
    issues.push(...this.check(r.strategy, fixed));
    if (issues.length === 0)
      issues.push(...this.check(r.strategy, Object.fromEntries(axes.map((a) => [a.name, a.values])), 'grid'));
    if (issues.length > 0) throw new ValidationError(issues);
    let prepared: { maximize: string; grid: Params[] };
    try {
      prepared = prepareGrid(
        {
          strategy: r.strategy,
          axes,
          fixed,
          constraint: input.constraint,
          maximize: input.maximize,
          options: r.options,
        },
        MAX_JOB_GRID,
      );
    } catch (e) {
      if (e instanceof OptimizeError) {
        const field = e.field.startsWith('params') ? e.field.replace(/^params/, 'grid') : e.field;
        throw new ValidationError([{ field, code: e.code, message: e.message }]);
      }
      throw e;
    }
    return this.insertJob(userId, 'optimization', { ...r, params: fixed }, input.data, {
      axes,
      maximize: prepared.maximize,
      constraint: input.constraint ?? null,
      points: prepared.grid.length,
    });
  }

  /** Writes a job's row and queues it, in one transaction. */
  private async insertJob(
    userId: number,
    kind: JobKind,
    r: { strategyId: number | null; strategy: string; params: Params; options: BacktestOptions },
    data: DataRange,
    grid?: { axes: GridAxis[]; maximize: string; constraint: string | null; points: number },
  ): Promise<{ id: number; status: 'queued' }> {
    const { from, to } = this.range(data);
    const id = await this.sql.tx(async (q) => {
      const [row] = await q.query(
        `INSERT INTO backtests (user_id, kind, strategy_id, strategy, params, options, grid, maximize, constraint_text,
           progress_total, symbol, timeframe, from_time, to_time)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, COALESCE($10::int, 0), $11, $12, $13, $14)
         RETURNING id`,
        [
          userId,
          kind,
          r.strategyId,
          r.strategy,
          json(r.params),
          json(r.options),
          grid ? json(grid.axes) : null,
          grid?.maximize ?? null,
          grid?.constraint ?? null,
          grid?.points ?? null,
          data.symbol,
          data.timeframe,
          from,
          to,
        ],
      );
      const id = toInt(row!.id);
      await this.runner.enqueue(id, userId, q, grid?.points);
      return id;
    });
    return { id, status: 'queued' };
  }

  /** The user's jobs, newest first (optionally of one kind). */
  async list(
    userId: number,
    o: { kind?: JobKind | undefined; limit?: number | undefined } = {},
  ): Promise<JobSummary[]> {
    const rows = await this.sql.query(
      `SELECT ${JOB_COLUMNS} FROM backtests WHERE user_id = $1 AND ($2::text IS NULL OR kind = $2)
        ORDER BY id DESC LIMIT $3`,
      [userId, o.kind ?? null, o.limit ?? 100],
    );
    return rows.map(jobSummary);
  }

  /**
   * One job of the user with its results when done: statistics, R statistics, trades and the sampled equity curve
   * (backtest), or the ranking (optimisation, the best `top`, default 100).
   * @throws NotFoundError `backtest-not-found` (also for another user's job, or another kind when `kind` is given).
   */
  async get(
    userId: number,
    id: number,
    o: { kind?: JobKind | undefined; top?: number | undefined } = {},
  ): Promise<JobDetail> {
    const [r] = await this.sql.query(`SELECT ${JOB_COLUMNS} FROM backtests WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    if (!r || (o.kind !== undefined && r.kind !== o.kind)) throw jobNotFound(id, o.kind);
    const job: JobDetail = jobSummary(r);
    if (job.status !== 'done') return job;
    if (job.kind === 'backtest') {
      const [res] = await this.sql.query('SELECT * FROM backtest_results WHERE backtest_id = $1', [id]);
      const trades = await this.sql.query(
        `SELECT size::text AS size, entry_bar, exit_bar, entry_time, exit_time, entry_price::text AS entry_price,
                exit_price::text AS exit_price, sl::text AS sl, tp::text AS tp, pnl::text AS pnl,
                commission::text AS commission, return_pct, r_multiple, exit_reason, tag
           FROM backtest_trades WHERE backtest_id = $1 ORDER BY seq`,
        [id],
      );
      if (res)
        job.result = {
          bars: toInt(res.bars),
          stats: orderStats(res.stats),
          rStats: obj(res.r_stats),
          rejections: obj(res.rejections),
          equity: obj(res.equity),
          trades: trades.map((t) => ({
            size: String(t.size),
            entryBar: toInt(t.entry_bar),
            exitBar: toInt(t.exit_bar),
            entryTime: iso(t.entry_time),
            exitTime: iso(t.exit_time),
            entryPrice: String(t.entry_price),
            exitPrice: String(t.exit_price),
            sl: t.sl === null ? null : String(t.sl),
            tp: t.tp === null ? null : String(t.tp),
            pnl: String(t.pnl),
            commission: String(t.commission),
            returnPct: Number(t.return_pct),
            rMultiple: t.r_multiple === null ? null : Number(t.r_multiple),
            exitReason: String(t.exit_reason),
            tag: t.tag === null ? null : String(t.tag),
          })),
        };
    } else {
      const rows = await this.sql.query(
        `SELECT rank, params, value, stats, r_stats, error_code, error_message FROM optimization_results
          WHERE backtest_id = $1 ORDER BY rank LIMIT $2`,
        [id, o.top ?? 100],
      );
      job.ranking = {
        maximize: job.maximize ?? '',
        total: job.progress.total,
        bars: r.bars === null || r.bars === undefined ? null : toInt(r.bars),
        results: rows.map((x) => ({
          rank: toInt(x.rank),
          params: obj<Params>(x.params),
          value: x.value === null ? null : Number(x.value),
          stats: x.stats === null ? null : orderStats(x.stats),
          rStats: x.r_stats === null ? null : obj(x.r_stats),
          error: x.error_code === null ? null : { code: String(x.error_code), message: String(x.error_message ?? '') },
        })),
      };
    }
    return job;
  }

  /**
   * Deletes a job and its results. A running job is abandoned: its results are discarded when it ends.
   * @throws NotFoundError `backtest-not-found` / `optimization-not-found`.
   */
  async delete(userId: number, id: number, kind?: JobKind): Promise<void> {
    const rows = await this.sql.query(
      'DELETE FROM backtests WHERE id = $1 AND user_id = $2 AND ($3::text IS NULL OR kind = $3) RETURNING id',
      [id, userId, kind ?? null],
    );
    if (rows.length === 0) throw jobNotFound(id, kind);
  }
}
