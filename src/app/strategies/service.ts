/**
 * Strategy runs: a strategy module running on the live or replayed feed, every order it places going through the
 * trading service's submission path (sizing from the stop, every rule, a bracket; see `./orders.ts`).
 *
 * A server-hosted run (a built-in strategy) is driven here: it warms up with the newest closed bars of its symbol
 * (`./bars.ts`: the candle store, else the feed's history), then for each closed bar of its symbol from the feed it
 * waits until the trading service has processed that bar (fills first, as the backtester processes orders before
 * calling the strategy), evaluates the strategy on the history so far (`src/core/strategy/driver.ts`) with the run's
 * open trades, carries out the intents in order (seq 0, 1, …) and then, in one transaction, writes their
 * `strategy_orders` rows, the bar's events and the new cursor. A client-hosted run (`testudo run PATH`) posts its
 * orders, closes and signals to the routes, which use the same executor.
 *
 * Invariants:
 * - Bars of one run are processed one at a time, in order (a queue per run); a bar at or before the cursor is
 *   skipped, so a restart resumes after `cursor_time`. Before a bar after the cursor, the history is rebuilt up to
 *   the cursor if it does not end there, and any closed bar the feed skipped after the cursor (a restarted replay
 *   sought past it, a bar closed while the run was starting) is processed first, from the candle store or the feed's
 *   history: no bar after the cursor is left out.
 * - (run, bar, seq) is carried out at most once (`./orders.ts`): a bar processed again after a crash between the
 *   submission and the cursor's transaction replays the stored answer, never a second order.
 * - A refused order is recorded (approved false, a `decision` event with its codes) and the run carries on; only a
 *   strategy that throws fails the run (status `failed`, its error stored).
 * - Events are stored before they are published; subscribers get them in storage order per run.
 */
import type { Sql } from '../../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../../db/sql.ts';
import type { MarketFeed } from '../../feed/feed.ts';
import { TIMEFRAMES, type Candle, type Timeframe } from '../../core/marketdata/candle.ts';
import type { OpenTradeView } from '../../core/backtest/types.ts';
import { BacktestError } from '../../core/backtest/types.ts';
import { evaluateLatestBar } from '../../core/strategy/driver.ts';
import { BarHistory } from '../../core/strategy/history.ts';
import { BUILTIN_STRATEGIES } from '../../core/backtest/strategies/index.ts';
import type { EventBus } from '../events.ts';
import type { TradingService } from '../trading.ts';
import { closedBars } from './bars.ts';
import { endTrades, storedOutcome, submitEntry, type IntentOutcome, type PendingEvent, type RunRef } from './orders.ts';
import { writeOutcome } from './orders.ts';
import { runStats, runView, type EventView, type RunView } from './views.ts';
import { RunStore, type StartInput } from './store.ts';

export type { StartInput } from './store.ts';

/** A message for the run's subscribers (the WebSocket channel): a stored event, or the run after a change. */
export type RunMessage = { type: 'run'; data: RunView } | { type: EventView['kind']; data: EventView };

/** Options of {@link StrategyRunService}. */
export interface StrategyRunOptions {
  sql: Sql;
  trading: TradingService;
  events: EventBus;
  feed: MarketFeed | null;
  /** Market clock, ms UTC. */
  now: () => number;
  /** Where unexpected errors of a run go (the server's log). */
  onError?: ((err: unknown, context: Record<string, unknown>) => void) | undefined;
}

/** A server-hosted run being driven. */
interface LiveRun {
  ref: RunRef;
  params: Record<string, unknown>;
  tickSize: string;
  history: BarHistory;
  timeframe: Timeframe;
  /** First bar of the history the strategy is evaluated on (ms UTC), null until known. */
  historyFrom: number | null;
  cursor: number | null;
  queue: Promise<void>;
  on: boolean;
}

/** Starts, stops, drives and reports strategy runs. */
export class StrategyRunService {
  /** Reads and writes of runs, events and the client-hosted endpoints (`./store.ts`). */
  readonly store: RunStore;
  private readonly o: StrategyRunOptions;
  private readonly live = new Map<number, LiveRun>();
  /** Run of each trade a run placed (for the fills the trading service publishes). */
  private readonly tradeRun = new Map<number, number>();
  private readonly userSubs = new Map<number, { off: () => void; runs: number }>();
  private readonly subscribers = new Map<number, Set<(m: RunMessage) => void>>();
  private offFeed: (() => void) | null = null;

  constructor(o: StrategyRunOptions) {
    this.o = o;
    this.store = new RunStore({
      sql: o.sql,
      trading: o.trading,
      feed: o.feed,
      now: o.now,
      publish: (runId, views) => this.publish(runId, views),
      publishRun: (runId) => this.publishRun(runId),
      track: (runId, tradeId) => this.track(runId, tradeId),
    });
  }

  /** Subscribes to the feed and resumes every running server-hosted run after its cursor. */
  async init(): Promise<void> {
    const feed = this.o.feed;
    if (feed) this.offFeed = feed.onCandle((symbol, candle) => this.onCandle(symbol, candle));
    const rows = await this.o.sql.query(`SELECT * FROM strategy_runs WHERE status = 'running' AND host = 'server'`);
    for (const r of rows) {
      try {
        await this.resume(r);
      } catch (e) {
        this.o.onError?.(e, { where: 'strategy run resume', runId: toInt(r.id) });
      }
    }
  }

  /**
   * Starts a run for `userId` (see {@link StartInput}); a server-hosted run warms up and acts from the next closed
   * bar. @throws ValidationError (field codes: `unknown-strategy`, `unknown-param`, `bad-param`, `unknown-symbol`,
   *   `unknown-timeframe`, `unknown-connection`, `server-host-builtin-only`); UnprocessableError `no-market-data`
   *   (no feed), `symbol-not-fed`, `timeframe-not-fed` (a server run on another timeframe than the feed's).
   */
  async start(userId: number, input: StartInput): Promise<RunView> {
    const prepared = await this.store.prepare(userId, input);
    let history: Candle[] = [];
    if (prepared.host === 'server') {
      history = await closedBars(
        this.o.sql,
        this.o.feed,
        { symbol: input.symbol, timeframe: input.timeframe as Timeframe, limit: prepared.warmupBars },
        this.o.now(),
      );
    }
    const row = await this.store.insert(userId, prepared, history[0]?.time ?? null, history.length);
    if (prepared.host === 'server') this.drive(row, history);
    return this.store.view(row);
  }

  /** Stops a run (owner or admin). Its open trades stay open. @throws NotFoundError `run-not-found`. */
  async stop(user: { id: number; isAdmin?: boolean | undefined }, runId: number): Promise<RunView> {
    const run = this.live.get(runId);
    if (run) {
      await this.store.get(user, runId); // 404 for another user before anything changes
      run.on = false;
      await run.queue;
      this.forget(run);
    }
    const view = await this.store.stop(user, runId);
    return view;
  }

  /** Calls `fn` with every new event of the run and the run after each change; returns the unsubscriber. */
  subscribe(runId: number, fn: (m: RunMessage) => void): () => void {
    let set = this.subscribers.get(runId);
    if (!set) this.subscribers.set(runId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.subscribers.delete(runId);
    };
  }

  /** Resolves once every bar received so far has been processed by every run. */
  async drain(): Promise<void> {
    for (;;) {
      const queues = [...this.live.values()].map((r) => r.queue);
      await Promise.all(queues);
      if ([...this.live.values()].every((r, k) => r.queue === queues[k])) return;
    }
  }

  /** Stops listening to the feed and to the trading events, after the bars under way. */
  async close(): Promise<void> {
    this.offFeed?.();
    this.offFeed = null;
    await this.drain();
    for (const run of [...this.live.values()]) this.forget(run);
  }

  private async resume(r: Record<string, unknown>): Promise<void> {
    const cursor = toMsOrNull(r.cursor_time);
    const from = toMsOrNull(r.history_from);
    const tf = String(r.timeframe) as Timeframe;
    let history: Candle[] = [];
    if (from !== null)
      history = await closedBars(
        this.o.sql,
        this.o.feed,
        { symbol: String(r.symbol), timeframe: tf, from, ...(cursor === null ? {} : { to: cursor }), limit: 1_000_000 },
        this.o.now(),
      );
    const run = this.drive(r, history);
    const ids = await this.o.sql.query(
      `SELECT so.trade_id FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
        WHERE so.run_id = $1 AND t.status IN ('pending', 'open')`,
      [run.ref.id],
    );
    for (const x of ids) this.track(run.ref.id, toInt(x.trade_id));
    await this.store.record(run.ref.id, [
      {
        kind: 'status',
        barTime: null,
        data: { status: 'running', resumed: true, cursorTime: cursor === null ? null : new Date(cursor).toISOString() },
      },
    ]);
  }

  /** Starts driving a server-hosted run from its row and its history. */
  private drive(r: Record<string, unknown>, history: Candle[]): LiveRun {
    const ref: RunRef = {
      id: toInt(r.id),
      userId: toInt(r.user_id),
      strategy: String(r.strategy),
      symbol: String(r.symbol),
      connectionId: r.connection_id === null || r.connection_id === undefined ? null : toInt(r.connection_id),
    };
    const tickSize = this.store.tickSize(ref.symbol);
    const cursor = toMsOrNull(r.cursor_time);
    const run: LiveRun = {
      ref,
      params: (r.params ?? {}) as Record<string, unknown>,
      tickSize,
      history: new BarHistory(tickSize, history),
      timeframe: String(r.timeframe) as Timeframe,
      historyFrom: toMsOrNull(r.history_from) ?? history[0]?.time ?? null,
      cursor: cursor ?? (history.length > 0 ? history[history.length - 1]!.time : null),
      queue: Promise.resolve(),
      on: true,
    };
    this.live.set(ref.id, run);
    const sub = this.userSubs.get(ref.userId);
    if (sub) sub.runs++;
    else
      this.userSubs.set(ref.userId, {
        off: this.o.events.subscribe(ref.userId, (e) => {
          if (e.type !== 'fill' && e.type !== 'trade-closed') return;
          const tradeId = Number(e.type === 'fill' ? e.data.tradeId : e.data.id);
          const runId = this.tradeRun.get(tradeId);
          if (runId !== undefined) this.onTradeEvent(runId, e.type, e.data);
        }),
        runs: 1,
      });
    return run;
  }

  private forget(run: LiveRun): void {
    run.on = false;
    if (this.live.get(run.ref.id) !== run) return;
    this.live.delete(run.ref.id);
    const sub = this.userSubs.get(run.ref.userId);
    if (sub && --sub.runs === 0) {
      sub.off();
      this.userSubs.delete(run.ref.userId);
    }
  }

  private track(runId: number, tradeId: number): void {
    this.tradeRun.set(tradeId, runId);
  }

  /** An exit (or a later entry) fill of a run's trade: recorded; the run's statistics change when it closes. */
  private onTradeEvent(runId: number, type: 'fill' | 'trade-closed', data: Record<string, unknown>): void {
    const run = this.live.get(runId);
    const work = async (): Promise<void> => {
      if (type === 'trade-closed') {
        this.tradeRun.delete(Number(data.id));
        await this.publishRun(runId);
        return;
      }
      const filledAt = typeof data.filledAt === 'string' ? Date.parse(data.filledAt) : null;
      await this.store.record(runId, [{ kind: 'fill', barTime: filledAt, data: { ...data } }]);
    };
    const done = (e: unknown): void => this.o.onError?.(e, { where: 'strategy run fill', runId });
    if (run) run.queue = run.queue.then(work).catch(done);
    else void work().catch(done);
  }

  private onCandle(symbol: string, candle: Candle): void {
    for (const run of this.live.values()) {
      if (run.ref.symbol !== symbol) continue;
      run.queue = run.queue
        .then(() => this.onBar(run, candle))
        .catch((e) => this.o.onError?.(e, { where: 'strategy run bar', runId: run.ref.id, barTime: candle.time }));
    }
  }

  /**
   * Before a bar after the cursor: when the run's history does not end at its cursor (a restart before the feed
   * reached the cursor, e.g. a replay resumed later by a seek) it is rebuilt from `history_from` to the cursor, and
   * every closed bar between the cursor and `candle` that the feed skipped (a seek past them) is processed first, so
   * no bar after the cursor is left out (an order submitted on it before a crash gets its `strategy_orders` row).
   */
  private async catchUp(run: LiveRun, candle: Candle): Promise<void> {
    const len = TIMEFRAMES[run.timeframe];
    const aligned = run.cursor === null || run.history.lastTime === run.cursor;
    if (aligned && (run.cursor === null || candle.time <= run.cursor + len)) return;
    if (run.historyFrom === null) return;
    const bars = await closedBars(
      this.o.sql,
      this.o.feed,
      {
        symbol: run.ref.symbol,
        timeframe: run.timeframe,
        from: run.historyFrom,
        to: candle.time - 1,
        limit: 1_000_000,
      },
      Math.max(this.o.now(), candle.time),
    );
    if (!aligned)
      run.history = new BarHistory(
        run.tickSize,
        bars.filter((b) => b.time <= run.cursor!),
      );
    for (const b of bars) if (run.cursor !== null && b.time > run.cursor && run.on) await this.onBar(run, b, false);
  }

  /** Processes one closed bar of a run (see the module comment); `catchUp` false for a bar {@link catchUp} found. */
  private async onBar(run: LiveRun, candle: Candle, catchUp = true): Promise<void> {
    if (!run.on || (run.cursor !== null && candle.time <= run.cursor)) return;
    if (catchUp) await this.catchUp(run, candle);
    if (!run.on || (run.cursor !== null && candle.time <= run.cursor)) return;
    if (!run.history.append(candle)) return;
    await this.o.trading.drain(); // the bar's fills first, as the backtester processes orders before next()
    if (!run.on) return;
    const barTime = candle.time;
    const trades = await this.openTrades(run);
    let evaluation;
    try {
      evaluation = evaluateLatestBar(BUILTIN_STRATEGIES[run.ref.strategy]!, run.params, run.history.series(), trades, {
        equity: await this.store.equity(run.ref),
      });
    } catch (e) {
      if (!(e instanceof BacktestError)) throw e;
      await this.fail(run, e.code, e.message);
      return;
    }
    const events: PendingEvent[] = evaluation.intents.map((intent, seq) => ({
      kind: 'signal',
      barTime,
      data: { seq, intent },
    }));
    const outcomes: IntentOutcome[] = [];
    for (const [seq, intent] of evaluation.intents.entries()) {
      const prior = await storedOutcome(this.o.sql, run.ref.id, barTime, seq);
      const o =
        prior ??
        (intent.kind === 'buy' || intent.kind === 'sell'
          ? await submitEntry(this.o.trading, run.ref, run.tickSize, barTime, seq, intent)
          : await endTrades(this.o.sql, this.o.trading, run.ref, barTime, seq, intent.kind));
      if (o.tradeId !== null && o.approved) this.track(run.ref.id, o.tradeId);
      outcomes.push(o);
      events.push(...o.events);
    }
    const stored = await this.o.sql.tx(async (q) => {
      for (const o of outcomes) await writeOutcome(q, run.ref.id, barTime, o);
      const views = await this.store.insertEvents(q, run.ref.id, events);
      await q.query(
        `UPDATE strategy_runs SET cursor_time = $2,
            first_bar_time = COALESCE(first_bar_time, CASE WHEN $3::boolean THEN $2::timestamptz END),
            history_from = COALESCE(history_from, $4)
          WHERE id = $1`,
        [run.ref.id, new Date(barTime), evaluation.acted, new Date(run.history.firstTime!)],
      );
      return views;
    });
    run.cursor = barTime;
    this.publish(run.ref.id, stored);
    if (outcomes.length > 0) await this.publishRun(run.ref.id);
  }

  /** The run's open trades as the strategy sees them (oldest first; signed sizes in units). */
  private async openTrades(run: LiveRun): Promise<OpenTradeView[]> {
    const rows = await this.o.sql.query(
      `SELECT t.side, COALESCE(t.open_qty, t.qty)::text AS qty, t.entry_fill_price::text AS entry,
              COALESCE(t.current_stop_price, t.stop_price)::text AS sl,
              COALESCE(t.current_target_price, t.target_price)::text AS tp, so.bar_time
         FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
        WHERE so.run_id = $1 AND t.status = 'open' ORDER BY t.id`,
      [run.ref.id],
    );
    return rows.map((r) => ({
      size: (r.side === 'buy' ? 1 : -1) * Number(r.qty),
      entryPrice: Number(r.entry),
      entryBar: run.history.indexOf(toMs(r.bar_time)),
      sl: r.sl === null ? null : Number(r.sl),
      tp: r.tp === null ? null : Number(r.tp),
    }));
  }

  private async fail(run: LiveRun, code: string, message: string): Promise<void> {
    this.forget(run);
    await this.store.setStatus(run.ref.id, 'failed', { code, message });
    await this.publishRun(run.ref.id);
  }

  private publish(runId: number, views: EventView[]): void {
    const set = this.subscribers.get(runId);
    if (!set) return;
    for (const v of views) for (const fn of [...set]) safe(() => fn({ type: v.kind, data: v }));
  }

  private async publishRun(runId: number): Promise<void> {
    const set = this.subscribers.get(runId);
    if (!set || set.size === 0) return;
    const [r] = await this.o.sql.query('SELECT * FROM strategy_runs WHERE id = $1', [runId]);
    if (!r) return;
    const view = runView(r, await runStats(this.o.sql, runId));
    for (const fn of [...set]) safe(() => fn({ type: 'run', data: view }));
  }
}

function safe(f: () => void): void {
  try {
    f();
  } catch {
    // a broken socket must not break a run
  }
}
