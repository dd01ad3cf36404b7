/**
 * The parity diff: a strategy's backtest trades against the live (or paper) record of the same strategy run, trade by
 * trade — what no backtester offers. Pure: no clock, no I/O.
 *
 * Matching: trades pair only with trades of the same direction. First every live trade whose entry bar time equals a
 * backtest trade's entry time pairs with it (oldest first); then the remaining ones pair by nearest entry time
 * (smallest gap first, ties to the earlier backtest trade), within `maxEntryGapMs`. A backtest trade left alone was
 * MISSED live (annotated with the live rule rejections of its entry bar, when there were any); a live trade left
 * alone is EXTRA.
 *
 * Differences are live − backtest and exact: prices, sizes, fees and P&L are compared as decimal text on integers
 * (zero means equal; `"110"` equals `"110.00"`). Times are compared as bar times (ms UTC): the live record gives the
 * open time of the bar whose close the order acted on, as the backtest's `tradeOnClose` trades do.
 *
 * Slippage in R is signed against the trader: POSITIVE is a cost (the live fill was worse than the backtest's).
 *   entry: side × (live entry − backtest entry) × live size ÷ initial risk
 *   exit:  side × (backtest exit − live exit) × live size ÷ initial risk
 * where side is +1 long, −1 short and the initial risk is the live trade's (its journal value). The fee difference
 * in R is (live fees − backtest fees) ÷ the same risk (positive = the live trade paid more). R totals are floats
 * (statistics); everything else money-like is decimal text.
 */
import { decimalPlaces, fromScaled, pow10, toScaled } from '../money/decimal.ts';
import type { BacktestTrade } from './types.ts';

/** A trade of the live record of a run (from the journal), money and prices as decimal text. */
export interface LiveTrade {
  /** The journal trade's id. */
  tradeId: number;
  side: 'buy' | 'sell';
  /** Entry bar time, ms UTC: the open time of the bar the run's order was placed on. */
  entryTime: number;
  /** Exit bar time, ms UTC (the bar the exit filled on), or null while open. */
  exitTime: number | null;
  /** Entry quantity, positive decimal text (base units). */
  size: string;
  entryPrice: string;
  exitPrice: string | null;
  /** Every fee paid so far (entry, partial and final exits). */
  fees: string;
  /** Net P&L after fees, or null while open. */
  netPnl: string | null;
  /** Initial risk (quote currency): |entry − initial stop| × size + entry fee + taker fee at the stop; or null. */
  initialRisk: string | null;
  /** The journal's R-multiple, or null while open. */
  r: number | null;
  /** `stop`, `target`, `manual`, or null while open. */
  exitReason: string | null;
}

/** An order of the run the risk gate refused (a rejected decision). */
export interface LiveRejection {
  /** Open time of the bar the order was placed on, ms UTC. */
  time: number;
  /** The failed rules' codes, e.g. `daily-loss-limit-hit`, `stop-required`. */
  codes: string[];
  /** The decision's id, when the refusal was persisted as one. */
  decisionId: number | null;
}

/** The inputs of {@link diffParity}. */
export interface ParityInput {
  /** The backtest's closed trades (run with `finalizeTrades` so its open trades at the end are listed, reason `end`). */
  backtest: readonly BacktestTrade[];
  /** The backtest's refused orders by rule code (its result's `rejections`). */
  backtestRejections?: Readonly<Record<string, number>>;
  live: readonly LiveTrade[];
  liveRejections?: readonly LiveRejection[];
  /** Only trades and rejections with an entry time in [from, to) count (ms UTC); both optional. */
  from?: number | null;
  to?: number | null;
  /** Largest entry-time gap of a nearest-time match, ms; default unlimited. */
  maxEntryGapMs?: number;
}

/** One side of a row: a trade as compared. */
export interface ParitySide {
  side: 'buy' | 'sell';
  entryTime: number;
  exitTime: number | null;
  /** Quantity, positive decimal text. */
  size: string;
  entryPrice: string;
  exitPrice: string | null;
  fees: string;
  pnl: string | null;
  r: number | null;
  exitReason: string | null;
  /** The journal trade's id (live side only). */
  tradeId?: number;
}

/** Live − backtest differences of a matched pair (null where one side has no value, e.g. a trade still open). */
export interface ParityDiff {
  entryTimeMs: number;
  exitTimeMs: number | null;
  entryPrice: string;
  exitPrice: string | null;
  size: string;
  fees: string;
  pnl: string | null;
  /** Entry plus exit slippage in R, positive = cost to the trader (see the module comment). */
  slippageR: number | null;
  entrySlippageR: number | null;
  exitSlippageR: number | null;
  /** Fee difference in R, positive = the live trade paid more. */
  feesR: number | null;
  /** Live R − backtest R. */
  r: number | null;
}

/** A row of the report: a matched pair, a missed backtest trade or an extra live trade. */
export interface ParityRow {
  status: 'matched' | 'missed' | 'extra';
  backtest: ParitySide | null;
  live: ParitySide | null;
  diff: ParityDiff | null;
  /** A matched pair with no difference at all (a trade the backtest has closed at the end while live it is still
   * open counts as equal when everything else is). */
  equal: boolean;
  /** Fields that differ (`entryTime`, `exitTime`, `entryPrice`, `exitPrice`, `size`, `fees`, `pnl`, `exitReason`). */
  differences: string[];
  /** Live rule rejections on a missed trade's entry bar (why it was missed), else empty. */
  rejectedBy: string[];
}

/** Totals of a report; R sums over closed trades (floats; a pair whose live trade is still open counts on neither side). */
export interface ParityTotals {
  backtestTrades: number;
  liveTrades: number;
  matched: number;
  /** Matched pairs with at least one difference. */
  differing: number;
  /** Matched pairs whose live trade is still open: their exits are not compared yet. */
  openLive: number;
  missed: number;
  extra: number;
  /** Live orders the risk gate refused in the range, and the backtest's refusals (all of its run). */
  liveRejections: number;
  backtestRejections: number;
  backtestR: number;
  liveR: number;
  /** liveR − backtestR. */
  diffR: number;
  /** Sum of matched slippage in R (positive = cost). */
  slippageR: number;
  /** Sum of matched fee differences in R. */
  feesR: number;
  /** R of the missed trades in the backtest, and of the extra trades live. */
  missedR: number;
  extraR: number;
  /** Live − backtest fees and net P&L over matched pairs whose live trade has closed, decimal text. */
  fees: string;
  pnl: string;
}

/** The parity report: rows in entry-time order, rejections, totals, and whether the two records are identical. */
export interface ParityReport {
  rows: ParityRow[];
  liveRejections: LiveRejection[];
  backtestRejections: Record<string, number>;
  totals: ParityTotals;
  /** True when every trade matched with no difference. */
  equal: boolean;
}

/** Exact arithmetic on decimal text at a common scale. */
const SCALE = 24;
const num = (s: string): bigint => {
  const dp = decimalPlaces(s);
  if (dp > SCALE) throw new RangeError(`${s} has more than ${SCALE} decimal places`);
  return toScaled(s, SCALE);
};
const text = (v: bigint): string => fromScaled(v, SCALE);
const sub = (a: string, b: string): string => text(num(a) - num(b));
/** a ÷ b as a float to ~1e-15 relative (R values are statistics, never money). */
const ratio = (a: bigint, b: bigint): number => Number((a * pow10(18)) / b) / 1e18;
const sumR = (xs: (number | null)[]): number => xs.reduce<number>((s, x) => s + (x ?? 0), 0);

function sideOfBacktest(t: BacktestTrade): ParitySide {
  const short = t.size.startsWith('-');
  return {
    side: short ? 'sell' : 'buy',
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    size: short ? t.size.slice(1) : t.size,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    fees: t.commission,
    pnl: t.pnl,
    r: t.rMultiple,
    exitReason: t.exitReason,
  };
}

function sideOfLive(t: LiveTrade): ParitySide {
  return {
    side: t.side,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    size: t.size,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    fees: t.fees,
    pnl: t.netPnl,
    r: t.r,
    exitReason: t.exitReason,
    tradeId: t.tradeId,
  };
}

/** Backtest exit reasons that mean the same exit as the journal's. */
const SAME_EXIT: Record<string, string> = { stop: 'stop', target: 'target', signal: 'manual' };

function compare(bt: ParitySide, live: ParitySide, risk: string | null): Omit<ParityRow, 'status' | 'rejectedBy'> {
  const dir = bt.side === 'buy' ? 1n : -1n;
  const liveOpen = live.exitPrice === null;
  const btEnd = bt.exitReason === 'end';
  const riskV = risk === null ? 0n : num(risk);
  const inR = (v: bigint): number | null => (riskV > 0n ? ratio(v, riskV * pow10(SCALE)) : null);
  const entrySlip = dir * (num(live.entryPrice) - num(bt.entryPrice)) * num(live.size);
  const exitSlip =
    live.exitPrice === null || bt.exitPrice === null
      ? null
      : dir * (num(bt.exitPrice) - num(live.exitPrice)) * num(live.size);
  const entrySlippageR = inR(entrySlip);
  const exitSlippageR = liveOpen || exitSlip === null ? null : inR(exitSlip);
  const diff: ParityDiff = {
    entryTimeMs: live.entryTime - bt.entryTime,
    exitTimeMs: live.exitTime === null || bt.exitTime === null ? null : live.exitTime - bt.exitTime,
    entryPrice: sub(live.entryPrice, bt.entryPrice),
    exitPrice: live.exitPrice === null || bt.exitPrice === null ? null : sub(live.exitPrice, bt.exitPrice),
    size: sub(live.size, bt.size),
    fees: sub(live.fees, bt.fees),
    pnl: live.pnl === null || bt.pnl === null ? null : sub(live.pnl, bt.pnl),
    slippageR: entrySlippageR === null ? null : entrySlippageR + (exitSlippageR ?? 0),
    entrySlippageR,
    exitSlippageR,
    feesR: liveOpen ? null : inR((num(live.fees) - num(bt.fees)) * pow10(SCALE)),
    r: live.r === null || bt.r === null ? null : live.r - bt.r,
  };
  const differences: string[] = [];
  if (diff.entryTimeMs !== 0) differences.push('entryTime');
  if (num(diff.entryPrice) !== 0n) differences.push('entryPrice');
  if (num(diff.size) !== 0n) differences.push('size');
  // A trade still open live against the backtest's end-of-data close: its exit is not compared yet.
  if (!(liveOpen && btEnd)) {
    if (liveOpen || live.exitTime !== bt.exitTime) differences.push('exitTime');
    if (diff.exitPrice === null || num(diff.exitPrice) !== 0n) differences.push('exitPrice');
    if (num(diff.fees) !== 0n) differences.push('fees');
    if (diff.pnl === null || num(diff.pnl) !== 0n) differences.push('pnl');
    if (SAME_EXIT[bt.exitReason ?? ''] !== live.exitReason) differences.push('exitReason');
  }
  return { backtest: bt, live, diff, equal: differences.length === 0, differences };
}

/**
 * Diffs a backtest against the live record of the same run (see the module comment for matching and signs).
 * @returns rows in entry-time order (ties: matched, missed, extra), the rejections in the range, and the totals.
 * @throws RangeError when a price, size or fee is not decimal text (or has more than 24 decimal places).
 */
export function diffParity(input: ParityInput): ParityReport {
  const inRange = (t: number): boolean => (input.from == null || t >= input.from) && (input.to == null || t < input.to);
  const bts = input.backtest
    .filter((t) => inRange(t.entryTime))
    .map(sideOfBacktest)
    .sort((a, b) => a.entryTime - b.entryTime);
  const riskOf = new Map<number, string | null>();
  const lives = input.live
    .filter((t) => inRange(t.entryTime))
    .map((t) => {
      riskOf.set(t.tradeId, t.initialRisk);
      return sideOfLive(t);
    })
    .sort((a, b) => a.entryTime - b.entryTime || a.tradeId! - b.tradeId!);
  const rejections = (input.liveRejections ?? []).filter((r) => inRange(r.time)).sort((a, b) => a.time - b.time);
  const maxGap = input.maxEntryGapMs ?? Infinity;

  const pairOf = new Map<ParitySide, ParitySide>();
  const taken = new Set<ParitySide>();
  for (const bt of bts) {
    const live = lives.find((l) => !taken.has(l) && l.side === bt.side && l.entryTime === bt.entryTime);
    if (live) {
      pairOf.set(bt, live);
      taken.add(live);
    }
  }
  const candidates: { bt: ParitySide; live: ParitySide; gap: number; k: number }[] = [];
  bts.forEach((bt, k) => {
    if (pairOf.has(bt)) return;
    for (const live of lives) {
      const gap = Math.abs(live.entryTime - bt.entryTime);
      if (!taken.has(live) && live.side === bt.side && gap <= maxGap) candidates.push({ bt, live, gap, k });
    }
  });
  candidates.sort((a, b) => a.gap - b.gap || a.k - b.k);
  for (const c of candidates) {
    if (pairOf.has(c.bt) || taken.has(c.live)) continue;
    pairOf.set(c.bt, c.live);
    taken.add(c.live);
  }

  const rows: ParityRow[] = [];
  for (const bt of bts) {
    const live = pairOf.get(bt);
    if (live) rows.push({ status: 'matched', rejectedBy: [], ...compare(bt, live, riskOf.get(live.tradeId!) ?? null) });
    else {
      const codes = rejections.filter((r) => r.time === bt.entryTime).flatMap((r) => r.codes);
      rows.push({
        status: 'missed',
        backtest: bt,
        live: null,
        diff: null,
        equal: false,
        differences: [],
        rejectedBy: [...new Set(codes)],
      });
    }
  }
  for (const live of lives)
    if (!taken.has(live))
      rows.push({ status: 'extra', backtest: null, live, diff: null, equal: false, differences: [], rejectedBy: [] });
  const order = { matched: 0, missed: 1, extra: 2 };
  const timeOf = (r: ParityRow): number => (r.backtest ?? r.live)!.entryTime;
  rows.sort((a, b) => timeOf(a) - timeOf(b) || order[a.status] - order[b.status]);

  const matched = rows.filter((r) => r.status === 'matched');
  const missed = rows.filter((r) => r.status === 'missed');
  const extra = rows.filter((r) => r.status === 'extra');
  // Pairs whose live trade has closed (an open one has paid only part of its fees).
  const closed = matched.filter((r) => r.live!.exitPrice !== null);
  const backtestRejections = { ...(input.backtestRejections ?? {}) };
  // A trade still open live counts on neither side: its backtest twin was only closed by the end of the data.
  const backtestR = sumR(
    rows.map((r) => (r.live !== null && r.live.exitPrice === null ? null : (r.backtest?.r ?? null))),
  );
  const liveR = sumR(rows.map((r) => r.live?.r ?? null));
  const totals: ParityTotals = {
    backtestTrades: bts.length,
    liveTrades: lives.length,
    matched: matched.length,
    differing: matched.filter((r) => !r.equal).length,
    openLive: matched.length - closed.length,
    missed: missed.length,
    extra: extra.length,
    liveRejections: rejections.length,
    backtestRejections: Object.values(backtestRejections).reduce((s, n) => s + n, 0),
    backtestR,
    liveR,
    diffR: liveR - backtestR,
    slippageR: sumR(matched.map((r) => r.diff!.slippageR)),
    feesR: sumR(matched.map((r) => r.diff!.feesR)),
    missedR: sumR(missed.map((r) => r.backtest!.r)),
    extraR: sumR(extra.map((r) => r.live!.r)),
    fees: text(closed.reduce((s, r) => s + num(r.diff!.fees), 0n)),
    pnl: text(closed.reduce((s, r) => s + (r.diff!.pnl === null ? 0n : num(r.diff!.pnl)), 0n)),
  };
  return {
    rows,
    liveRejections: rejections,
    backtestRejections,
    totals,
    equal: missed.length === 0 && extra.length === 0 && matched.every((r) => r.equal),
  };
}

/**
 * The report's verdict as one lower-case line: `differences: …` with the counts, `no differences: …`, or, while
 * matched trades are still open live, `no differences so far: …` saying how many exits are not compared yet.
 */
export function parityVerdict(equal: boolean, t: ParityTotals): string {
  if (!equal) return `differences: ${t.differing} differing, ${t.missed} missed, ${t.extra} extra`;
  if (t.openLive === 0) return 'no differences: the live record equals the backtest';
  const one = t.openLive === 1;
  return (
    `no differences so far: the live record equals the backtest (${t.openLive} trade${one ? '' : 's'} still open ` +
    `live, ${one ? 'its exit' : 'their exits'} not compared yet)`
  );
}
