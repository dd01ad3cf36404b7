/**
 * What the live engine's parts share: the dependencies ({@link LiveCore}), a live trade loaded with its connection,
 * venue, instrument and orders ({@link loadTrade}), the fill aggregates of a trade in ticks × lots, and decision and
 * event helpers.
 *
 * Invariants:
 * - The database is the state of a live bracket: nothing about it is held in memory, so a restart resumes from it
 *   (and reconciliation repairs what changed on the venue meanwhile).
 * - Every venue call goes through the connection's guarded venue (its circuit breaker).
 * - Work on one connection runs one at a time ({@link LiveCore.enqueue}), in arrival order.
 */
import { Decimal } from 'decimal.js';
import type { Row, Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import {
  type InstrumentSpec,
  priceToNearestTicks,
  qtyToLots,
  toSpec,
  ticksToPrice,
} from '../../core/instruments/instrument.ts';
import { toAtoms } from '../../core/money/decimal.ts';
import type { ConnectionRow, ConnectionService } from '../connections.ts';
import { NotFoundError, UnavailableError, UnprocessableError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { TradingState } from '../trading/state.ts';
import { VenueError, type Venue, type VenueMarket } from '../venues/types.ts';

/** The dependencies of the live engine's parts. */
export interface LiveCore {
  sql: Sql;
  events: EventBus;
  connections: ConnectionService;
  /** Account locking, risk state and compiled profiles (a TradingState of the live engine's own, no feed). */
  st: TradingState;
  now: () => number;
  onError: (err: unknown, context: Record<string, unknown>) => void;
  /** Runs `fn` after the connection's earlier work (fills, exits, management, reconciliation). */
  enqueue<T>(connectionId: number, fn: () => Promise<T>): Promise<T>;
  /** Makes sure the connection's order and fill stream covers `symbol`. */
  watchSymbol(connectionId: number, symbol: string): void;
}

/** A live trade with everything acting on it needs. */
export interface LiveTrade {
  row: Row;
  conn: ConnectionRow;
  venue: Venue;
  market: VenueMarket;
  spec: InstrumentSpec;
  /** Its orders, oldest first. */
  orders: Row[];
  decisionId: number;
}

/**
 * Maps a venue failure outside an order placement to the API's errors: unreachable → UnavailableError
 * `venue-unavailable`, breaker open → UnprocessableError `venue-paused`, unknown symbol → ValidationError, other
 * refusals → UnprocessableError `venue-rejected`. Anything else is rethrown.
 */
export function venueFailure(e: unknown): never {
  if (!(e instanceof VenueError)) throw e;
  if (e.code === 'breaker-open')
    throw new UnprocessableError('venue-paused', `trading through this connection is paused: ${e.message}`);
  if (e.code === 'unknown-symbol')
    throw new ValidationError([{ field: 'symbol', code: 'unknown-symbol', message: e.message }]);
  if (!e.refused) throw new UnavailableError('venue-unavailable', e.message);
  throw new UnprocessableError('venue-rejected', e.message);
}

/** The venue market of `symbol` and its integer spec. @throws as {@link venueFailure}. */
export async function marketOf(venue: Venue, symbol: string): Promise<{ market: VenueMarket; spec: InstrumentSpec }> {
  try {
    const market = await venue.market(symbol);
    return { market, spec: toSpec(market.instrument) };
  } catch (e) {
    return venueFailure(e);
  }
}

/** The mark price of `symbol` on the venue in ticks (last, else mid). @throws UnprocessableError `no-market-price`. */
export async function venueMark(venue: Venue, spec: InstrumentSpec): Promise<{ ticks: bigint; price: string }> {
  let t;
  try {
    t = await venue.ticker(spec.symbol);
  } catch (e) {
    return venueFailure(e);
  }
  const p = t.last ?? (t.bid && t.ask ? new Decimal(t.bid).plus(t.ask).div(2).toString() : (t.bid ?? t.ask));
  if (!p) throw new UnprocessableError('no-market-price', `the venue has no price for ${spec.symbol} yet`);
  const ticks = priceToNearestTicks(spec, p);
  return { ticks, price: ticksToPrice(spec, ticks) };
}

/** Loads live trade `tradeId` (no ownership check). @throws NotFoundError `trade-not-found`. */
export async function loadTrade(core: LiveCore, tradeId: number): Promise<LiveTrade> {
  const [row] = await core.sql.query('SELECT * FROM trades WHERE id = $1 AND connection_id IS NOT NULL', [tradeId]);
  if (!row) throw new NotFoundError('trade-not-found', `no live trade ${tradeId}`);
  const conn = await core.connections.row(toInt(row.connection_id));
  const venue = await core.connections.venue(conn.id);
  const { market, spec } = await marketOf(venue, String(row.symbol));
  const orders = await core.sql.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [tradeId]);
  return { row, conn, venue, market, spec, orders, decisionId: toInt(row.decision_id) };
}

/** Lots of decimal quantity text on the spec's grid; off-grid quantities are floored (a venue's rounding). */
export function lotsOf(spec: InstrumentSpec, qty: unknown): bigint {
  const g = qtyToLots(spec, String(qty));
  if (g.ok) return g.value;
  const units = new Decimal(String(qty)).div(new Decimal(spec.lotUnits.toString()).div(10 ** spec.lotDp));
  return BigInt(units.floor().toFixed(0));
}

/** Ticks of a decimal price on the spec's grid (nearest tick). */
export function ticksOf(spec: InstrumentSpec, price: unknown): bigint {
  return priceToNearestTicks(spec, String(price));
}

/** Sums of a set of fills: lots, Σ ticks × lots (the notional in tick-lots) and fees in quote atoms. */
export interface FillSum {
  lots: bigint;
  tickLots: bigint;
  fee: bigint;
}

/** Sums `fills` rows (`price`, `qty`, `fee` in quote). */
export function sumFills(spec: InstrumentSpec, fills: Row[]): FillSum {
  let lots = 0n;
  let tickLots = 0n;
  let fee = 0n;
  for (const f of fills) {
    const l = lotsOf(spec, f.qty);
    lots += l;
    tickLots += ticksOf(spec, f.price) * l;
    fee += toAtoms(String(f.fee));
  }
  return { lots, tickLots, fee };
}

/** The volume-weighted average price of a sum, decimal text (exact to 12 places), or null without fills. */
export function vwap(spec: InstrumentSpec, s: FillSum): string | null {
  if (s.lots === 0n) return null;
  const tick = new Decimal(spec.tickUnits.toString()).div(10 ** spec.tickDp);
  return new Decimal(s.tickLots.toString()).div(s.lots.toString()).mul(tick).toDecimalPlaces(12).toString();
}

/** A fee of a fill in the quote currency, decimal text: base-currency fees are converted at the fill price. */
export function quoteFee(base: string, fee: string, feeCurrency: string | null, price: string): string {
  if (!feeCurrency || feeCurrency !== base) return fee;
  return new Decimal(fee).mul(price).toDecimalPlaces(12).toString();
}

/** Stores a decision about a live trade (`venue` or `reconcile`), approved, with `change`. Returns its row. */
export async function liveDecision(
  q: Sql,
  t: { accountId: number; tradeId: number; symbol: string; side: string },
  kind: 'venue' | 'reconcile',
  change: Record<string, unknown>,
  now: number,
  approved = true,
): Promise<Row> {
  const [row] = await q.query(
    `INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing, kind, trade_id,
       change)
     VALUES ($1, $2, $3, $4, $5, $6, '[]', '{}', $7, $8, $9) RETURNING *`,
    [
      t.accountId,
      new Date(now),
      t.symbol,
      t.side,
      approved,
      JSON.stringify({ tradeId: t.tradeId }),
      kind,
      t.tradeId,
      JSON.stringify(change),
    ],
  );
  return row!;
}

/** The exit side of an entry side. */
export function exitSide(side: unknown): 'buy' | 'sell' {
  return side === 'buy' ? 'sell' : 'buy';
}
