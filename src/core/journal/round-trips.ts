/**
 * Round trips: one symbol's fills (from a venue's trade history) grouped into the trades of a journal.
 *
 * A trade opens when the position leaves 0 and closes when it returns to 0. A fill that crosses 0 (a flip) is split
 * in two: the part that brings the position to 0 closes the trade, the rest opens the opposite trade; its fee is
 * split pro rata to the quantities (the closing part's share rounded half away from zero, the rest to the opening
 * part, so the parts sum to the fee exactly). Fills that leave the position open at the end are the open remainder:
 * not a trade yet (a later import, with the closing fills, makes it one).
 *
 * Spot (`spot: true`): an account cannot go short, so a sell beyond the quantity held sells coins bought before
 * the history began; that part has no known entry and is reported as `unmatched`, never as a short trade.
 *
 * Invariants:
 * - Exact: every quantity, price, fee and P&L is a bigint at a decimal scale chosen from the input (the largest
 *   number of decimals among the quantities, prices and fees), formatted back to decimal text. No float touches
 *   money; only R (a ratio) is a float.
 * - Gross P&L of a trade is its cash flow: Σ(sell price × qty) − Σ(buy price × qty) over its (parts of) fills. The
 *   entry and exit prices are the volume-weighted averages of the opening and closing fills, rounded half away from
 *   zero to the input's price decimals + 8, for display; P&L never goes through them.
 * - Fees are converted to the quote currency: charged in the quote (or settle) currency as they are, in the base
 *   asset × the fill's price; in any other currency (BNB, a fee token) they are unknown: counted as 0 and the trade
 *   is flagged `feesUnknown`.
 * - Pure: no clock, no I/O.
 */
import { decimalPlaces, divRound, fromScaled, pow10, ratio, toScaled } from '../money/decimal.ts';

/** One fill of the account on the symbol, decimal text and ms UTC (as the venue reports it). */
export interface RoundTripFill {
  /** The venue's fill id. */
  id: string;
  side: 'buy' | 'sell';
  /** Price, quote currency per base unit (> 0). */
  price: string;
  /** Quantity, base units (> 0). */
  qty: string;
  /** Fee paid in `feeCurrency` (a negative fee is a rebate); "0" when none. */
  fee: string;
  feeCurrency: string | null;
  /** ms UTC. */
  time: number;
}

/** Options of {@link roundTrips}. */
export interface RoundTripOptions {
  /** Base asset of the symbol (`BTC` of `BTC/USDT`): fees charged in it are converted at the fill price. */
  base: string;
  /** Quote (or settle) currency (`USDT`): the currency of prices, P&L and fees. */
  quote: string;
  /** Spot market: sells beyond the quantity held are `unmatched` instead of opening a short. */
  spot?: boolean;
  /**
   * The initial stop of a closed trade, when known (e.g. from a note or an order history), so its R can be measured;
   * absent or null: R unknown. Called once per closed trade.
   */
  stopOf?: (t: {
    index: number;
    side: 'buy' | 'sell';
    openedAt: number;
    fillIds: string[];
  }) => string | null | undefined;
}

/** The part of a fill that belongs to one trade. */
export interface RoundTripPart {
  /** The fill's id. */
  id: string;
  /** Opening (`entry`) or closing (`exit`) the trade. */
  role: 'entry' | 'exit';
  /** Base units of the fill in this trade (the whole fill unless it was split at a flip). */
  qty: string;
  /** This part's share of the fill's fee, in the quote currency (0 when the fee's currency is unknown). */
  fee: string;
}

/** A closed round trip. Money is quote-currency decimal text. */
export interface RoundTrip {
  /** `buy`: a long (bought first); `sell`: a short. */
  side: 'buy' | 'sell';
  /** Quantity opened (= closed), base units. */
  qty: string;
  /** VWAP of the opening fills. */
  entryPrice: string;
  /** VWAP of the closing fills. */
  exitPrice: string;
  /** Time of the first opening fill, ms UTC. */
  openedAt: number;
  /** Time of the fill that brought the position back to 0, ms UTC. */
  closedAt: number;
  entryFee: string;
  exitFee: string;
  /** entryFee + exitFee. */
  fees: string;
  /** Σ sells − Σ buys of the trade's fill parts (price × qty). */
  grossPnl: string;
  /** grossPnl − fees. */
  netPnl: string;
  /** Some fee was charged in a currency other than the base or quote: counted as 0. */
  feesUnknown: boolean;
  /** The initial stop given by `stopOf`, or null. */
  stopPrice: string | null;
  /** |entry VWAP − stop| × qty (exact, from the entry cash flow); null without a stop or when ≤ 0. */
  initialRisk: string | null;
  /** netPnl ÷ initialRisk; null ("unknown") when there is no usable stop. */
  r: number | null;
  /** The fill parts, in time order. */
  parts: RoundTripPart[];
}

/** Fills of a position still open at the end: not a trade yet. */
export interface OpenRemainder {
  side: 'buy' | 'sell';
  /** Open quantity, base units. */
  qty: string;
  /** VWAP of the opening fills. */
  entryPrice: string;
  openedAt: number;
  parts: RoundTripPart[];
}

/** What {@link roundTrips} found. */
export interface RoundTripResult {
  /** Closed trades, in close order. */
  trades: RoundTrip[];
  /** The position left open at the end, or null when flat. */
  open: OpenRemainder | null;
  /** Spot sells (or parts of them) of coins held before the first fill: no known entry. */
  unmatched: { id: string; qty: string }[];
}

/**
 * The base and quote (settle) currency of a unified symbol: `BTC/USDT` → BTC, USDT; `BTC/USDC:USDC` → BTC, USDC
 * (the settle currency, in which a swap's P&L and fees are); `BTC-USD` → BTC, USD.
 */
export function symbolAssets(symbol: string): { base: string; quote: string } {
  const [pair, settle] = symbol.split(':');
  const [base = pair ?? symbol, quote = ''] = (pair ?? symbol).split(/[/-]/);
  return { base, quote: settle ?? quote };
}

interface Leg {
  id: string;
  role: 'entry' | 'exit';
  qty: bigint;
  notional: bigint;
  fee: bigint;
}

interface Open {
  dir: 1n | -1n;
  openedAt: number;
  legs: Leg[];
  entryQty: bigint;
  entryNotional: bigint;
  exitQty: bigint;
  exitNotional: bigint;
  feesUnknown: boolean;
}

/**
 * Groups one symbol's fills into round-trip trades (see the module comment for the rules).
 * @param fills the account's fills on one symbol; sorted here by time (stable: equal times keep their order).
 * @throws RangeError when a price or quantity is not positive decimal text, or a fee or stop is not decimal text.
 */
export function roundTrips(fills: readonly RoundTripFill[], opts: RoundTripOptions): RoundTripResult {
  const sorted = fills.map((f, i) => ({ f, i })).sort((a, b) => a.f.time - b.f.time || a.i - b.i);
  // Scales: quantities at qdp, prices at pdp, money (price × qty, fees) at mdp ≥ pdp + qdp.
  let qdp = 0;
  let pdp = 0;
  let fdp = 0;
  for (const f of fills) {
    qdp = Math.max(qdp, decimalPlaces(f.qty));
    pdp = Math.max(pdp, decimalPlaces(f.price));
  }
  // a fee in the base asset is × the price: pdp more decimals
  for (const f of fills) fdp = Math.max(fdp, decimalPlaces(f.fee) + (f.feeCurrency === opts.base ? pdp : 0));
  const mdp = Math.max(pdp + qdp, fdp);
  const up = pow10(mdp - pdp - qdp);
  const vdp = pdp + 8;

  const money = (v: bigint): string => fromScaled(v, mdp);
  const vwap = (notional: bigint, qty: bigint): string => {
    // notional (mdp) ÷ qty (qdp) is a price at mdp − qdp decimals; rescale to vdp
    const shift = vdp - (mdp - qdp);
    const v = shift >= 0 ? divRound(notional * pow10(shift), qty) : divRound(notional, qty * pow10(-shift));
    return fromScaled(v, vdp);
  };
  const part = (l: Leg): RoundTripPart => ({ id: l.id, role: l.role, qty: fromScaled(l.qty, qdp), fee: money(l.fee) });

  const trades: RoundTrip[] = [];
  const unmatched: { id: string; qty: string }[] = [];
  // the trade being built (a holder: the closures below replace it)
  const st: { cur: Open | null } = { cur: null };

  const close = (closedAt: number): void => {
    const t = st.cur!;
    st.cur = null;
    let entryFee = 0n;
    let exitFee = 0n;
    for (const l of t.legs) if (l.role === 'entry') entryFee += l.fee;
    for (const l of t.legs) if (l.role === 'exit') exitFee += l.fee;
    const gross = t.dir * (t.exitNotional - t.entryNotional);
    const net = gross - entryFee - exitFee;
    const side = t.dir === 1n ? 'buy' : 'sell';
    const stop =
      opts.stopOf?.({
        index: trades.length,
        side,
        openedAt: t.openedAt,
        fillIds: [...new Set(t.legs.map((l) => l.id))],
      }) ?? null;
    let risk: bigint | null = null;
    let r: number | null = null;
    if (stop !== null) {
      // |entry cash flow − stop × qty| at k decimals (exact), rounded to mdp for display
      const sdp = decimalPlaces(stop);
      const k = Math.max(mdp, sdp + qdp);
      const riskK =
        t.dir * (t.entryNotional * pow10(k - mdp) - toScaled(stop, sdp) * t.entryQty * pow10(k - sdp - qdp));
      // a stop on the wrong side of the entry, or at it, gives no R
      if (riskK > 0n) {
        risk = divRound(riskK, pow10(k - mdp));
        r = ratio(net * pow10(k - mdp), riskK);
      }
    }
    trades.push({
      side,
      qty: fromScaled(t.entryQty, qdp),
      entryPrice: vwap(t.entryNotional, t.entryQty),
      exitPrice: vwap(t.exitNotional, t.exitQty),
      openedAt: t.openedAt,
      closedAt,
      entryFee: money(entryFee),
      exitFee: money(exitFee),
      fees: money(entryFee + exitFee),
      grossPnl: money(gross),
      netPnl: money(net),
      feesUnknown: t.feesUnknown,
      stopPrice: stop,
      initialRisk: risk === null ? null : money(risk),
      r,
      parts: t.legs.map(part),
    });
  };

  for (const { f } of sorted) {
    const q = toScaled(f.qty, qdp);
    const p = toScaled(f.price, pdp);
    if (q <= 0n || p <= 0n) throw new RangeError(`fill ${f.id}: price and quantity must be positive`);
    const rawFee = toScaled(f.fee, mdp - (f.feeCurrency === opts.base ? pdp : 0));
    let fee = 0n;
    let unknown = false;
    if (rawFee !== 0n) {
      if (f.feeCurrency === opts.quote) fee = rawFee;
      else if (f.feeCurrency === opts.base) fee = rawFee * p;
      else unknown = true;
    }
    const dir: 1n | -1n = f.side === 'buy' ? 1n : -1n;
    const notional = (qty: bigint): bigint => p * qty * up;
    const open = (qty: bigint, feePart: bigint): void => {
      if (st.cur === null) {
        if (opts.spot && dir === -1n) {
          unmatched.push({ id: f.id, qty: fromScaled(qty, qdp) });
          return;
        }
        st.cur = {
          dir,
          openedAt: f.time,
          legs: [],
          entryQty: 0n,
          entryNotional: 0n,
          exitQty: 0n,
          exitNotional: 0n,
          feesUnknown: false,
        };
      }
      st.cur.legs.push({ id: f.id, role: 'entry', qty, notional: notional(qty), fee: feePart });
      st.cur.entryQty += qty;
      st.cur.entryNotional += notional(qty);
      st.cur.feesUnknown ||= unknown;
    };
    if (st.cur === null || st.cur.dir === dir) {
      open(q, fee);
      continue;
    }
    const held: bigint = st.cur.entryQty - st.cur.exitQty;
    const c = q < held ? q : held;
    const closeFee = c === q ? fee : divRound(fee * c, q);
    st.cur.legs.push({ id: f.id, role: 'exit', qty: c, notional: notional(c), fee: closeFee });
    st.cur.exitQty += c;
    st.cur.exitNotional += notional(c);
    st.cur.feesUnknown ||= unknown;
    if (c === held) close(f.time);
    if (q > c) open(q - c, fee - closeFee);
  }

  const o = st.cur;
  return {
    trades,
    unmatched,
    open:
      o === null
        ? null
        : {
            side: o.dir === 1n ? 'buy' : 'sell',
            qty: fromScaled(o.entryQty - o.exitQty, qdp),
            entryPrice: vwap(o.entryNotional, o.entryQty),
            openedAt: o.openedAt,
            parts: o.legs.map(part),
          },
  };
}
