/**
 * Fills of live brackets: every fill a venue reports is stored once (`venue_fills`, unique on (user, exchange,
 * fill id)); a new one of a Testudo order is applied to its trade in the same transaction, under the risk account's
 * lock: the `fills` row (venue fill id, fee in the quote currency, the currency the venue charged), the order's
 * filled quantity and status, and the trade — opened by its first entry fill (entry price = volume-weighted average
 * of the entry fills, entry fee charged to the balance), closed when the exit fills sum to the entry's filled
 * quantity (exit price = VWAP, P&L, fees and R as `bracketResult` in src/core/execution/bracket.ts computes them,
 * on the filled quantity; the account's balance, daily P&L, peak, drawdown halt and loss streak as on paper).
 *
 * Invariants:
 * - A fill seen twice (stream and poll, a reconciliation, a restart) changes nothing the second time.
 * - Fees charged in the base currency are converted to the quote currency at the fill's price.
 * - Events (`order`, `fill`, `position` or `trade-closed`) go out only after the commit.
 */
import type { Row, Sql } from '../../db/sql.ts';
import type { InstrumentSpec } from '../../core/instruments/instrument.ts';
import type { AccountRow } from '../trading/state.ts';
import { toInt, toMsOrNull } from '../../db/sql.ts';
import { feeAtoms, lotsToQty } from '../../core/instruments/instrument.ts';
import { FRACTION_SCALE, absBig, formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { utcDay } from '../../core/journal/stats.ts';
import type { ConnectionRow } from '../connections.ts';
import { drawdown } from '../trading/fills.ts';
import { fillView, orderView, tradeView } from '../views.ts';
import type { VenueFill, VenueMarket } from '../venues/types.ts';
import { type LiveCore, marketOf, quoteFee, sumFills, ticksOf, vwap } from './core.ts';

/** What applying a fill did. */
export interface FillOutcome {
  /** False when the fill was seen before. */
  isNew: boolean;
  /** The trade it belongs to, or null (not a Testudo order). */
  tradeId: number | null;
  /** Whether it closed the trade. */
  closed: boolean;
}

/** Stores and applies one venue fill of connection `conn` (see the module doc). */
export async function applyFill(
  core: LiveCore,
  conn: ConnectionRow,
  f: VenueFill,
  source: 'live' | 'import' = 'live',
): Promise<FillOutcome> {
  const [order] = await core.sql.query(
    `SELECT * FROM orders WHERE account_id = $1 AND (($2::text IS NOT NULL AND client_order_id = $2)
       OR ($3::text IS NOT NULL AND venue_order_id = $3)) ORDER BY id LIMIT 1`,
    [conn.account_id, f.clientOrderId, f.orderId],
  );
  const m = order ? await marketOf(await core.connections.venue(conn.id), f.symbol) : null;
  const market: VenueMarket | null = m ? m.market : null;
  const events: { type: 'order' | 'fill'; data: Record<string, unknown> }[] = [];
  let tradeRow: Row | null = null;
  const out = await core.sql.tx(async (q): Promise<FillOutcome> => {
    const acc = await core.st.lockAccount(q, conn.account_id);
    const tradeId = order ? toInt(order.trade_id) : null;
    const [ins] = await q.query(
      `INSERT INTO venue_fills (user_id, connection_id, exchange, fill_id, venue_order_id, client_order_id, symbol,
         side, price, qty, fee, fee_currency, liquidity, filled_at, source, trade_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (user_id, exchange, fill_id) DO NOTHING RETURNING id`,
      [
        conn.user_id,
        conn.id,
        conn.exchange,
        f.id,
        f.orderId,
        f.clientOrderId,
        f.symbol,
        f.side,
        f.price,
        f.qty,
        f.fee,
        f.feeCurrency,
        f.liquidity,
        new Date(f.time),
        source,
        tradeId,
      ],
    );
    if (!ins) return { isNew: false, tradeId, closed: false };
    if (!order || !market || !m) return { isNew: true, tradeId: null, closed: false };
    const spec = m.spec;
    const fee = quoteFee(market.instrument.base, f.fee, f.feeCurrency, f.price);
    const [fr] = await q.query(
      `INSERT INTO fills (order_id, trade_id, account_id, price, qty, fee, liquidity, filled_at, venue_fill_id,
         fee_currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        toInt(order.id),
        tradeId,
        conn.account_id,
        f.price,
        f.qty,
        fee,
        f.liquidity ?? 'taker',
        new Date(f.time),
        f.id,
        f.feeCurrency,
      ],
    );
    events.push({ type: 'fill', data: fillView(fr!) });
    const [o] = await q.query(
      `UPDATE orders SET filled_qty = filled_qty + $2,
         status = CASE WHEN filled_qty + $2 >= qty THEN 'filled' ELSE status END, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [toInt(order.id), f.qty],
    );
    events.push({ type: 'order', data: orderView(o!) });
    const [t] = await q.query('SELECT * FROM trades WHERE id = $1', [tradeId]);
    const fills = await q.query(
      `SELECT f.price, f.qty, f.fee, o.leg FROM fills f JOIN orders o ON o.id = f.order_id
        WHERE f.trade_id = $1 ORDER BY f.id`,
      [tradeId],
    );
    const entry = sumFills(
      spec,
      fills.filter((x) => x.leg === 'entry'),
    );
    const exit = sumFills(
      spec,
      fills.filter((x) => x.leg !== 'entry'),
    );
    const at = new Date(f.time);
    if (order.leg === 'entry') {
      await q.query(
        `UPDATE trades SET status = CASE WHEN status = 'pending' THEN 'open' ELSE status END,
           opened_at = COALESCE(opened_at, $2), entry_fill_price = $3, entry_fee = $4, open_qty = $5 WHERE id = $1`,
        [tradeId, at, vwap(spec, entry), formatAtoms(entry.fee), lotsToQty(spec, entry.lots - exit.lots)],
      );
      await q.query('UPDATE accounts SET balance = balance - $2 WHERE id = $1', [conn.account_id, fee]);
    }
    let closed = false;
    if (order.leg !== 'entry' && entry.lots > 0n && exit.lots >= entry.lots) {
      closed = true;
      await closeTrade(core, q, t!, acc, spec, entry, exit, String(order.leg), f.time);
    } else if (order.leg !== 'entry' && entry.lots > exit.lots)
      await q.query('UPDATE trades SET open_qty = $2 WHERE id = $1', [
        tradeId,
        lotsToQty(spec, entry.lots - exit.lots),
      ]);
    tradeRow = (await q.query('SELECT * FROM trades WHERE id = $1', [tradeId]))[0] ?? null;
    return { isNew: true, tradeId, closed };
  });
  for (const e of events) core.events.publish({ type: e.type, userId: conn.user_id, data: e.data });
  if (tradeRow) {
    const tr: Row = tradeRow;
    core.events.publish({
      type: out.closed ? 'trade-closed' : 'position',
      userId: conn.user_id,
      data: tradeView(tr),
    });
  }
  return out;
}

/**
 * Closes a trade whose exit fills cover its entry fills: the journal's P&L and R and the account's totals, in the
 * fill's transaction. Formulas as `bracketResult`: gross = side × (Σ exit − Σ entry) price × qty; fees = entry +
 * exit fees; initial risk = |entry − initial stop| × qty + entry fee + taker fee at the stop; R = net ÷ initial risk.
 */
async function closeTrade(
  core: LiveCore,
  q: Sql,
  t: Row,
  acc: AccountRow,
  spec: InstrumentSpec,
  entry: ReturnType<typeof sumFills>,
  exit: ReturnType<typeof sumFills>,
  leg: string,
  time: number,
): Promise<void> {
  const dir = t.side === 'buy' ? 1n : -1n;
  const apt = spec.atomsPerTickLot;
  // Exits beyond the entry (should not happen) are measured at the exit VWAP on the entry's lots only.
  const exitTickLots = exit.lots === entry.lots ? exit.tickLots : (exit.tickLots * entry.lots) / exit.lots;
  const gross = dir * (exitTickLots - entry.tickLots) * apt;
  const fees = entry.fee + exit.fee;
  const net = gross - fees;
  const stop0 = ticksOf(spec, t.stop_price);
  const risk =
    absBig(entry.tickLots - stop0 * entry.lots) * apt + entry.fee + feeAtoms(stop0 * entry.lots * apt, spec.takerFee);
  const r = risk > 0n ? Number((net * FRACTION_SCALE) / risk) / 1e8 : 0;
  const reason = leg === 'stop' ? 'stop' : leg === 'target' ? 'target' : 'manual';
  await q.query(
    `UPDATE trades SET status = 'closed', closed_at = $2, exit_fill_price = $3, exit_fee = $4, exit_reason = $5,
       gross_pnl = $6, fees = $7, net_pnl = $8, initial_risk = $9, r_multiple = $10 WHERE id = $1`,
    [
      toInt(t.id),
      new Date(time),
      vwap(spec, exit),
      formatAtoms(exit.fee),
      reason,
      formatAtoms(gross),
      formatAtoms(fees),
      formatAtoms(net),
      formatAtoms(risk),
      r,
    ],
  );
  await q.query(`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE trade_id = $1 AND status = 'held'`, [
    toInt(t.id),
  ]);
  // Balance: entry fees were charged at each entry fill; now the gross P&L less the exit fees.
  const cash = gross - exit.fee;
  const { peak, haltNow } = drawdown(core.st, acc, toAtoms(acc.balance) + cash);
  const profile = core.st.compiled(acc);
  const loss = net < 0n;
  const lastLoss = toMsOrNull(acc.last_loss_at);
  const served =
    acc.consecutive_losses >= profile.lossStreakLimit && lastLoss !== null && lastLoss + profile.cooldownMs <= time;
  const streak = loss ? (served ? 1 : acc.consecutive_losses + 1) : net > 0n ? 0 : acc.consecutive_losses;
  await q.query(
    `UPDATE accounts SET balance = balance + $2, open_risk = open_risk - $3, reserved = reserved - $4,
       open_positions = open_positions - 1, peak_equity = $5, halted_at = COALESCE(halted_at, $6),
       pnl_day_realized = CASE WHEN pnl_day = $7 THEN pnl_day_realized + $8 ELSE $8 END, pnl_day = $7,
       consecutive_losses = $11::int, last_loss_at = CASE WHEN $9::boolean THEN $10 ELSE last_loss_at END
     WHERE id = $1`,
    [
      acc.id,
      formatAtoms(cash),
      String(t.planned_risk),
      String(t.margin),
      formatAtoms(peak),
      haltNow ? new Date(time) : null,
      utcDay(time),
      formatAtoms(net),
      loss,
      new Date(time),
      streak,
    ],
  );
}
