/**
 * The parity report of a strategy run: the run's bars from the candle store replayed through the backtester exactly
 * as the run traded them, diffed trade by trade against the run's journal trades (`src/core/backtest/parity.ts`).
 *
 * The backtest reproduces the run's conditions: Testudo mode with the risk profile of the account the run trades on
 * (the user's paper account, or the connection's risk account), `tradeOnClose` (a paper market entry fills at the
 * bar's close), the instrument's tick and lot sizes and its maker/taker fees (`fees`), cash = the run's start equity.
 * Its bars (the candle store's, else the feed's history, as the run reads them: `./bars.ts`) start at the run's
 * `history_from` (the oldest bar of the history the run evaluates its strategy on, so
 * indicators start where the run's did) and end at the last bar closed by the market clock. The strategy is wrapped
 * so that its orders and closes are no-ops outside the bars the run acted on: before `first_bar_time` (warm-up) and
 * after `cursor_time` (bars the run has not processed; their stop and target fills still count, as they do on the
 * paper exchange). One flat bar at the last close is appended so that an order of the last bar fills at its close and
 * the trades still open are listed (reason `end`, exit not compared while the live trade is open too).
 *
 * The live record: the run's filled entries (`strategy_orders` kind `entry` with a trade), each timed by the bar its
 * order was placed on; a stop or target exit by its fill's bar, a manual exit by the run's close request that caused
 * it (the latest `close` row at or before the fill); and the refused entries with their codes.
 *
 * Known limits (reported as differences, not hidden): the account's other trades, its losses before the run and a
 * profile changed since the run started all change live decisions but not the backtest's; the instrument's minimum
 * quantity and notional are not applied by the backtester.
 */
import type { Row, Sql } from '../../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../../db/sql.ts';
import { TIMEFRAMES, isTimeframe, type Candle } from '../../core/marketdata/candle.ts';
import { runBacktest } from '../../core/backtest/run.ts';
import { barsFromCandles } from '../../core/backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../../core/backtest/strategies/index.ts';
import {
  BacktestError,
  type BacktestResult,
  type BarContext,
  type StrategyDefinition,
} from '../../core/backtest/types.ts';
import {
  diffParity,
  type LiveRejection,
  type LiveTrade,
  type ParityReport,
  type ParityRow,
  type ParitySide,
  type ParityTotals,
} from '../../core/backtest/parity.ts';
import { DEFAULT_RISK_PROFILE, type RiskProfile } from '../../core/risk/profile.ts';
import { feeAtoms, priceToTicks, qtyToLots, toSpec, type Instrument } from '../../core/instruments/instrument.ts';
import { absBig, formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import type { MarketFeed } from '../../feed/feed.ts';
import { closedBars } from './bars.ts';
import { NotFoundError, UnprocessableError } from '../errors.ts';

/** Bars of entry-time gap within which a live trade still pairs with a backtest trade (see `diffParity`). */
export const MATCH_GAP_BARS = 5;

/** What the backtest ran with (for the report's header). */
export interface ParitySettings {
  cash: string;
  fees: { maker: string; taker: string };
  tickSize: string;
  lotSize: string;
  tradeOnClose: true;
  testudo: true;
  riskProfile: RiskProfile;
}

/** The run as the report shows it (times ISO, money decimal text). */
export interface ParityRunInfo {
  id: number;
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  timeframe: string;
  host: string;
  status: string;
  connectionId: number | null;
  startEquity: string;
  historyFrom: string | null;
  firstBarTime: string | null;
  cursorTime: string | null;
}

/** Everything the report needs besides the diff: the run, the backtest's bars, settings and result. */
export interface ParityComputation {
  run: ParityRunInfo;
  range: { from: number | null; to: number | null };
  settings: ParitySettings;
  /** The candles the backtest ran on (the flat end bar not included). */
  candles: Candle[];
  result: BacktestResult;
  report: ParityReport;
  warnings: string[];
}

/** Options of {@link computeParity}. */
export interface ParityOptions {
  sql: Sql;
  /** The market clock, ms UTC: bars that closed after it are not used. */
  now: number;
  /** Instruments by symbol (the trading service's list). */
  instruments: readonly Instrument[];
  /** The feed, whose history serves the bars when the candle store has none (as for the run itself). */
  feed: MarketFeed | null;
}

/** Most bars a parity backtest reads. */
export const MAX_PARITY_BARS = 1_000_000;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Wraps `def` so that `buy`, `sell`, `closePosition` and `cancelOrders` do nothing on bars with open time outside
 * [from, until] (either end null = open); everything else (indicators, `next`'s reads) is unchanged.
 */
export function gateOrders(
  def: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  from: number | null,
  until: number | null,
): StrategyDefinition<any, any> /* eslint-disable-line @typescript-eslint/no-explicit-any */ {
  const noop = (): void => {};
  return {
    name: def.name,
    description: def.description,
    params: def.params,
    init(ictx) {
      const made = def.init(ictx) as unknown;
      let next: (c: BarContext) => void;
      if (typeof made === 'function') next = made as (c: BarContext) => void;
      else if (typeof def.next === 'function') {
        const perBar = def.next.bind(def);
        next = (c) => perBar(c, made as never);
      } else
        throw new BacktestError(
          'strategy-error',
          `strategy ${def.name}: init must return the next function, or the strategy must define next`,
        );
      return (ctx: BarContext) => {
        const t = ctx.data.time[ctx.i]!;
        if ((from === null || t >= from) && (until === null || t <= until)) return next(ctx);
        next({
          get i() {
            return ctx.i;
          },
          get data() {
            return ctx.data;
          },
          get positionSize() {
            return ctx.positionSize;
          },
          get trades() {
            return ctx.trades;
          },
          equity: () => ctx.equity(),
          buy: noop,
          sell: noop,
          closePosition: noop,
          cancelOrders: noop,
        });
      };
    },
  };
}

/** The codes of a refused entry's stored answer (`{error: {code, rules?: [{code}]}}`). */
function codesOf(result: unknown): string[] {
  const body = (result as { body?: { error?: { code?: string; rules?: { code?: string; passed?: boolean }[] } } })
    ?.body;
  const err = body?.error;
  const rules = (err?.rules ?? []).filter((r) => r.passed !== true && typeof r.code === 'string');
  if (rules.length > 0) return rules.map((r) => r.code!);
  return err?.code ? [err.code] : ['rejected'];
}

const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/** Loads the run's live record: its filled trades and refused entries (see the module comment). */
async function liveRecord(
  sql: Sql,
  runId: number,
  instrument: Instrument,
  barMs: number,
): Promise<{ trades: LiveTrade[]; rejections: LiveRejection[] }> {
  const spec = toSpec(instrument);
  const closes = (
    await sql.query(`SELECT bar_time FROM strategy_orders WHERE run_id = $1 AND kind = 'close' ORDER BY bar_time`, [
      runId,
    ])
  ).map((r) => toMs(r.bar_time));
  const rows = await sql.query(
    `SELECT so.bar_time AS order_bar, t.id, t.side, t.qty::text AS qty, t.entry_fill_price::text AS entry_fill_price,
            t.exit_fill_price::text AS exit_fill_price, t.entry_fee::text AS entry_fee, t.fees::text AS fees,
            t.net_pnl::text AS net_pnl, t.initial_risk::text AS initial_risk, t.r_multiple, t.exit_reason,
            t.stop_price::text AS stop_price, t.closed_at, t.status
       FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
      WHERE so.run_id = $1 AND so.kind = 'entry' AND so.approved AND t.entry_fill_price IS NOT NULL
      ORDER BY so.bar_time, so.seq`,
    [runId],
  );
  const trades = rows.map((r: Row): LiveTrade => {
    const entryTime = toMs(r.order_bar);
    const closedAt = r.status === 'closed' ? toMsOrNull(r.closed_at) : null;
    let exitTime = closedAt;
    if (closedAt !== null && r.exit_reason === 'manual') {
      const byRequest = closes.filter((t) => t >= entryTime && t <= closedAt).pop();
      // no close request of the run (closed by hand): the last bar that had closed by then
      exitTime = byRequest ?? Math.floor(closedAt / barMs) * barMs - barMs;
    }
    const entryFee = r.entry_fee === null ? '0' : String(r.entry_fee);
    let initialRisk = r.initial_risk === null ? null : String(r.initial_risk);
    if (initialRisk === null && r.stop_price !== null) {
      // still open: |entry − initial stop| × qty + entry fee + the taker fee at the stop, as the journal will store
      const entry = priceToTicks(spec, String(r.entry_fill_price));
      const stop = priceToTicks(spec, String(r.stop_price));
      const lots = qtyToLots(spec, String(r.qty));
      if (entry.ok && stop.ok && lots.ok) {
        const apt = spec.atomsPerTickLot;
        initialRisk = formatAtoms(
          absBig(entry.value - stop.value) * lots.value * apt +
            toAtoms(entryFee) +
            feeAtoms(stop.value * lots.value * apt, spec.takerFee),
        );
      }
    }
    return {
      tradeId: toInt(r.id),
      side: r.side === 'sell' ? 'sell' : 'buy',
      entryTime,
      exitTime,
      size: String(r.qty),
      entryPrice: String(r.entry_fill_price),
      exitPrice: closedAt === null || r.exit_fill_price === null ? null : String(r.exit_fill_price),
      fees: r.fees === null ? entryFee : String(r.fees),
      netPnl: closedAt === null || r.net_pnl === null ? null : String(r.net_pnl),
      initialRisk,
      r: closedAt === null || r.r_multiple === null ? null : Number(r.r_multiple),
      exitReason: closedAt === null ? null : (r.exit_reason as string | null),
    };
  });
  const refused = await sql.query(
    `SELECT bar_time, decision_id, result FROM strategy_orders
      WHERE run_id = $1 AND kind = 'entry' AND NOT approved ORDER BY bar_time, seq`,
    [runId],
  );
  const rejections = refused.map((r) => ({
    time: toMs(r.bar_time),
    codes: codesOf(parseJson(r.result)),
    decisionId: r.decision_id === null ? null : toInt(r.decision_id),
  }));
  return { trades, rejections };
}

/** The risk profile of the account a run trades on: the connection's risk account, else the user's paper account. */
async function profileOf(sql: Sql, userId: number, connectionId: number | null): Promise<RiskProfile> {
  const [a] =
    connectionId === null
      ? await sql.query('SELECT risk_profile FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1', [userId])
      : await sql.query(
          'SELECT a.risk_profile FROM connections c JOIN accounts a ON a.id = c.account_id WHERE c.id = $1',
          [connectionId],
        );
  if (!a) throw new NotFoundError('account-not-found', 'the run’s trading account no longer exists');
  return { ...DEFAULT_RISK_PROFILE, ...(parseJson(a.risk_profile) as Partial<RiskProfile>) };
}

/**
 * Computes the parity report of run `runId` of `userId` over entries in [from, to) (ms UTC, either null = open).
 * @throws NotFoundError `run-not-found` (no such run of this user), `account-not-found`;
 *   UnprocessableError `strategy-not-on-server` (a user module: its code never reaches the server),
 *   `unknown-symbol`, `unknown-timeframe`, `no-data` (no stored bars for the run), `backtest-failed` (the
 *   strategy threw or refused its parameters, with the backtester's message).
 */
export async function computeParity(
  o: ParityOptions,
  userId: number,
  runId: number,
  range: { from?: number | null | undefined; to?: number | null | undefined } = {},
): Promise<ParityComputation> {
  const [run] = await o.sql.query(
    `SELECT *, start_equity::text AS start_equity_text FROM strategy_runs WHERE id = $1 AND user_id = $2`,
    [runId, userId],
  );
  if (!run) throw new NotFoundError('run-not-found', `no strategy run ${runId} of yours`);
  const strategyName = String(run.strategy);
  const def = Object.hasOwn(BUILTIN_STRATEGIES, strategyName) ? BUILTIN_STRATEGIES[strategyName]! : null;
  if (!def)
    throw new UnprocessableError(
      'strategy-not-on-server',
      `${strategyName} is not a built-in strategy: its code stays on your machine, so the server cannot backtest it`,
    );
  const symbol = String(run.symbol);
  const timeframe = String(run.timeframe);
  const instrument = o.instruments.find((i) => i.symbol === symbol);
  if (!instrument) throw new UnprocessableError('unknown-symbol', `unknown symbol ${symbol}`);
  if (!isTimeframe(timeframe)) throw new UnprocessableError('unknown-timeframe', `unknown timeframe ${timeframe}`);
  const barMs = TIMEFRAMES[timeframe];
  const historyFrom = toMsOrNull(run.history_from);
  const firstBar = toMsOrNull(run.first_bar_time);
  const cursor = toMsOrNull(run.cursor_time);
  const connectionId = run.connection_id === null ? null : toInt(run.connection_id);
  const info: ParityRunInfo = {
    id: runId,
    strategy: strategyName,
    params: (parseJson(run.params) ?? {}) as Record<string, unknown>,
    symbol,
    timeframe,
    host: String(run.host),
    status: String(run.status),
    connectionId,
    startEquity: String(run.start_equity_text),
    historyFrom: iso(historyFrom),
    firstBarTime: iso(firstBar),
    cursorTime: iso(cursor),
  };
  const warnings: string[] = [];
  // closed bars only (open time + length ≤ now), from the store or else the feed's history, as the run read them
  const candles = await closedBars(
    o.sql,
    o.feed,
    { symbol, timeframe, from: historyFrom ?? undefined, limit: MAX_PARITY_BARS },
    o.now,
  );
  if (candles.length === 0)
    throw new UnprocessableError('no-data', `no stored ${timeframe} candles of ${symbol} for run ${runId}`);
  if (historyFrom === null)
    warnings.push('the run has no recorded history start: the backtest starts at the oldest stored bar');
  if (firstBar === null) warnings.push('the run has not acted on any bar yet');
  const last = candles[candles.length - 1]!;
  const flat = { time: last.time + barMs, open: last.close, high: last.close, low: last.close, close: last.close };
  const bars = barsFromCandles([...candles, { ...flat, volume: '0' }], { tickSize: instrument.tickSize });
  const profile = await profileOf(o.sql, userId, connectionId);
  const settings: ParitySettings = {
    cash: info.startEquity,
    fees: { maker: instrument.makerFee, taker: instrument.takerFee },
    tickSize: instrument.tickSize,
    lotSize: instrument.lotSize,
    tradeOnClose: true,
    testudo: true,
    riskProfile: profile,
  };
  let result: BacktestResult;
  try {
    // before the first acted-on bar nothing may trade; without one (the run never acted) nothing at all
    result = runBacktest(bars, gateOrders(def, firstBar ?? Infinity, cursor), info.params, {
      cash: settings.cash,
      fees: settings.fees,
      lotSize: settings.lotSize,
      tradeOnClose: true,
      finalizeTrades: true,
      testudo: { profile },
    });
  } catch (e) {
    if (e instanceof BacktestError) throw new UnprocessableError('backtest-failed', e.message);
    throw e;
  }
  warnings.push(...result.warnings);
  const live = await liveRecord(o.sql, runId, instrument, barMs);
  const from = range.from ?? null;
  const to = range.to ?? null;
  const report = diffParity({
    backtest: result.trades,
    backtestRejections: result.rejections,
    live: live.trades,
    liveRejections: live.rejections,
    from,
    to,
    maxEntryGapMs: MATCH_GAP_BARS * barMs,
  });
  return { run: info, range: { from, to }, settings, candles, result, report, warnings };
}

/** One side of a report row as served: {@link ParitySide} with ISO times. */
export interface ParitySideView extends Omit<ParitySide, 'entryTime' | 'exitTime'> {
  entryTime: string;
  exitTime: string | null;
}

/** A report row as served (times ISO; `diff` time differences in ms). */
export interface ParityRowView extends Omit<ParityRow, 'backtest' | 'live'> {
  backtest: ParitySideView | null;
  live: ParitySideView | null;
}

/** `GET /api/v1/strategy-runs/:id/parity`: the report as JSON (times ISO 8601 UTC, money decimal text, R numbers). */
export interface ParityView {
  run: ParityRunInfo;
  /** The entry-time range asked for, or null ends. */
  range: { from: string | null; to: string | null };
  settings: Omit<ParitySettings, 'riskProfile'> & { riskProfile: Record<string, unknown> };
  backtest: { bars: number; from: string; to: string; trades: number };
  /** True when every trade matched with no difference (see `diffParity`). */
  equal: boolean;
  totals: ParityTotals;
  rows: ParityRowView[];
  liveRejections: { time: string; codes: string[]; decisionId: number | null }[];
  backtestRejections: Record<string, number>;
  warnings: string[];
}

const sideView = (s: ParitySide | null): ParitySideView | null =>
  s === null ? null : { ...s, entryTime: iso(s.entryTime)!, exitTime: iso(s.exitTime) };

/** The JSON view of a {@link ParityComputation}. */
export function parityView(c: ParityComputation): ParityView {
  return {
    run: c.run,
    range: { from: iso(c.range.from), to: iso(c.range.to) },
    settings: { ...c.settings, riskProfile: { ...c.settings.riskProfile } },
    backtest: {
      bars: c.candles.length,
      from: iso(c.candles[0]!.time)!,
      to: iso(c.candles[c.candles.length - 1]!.time)!,
      trades: c.result.trades.length,
    },
    equal: c.report.equal,
    totals: c.report.totals,
    rows: c.report.rows.map((r) => ({ ...r, backtest: sideView(r.backtest), live: sideView(r.live) })),
    liveRejections: c.report.liveRejections.map((r) => ({ ...r, time: iso(r.time)! })),
    backtestRejections: c.report.backtestRejections,
    warnings: c.warnings,
  };
}
