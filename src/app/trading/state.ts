/**
 * State shared by the trading service's use cases (submission, bar processing, management, queries): the database,
 * the feed, the instruments, the active brackets in memory, the compiled risk profiles and the one queue that
 * serialises bar processing with manual changes.
 *
 * Invariants:
 * - In-memory bracket state changes only after its transaction commits; on restart it is rebuilt from the trades
 *   table ({@link TradingState.activeFromRow}).
 * - Everything that changes an active bracket (a bar, a close, a stop move, ...) runs on {@link TradingState.enqueue},
 *   one at a time, in arrival order.
 */
import type { Row, Sql } from '../../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../../db/sql.ts';
import type { MarketFeed } from '../../feed/feed.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import {
  type Instrument,
  type InstrumentSpec,
  priceToNearestTicks,
  priceToTicks,
  qtyToLots,
  toSpec,
} from '../../core/instruments/instrument.ts';
import { toAtoms } from '../../core/money/decimal.ts';
import type { AccountRiskState } from '../../core/risk/decide.ts';
import { compileProfile, type CompiledProfile, type RiskProfile } from '../../core/risk/profile.ts';
import type { CircuitBreaker } from '../../core/risk/breaker.ts';
import type { Side } from '../../core/sizing/size.ts';
import { type Bracket, type TickBar, newBracket } from '../../core/execution/bracket.ts';
import { utcDay } from '../../core/journal/stats.ts';
import { NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events.ts';

/** A pending or open trade as the service holds it in memory. */
export interface ActiveTrade {
  id: number;
  accountId: number;
  userId: number;
  symbol: string;
  spec: InstrumentSpec;
  bracket: Bracket;
  /** Initial risk planned at submission, atoms (part of the account's open risk until the trade ends). */
  plannedRisk: bigint;
  /** Margin reserved at submission, atoms. */
  margin: bigint;
  /** Market time (ms) the trade was submitted: bars that opened before it never fill it. */
  since: number;
}

/** An `accounts` row with its risk profile also as stored text. */
export interface AccountRow extends Row {
  id: unknown;
  user_id: unknown;
  balance: string;
  initial_balance: string;
  peak_equity: string;
  halted_at: unknown;
  consecutive_losses: number;
  last_loss_at: unknown;
  pnl_day: string | null;
  pnl_day_realized: string;
  open_risk: string;
  open_positions: number;
  reserved: string;
  risk_profile: RiskProfile;
  /** The profile as stored (jsonb text): the cache key of its compiled form. */
  risk_profile_text: string;
}

/** Options of the trading service. */
export interface TradingOptions {
  sql: Sql;
  feed: MarketFeed | null;
  breaker: CircuitBreaker;
  events: EventBus;
  /** The market clock, ms UTC (the replay's time during a replay). */
  now: () => number;
  /** Where unexpected errors met while processing bars are reported (the server's logger). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /**
   * Called with the user's id before every sizing preview and submission: the composition root applies the
   * risk-profile changes whose cooling-off period has ended, so a due loosening counts at once.
   */
  beforeDecide?: (userId: number) => Promise<void>;
}

/** A bar in ticks of `spec` (prices rounded to the nearest tick). */
export function toTickBar(spec: InstrumentSpec, c: Candle): TickBar {
  return {
    time: c.time,
    open: priceToNearestTicks(spec, c.open),
    high: priceToNearestTicks(spec, c.high),
    low: priceToNearestTicks(spec, c.low),
    close: priceToNearestTicks(spec, c.close),
  };
}

/** The mutable state and shared helpers of the trading service. */
export class TradingState {
  readonly sql: Sql;
  readonly events: EventBus;
  readonly breaker: CircuitBreaker;
  feed: MarketFeed | null;
  readonly now: () => number;
  readonly instruments = new Map<string, { instrument: Instrument; spec: InstrumentSpec }>();
  /** Pending and open trades by id. */
  readonly active = new Map<number, ActiveTrade>();
  private readonly profiles = new Map<string, CompiledProfile>();
  /** The queue of bar processing and manual changes. */
  queue: Promise<void> = Promise.resolve();
  /** The last error met while processing a bar, if any (also reported to `onError`). */
  lastBarError: unknown = null;
  private readonly reportError: (err: unknown, context: Record<string, unknown>) => void;

  constructor(o: TradingOptions) {
    this.sql = o.sql;
    this.feed = o.feed;
    this.breaker = o.breaker;
    this.events = o.events;
    this.now = o.now;
    this.reportError = o.onError ?? (() => {});
  }

  /** Records and reports an error met while processing a bar. */
  onBarError(e: unknown, context: Record<string, unknown> = {}): void {
    this.lastBarError = e;
    this.reportError(e, { where: 'bar processing', ...context });
  }

  /**
   * Runs `fn` after the bars already received and every earlier queued change, so the brackets it reads are
   * current; its failure is the caller's and does not stop the queue.
   */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Reloads instruments from the database. */
  async loadInstruments(): Promise<void> {
    const rows = await this.sql.query('SELECT * FROM instruments');
    this.instruments.clear();
    for (const r of rows) {
      const instrument: Instrument = {
        symbol: String(r.symbol),
        base: String(r.base),
        quote: String(r.quote),
        tickSize: String(r.tick_size),
        lotSize: String(r.lot_size),
        minQty: String(r.min_qty),
        minNotional: String(r.min_notional),
        makerFee: String(r.maker_fee),
        takerFee: String(r.taker_fee),
      };
      this.instruments.set(instrument.symbol, { instrument, spec: toSpec(instrument) });
    }
  }

  /** The instrument of `symbol`. @throws ValidationError `unknown-symbol` (field `symbol`). */
  instrument(symbol: string): { instrument: Instrument; spec: InstrumentSpec } {
    const i = this.instruments.get(symbol);
    if (!i)
      throw new ValidationError([
        {
          field: 'symbol',
          code: 'unknown-symbol',
          message: `unknown symbol ${symbol}; known: ${[...this.instruments.keys()].join(', ')}`,
        },
      ]);
    return i;
  }

  /** The mark price of `symbol` in ticks (the feed's last price rounded to the tick), or null without one. */
  markTicks(spec: InstrumentSpec): bigint | null {
    const last = this.feed?.lastPrice(spec.symbol);
    return last === undefined ? null : priceToNearestTicks(spec, last);
  }

  /** Like {@link markTicks}. @throws UnprocessableError `no-market-price` when the feed has no price yet. */
  requireMark(spec: InstrumentSpec): bigint {
    const m = this.markTicks(spec);
    if (m === null) throw new UnprocessableError('no-market-price', `no market price for ${spec.symbol} yet`);
    return m;
  }

  /** The account's compiled profile, cached by the profile's stored text (no serialising on the hot path). */
  compiled(acc: AccountRow): CompiledProfile {
    const key = acc.risk_profile_text;
    let c = this.profiles.get(key);
    if (!c) {
      c = compileProfile(acc.risk_profile);
      if (this.profiles.size >= 10_000) this.profiles.clear();
      this.profiles.set(key, c);
    }
    return c;
  }

  /** The user's account, locked `FOR UPDATE` when `lock`. @throws NotFoundError `account-not-found`. */
  async account(q: Sql, userId: number, lock: boolean): Promise<AccountRow> {
    const rows = await q.query<AccountRow>(
      `SELECT *, risk_profile::text AS risk_profile_text FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
      [userId],
    );
    const acc = rows[0];
    if (!acc) throw new NotFoundError('account-not-found', 'this user has no trading account');
    return acc;
  }

  /** The account `accountId`, locked `FOR UPDATE`. @throws NotFoundError `account-not-found`. */
  async lockAccount(q: Sql, accountId: number): Promise<AccountRow> {
    const [acc] = await q.query<AccountRow>(
      'SELECT *, risk_profile::text AS risk_profile_text FROM accounts WHERE id = $1 FOR UPDATE',
      [accountId],
    );
    if (!acc) throw new NotFoundError('account-not-found', 'account vanished');
    return acc;
  }

  /** The account's risk state at market time `now`, as the rules read it. */
  riskState(acc: AccountRow, now: number): AccountRiskState {
    const today = utcDay(now);
    return {
      equity: toAtoms(acc.balance),
      available: toAtoms(acc.balance) - toAtoms(acc.reserved),
      realizedPnlToday: acc.pnl_day === today ? toAtoms(acc.pnl_day_realized) : 0n,
      peakEquity: toAtoms(acc.peak_equity),
      haltedAt: toMsOrNull(acc.halted_at),
      openRisk: toAtoms(acc.open_risk),
      openPositions: acc.open_positions,
      consecutiveLosses: acc.consecutive_losses,
      lastLossAt: toMsOrNull(acc.last_loss_at),
      breaker: this.breaker.state(),
      now,
    };
  }

  /**
   * Rebuilds an active trade from its `trades` row (joined with the account's `user_id`) and, for an open one, its
   * partial exit fills (`partials`: rows of `fills` with `price`, `qty`, `fee`, `filled_at`, oldest first).
   * @throws Error when a stored price or quantity is off the instrument's grid (a corrupt row).
   */
  activeFromRow(r: Row, partials: Row[] = []): ActiveTrade {
    const { spec } = this.instrument(String(r.symbol));
    const tick = (v: unknown): bigint => {
      const g = priceToTicks(spec, String(v));
      if (!g.ok) throw new Error(`trade ${String(r.id)}: price ${String(v)} is off the ${spec.symbol} grid`);
      return g.value;
    };
    const lotsOf = (v: unknown): bigint => {
      const q = qtyToLots(spec, String(v));
      if (!q.ok) throw new Error(`trade ${String(r.id)}: quantity ${String(v)} is off the ${spec.symbol} lot grid`);
      return q.value;
    };
    const lots = lotsOf(r.qty);
    const b = newBracket({
      side: r.side as Side,
      lots,
      entryIsMarket: r.entry_type === 'market',
      entryTicks: tick(r.entry_price),
      stopTicks: tick(r.stop_price),
      targetTicks: r.target_price === null ? null : tick(r.target_price),
    });
    if (r.current_stop_price !== null && r.current_stop_price !== undefined) b.stopTicks = tick(r.current_stop_price);
    if (r.current_target_price !== null && r.current_target_price !== undefined)
      b.targetTicks = tick(r.current_target_price);
    if (r.status === 'open') {
      const price = tick(r.entry_fill_price);
      b.status = 'open';
      b.entry = {
        leg: 'entry',
        price,
        lots,
        fee: toAtoms(String(r.entry_fee)),
        liquidity: r.entry_type === 'market' ? 'taker' : 'maker',
        time: toMs(r.opened_at),
      };
      b.maeTicks = BigInt(String(r.mae_ticks).split('.')[0]!);
      b.mfeTicks = BigInt(String(r.mfe_ticks).split('.')[0]!);
      for (const p of partials) {
        const f = {
          leg: 'partial' as const,
          price: tick(p.price),
          lots: lotsOf(p.qty),
          fee: toAtoms(String(p.fee)),
          liquidity: 'taker' as const,
          time: toMs(p.filled_at),
        };
        b.partials.push(f);
        b.lots -= f.lots;
      }
    }
    return {
      id: toInt(r.id),
      accountId: toInt(r.account_id),
      userId: toInt(r.user_id),
      symbol: String(r.symbol),
      spec,
      bracket: b,
      plannedRisk: toAtoms(String(r.planned_risk)),
      margin: toAtoms(String(r.margin)),
      since: toMs(r.submitted_at),
    };
  }
}
