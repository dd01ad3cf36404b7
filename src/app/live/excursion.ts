/**
 * MAE and MFE of a closed live trade, from the venue's own bars over the trade's life (a live trade has no feed of
 * Testudo's to watch bar by bar, as a paper trade has).
 *
 * Invariants:
 * - Runs after the close, outside the fill's transaction, on the connection's queue: a venue that cannot answer
 *   leaves `mae_r`/`mfe_r` null (unknown), never a guess, and never delays the close.
 * - The same definitions as the paper engine (`bracketResult` in `src/core/execution/bracket.ts`): excursions are
 *   price moves from the entry's average fill price, in whole ticks, measured on the entry size, in R of the trade's
 *   initial risk; MAE ≤ 0, MFE ≥ 0. Bars are those overlapping the trade's life (open time before the close, end after
 *   the entry), so a bar straddling the entry or the exit counts whole, as a paper trade's bar does; the fills' own
 *   prices always count.
 */
import { Decimal } from 'decimal.js';
import { toInt, toMs } from '../../db/sql.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import { TIMEFRAMES } from '../../core/marketdata/candle.ts';
import type { LiveCore } from './core.ts';
import { lotsOf, marketOf, ticksOf } from './core.ts';
import { MONEY_DP } from '../../core/money/decimal.ts';

/** Bars asked of the venue for one trade (most venues answer up to 1,000 per request). */
const MAX_BARS = 1000;

/** The bar length for a trade lasting `spanMs`: the shortest of 1m…1d that covers it in {@link MAX_BARS} bars. */
export function excursionTimeframe(spanMs: number): keyof typeof TIMEFRAMES {
  for (const tf of ['1m', '5m', '15m', '1h', '4h', '1d'] as const)
    if (spanMs / TIMEFRAMES[tf] < MAX_BARS - 2) return tf;
  return '1d';
}

/**
 * Extremes of the trade's life: the highest high and lowest low of the bars overlapping `[from, to]` (bar length
 * `barMs`), and of the given fill prices. Null without any price.
 */
export function extremes(
  bars: readonly Candle[],
  barMs: number,
  from: number,
  to: number,
  fillPrices: readonly string[],
): { high: Decimal; low: Decimal } | null {
  let high: Decimal | null = null;
  let low: Decimal | null = null;
  const see = (h: Decimal, l: Decimal): void => {
    if (high === null || h.gt(high)) high = h;
    if (low === null || l.lt(low)) low = l;
  };
  for (const b of bars) if (b.time <= to && b.time + barMs > from) see(new Decimal(b.high), new Decimal(b.low));
  for (const p of fillPrices) see(new Decimal(p), new Decimal(p));
  return high === null || low === null ? null : { high, low };
}

/**
 * Computes and stores MAE/MFE (`mae_ticks`, `mfe_ticks`, `mae_r`, `mfe_r`) of closed live trade `tradeId` (no
 * event: the trade's close was published already; its views read them from the database). Returns false when nothing was stored (not a closed live trade, already measured,
 * no initial risk, or the venue could not give its bars — the error goes to `core.onError`).
 */
export async function recordExcursion(core: LiveCore, tradeId: number): Promise<boolean> {
  const [t] = await core.sql.query(
    `SELECT * FROM trades WHERE id = $1 AND connection_id IS NOT NULL AND status = 'closed' AND mae_r IS NULL`,
    [tradeId],
  );
  if (!t || t.opened_at === null || t.closed_at === null || t.entry_fill_price === null) return false;
  const risk = new Decimal(String(t.initial_risk ?? '0'));
  if (risk.lte(0)) return false;
  try {
    const venue = await core.connections.venue(toInt(t.connection_id));
    const { spec } = await marketOf(venue, String(t.symbol));
    const from = toMs(t.opened_at);
    const to = toMs(t.closed_at);
    const tf = excursionTimeframe(to - from);
    const barMs = TIMEFRAMES[tf];
    const since = Math.floor(from / barMs) * barMs;
    const bars = await venue.ohlcv(String(t.symbol), tf, since, MAX_BARS);
    const fills = await core.sql.query(
      `SELECT f.price, f.qty, o.leg FROM fills f JOIN orders o ON o.id = f.order_id WHERE f.trade_id = $1`,
      [tradeId],
    );
    const range = extremes(
      bars,
      barMs,
      from,
      to,
      fills.map((f) => String(f.price)),
    );
    if (!range) return false;
    const entryTicks = ticksOf(spec, t.entry_fill_price);
    const hi = ticksOf(spec, range.high.toString());
    const lo = ticksOf(spec, range.low.toString());
    const long = t.side === 'buy';
    const max0 = (x: bigint): bigint => (x > 0n ? x : 0n);
    const maeTicks = max0(long ? entryTicks - lo : hi - entryTicks);
    const mfeTicks = max0(long ? hi - entryTicks : entryTicks - lo);
    let lots = 0n;
    for (const f of fills) if (f.leg === 'entry') lots += lotsOf(spec, f.qty);
    // atoms of a move of one tick on the entry size, in quote units: ticks × lots × atomsPerTickLot ÷ 10^MONEY_DP
    const quoteOf = (ticks: bigint): Decimal =>
      new Decimal((ticks * lots * spec.atomsPerTickLot).toString()).div(new Decimal(10).pow(MONEY_DP));
    const maeR = quoteOf(maeTicks).div(risk).neg().toDecimalPlaces(8).toNumber();
    const mfeR = quoteOf(mfeTicks).div(risk).toDecimalPlaces(8).toNumber();
    const rows = await core.sql.query(
      `UPDATE trades SET mae_ticks = $2, mfe_ticks = $3, mae_r = $4, mfe_r = $5 WHERE id = $1 AND mae_r IS NULL
       RETURNING id`,
      [tradeId, maeTicks.toString(), mfeTicks.toString(), maeR === 0 ? 0 : maeR, mfeR],
    );
    return rows.length > 0;
  } catch (e) {
    core.onError(e, { where: 'live excursion', tradeId });
    return false;
  }
}
