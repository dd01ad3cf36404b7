/**
 * The Testudo Protocol's rules for managing an open bracket: moving the stop, moving the target, stop to breakeven
 * and partial closes. Pure: the bracket, the requested change in integer form and the mark price (ticks) are passed
 * in; the result lists a verdict per rule (like `decide` for a submission), and the change is allowed exactly when
 * every verdict passed.
 *
 * Rules (long; a short mirrors every comparison):
 * - a change needs an open position (`trade-not-open`); prices must be on the tick grid (`price-off-tick`) and
 *   quantities on the lot grid (`quantity-off-lot`): nothing is rounded;
 * - a stop may only move toward the protective side, never adding risk: new stop ≥ current stop (`stop-adds-risk`),
 *   and it must stay below the mark, or it would trigger at once (`stop-through-market`);
 * - a target must stay above the entry fill (`target-wrong-side`) and above the mark, or it would fill at once
 *   (`target-through-market`);
 * - breakeven moves the stop to the entry fill price (on the tick grid, as every fill here): only when the mark is
 *   above the entry (`breakeven-not-in-profit`) and the stop is still below it (`stop-already-at-breakeven`);
 * - a partial close sells 0 < q < open size (`quantity-exceeds-position` otherwise) and must leave at least the
 *   instrument's minimum quantity open (`remaining-below-minimum`).
 *
 * When a precondition fails (no open position, an off-grid value), the comparisons that need it are not evaluated:
 * the verdicts list only what could be checked.
 */
import { lotsToQty, ticksToPrice, type GridResult, type InstrumentSpec } from '../instruments/instrument.ts';
import type { Bracket } from './bracket.ts';

/** Identifiers of the management rules. */
export type ManageRule =
  | 'trade-open'
  | 'price-grid'
  | 'stop-direction'
  | 'stop-market'
  | 'target-side'
  | 'target-market'
  | 'breakeven-profit'
  | 'breakeven-stop'
  | 'quantity-grid'
  | 'quantity-range'
  | 'remaining-size';

/** One rule's verdict: `code` is `"pass"` or the stable kebab-case failure code (the shape of a submission's). */
export interface ManageVerdict {
  rule: ManageRule;
  passed: boolean;
  code: string;
  message: string;
}

/** The verdicts of one requested change and, when every one passed, the new value (ticks or lots). */
export interface ManageCheck {
  approved: boolean;
  verdicts: ManageVerdict[];
  /** New stop or target (ticks), or the quantity to close (lots); null when refused. */
  value: bigint | null;
}

const pass = (rule: ManageRule, message: string): ManageVerdict => ({ rule, passed: true, code: 'pass', message });
const fail = (rule: ManageRule, code: string, message: string): ManageVerdict => ({
  rule,
  passed: false,
  code,
  message,
});

function result(verdicts: ManageVerdict[], value: bigint): ManageCheck {
  const approved = verdicts.every((v) => v.passed);
  return { approved, verdicts, value: approved ? value : null };
}

function openVerdict(b: Pick<Bracket, 'status' | 'entry'>): ManageVerdict {
  return b.status === 'open' && b.entry
    ? pass('trade-open', 'the position is open')
    : fail(
        'trade-open',
        'trade-not-open',
        b.status === 'pending'
          ? 'the entry has not filled yet: there is no position to manage'
          : `the trade is ${b.status}: there is no position to manage`,
      );
}

function gridVerdict(spec: InstrumentSpec, price: GridResult): ManageVerdict {
  return price.ok
    ? pass('price-grid', 'price is on the tick grid')
    : fail('price-grid', 'price-off-tick', `price must be a multiple of the tick size ${ticksToPrice(spec, 1n)}`);
}

/**
 * Checks moving the stop of `b` to `price` with the market at `markTicks`.
 * @param price the requested stop on the tick grid (`priceToTicks`)
 */
export function checkStopMove(b: Bracket, spec: InstrumentSpec, price: GridResult, markTicks: bigint): ManageCheck {
  const verdicts = [openVerdict(b), gridVerdict(spec, price)];
  if (!verdicts.every((v) => v.passed) || !price.ok) return result(verdicts, 0n);
  const stop = price.value;
  const long = b.side === 'buy';
  const fmt = (t: bigint): string => ticksToPrice(spec, t);
  verdicts.push(
    (long ? stop >= b.stopTicks : stop <= b.stopTicks)
      ? pass('stop-direction', 'the stop moves toward the protective side (no added risk)')
      : fail(
          'stop-direction',
          'stop-adds-risk',
          `a ${long ? 'long' : 'short'}'s stop may only move ${long ? 'up' : 'down'}: ${fmt(stop)} is ${long ? 'below' : 'above'} the current stop ${fmt(b.stopTicks)}`,
        ),
    (long ? stop < markTicks : stop > markTicks)
      ? pass('stop-market', 'the stop stays on the protective side of the market')
      : fail(
          'stop-market',
          'stop-through-market',
          `a stop at ${fmt(stop)} is at or ${long ? 'above' : 'below'} the market price ${fmt(markTicks)}: it would fill at once`,
        ),
  );
  return result(verdicts, stop);
}

/**
 * Checks moving (or setting) the take-profit of `b` to `price` with the market at `markTicks`.
 * @param price the requested target on the tick grid (`priceToTicks`)
 */
export function checkTargetMove(b: Bracket, spec: InstrumentSpec, price: GridResult, markTicks: bigint): ManageCheck {
  const verdicts = [openVerdict(b), gridVerdict(spec, price)];
  if (!verdicts.every((v) => v.passed) || !price.ok) return result(verdicts, 0n);
  const target = price.value;
  const entry = b.entry!.price;
  const long = b.side === 'buy';
  const fmt = (t: bigint): string => ticksToPrice(spec, t);
  verdicts.push(
    (long ? target > entry : target < entry)
      ? pass('target-side', 'take-profit is on the profitable side of the entry')
      : fail(
          'target-side',
          'target-wrong-side',
          `a ${long ? 'long' : 'short'}'s take-profit must be ${long ? 'above' : 'below'} the entry fill ${fmt(entry)}`,
        ),
    (long ? target > markTicks : target < markTicks)
      ? pass('target-market', 'take-profit is beyond the market price')
      : fail(
          'target-market',
          'target-through-market',
          `a take-profit at ${fmt(target)} is at or ${long ? 'below' : 'above'} the market price ${fmt(markTicks)}: it would fill at once`,
        ),
  );
  return result(verdicts, target);
}

/** Checks moving the stop of `b` to its entry fill price with the market at `markTicks`. */
export function checkBreakeven(b: Bracket, spec: InstrumentSpec, markTicks: bigint): ManageCheck {
  const verdicts = [openVerdict(b)];
  if (!verdicts[0]!.passed) return result(verdicts, 0n);
  const entry = b.entry!.price;
  const long = b.side === 'buy';
  const fmt = (t: bigint): string => ticksToPrice(spec, t);
  verdicts.push(
    (long ? markTicks > entry : markTicks < entry)
      ? pass('breakeven-profit', 'the market is beyond the entry in the profitable direction')
      : fail(
          'breakeven-profit',
          'breakeven-not-in-profit',
          `the market price ${fmt(markTicks)} is not ${long ? 'above' : 'below'} the entry fill ${fmt(entry)}: a stop there would fill at once`,
        ),
    (long ? b.stopTicks < entry : b.stopTicks > entry)
      ? pass('breakeven-stop', 'the stop is still on the losing side of the entry')
      : fail(
          'breakeven-stop',
          'stop-already-at-breakeven',
          `the stop ${fmt(b.stopTicks)} is already at or beyond the entry fill ${fmt(entry)}`,
        ),
  );
  return result(verdicts, entry);
}

/**
 * Checks closing `qty` of the open position of `b` (a partial close: the rest stays open).
 * @param qty the requested quantity on the lot grid (`qtyToLots`)
 */
export function checkPartialClose(b: Bracket, spec: InstrumentSpec, qty: GridResult): ManageCheck {
  const verdicts = [
    openVerdict(b),
    qty.ok
      ? pass('quantity-grid', 'quantity is on the lot grid')
      : fail('quantity-grid', 'quantity-off-lot', `quantity must be a multiple of the lot size ${lotsToQty(spec, 1n)}`),
  ];
  if (!verdicts.every((v) => v.passed) || !qty.ok) return result(verdicts, 0n);
  const lots = qty.value;
  const rest = b.lots - lots;
  const fmt = (l: bigint): string => lotsToQty(spec, l);
  verdicts.push(
    lots > 0n && lots < b.lots
      ? pass('quantity-range', 'quantity is below the open size')
      : fail(
          'quantity-range',
          'quantity-exceeds-position',
          `a partial close must be above 0 and below the open size ${fmt(b.lots)}`,
        ),
  );
  if (lots > 0n && lots < b.lots)
    verdicts.push(
      rest >= spec.minQtyLots
        ? pass('remaining-size', 'the remaining size meets the minimum quantity')
        : fail(
            'remaining-size',
            'remaining-below-minimum',
            `closing ${fmt(lots)} would leave ${fmt(rest)} open, below the minimum quantity ${fmt(spec.minQtyLots)}: close it all`,
          ),
    );
  return result(verdicts, lots);
}

/**
 * The verdict of closing `b` in full by hand: an open position closes at market, a pending entry is cancelled;
 * closed and cancelled brackets have nothing to close (`trade-not-open`).
 */
export function checkClose(b: Pick<Bracket, 'status' | 'entry'>): ManageCheck {
  if (b.status === 'pending')
    return result([pass('trade-open', 'the pending entry is cancelled (nothing filled)')], 0n);
  return result([openVerdict(b)], 0n);
}

/** The refusal of any change to a trade that is no longer active (`status`: closed or cancelled). */
export function checkInactive(status: 'closed' | 'cancelled'): ManageCheck {
  return result([openVerdict({ status, entry: null })], 0n);
}
