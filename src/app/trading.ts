/**
 * The trading service: observe (instrument + price) → orient (size) → decide (rules) → act (bracket on the paper
 * exchange) → fill (market data bars) → manage (stop, target, partial closes) → journal (P&L and R on close).
 *
 * The use cases live in `./trading/`: `submission.ts` (preview and submit), `fills.ts` (bars, fills and the
 * settlement of every fill), `management.ts` (changes to an existing trade), `queries.ts` (trades, positions,
 * decisions); `state.ts` holds what they share. This class is their one entry point.
 *
 * Invariants:
 * - Every decision is persisted, approved or not, in the same transaction as the change it makes.
 * - The account row is locked (`FOR UPDATE`) by every transaction that changes it, so concurrent submissions and
 *   fills see each other's open risk, positions and balance.
 * - In-memory bracket state changes only after its transaction commits; on restart it is rebuilt from the trades
 *   table.
 * - Bars and changes to active trades are processed one at a time per service (a queue), in arrival order.
 */
import type { MarketFeed } from '../feed/feed.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import type { Instrument } from '../core/instruments/instrument.ts';
import type { CircuitBreaker } from '../core/risk/breaker.ts';
import { TradingState, type TradingOptions } from './trading/state.ts';
import { preview, submit, type SetupInput, type SubmitResult } from './trading/submission.ts';
import { onBar } from './trading/fills.ts';
import {
  breakeven,
  close,
  editTrade,
  moveStop,
  moveTarget,
  type ManageResult,
  type TradeEdit,
} from './trading/management.ts';
import { decisions, getTrade, lastSubmission, positions } from './trading/queries.ts';
import type { LiveEngine } from './live/engine.ts';
import { UnavailableError } from './errors.ts';

export type { SetupInput, SubmitResult } from './trading/submission.ts';
export type { TradingOptions } from './trading/state.ts';
export type { ManageResult, TradeEdit } from './trading/management.ts';

/** Orchestrates sizing, rules, brackets, fills, trade management and the journal for paper accounts. */
export class TradingService {
  private readonly st: TradingState;
  readonly breaker: CircuitBreaker;
  private readonly beforeDecide: ((userId: number) => Promise<void>) | undefined;
  private unsubscribe: (() => void) | null = null;
  /** The live engine trades with a `connectionId` go to (src/app/live); set by the composition root. */
  private live: LiveEngine | null = null;

  constructor(o: TradingOptions) {
    this.st = new TradingState(o);
    this.breaker = o.breaker;
    this.beforeDecide = o.beforeDecide;
  }

  /** Loads instruments and the active (pending and open) trades, and subscribes to the feed's bars. */
  async init(): Promise<void> {
    const st = this.st;
    await st.loadInstruments();
    const rows = await st.sql.query(
      `SELECT t.*, a.user_id FROM trades t JOIN accounts a ON a.id = t.account_id
        WHERE t.status IN ('pending', 'open') AND t.connection_id IS NULL ORDER BY t.id`,
    );
    const partials = await st.sql.query(
      `SELECT f.* FROM fills f JOIN orders o ON o.id = f.order_id JOIN trades t ON t.id = f.trade_id
        WHERE t.status = 'open' AND o.leg = 'partial' ORDER BY f.id`,
    );
    for (const r of rows)
      st.active.set(
        Number(r.id),
        st.activeFromRow(
          r,
          partials.filter((p) => String(p.trade_id) === String(r.id)),
        ),
      );
    if (st.feed) this.attachFeed(st.feed);
  }

  /** Routes trades that name a connection, and changes to them, to the live engine. */
  setLive(live: LiveEngine | null): void {
    this.live = live;
  }

  private requireLive(): LiveEngine {
    if (!this.live)
      throw new UnavailableError('live-trading-unavailable', 'live trading is not running on this server');
    return this.live;
  }

  /** The connection of a live trade of the user, or null (paper, unknown, or no live engine). */
  private async liveOf(userId: number, tradeId: number): Promise<number | null> {
    return this.live ? this.live.connectionOf(userId, tradeId) : null;
  }

  /** Switches to another feed (the replay controls use this). */
  attachFeed(feed: MarketFeed): void {
    const st = this.st;
    this.unsubscribe?.();
    st.feed = feed;
    this.unsubscribe = feed.onCandle((symbol, candle) => {
      st.queue = st.queue.then(() => onBar(st, symbol, candle)).catch((e) => st.onBarError(e));
    });
  }

  /** Resolves once every bar received (and every change queued) so far has been processed. */
  async drain(): Promise<void> {
    await this.st.queue;
  }

  /** The last error met while processing a bar, if any (also reported to `onError`). */
  get lastBarError(): unknown {
    return this.st.lastBarError;
  }

  /** Reloads instruments from the database. */
  loadInstruments(): Promise<void> {
    return this.st.loadInstruments();
  }

  /** Every known instrument. */
  listInstruments(): Instrument[] {
    return [...this.st.instruments.values()].map((i) => i.instrument);
  }

  /** The current price of `symbol` from the feed, or undefined. */
  lastPrice(symbol: string): string | undefined {
    return this.st.feed?.lastPrice(symbol);
  }

  /** Sizes a setup and evaluates the rules without sending anything (the decision is not persisted). */
  async preview(userId: number, input: SetupInput): Promise<Record<string, unknown>> {
    await this.beforeDecide?.(userId);
    if (input.connectionId !== undefined) return this.requireLive().preview(userId, input);
    return preview(this.st, userId, input);
  }

  /**
   * Submits a setup: decides, persists the decision, and when approved sends the bracket to the paper exchange.
   * With an Idempotency-Key, a repeat with the same body replays the stored result.
   * @throws ValidationError on unknown symbol or off-grid prices; ConflictError when the key was used with another
   *   body; UnprocessableError when a market entry has no price yet.
   */
  async submit(userId: number, input: SetupInput, idempotencyKey?: string): Promise<SubmitResult> {
    await this.beforeDecide?.(userId);
    if (input.connectionId !== undefined) return this.requireLive().submit(userId, input, idempotencyKey);
    return submit(this.st, userId, input, idempotencyKey);
  }

  /** Processes one closed bar: advances every active bracket on `symbol` and persists what filled. */
  onBar(symbol: string, candle: Candle): Promise<void> {
    return onBar(this.st, symbol, candle);
  }

  /**
   * Closes a trade by hand: an open position at the current price (market, taker), a pending entry by cancelling it;
   * with `quantity` (decimal text below the open size) only that part of the position (see `management.ts`).
   * @throws NotFoundError for an unknown or foreign trade; ConflictError when it is already closed.
   */
  async close(userId: number, tradeId: number, quantity?: string): Promise<ManageResult> {
    if ((await this.liveOf(userId, tradeId)) !== null) return this.requireLive().close(userId, tradeId, quantity);
    return close(this.st, userId, tradeId, quantity);
  }

  /** Moves the stop of an open trade (see `management.ts` for the rules and refusals). */
  async moveStop(userId: number, tradeId: number, price: string): Promise<ManageResult> {
    if ((await this.liveOf(userId, tradeId)) !== null)
      return this.requireLive().move(userId, tradeId, 'move-stop', price);
    return moveStop(this.st, userId, tradeId, price);
  }

  /** Moves (or sets) the take-profit of an open trade (see `management.ts`). */
  async moveTarget(userId: number, tradeId: number, price: string): Promise<ManageResult> {
    if ((await this.liveOf(userId, tradeId)) !== null)
      return this.requireLive().move(userId, tradeId, 'move-target', price);
    return moveTarget(this.st, userId, tradeId, price);
  }

  /** Moves the stop of an open trade to its entry fill price (see `management.ts`). */
  async breakeven(userId: number, tradeId: number): Promise<ManageResult> {
    if ((await this.liveOf(userId, tradeId)) !== null)
      return this.requireLive().move(userId, tradeId, 'breakeven', null);
    return breakeven(this.st, userId, tradeId);
  }

  /** Edits a trade's setup name, tags and notes. @throws NotFoundError `trade-not-found`. */
  editTrade(userId: number, tradeId: number, edit: TradeEdit): Promise<Record<string, unknown>> {
    return editTrade(this.st, userId, tradeId, edit);
  }

  /** One trade with its orders, fills and decisions. @throws NotFoundError when unknown or not the user's. */
  getTrade(userId: number, tradeId: number): Promise<Record<string, unknown>> {
    return getTrade(this.st, userId, tradeId);
  }

  /** Open positions with their mark price and unrealized P&L (quote currency and R). */
  positions(userId: number): Promise<Record<string, unknown>[]> {
    return positions(this.st, userId);
  }

  /** The user's decisions, newest first. */
  decisions(
    userId: number,
    opts: { approved?: boolean | undefined; kind?: string | undefined; limit: number; before?: number | undefined },
  ): Promise<Record<string, unknown>[]> {
    return decisions(this.st, userId, opts);
  }

  /** Number of active (pending or open) brackets, on one symbol or all. */
  activeCount(symbol?: string): number {
    if (symbol === undefined) return this.st.active.size;
    let n = 0;
    for (const t of this.st.active.values()) if (t.symbol === symbol) n++;
    return n;
  }

  /** Market time (ms) of the latest submission on `symbol`, or null: where a restarted replay resumes. */
  lastSubmission(symbol: string): Promise<number | null> {
    return lastSubmission(this.st, symbol);
  }
}
