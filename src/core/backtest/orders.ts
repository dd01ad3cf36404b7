/**
 * The backtest broker's book: open trades, queued orders and closed trades as the bar loop (./run.ts) keeps them,
 * and the constructors of the orders the broker itself places (a trade's stop-loss and take-profit, closing orders).
 *
 * Invariants: prices are integer ticks, sizes signed integer lots (positive long), money bigint atoms (10^-12);
 * every object here is owned and mutated by one run's loop only; the order constructors allocate one object and
 * touch nothing else.
 */
import type { ExitReason } from './types.ts';

/** What placed an order: the strategy (`entry`), a trade's bracket (`sl`, `tp`), a close (`close`, `end`). */
export type OrderKind = 'entry' | 'sl' | 'tp' | 'close' | 'end';

/** An open trade. */
export interface Trade {
  /** Signed lots. */
  lots: number;
  /** Entry price per lot (spread included), atoms. */
  entryPerLot: bigint;
  entryBar: number;
  sl: Order | null;
  tp: Order | null;
  tag: string | null;
  /** Stop-loss at entry, ticks (for R), or null. */
  initialSl: number | null;
  /** Risk at entry in Testudo mode (sizing's risk incl. fees), atoms. */
  plannedRisk: bigint;
  /** The entry was a resting limit (maker fee with `fees`). */
  entryMaker: boolean;
  view: { size: number; entryPrice: number; entryBar: number; sl: number | null; tp: number | null };
}

/** A queued order. */
export interface Order {
  kind: OrderKind;
  long: boolean;
  /** Requested size: a fraction of available equity (`fraction`), or signed lots. */
  fraction: { num: bigint; den: bigint; asUnits: number } | null;
  lots: number;
  limit: number | null;
  stop: number | null;
  sl: number | null;
  tp: number | null;
  parent: Trade | null;
  tag: string | null;
  plannedRisk: bigint;
  /**
   * Testudo mode: an entry placed after a closing order of the same bar, not sized or rule-checked yet: decided once
   * those closes have filled, with the decision time and close of the bar it was placed on. Null once decided.
   */
  deferred: { now: number; closeTicks: number } | null;
}

/** A closed trade as the loop records it; formatted after the loop. */
export interface ClosedRaw {
  lots: number;
  entryPerLot: bigint;
  exitPerLot: bigint;
  entryBar: number;
  exitBar: number;
  /** Both commissions, atoms. */
  fees: bigint;
  /** Net P&L, atoms. */
  pnl: bigint;
  initialSl: number | null;
  entryMaker: boolean;
  tp: number | null;
  reason: ExitReason;
  tag: string | null;
}

/**
 * The order that exits all of trade `t` (opened with signed `lots`) at take-profit `limit` ticks (`kind` 'tp') or
 * at stop-loss `stop` ticks (`kind` 'sl'); the other price is null.
 */
export function bracketOrder(
  kind: 'sl' | 'tp',
  t: Trade,
  lots: number,
  limit: number | null,
  stop: number | null,
): Order {
  return {
    kind,
    long: lots < 0,
    fraction: null,
    lots: -lots,
    limit,
    stop,
    sl: null,
    tp: null,
    parent: t,
    tag: t.tag,
    plannedRisk: 0n,
    deferred: null,
  };
}

/** The market order that closes all of trade `t` (backtesting.py's `Trade.close()`); `kind` 'end' after the run. */
export function closingOrder(kind: 'close' | 'end', t: Trade): Order {
  return {
    kind,
    long: t.lots < 0,
    fraction: null,
    lots: -t.lots,
    limit: null,
    stop: null,
    sl: null,
    tp: null,
    parent: t,
    tag: t.tag,
    plannedRisk: 0n,
    deferred: null,
  };
}
