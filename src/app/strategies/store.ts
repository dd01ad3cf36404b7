/**
 * Strategy runs in the database: starting (validation, start equity, the row), reading (owner or admin), stopping,
 * events (stored, then published), and the client-hosted run endpoints (`testudo run PATH` posts what its local
 * strategy did: orders, closes, signals), which go through the same executor as the server's runner (`./orders.ts`).
 *
 * Invariants: another user's run is `run-not-found` (never revealed); an admin may read and stop any run; the
 * client endpoints are idempotent on (run, bar time, seq).
 */
import type { Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import type { MarketFeed } from '../../feed/feed.ts';
import { isTimeframe } from '../../core/marketdata/candle.ts';
import { resolveParams } from '../../core/backtest/params.ts';
import { BacktestError } from '../../core/backtest/types.ts';
import { BUILTIN_STRATEGIES } from '../../core/backtest/strategies/index.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { TradingService } from '../trading.ts';
import {
  endTrades,
  storedOutcome,
  submitEntry,
  writeOutcome,
  type IntentOutcome,
  type PendingEvent,
  type RunRef,
} from './orders.ts';
import { eventView, runStats, runView, type EventView, type RunView } from './views.ts';

/** What starts a run (the body of `POST /api/v1/strategy-runs`). */
export interface StartInput {
  strategy: string;
  symbol: string;
  timeframe: string;
  params?: Record<string, number | boolean | string> | undefined;
  connectionId?: number | undefined;
  /** Where the strategy code runs; default 'server' for a built-in strategy, else 'client'. */
  host?: 'server' | 'client' | undefined;
  /** Bars of history a server-hosted run starts with (its warm-up), 1..5000; default 500. */
  warmupBars?: number | undefined;
}

/** A start request after validation. */
export interface PreparedRun {
  host: 'server' | 'client';
  params: Record<string, unknown>;
  startEquity: string;
  warmupBars: number;
  input: StartInput;
}

/** Who asks: the user and whether they are an admin. */
export interface Caller {
  id: number;
  isAdmin?: boolean | undefined;
}

/** Options of {@link RunStore}. */
export interface RunStoreOptions {
  sql: Sql;
  trading: TradingService;
  feed: MarketFeed | null;
  now: () => number;
  /** Publishes stored events of a run to its subscribers. */
  publish: (runId: number, views: EventView[]) => void;
  /** Publishes the run's view to its subscribers. */
  publishRun: (runId: number) => Promise<void>;
  /** Tells the service a run placed a trade (its fills are the run's). */
  track: (runId: number, tradeId: number) => void;
}

/** Default and largest warm-up, bars. */
export const WARMUP_BARS = { default: 500, max: 5000 } as const;

/** Runs, events and the client-hosted endpoints over the database. */
export class RunStore {
  constructor(private readonly o: RunStoreOptions) {}

  /** Tick size of `symbol` (decimal text). @throws ValidationError `unknown-symbol`. */
  tickSize(symbol: string): string {
    const i = this.o.trading.listInstruments().find((x) => x.symbol === symbol);
    if (!i)
      throw new ValidationError([{ field: 'symbol', code: 'unknown-symbol', message: `unknown symbol ${symbol}` }]);
    return i.tickSize;
  }

  /** Validates a start request (see `StrategyRunService.start` for the codes). */
  async prepare(userId: number, input: StartInput): Promise<PreparedRun> {
    const builtin = Object.hasOwn(BUILTIN_STRATEGIES, input.strategy) ? BUILTIN_STRATEGIES[input.strategy]! : null;
    const host = input.host ?? (builtin ? 'server' : 'client');
    const issues: { field: string; code: string; message: string }[] = [];
    let params: Record<string, unknown> = input.params ?? {};
    if (host === 'server' && !builtin)
      issues.push({
        field: 'strategy',
        code: 'server-host-builtin-only',
        message: `the server runs only built-in strategies (${Object.keys(BUILTIN_STRATEGIES).join(', ')}); run your own module with testudo run PATH (host client)`,
      });
    if (builtin) {
      try {
        params = resolveParams(builtin, input.params ?? {});
      } catch (e) {
        if (!(e instanceof BacktestError)) throw e;
        issues.push({ field: `params.${e.details.param ?? ''}`, code: e.code, message: e.message });
      }
    }
    if (!this.o.trading.listInstruments().some((x) => x.symbol === input.symbol))
      issues.push({ field: 'symbol', code: 'unknown-symbol', message: `unknown symbol ${input.symbol}` });
    if (!isTimeframe(input.timeframe))
      issues.push({ field: 'timeframe', code: 'unknown-timeframe', message: `unknown timeframe ${input.timeframe}` });
    let startEquity: string | null = null;
    if (input.connectionId !== undefined) {
      const [c] = await this.o.sql.query(
        `SELECT a.balance::text AS balance FROM connections c JOIN accounts a ON a.id = c.account_id
          WHERE c.id = $1 AND c.user_id = $2`,
        [input.connectionId, userId],
      );
      if (!c)
        issues.push({ field: 'connectionId', code: 'unknown-connection', message: 'no such connection of yours' });
      else startEquity = String(c.balance);
    }
    if (issues.length > 0) throw new ValidationError(issues);
    if (host === 'server') {
      const feed = this.o.feed;
      if (!feed)
        throw new UnprocessableError('no-market-data', 'the server has no market data feed to run a strategy on');
      if (!feed.symbols().includes(input.symbol))
        throw new UnprocessableError(
          'symbol-not-fed',
          `the feed (${feed.name}) does not serve ${input.symbol}; it serves ${feed.symbols().join(', ')}`,
        );
      if (feed.timeframe !== input.timeframe)
        throw new UnprocessableError(
          'timeframe-not-fed',
          `the feed's bars are ${feed.timeframe}; a server-hosted run uses the feed's timeframe (${input.timeframe} asked)`,
        );
    }
    if (startEquity === null) {
      const [a] = await this.o.sql.query(
        'SELECT balance::text AS balance FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1',
        [userId],
      );
      if (!a) throw new NotFoundError('account-not-found', 'this user has no trading account');
      startEquity = String(a.balance);
    }
    return { host, params, startEquity, warmupBars: input.warmupBars ?? WARMUP_BARS.default, input };
  }

  /** Inserts a started run and its first `status` event; returns the row. */
  async insert(
    userId: number,
    p: PreparedRun,
    historyFrom: number | null,
    warmup: number,
  ): Promise<Record<string, unknown>> {
    const { row, views } = await this.o.sql.tx(async (q) => {
      const [r] = await q.query(
        `INSERT INTO strategy_runs (user_id, strategy, params, symbol, timeframe, connection_id, host, status,
           start_equity, history_from)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9) RETURNING *`,
        [
          userId,
          p.input.strategy,
          JSON.stringify(p.params),
          p.input.symbol,
          p.input.timeframe,
          p.input.connectionId ?? null,
          p.host,
          p.startEquity,
          historyFrom === null ? null : new Date(historyFrom),
        ],
      );
      const v = await this.insertEvents(q, toInt(r!.id), [
        { kind: 'status', barTime: null, data: { status: 'running', warmupBars: warmup } },
      ]);
      return { row: r!, views: v };
    });
    this.o.publish(toInt(row.id), views);
    return row;
  }

  /** The run's view with its statistics. */
  async view(row: Record<string, unknown>): Promise<RunView> {
    return runView(row, await runStats(this.o.sql, toInt(row.id)));
  }

  /** The run row, owner or admin only. @throws NotFoundError `run-not-found`. */
  async row(caller: Caller, runId: number): Promise<Record<string, unknown>> {
    const [r] = await this.o.sql.query('SELECT * FROM strategy_runs WHERE id = $1', [runId]);
    if (!r || (toInt(r.user_id) !== caller.id && !caller.isAdmin))
      throw new NotFoundError('run-not-found', `no strategy run ${runId} of yours`);
    return r;
  }

  /** A run (owner or admin). @throws NotFoundError `run-not-found`. */
  async get(caller: Caller, runId: number): Promise<RunView> {
    return this.view(await this.row(caller, runId));
  }

  /** The user's own runs, newest first. */
  async list(userId: number): Promise<RunView[]> {
    const rows = await this.o.sql.query('SELECT * FROM strategy_runs WHERE user_id = $1 ORDER BY id DESC LIMIT 500', [
      userId,
    ]);
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** Stops a run (a stopped or failed run stays as it is). @throws NotFoundError `run-not-found`. */
  async stop(caller: Caller, runId: number): Promise<RunView> {
    const r = await this.row(caller, runId);
    if (r.status === 'running') await this.setStatus(runId, 'stopped', null);
    await this.o.publishRun(runId);
    return this.view(await this.row(caller, runId));
  }

  /** Sets a run's status (stopped_at for stopped/failed) and records the `status` event. */
  async setStatus(runId: number, status: 'stopped' | 'failed', error: { code: string; message: string } | null) {
    const views = await this.o.sql.tx(async (q) => {
      await q.query(
        `UPDATE strategy_runs SET status = $2, error = $3, stopped_at = now() WHERE id = $1 AND status = 'running'`,
        [runId, status, error === null ? null : JSON.stringify(error)],
      );
      return this.insertEvents(q, runId, [{ kind: 'status', barTime: null, data: { status, error } }]);
    });
    this.o.publish(runId, views);
  }

  /** Stores events of a run in order (inside the caller's transaction); returns their views. */
  async insertEvents(q: Sql, runId: number, events: PendingEvent[]): Promise<EventView[]> {
    const out: EventView[] = [];
    for (const e of events) {
      const [r] = await q.query(
        'INSERT INTO strategy_events (run_id, kind, bar_time, data) VALUES ($1, $2, $3, $4) RETURNING *',
        [runId, e.kind, e.barTime === null ? null : new Date(e.barTime), JSON.stringify(e.data)],
      );
      out.push(eventView(r!));
    }
    return out;
  }

  /** Stores events of a run in their own transaction and publishes them. */
  async record(runId: number, events: PendingEvent[]): Promise<EventView[]> {
    const views = await this.o.sql.tx((q) => this.insertEvents(q, runId, events));
    this.o.publish(runId, views);
    return views;
  }

  /** The run's events after event id `after`, oldest first, at most `limit`; `next` is the cursor of the next page. */
  async events(
    caller: Caller,
    runId: number,
    after: number,
    limit: number,
  ): Promise<{ events: EventView[]; next: number | null }> {
    await this.row(caller, runId);
    const rows = await this.o.sql.query(
      'SELECT * FROM strategy_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3',
      [runId, after, limit + 1],
    );
    const events = rows.slice(0, limit).map(eventView);
    return { events, next: rows.length > limit ? events[events.length - 1]!.id : null };
  }

  /** The equity the strategy's `equity()` answers: the account's balance (quote currency, a float). */
  async equity(run: RunRef): Promise<number> {
    const [a] = await this.o.sql.query(
      run.connectionId === null
        ? 'SELECT balance::text AS b FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1'
        : 'SELECT a.balance::text AS b FROM connections c JOIN accounts a ON a.id = c.account_id WHERE c.id = $2',
      run.connectionId === null ? [run.userId] : [run.userId, run.connectionId],
    );
    return a ? Number(a.b) : Number.NaN;
  }

  /** A running client-hosted run of the caller (owner only for writes). */
  private async clientRun(caller: Caller, runId: number): Promise<RunRef> {
    const r = await this.row({ id: caller.id }, runId);
    if (r.host !== 'client')
      throw new ConflictError('run-not-client', 'this run is hosted by the server: it places its own orders');
    if (r.status !== 'running') throw new ConflictError('run-not-running', `this run is ${String(r.status)}`);
    return {
      id: toInt(r.id),
      userId: toInt(r.user_id),
      strategy: String(r.strategy),
      symbol: String(r.symbol),
      connectionId: r.connection_id === null ? null : toInt(r.connection_id),
    };
  }

  /** Moves a client run's cursor to `barTime` (never back) in `q`. */
  private async advance(q: Sql, runId: number, barTime: number): Promise<void> {
    await q.query(
      `UPDATE strategy_runs SET cursor_time = GREATEST(COALESCE(cursor_time, $2), $2),
          first_bar_time = COALESCE(first_bar_time, $2) WHERE id = $1`,
      [runId, new Date(barTime)],
    );
  }

  /**
   * An order a client-hosted run's strategy placed on the bar opening at `barTime`: submitted as the server's runner
   * submits (see `./orders.ts`); answers as `POST /api/v1/trades` (201 approved, 422 refused), a repeat of
   * (run, barTime, seq) with the stored answer. @throws NotFoundError `run-not-found`; ConflictError
   * `run-not-client`, `run-not-running`.
   */
  async clientOrder(
    caller: Caller,
    runId: number,
    o: {
      barTime: number;
      seq: number;
      side: 'buy' | 'sell';
      sl?: number | undefined;
      tp?: number | undefined;
      tag?: string | undefined;
    },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.clientStep(caller, runId, o, async (run) => {
      const intent = { kind: o.side, sl: o.sl ?? null, tp: o.tp ?? null, limit: null, stop: null, tag: o.tag ?? null };
      const out = await submitEntry(this.o.trading, run, this.tickSize(run.symbol), o.barTime, o.seq, intent);
      if (out.tradeId !== null && out.approved) this.o.track(runId, out.tradeId);
      return { out, intent };
    });
  }

  /** A client-hosted run's strategy closed its position on the bar `barTime` (idempotent on (run, barTime, seq)). */
  async clientClose(
    caller: Caller,
    runId: number,
    o: { barTime: number; seq: number },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.clientStep(caller, runId, o, async (run) => ({
      out: await endTrades(this.o.sql, this.o.trading, run, o.barTime, o.seq, 'close'),
      intent: { kind: 'close' },
    }));
  }

  /**
   * One order or close a client-hosted run reports for (barTime, seq): a repeat answers the stored outcome; else
   * `act` submits it and its outcome, the cursor move and the `signal` event (with `intent`) plus the outcome's
   * events are written in one transaction, then published. Answers the outcome's HTTP result. @throws as `clientRun`.
   */
  private async clientStep(
    caller: Caller,
    runId: number,
    o: { barTime: number; seq: number },
    act: (run: RunRef) => Promise<{ out: IntentOutcome; intent: Record<string, unknown> }>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const run = await this.clientRun(caller, runId);
    const prior = await storedOutcome(this.o.sql, runId, o.barTime, o.seq);
    if (prior) return prior.result;
    const { out, intent } = await act(run);
    const signal: PendingEvent = { kind: 'signal', barTime: o.barTime, data: { seq: o.seq, intent } };
    const views = await this.o.sql.tx(async (q) => {
      await writeOutcome(q, runId, o.barTime, out);
      await this.advance(q, runId, o.barTime);
      return this.insertEvents(q, runId, [signal, ...out.events]);
    });
    this.o.publish(runId, views);
    await this.o.publishRun(runId);
    return out.result;
  }

  /**
   * A signal a client-hosted run's strategy reports for the bar `barTime` (free JSON `data`), stored as a `signal`
   * event; a repeat with the same (barTime, seq) answers the stored event.
   */
  async clientSignal(
    caller: Caller,
    runId: number,
    o: { barTime: number; seq: number; data: Record<string, unknown> },
  ): Promise<EventView> {
    await this.clientRun(caller, runId);
    const [prior] = await this.o.sql.query(
      `SELECT * FROM strategy_events WHERE run_id = $1 AND kind = 'signal' AND bar_time = $2
          AND data->>'client' = 'true' AND (data->>'seq')::int = $3 ORDER BY id LIMIT 1`,
      [runId, new Date(o.barTime), o.seq],
    );
    if (prior) return eventView(prior);
    const views = await this.o.sql.tx(async (q) => {
      await this.advance(q, runId, o.barTime);
      return this.insertEvents(q, runId, [
        { kind: 'signal', barTime: o.barTime, data: { client: true, seq: o.seq, data: o.data } },
      ]);
    });
    this.o.publish(runId, views);
    return views[0]!;
  }
}
