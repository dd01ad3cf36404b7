/**
 * The live bracket engine: trades through exchange connections (src/app/connections.ts). It owns, per active
 * connection, a work queue, the venue's order and fill stream and the reconciliation timer; the use cases are in
 * `submit.ts` (sizing and the entry), `fills.ts` (every fill once, the journal), `exits.ts` (exit orders sized to the
 * filled quantity), `manage.ts` (stop/target moves, close) and `reconcile.ts` (repairs after gaps).
 *
 * Invariants:
 * - Work on one connection (a fill, an exit sync, a management change, a reconciliation) runs one at a time, in
 *   arrival order; connections do not wait for each other.
 * - State lives in the database only: a new engine resumes by reconciling every active connection on start.
 * - Reconciliation runs on start, every `reconcileMs` (60 s; the timer is unref'd and stopped by {@link stop}) and
 *   when a connection's breaker closes again after being open.
 * - The paper engine never loads live trades (TradingService.init filters `connection_id IS NULL`).
 */
import type { Sql } from '../../db/sql.ts';
import { CircuitBreaker } from '../../core/risk/breaker.ts';
import type { ConnectionService } from '../connections.ts';
import type { EventBus } from '../events.ts';
import { TradingState } from '../trading/state.ts';
import type { SetupInput, SubmitResult } from '../trading/submission.ts';
import type { ManageResult } from '../trading/management.ts';
import type { VenueFill, VenueOrder } from '../venues/types.ts';
import type { LiveCore } from './core.ts';
import { syncExits } from './exits.ts';
import { applyFill } from './fills.ts';
import { recordExcursion } from './excursion.ts';
import { closeLive, isLiveTrade, moveLive } from './manage.ts';
import { reconcile, type ReconcileAction } from './reconcile.ts';
import { previewLive, submitLive } from './submit.ts';
import { toInt } from '../../db/sql.ts';

/** Options of {@link LiveEngine}. */
export interface LiveEngineOptions {
  sql: Sql;
  events: EventBus;
  connections: ConnectionService;
  /** Clock of decisions, ms UTC (default the wall clock). */
  now?: () => number;
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** Reconciliation period, ms (default 60,000). */
  reconcileMs?: number;
  /** Polling period of a venue stream's REST fallback, ms (default the venue's). */
  pollMs?: number;
}

interface Runtime {
  queue: Promise<unknown>;
  /** Symbols of the stream's REST fallback (extended in place). */
  symbols: string[];
  /** Whether a stream is being started. */
  starting: boolean;
  stopWatch: (() => Promise<void>) | null;
  unsubscribeBreaker: (() => void) | null;
}

/** Runs live brackets for every active connection (see the module doc). */
export class LiveEngine {
  private readonly core: LiveCore;
  private readonly runtimes = new Map<number, Runtime>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private readonly o: LiveEngineOptions;

  constructor(o: LiveEngineOptions) {
    this.o = o;
    const now = o.now ?? (() => Date.now());
    const onError = o.onError ?? (() => {});
    this.core = {
      sql: o.sql,
      events: o.events,
      connections: o.connections,
      // Account locks, risk state and compiled profiles; the breaker here is unused (each connection has its own).
      st: new TradingState({ sql: o.sql, feed: null, breaker: new CircuitBreaker(now), events: o.events, now }),
      now,
      onError,
      enqueue: (id, fn) => this.enqueue(id, fn),
      watchSymbol: (id, symbol) => this.watchSymbol(id, symbol),
    };
  }

  /** Attaches every active connection (stream + reconciliation) and starts the timer. Failures are reported only. */
  async start(): Promise<void> {
    this.unsubscribe = this.o.connections.onChange((c, what) => {
      if (what === 'created' || what === 'enabled') void this.attach(c.id);
      else void this.detach(c.id);
    });
    const ids = await this.o.connections.activeIds();
    await Promise.all(ids.map((id) => this.attach(id)));
    this.timer = setInterval(() => void this.reconcileAll(), this.o.reconcileMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops the timer and every stream, after the work already queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await Promise.all([...this.runtimes.keys()].map((id) => this.detach(id)));
  }

  /**
   * Attaches every active connection that has no stream yet (e.g. a `sim` connection before the server knew its own
   * URL) and reconciles the others. Run by the timer; a server may call it once it listens.
   */
  async reconcileAll(): Promise<void> {
    for (const id of await this.o.connections.activeIds().catch(() => [] as number[])) {
      if (this.stopped) return;
      if (!this.runtimes.get(id)?.stopWatch) await this.attach(id);
      else
        await this.reconcile(id).catch((e: unknown) => this.core.onError(e, { where: 'reconcile', connectionId: id }));
    }
  }

  private runtime(id: number): Runtime {
    let r = this.runtimes.get(id);
    if (!r) {
      r = { queue: Promise.resolve(), symbols: [], starting: false, stopWatch: null, unsubscribeBreaker: null };
      this.runtimes.set(id, r);
    }
    return r;
  }

  /** Runs `fn` after the connection's earlier work; its failure is the caller's and does not stop the queue. */
  enqueue<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const r = this.runtime(id);
    const run = r.queue.then(fn);
    r.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds `symbol` to the connection's stream: the venue streams every symbol of the account, the list is what its
   * REST fallback polls (read on every poll, so it is extended in place, never restarted). Starts the stream when
   * none runs yet.
   */
  private watchSymbol(id: number, symbol: string): void {
    const r = this.runtime(id);
    if (!r.symbols.includes(symbol)) r.symbols.push(symbol);
    if (r.stopWatch || r.starting) return;
    void this.startWatch(id).catch((e: unknown) => this.core.onError(e, { where: 'live stream', connectionId: id }));
  }

  private async startWatch(id: number): Promise<void> {
    if (this.stopped) return;
    const r = this.runtime(id);
    if (r.stopWatch || r.starting) return;
    r.starting = true;
    let venue, conn;
    try {
      venue = await this.o.connections.venue(id);
      conn = await this.o.connections.row(id);
    } finally {
      r.starting = false;
    }
    if (r.stopWatch || this.stopped) return;
    r.stopWatch = venue.watch(
      {
        onOrder: (o: VenueOrder) =>
          void this.enqueue(id, () => this.onOrder(id, o)).catch((e: unknown) =>
            this.core.onError(e, { where: 'live order', connectionId: id }),
          ),
        onFill: (f: VenueFill) =>
          void this.enqueue(id, async () => {
            const out = await applyFill(this.core, conn, f);
            if (out.isNew && out.tradeId !== null) await syncExits(this.core, out.tradeId);
            const closedId = out.tradeId;
            // MAE/MFE from the venue's bars, after the close and queued behind it (never delaying the next fill)
            if (out.closed && closedId !== null) void this.enqueue(id, () => recordExcursion(this.core, closedId));
          }).catch((e: unknown) => this.core.onError(e, { where: 'live fill', connectionId: id, fillId: f.id })),
        onError: (e) => this.core.onError(e, { where: 'live stream', connectionId: id }),
      },
      { symbols: r.symbols, ...(this.o.pollMs ? { pollMs: this.o.pollMs } : {}) },
    );
  }

  /**
   * A venue order update. An exit Testudo still holds as live that the venue cancelled or expired (by a user on the
   * venue, or as the other leg of a filled OCO) starts a reconciliation of the connection: fills first (a filled
   * sibling closes the trade), then the missing exit is placed or reported as the connection's setting says.
   */
  private async onOrder(id: number, o: VenueOrder): Promise<void> {
    if (o.status !== 'canceled' && o.status !== 'expired' && o.status !== 'rejected') return;
    // The trade is over: its leftover exit is simply gone.
    await this.core.sql.query(
      `UPDATE orders o SET status = 'cancelled', updated_at = now() FROM trades t
        WHERE t.id = o.trade_id AND t.connection_id = $1 AND o.venue_order_id = $2 AND o.status = 'open'
          AND o.leg IN ('stop', 'target') AND o.filled_qty = 0 AND t.status NOT IN ('pending', 'open')`,
      [id, o.id],
    );
    const rows = await this.core.sql.query(
      `SELECT o.id FROM orders o JOIN trades t ON t.id = o.trade_id
        WHERE t.connection_id = $1 AND o.venue_order_id = $2 AND o.status = 'open' AND o.leg IN ('stop', 'target')
          AND t.status IN ('pending', 'open')`,
      [id, o.id],
    );
    if (rows.length > 0) await reconcile(this.core, id);
  }

  private async attach(id: number): Promise<void> {
    if (this.stopped) return;
    const r = this.runtime(id);
    try {
      const trades = await this.o.sql.query(
        `SELECT DISTINCT symbol FROM trades WHERE connection_id = $1 AND status IN ('pending', 'open')`,
        [id],
      );
      for (const t of trades) if (!r.symbols.includes(String(t.symbol))) r.symbols.push(String(t.symbol));
      if (!r.unsubscribeBreaker) {
        let wasOpen = false;
        r.unsubscribeBreaker = this.o.connections.breaker(id).onTransition((t) => {
          if (t.to === 'open') wasOpen = true;
          if (t.to === 'closed' && wasOpen) {
            wasOpen = false;
            void this.reconcile(id).catch((e: unknown) =>
              this.core.onError(e, { where: 'reconcile', connectionId: id }),
            );
          }
        });
      }
      if (!r.stopWatch) await this.startWatch(id);
      await this.reconcile(id);
    } catch (e) {
      this.core.onError(e, { where: 'attach connection', connectionId: id });
    }
  }

  private async detach(id: number): Promise<void> {
    const r = this.runtimes.get(id);
    if (!r) return;
    this.runtimes.delete(id);
    r.unsubscribeBreaker?.();
    await r.queue;
    await r.stopWatch?.().catch(() => undefined);
  }

  /** Reconciles connection `id` now, on its queue (see `reconcile.ts`). */
  reconcile(id: number): Promise<ReconcileAction[]> {
    return this.enqueue(id, () => reconcile(this.core, id));
  }

  /** Resolves once the connection's queued work is done. */
  async drain(id: number): Promise<void> {
    await this.runtimes.get(id)?.queue;
  }

  /** Sizes a setup through a connection (see `submit.ts`). */
  preview(userId: number, input: SetupInput): Promise<Record<string, unknown>> {
    return previewLive(this.core, userId, input);
  }

  /** Submits a setup through a connection (see `submit.ts`). */
  submit(userId: number, input: SetupInput, idempotencyKey?: string): Promise<SubmitResult> {
    return submitLive(this.core, userId, input, idempotencyKey);
  }

  /** The connection of live trade `tradeId` of `userId`, or null for a paper or unknown trade. */
  connectionOf(userId: number, tradeId: number): Promise<number | null> {
    return isLiveTrade(this.core, userId, tradeId);
  }

  /** Moves a live trade's stop or target, or to breakeven (see `manage.ts`). */
  async move(
    userId: number,
    tradeId: number,
    kind: 'move-stop' | 'move-target' | 'breakeven',
    price: string | null,
  ): Promise<ManageResult> {
    const id = await this.connectionOf(userId, tradeId);
    return this.enqueue(id!, () => moveLive(this.core, userId, tradeId, kind, price));
  }

  /** Closes a live trade (see `manage.ts`). */
  async close(userId: number, tradeId: number, quantity?: string): Promise<ManageResult> {
    const id = await this.connectionOf(userId, tradeId);
    return this.enqueue(id!, () => closeLive(this.core, userId, tradeId, quantity));
  }

  /** Re-syncs a live trade's exits with the venue now (tests and tools). */
  async syncExits(tradeId: number): Promise<void> {
    const [r] = await this.o.sql.query('SELECT connection_id FROM trades WHERE id = $1', [tradeId]);
    if (r) await this.enqueue(toInt(r.connection_id), () => syncExits(this.core, tradeId));
  }
}
