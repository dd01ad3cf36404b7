/**
 * Paper execution of a bracket order against OHLCV bars: entry, then a reduce-only stop-market stop-loss and a
 * limit take-profit linked one-cancels-other (OCO).
 *
 * Fill model (documented in the README, "How paper fills work"):
 * - A market entry fills at the current price (taker fee).
 * - A limit entry fills when a bar trades at or through its price (buy: low ≤ limit; sell: high ≥ limit), at the
 *   limit, or at the bar's open when the bar opened through it (maker fee: it was resting).
 * - The stop-loss triggers when a bar trades at or through the stop and fills at the stop, or at the open when the
 *   bar gapped through it (taker fee). The take-profit fills like a limit order (maker fee).
 * - When one bar touches both the stop and the take-profit, the stop is assumed to have filled first (the
 *   pessimistic convention), unless lower-timeframe bars for that bar are given: then they are replayed in order to
 *   decide, and a lower-timeframe bar that touches both again resolves to the stop.
 * - On the bar in which a limit entry fills mid-bar, only the stop is checked (the take-profit cannot be known to
 *   have traded after the entry).
 * - MAE/MFE are the largest adverse/favourable excursions from the entry fill over every bar the position was open,
 *   entry and exit bars included, clamped at the exit price on the exit bar.
 *
 * - A partial close ({@link closePartially}) sells part of an open position at market (taker); the stop-loss and
 *   take-profit then cover only the remaining size. The trade's result counts every partial exit.
 * - The stop and target of an open position may be moved (see `./manage.ts` for the rules); the initial risk, and so
 *   R, stays measured from the initial stop and size.
 *
 * Invariants: prices in ticks, size in lots, money in atoms; a bracket moves pending → open → closed (or pending →
 * cancelled) and never back; the exits are reduce-only: together they close exactly the entry size and no more.
 */
import { FRACTION_SCALE, absBig } from '../money/decimal.ts';
import { feeAtoms, type InstrumentSpec } from '../instruments/instrument.ts';
import type { Side } from '../sizing/size.ts';

/** Lifecycle of a bracket. */
export type BracketStatus = 'pending' | 'open' | 'closed' | 'cancelled';
/** Why a position closed. */
export type ExitReason = 'stop' | 'target' | 'manual';
/** Who provided liquidity for a fill. */
export type Liquidity = 'maker' | 'taker';

/** A bar in ticks. `time` is the open time, ms UTC. */
export interface TickBar {
  time: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
}

/** A fill of one leg of the bracket. */
export interface Fill {
  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
  /** Price in ticks. */
  price: bigint;
  lots: bigint;
  /** Fee in atoms. */
  fee: bigint;
  liquidity: Liquidity;
  /** Time of the fill, ms UTC (the bar's open time for a bar fill). */
  time: number;
}

/** The mutable state of one bracket on the paper exchange. */
export interface Bracket {
  side: Side;
  /** Size still open (pending: the whole entry), lots. */
  lots: bigint;
  /** Size of the entry, lots (lots + the partial exits' lots). */
  initialLots: bigint;
  entryIsMarket: boolean;
  /** Limit price of the entry, or the reference price of a market entry, ticks. */
  entryTicks: bigint;
  /** Current stop-loss, ticks. */
  stopTicks: bigint;
  /** Stop-loss when the bracket was created, ticks: the initial risk is measured from it. */
  initialStopTicks: bigint;
  targetTicks: bigint | null;
  status: BracketStatus;
  entry: Fill | null;
  /** Partial exits at market, oldest first (leg `partial`). */
  partials: Fill[];
  /** The fill that closed the position (the remaining size). */
  exit: Fill | null;
  exitReason: ExitReason | null;
  /** Largest adverse / favourable excursion from the entry fill, ticks (≥ 0). */
  maeTicks: bigint;
  mfeTicks: bigint;
}

/** Creates a pending bracket. */
export function newBracket(
  b: Pick<Bracket, 'side' | 'lots' | 'entryIsMarket' | 'entryTicks' | 'stopTicks' | 'targetTicks'>,
): Bracket {
  return {
    ...b,
    initialLots: b.lots,
    initialStopTicks: b.stopTicks,
    status: 'pending',
    entry: null,
    partials: [],
    exit: null,
    exitReason: null,
    maeTicks: 0n,
    mfeTicks: 0n,
  };
}

function fill(spec: InstrumentSpec, leg: Fill['leg'], price: bigint, lots: bigint, liq: Liquidity, time: number): Fill {
  const rate = liq === 'maker' ? spec.makerFee : spec.takerFee;
  return { leg, price, lots, fee: feeAtoms(price * lots * spec.atomsPerTickLot, rate), liquidity: liq, time };
}

/** Fills a pending market entry at `priceTicks` (taker). Returns the fill, or null when not pending/market. */
export function fillMarketEntry(b: Bracket, spec: InstrumentSpec, priceTicks: bigint, time: number): Fill | null {
  if (b.status !== 'pending' || !b.entryIsMarket) return null;
  b.entry = fill(spec, 'entry', priceTicks, b.lots, 'taker', time);
  b.status = 'open';
  return b.entry;
}

/** Cancels a pending bracket (nothing filled). Returns false when it was not pending. */
export function cancelBracket(b: Bracket): boolean {
  if (b.status !== 'pending') return false;
  b.status = 'cancelled';
  return true;
}

/** Closes an open position at `priceTicks` as a market order (taker). Returns the fill or null when not open. */
export function closeManually(b: Bracket, spec: InstrumentSpec, priceTicks: bigint, time: number): Fill | null {
  if (b.status !== 'open') return null;
  excursion(b, priceTicks, priceTicks);
  return exit(b, spec, 'manual', priceTicks, 'taker', time);
}

/**
 * Closes `lots` of an open position at `priceTicks` as a reduce-only market order (taker); the rest stays open with
 * its stop and target resized to it. Returns the fill, or null when the bracket is not open or `lots` is not
 * strictly between 0 and the open size (a full close is {@link closeManually}).
 */
export function closePartially(
  b: Bracket,
  spec: InstrumentSpec,
  lots: bigint,
  priceTicks: bigint,
  time: number,
): Fill | null {
  if (b.status !== 'open' || lots <= 0n || lots >= b.lots) return null;
  excursion(b, priceTicks, priceTicks);
  const f = fill(spec, 'partial', priceTicks, lots, 'taker', time);
  b.partials.push(f);
  b.lots -= lots;
  return f;
}

function exit(b: Bracket, spec: InstrumentSpec, reason: ExitReason, price: bigint, liq: Liquidity, time: number): Fill {
  b.exit = fill(spec, reason === 'manual' ? 'manual' : reason, price, b.lots, liq, time);
  b.exitReason = reason;
  b.status = 'closed';
  return b.exit;
}

/** A stopped-out position never reached its take-profit: its favourable excursion is capped there. */
function capAtTarget(b: Bracket): void {
  if (b.targetTicks === null) return;
  const cap = absBig(b.targetTicks - b.entry!.price);
  if (b.mfeTicks > cap) b.mfeTicks = cap;
}

/** Updates MAE/MFE with the lowest and highest prices seen while open. */
function excursion(b: Bracket, low: bigint, high: bigint): void {
  const e = b.entry!.price;
  const adverse = b.side === 'buy' ? e - low : high - e;
  const favourable = b.side === 'buy' ? high - e : e - low;
  if (adverse > b.maeTicks) b.maeTicks = adverse;
  if (favourable > b.mfeTicks) b.mfeTicks = favourable;
}

/**
 * Advances a bracket through one bar. Returns the fills that happened (zero, one or two).
 * @param sub optional lower-timeframe bars covering `bar`, used only to decide a bar that touches both exits
 */
export function stepBracket(b: Bracket, spec: InstrumentSpec, bar: TickBar, sub?: readonly TickBar[]): Fill[] {
  const fills: Fill[] = [];
  if (b.status === 'pending') {
    if (b.entryIsMarket) return fills; // market entries fill on submission
    const long = b.side === 'buy';
    const touched = long ? bar.low <= b.entryTicks : bar.high >= b.entryTicks;
    if (!touched) return fills;
    const gapped = long ? bar.open <= b.entryTicks : bar.open >= b.entryTicks;
    const price = gapped ? bar.open : b.entryTicks;
    b.entry = fill(spec, 'entry', price, b.lots, 'maker', bar.time);
    b.status = 'open';
    fills.push(b.entry);
    if (!gapped) {
      // Mid-bar fill: only the stop can be known to have traded after the entry (pessimistic).
      const stopHit = long ? bar.low <= b.stopTicks : bar.high >= b.stopTicks;
      if (stopHit) {
        excursion(b, long ? b.stopTicks : bar.low, long ? bar.high : b.stopTicks);
        capAtTarget(b);
        fills.push(exit(b, spec, 'stop', b.stopTicks, 'taker', bar.time));
      } else {
        excursion(b, long ? bar.low : bar.close, long ? bar.close : bar.high);
      }
      return fills;
    }
  }
  if (b.status !== 'open') return fills;
  const f = stepOpen(b, spec, bar, sub);
  if (f) fills.push(f);
  return fills;
}

function stepOpen(b: Bracket, spec: InstrumentSpec, bar: TickBar, sub?: readonly TickBar[]): Fill | null {
  const long = b.side === 'buy';
  const stop = b.stopTicks;
  const target = b.targetTicks;
  // Gaps at the open decide first.
  if (long ? bar.open <= stop : bar.open >= stop) {
    excursion(b, bar.open, bar.open);
    return exit(b, spec, 'stop', bar.open, 'taker', bar.time);
  }
  if (target !== null && (long ? bar.open >= target : bar.open <= target)) {
    excursion(b, bar.open, bar.open);
    return exit(b, spec, 'target', bar.open, 'maker', bar.time);
  }
  const stopHit = long ? bar.low <= stop : bar.high >= stop;
  const targetHit = target !== null && (long ? bar.high >= target : bar.low <= target);
  if (stopHit && targetHit && sub && sub.length > 0) {
    for (const s of sub) {
      const f = stepOpen(b, spec, s);
      if (f) return f;
    }
    // Lower-timeframe bars did not decide (incomplete data): fall back to the convention below.
  }
  if (stopHit) {
    excursion(b, long ? stop : bar.low, long ? bar.high : stop);
    capAtTarget(b);
    return exit(b, spec, 'stop', stop, 'taker', bar.time);
  }
  if (targetHit) {
    excursion(b, long ? bar.low : target!, long ? target! : bar.high);
    return exit(b, spec, 'target', target!, 'maker', bar.time);
  }
  excursion(b, bar.low, bar.high);
  return null;
}

/** Money outcome of a closed bracket. Money in atoms; R values are floats (statistics). */
export interface BracketResult {
  /** Σ side × (exit − entry) × quantity over every exit (partial exits and the final one), atoms. */
  grossPnl: bigint;
  /** Entry fee + every exit's fee, atoms. */
  fees: bigint;
  /** grossPnl − fees, atoms. */
  netPnl: bigint;
  /**
   * Loss if stopped out at the initial stop with the whole entry size: |entry fill − initial stop| × entry qty + entry
   * fee + taker fee at the initial stop, atoms.
   */
  initialRisk: bigint;
  /** R-multiple: netPnl ÷ initialRisk (Van Tharp). */
  r: number;
  /**
   * Maximum adverse excursion in R (≤ 0) and maximum favourable excursion in R (≥ 0), price moves only, measured on
   * the entry size.
   */
  maeR: number;
  mfeR: number;
}

/** Initial risk of an open bracket (see {@link BracketResult.initialRisk}), atoms. */
export function initialRisk(b: Bracket, spec: InstrumentSpec): bigint {
  const entry = b.entry!;
  const stop = b.initialStopTicks;
  const lots = b.initialLots;
  const dist = absBig(entry.price - stop);
  return dist * lots * spec.atomsPerTickLot + entry.fee + feeAtoms(stop * lots * spec.atomsPerTickLot, spec.takerFee);
}

/** Gross P&L and fees of the partial exits so far, atoms (zero for none). */
export function partialResult(b: Bracket, spec: InstrumentSpec): { grossPnl: bigint; fees: bigint } {
  const dir = b.side === 'buy' ? 1n : -1n;
  let grossPnl = 0n;
  let fees = 0n;
  for (const p of b.partials) {
    grossPnl += dir * (p.price - b.entry!.price) * p.lots * spec.atomsPerTickLot;
    fees += p.fee;
  }
  return { grossPnl, fees };
}

/**
 * Computes P&L and R of a closed bracket.
 * @throws Error when the bracket is not closed.
 */
export function bracketResult(b: Bracket, spec: InstrumentSpec): BracketResult {
  if (b.status !== 'closed' || !b.entry || !b.exit) throw new Error('bracket is not closed');
  const dir = b.side === 'buy' ? 1n : -1n;
  const apt = spec.atomsPerTickLot;
  const partial = partialResult(b, spec);
  const grossPnl = dir * (b.exit.price - b.entry.price) * b.exit.lots * apt + partial.grossPnl;
  const fees = b.entry.fee + partial.fees + b.exit.fee;
  const netPnl = grossPnl - fees;
  const risk = initialRisk(b, spec);
  const toR = (atoms: bigint): number => (risk > 0n ? Number((atoms * FRACTION_SCALE) / risk) / 1e8 : 0);
  return {
    grossPnl,
    fees,
    netPnl,
    initialRisk: risk,
    r: toR(netPnl),
    maeR: -toR(b.maeTicks * b.initialLots * apt),
    mfeR: toR(b.mfeTicks * b.initialLots * apt),
  };
}
