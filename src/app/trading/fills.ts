/**
 * Fills: every bar from the feed advances the active brackets of its symbol (paper fills, see
 * `src/core/execution/bracket.ts`), and {@link persistFills} writes what filled — orders, fills, the trade's state,
 * the journal's P&L and R on close, and the account's totals — in one transaction under the account lock, then moves
 * the in-memory state and publishes the events.
 */
import type { Row, Sql } from '../../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../../db/sql.ts';
import { TIMEFRAMES, type Candle, type Timeframe } from '../../core/marketdata/candle.ts';
import { type InstrumentSpec, lotsToQty, ticksToPrice } from '../../core/instruments/instrument.ts';
import { FRACTION_SCALE, formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { type Bracket, type Fill, bracketResult, stepBracket } from '../../core/execution/bracket.ts';
import { utcDay } from '../../core/journal/stats.ts';
import { lossStreakAfterClose } from '../../core/risk/loss-streak.ts';
import { fillView, orderView, tradeView } from '../views.ts';
import { type AccountRow, type ActiveTrade, type TradingState, toTickBar } from './state.ts';

/** Gross P&L of one exit fill of `b`: side × (exit − entry fill) × its quantity, atoms. */
function exitGross(b: Bracket, spec: InstrumentSpec, f: Fill): bigint {
  const dir = b.side === 'buy' ? 1n : -1n;
  return dir * (f.price - b.entry!.price) * f.lots * spec.atomsPerTickLot;
}

/**
 * The account's peak equity after its balance becomes `balance` (atoms), and whether that starts a drawdown halt
 * (not halted yet, and (peak − balance) ÷ peak ≥ the profile's maximum drawdown).
 */
export function drawdown(st: TradingState, acc: AccountRow, balance: bigint): { peak: bigint; haltNow: boolean } {
  const peak = toAtoms(acc.peak_equity) > balance ? toAtoms(acc.peak_equity) : balance;
  const haltNow =
    acc.halted_at === null && (peak - balance) * FRACTION_SCALE >= st.compiled(acc).maxDrawdown * peak && peak > 0n;
  return { peak, haltNow };
}

/** Processes one closed bar: advances every active bracket on `symbol` and persists what filled. */
export async function onBar(st: TradingState, symbol: string, candle: Candle): Promise<void> {
  const trades = [...st.active.values()].filter((t) => t.symbol === symbol);
  if (trades.length === 0) return;
  let sub: Candle[] | null = null;
  for (const t of trades) {
    // A bar from before the trade (a replay sought backwards, or restarted) must not fill it.
    if (candle.time < t.since) continue;
    try {
      sub = await stepTrade(st, t, symbol, candle, sub);
    } catch (e) {
      // One trade's failure must not stop the others on this bar; its state stays as committed.
      st.onBarError(e, { tradeId: t.id, symbol, barTime: new Date(candle.time).toISOString() });
    }
  }
}

/**
 * Advances one trade through `candle`. `sub`: the bar's lower-timeframe candles when already read for another
 * trade (null: not read yet); returns them, read here when this trade's bar touches both exits.
 */
async function stepTrade(
  st: TradingState,
  t: ActiveTrade,
  symbol: string,
  candle: Candle,
  sub: Candle[] | null,
): Promise<Candle[] | null> {
  const bar = toTickBar(t.spec, candle);
  const b = t.bracket;
  // A bar that touches both the stop and the take-profit: lower-timeframe bars, when stored, decide the order.
  if (b.status === 'open' && b.targetTicks !== null) {
    const [lo, hi] = b.stopTicks < b.targetTicks ? [b.stopTicks, b.targetTicks] : [b.targetTicks, b.stopTicks];
    if (bar.low <= lo && bar.high >= hi) sub ??= await lowerTimeframeBars(st, symbol, candle.time);
  }
  const next = structuredClone(b);
  const fills = stepBracket(
    next,
    t.spec,
    bar,
    sub?.map((c) => toTickBar(t.spec, c)),
  );
  if (fills.length > 0) await persistFills(st, t, next, fills);
  else if (next.maeTicks !== b.maeTicks || next.mfeTicks !== b.mfeTicks) {
    // Excursions still move while a position is open.
    await st.sql.query('UPDATE trades SET mae_ticks = $2, mfe_ticks = $3 WHERE id = $1', [
      t.id,
      next.maeTicks.toString(),
      next.mfeTicks.toString(),
    ]);
    t.bracket = next;
  }
  return sub;
}

/**
 * Stored candles of `symbol` finer than the feed's timeframe inside the bar opening at `time`, from the finest
 * timeframe that has any; empty when none are stored.
 */
async function lowerTimeframeBars(st: TradingState, symbol: string, time: number): Promise<Candle[]> {
  const tf = st.feed?.timeframe;
  if (!tf) return [];
  const len = TIMEFRAMES[tf];
  const finer = (Object.keys(TIMEFRAMES) as Timeframe[]).filter((k) => TIMEFRAMES[k] < len);
  if (finer.length === 0) return [];
  const rows = await st.sql.query(
    `SELECT timeframe, open_time, open::text AS open, high::text AS high, low::text AS low, close::text AS close
         FROM candles WHERE symbol = $1 AND timeframe = ANY($2) AND open_time >= $3 AND open_time < $4
        ORDER BY open_time`,
    [symbol, finer, new Date(time), new Date(time + len)],
  );
  for (const k of finer) {
    const bars = rows.filter((r) => r.timeframe === k);
    if (bars.length > 0)
      return bars.map((r) => ({
        time: toMs(r.open_time),
        open: String(r.open),
        high: String(r.high),
        low: String(r.low),
        close: String(r.close),
        volume: '0',
      }));
  }
  return [];
}

/**
 * Writes the fills of one step of `t` (a bar, a close, a partial close, a cancel) whose resulting bracket is `next`,
 * in one transaction under the account lock: orders and fills, the entry (legs released), a partial exit (realized
 * at once in the balance, today's realized P&L, the peak and the drawdown halt; stop and target resized to the open
 * size), the close (P&L and R of every exit, account totals, daily
 * P&L, peak, drawdown halt, loss streak) or a cancel (reservations released). `decision`, when given, writes the
 * decision that asked for it in the same transaction and returns its view. Only after the commit does the
 * in-memory bracket move and do the events (`decision`, `order`, `fill`, `position` or `trade-closed`) go out.
 */
export async function persistFills(
  st: TradingState,
  t: ActiveTrade,
  next: Bracket,
  fills: Fill[],
  decision?: (q: Sql) => Promise<Record<string, unknown>>,
): Promise<void> {
  const spec = t.spec;
  const events: { type: 'order' | 'fill' | 'position' | 'trade-closed'; data: Record<string, unknown> }[] = [];
  let decisionView: Record<string, unknown> | null = null;
  await st.sql.tx(async (q) => {
    const acc = await st.lockAccount(q, t.accountId);
    if (decision) decisionView = await decision(q);
    let balanceDelta = 0n;
    /** Net P&L realized by partial exits in this step (null: none), and when. */
    let partialNet: bigint | null = null;
    let partialAt = 0;
    const orders = await q.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [t.id]);
    const byLeg = (leg: string): Row | undefined => orders.find((o) => o.leg === leg && o.status !== 'cancelled');
    for (const f of fills) {
      let order = byLeg(f.leg);
      if (f.leg === 'manual' || f.leg === 'partial') {
        const exitSide = t.bracket.side === 'buy' ? 'sell' : 'buy';
        [order] = await q.query(
          `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status)
             VALUES ($1, $2, $5, 'market', $3, NULL, $4, true, false, 'filled') RETURNING *`,
          [t.id, t.accountId, exitSide, lotsToQty(spec, f.lots), f.leg],
        );
      } else {
        [order] = await q.query(`UPDATE orders SET status = 'filled', updated_at = now() WHERE id = $1 RETURNING *`, [
          toInt(order!.id),
        ]);
      }
      events.push({ type: 'order', data: orderView(order!) });
      const [fr] = await q.query(
        `INSERT INTO fills (order_id, trade_id, account_id, price, qty, fee, liquidity, filled_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          toInt(order!.id),
          t.id,
          t.accountId,
          ticksToPrice(spec, f.price),
          lotsToQty(spec, f.lots),
          formatAtoms(f.fee),
          f.liquidity,
          new Date(f.time),
        ],
      );
      events.push({ type: 'fill', data: fillView(fr!) });
      if (f.leg === 'partial') {
        // Realized now: the partial's gross P&L less its fee; the stop and target cover what stays open.
        const net = exitGross(next, spec, f) - f.fee;
        balanceDelta += net;
        partialNet = (partialNet ?? 0n) + net;
        partialAt = f.time;
        const resized = await q.query(
          `UPDATE orders SET qty = $2, updated_at = now()
              WHERE trade_id = $1 AND leg IN ('stop', 'target') AND status IN ('open', 'held') RETURNING *`,
          [t.id, lotsToQty(spec, next.lots)],
        );
        for (const o of resized) events.push({ type: 'order', data: orderView(o) });
        await q.query('UPDATE trades SET open_qty = $2, mae_ticks = $3, mfe_ticks = $4 WHERE id = $1', [
          t.id,
          lotsToQty(spec, next.lots),
          next.maeTicks.toString(),
          next.mfeTicks.toString(),
        ]);
      }
      if (f.leg === 'entry') {
        balanceDelta -= f.fee;
        const legs = await q.query(
          `UPDATE orders SET status = 'open', updated_at = now() WHERE trade_id = $1 AND status = 'held' RETURNING *`,
          [t.id],
        );
        for (const o of legs) events.push({ type: 'order', data: orderView(o) });
        await q.query(
          `UPDATE trades SET status = 'open', opened_at = $2, entry_fill_price = $3, entry_fee = $4 WHERE id = $1`,
          [t.id, new Date(f.time), ticksToPrice(spec, f.price), formatAtoms(f.fee)],
        );
      }
    }
    // OCO: whatever closed the position cancels the remaining legs.
    if (next.status === 'closed' || next.status === 'cancelled') {
      const cancelled = await q.query(
        `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE trade_id = $1 AND status IN ('open', 'held') RETURNING *`,
        [t.id],
      );
      for (const o of cancelled) events.push({ type: 'order', data: orderView(o) });
    }
    let accountSql = 'UPDATE accounts SET balance = balance + $2';
    const params: unknown[] = [t.accountId, formatAtoms(balanceDelta)];
    if (next.status === 'cancelled') {
      await q.query(`UPDATE trades SET status = 'cancelled', closed_at = $2 WHERE id = $1`, [t.id, new Date(st.now())]);
      accountSql += ', open_risk = open_risk - $3, reserved = reserved - $4, open_positions = open_positions - 1';
      params.push(formatAtoms(t.plannedRisk), formatAtoms(t.margin));
    } else if (next.status === 'closed') {
      const res = bracketResult(next, spec);
      const exit = next.exit!;
      const closedAt = exit.time;
      await q.query(
        `UPDATE trades SET status = 'closed', closed_at = $2, exit_fill_price = $3, exit_fee = $4, exit_reason = $5,
             gross_pnl = $6, fees = $7, net_pnl = $8, initial_risk = $9, r_multiple = $10, mae_r = $11, mfe_r = $12,
             mae_ticks = $13, mfe_ticks = $14 WHERE id = $1`,
        [
          t.id,
          new Date(closedAt),
          ticksToPrice(spec, exit.price),
          formatAtoms(exit.fee),
          next.exitReason,
          formatAtoms(res.grossPnl),
          formatAtoms(res.fees),
          formatAtoms(res.netPnl),
          formatAtoms(res.initialRisk),
          res.r,
          res.maeR,
          res.mfeR,
          next.maeTicks.toString(),
          next.mfeTicks.toString(),
        ],
      );
      // Balance: the entry fee was charged at entry and partial exits when they filled; now this exit's gross
      // P&L less its fee.
      const exitCash = exitGross(next, spec, exit) - exit.fee;
      const { peak, haltNow } = drawdown(st, acc, toAtoms(acc.balance) + balanceDelta + exitCash);
      const profile = st.compiled(acc);
      // Today's realized P&L already holds the partial exits (each on its own day): the rest of the trade's net.
      let dayPnl = res.netPnl;
      for (const p of next.partials) dayPnl -= exitGross(next, spec, p) - p.fee;
      const day = utcDay(closedAt);
      const loss = res.netPnl < 0n;
      // Losses in a row; a streak that already served its cooldown starts again from this loss (as the backtester).
      const streak = lossStreakAfterClose(
        { consecutiveLosses: acc.consecutive_losses, lastLossAt: toMsOrNull(acc.last_loss_at) },
        res.netPnl,
        closedAt,
        profile,
      ).consecutiveLosses;
      params[1] = formatAtoms(balanceDelta + exitCash);
      params.push(
        formatAtoms(t.plannedRisk),
        formatAtoms(t.margin),
        formatAtoms(peak),
        haltNow ? new Date(closedAt) : null,
        day,
        formatAtoms(dayPnl),
        loss,
        new Date(closedAt),
        streak,
      );
      accountSql += `, open_risk = open_risk - $3, reserved = reserved - $4, open_positions = open_positions - 1,
          peak_equity = $5, halted_at = COALESCE(halted_at, $6),
          pnl_day_realized = CASE WHEN pnl_day = $7 THEN pnl_day_realized + $8 ELSE $8 END, pnl_day = $7,
          consecutive_losses = $11::int,
          last_loss_at = CASE WHEN $9::boolean THEN $10 ELSE last_loss_at END`;
    } else if (partialNet !== null) {
      // A partial exit is realized at once: today's realized P&L, the peak and the drawdown halt see it now.
      const { peak, haltNow } = drawdown(st, acc, toAtoms(acc.balance) + balanceDelta);
      params.push(formatAtoms(peak), haltNow ? new Date(partialAt) : null, utcDay(partialAt), formatAtoms(partialNet));
      accountSql += `, peak_equity = $3, halted_at = COALESCE(halted_at, $4),
          pnl_day_realized = CASE WHEN pnl_day = $5 THEN pnl_day_realized + $6 ELSE $6 END, pnl_day = $5`;
    }
    await q.query(accountSql + ' WHERE id = $1', params);
  });
  // Committed: now the in-memory state may move.
  if (next.status === 'closed' || next.status === 'cancelled') st.active.delete(t.id);
  else t.bracket = next;
  if (decisionView) st.events.publish({ type: 'decision', userId: t.userId, data: decisionView });
  for (const e of events) st.events.publish({ type: e.type, userId: t.userId, data: e.data });
  if (next.status !== 'pending') {
    const [row] = await st.sql.query('SELECT * FROM trades WHERE id = $1', [t.id]);
    if (row) {
      const view = tradeView(row);
      st.events.publish({
        type: next.status === 'closed' ? 'trade-closed' : 'position',
        userId: t.userId,
        data: view,
      });
    }
  }
}
