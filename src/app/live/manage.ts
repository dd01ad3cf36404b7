/**
 * Management of live trades: move the stop, move the target, stop to breakeven, close — each checked by the same
 * management rules as paper (src/core/execution/manage.ts, with the venue's price as the mark) and stored as a
 * decision of its kind, then acted on the venue by the exit sync (src/app/live/exits.ts: new stop before old with
 * separate orders; a spot OCO is cancelled and placed again, the old one re-placed at once if the new one fails).
 *
 * A close cancels the remaining entry, cancels the exits and sends a reduce-only market order for the open quantity
 * (client id `tdo<decisionId>c<n>`); its fill closes the trade (exit reason `manual`). A pending trade without fills
 * is cancelled (entry cancelled on the venue, reservation released). Partial closes are not supported on live trades
 * yet (422 `not-supported-live`).
 *
 * Invariants: runs on the connection's queue; when the venue refuses the new exits, the trade's stop/target in the
 * database go back to what they were (the venue still has the old ones) and the answer is 422 `venue-rejected`.
 */
import type { Row } from '../../db/sql.ts';
import { toInt, toMs } from '../../db/sql.ts';
import { lotsToQty, priceToTicks, ticksToPrice } from '../../core/instruments/instrument.ts';
import { newBracket, type Bracket } from '../../core/execution/bracket.ts';
import { checkBreakeven, checkClose, checkStopMove, checkTargetMove } from '../../core/execution/manage.ts';
import { ConflictError, UnprocessableError } from '../errors.ts';
import { getTrade } from '../trading/queries.ts';
import { insertDecision, rejection, type ManageResult } from '../trading/management.ts';
import { orderView, tradeView } from '../views.ts';
import { VenueError } from '../venues/types.ts';
import { clientId } from './ids.ts';
import { type LiveCore, type LiveTrade, exitSide, loadTrade, lotsOf, ticksOf, venueMark } from './core.ts';
import { filledLots, syncExits } from './exits.ts';

/** The trade as the paper rules read it: open lots, entry fill (VWAP, nearest tick), current stop and target. */
function asBracket(t: LiveTrade): Bracket {
  const f = filledLots(t);
  const r = t.row;
  const b = newBracket({
    side: r.side as 'buy' | 'sell',
    lots: f.entry - f.exit > 0n ? f.entry - f.exit : lotsOf(t.spec, r.qty),
    entryIsMarket: r.entry_type === 'market',
    entryTicks: ticksOf(t.spec, r.entry_price),
    stopTicks: ticksOf(t.spec, r.stop_price),
    targetTicks: r.target_price === null ? null : ticksOf(t.spec, r.target_price),
  });
  if (r.current_stop_price !== null) b.stopTicks = ticksOf(t.spec, r.current_stop_price);
  if (r.current_target_price !== null) b.targetTicks = ticksOf(t.spec, r.current_target_price);
  b.status = r.status === 'open' ? 'open' : r.status === 'pending' ? 'pending' : 'closed';
  if (r.status === 'open' && r.entry_fill_price !== null)
    b.entry = {
      leg: 'entry',
      price: ticksOf(t.spec, r.entry_fill_price),
      lots: f.entry,
      fee: 0n,
      liquidity: 'maker',
      time: toMs(r.opened_at),
    };
  return b;
}

/**
 * Moves the stop (`move-stop`, `breakeven`) or the target (`move-target`) of live trade `tradeId` of `userId`.
 * @throws NotFoundError `trade-not-found`; UnprocessableError `venue-rejected` when the venue refused the new exit.
 */
export async function moveLive(
  core: LiveCore,
  userId: number,
  tradeId: number,
  kind: 'move-stop' | 'move-target' | 'breakeven',
  price: string | null,
): Promise<ManageResult> {
  const t = await loadTrade(core, tradeId);
  const input: Record<string, unknown> = price === null ? { tradeId } : { tradeId, price };
  const b = asBracket(t);
  const mark = await venueMark(t.venue, t.spec);
  const check =
    kind === 'breakeven'
      ? checkBreakeven(b, t.spec, mark.ticks)
      : kind === 'move-stop'
        ? checkStopMove(b, t.spec, priceToTicks(t.spec, price!), mark.ticks)
        : checkTargetMove(b, t.spec, priceToTicks(t.spec, price!), mark.ticks);
  const isStop = kind !== 'move-target';
  const from = isStop ? b.stopTicks : b.targetTicks;
  const col = isStop ? 'current_stop_price' : 'current_target_price';
  const change = {
    markPrice: mark.price,
    [isStop ? 'stopLoss' : 'takeProfit']: {
      from: from === null ? null : ticksToPrice(t.spec, from),
      to: check.value === null ? null : ticksToPrice(t.spec, check.value),
    },
  };
  const before = t.row[col] ?? null;
  const decision = await core.sql.tx(async (q) => {
    await core.st.lockAccount(q, t.conn.account_id);
    const d = await insertDecision(q, {
      accountId: t.conn.account_id,
      tradeId,
      symbol: String(t.row.symbol),
      side: String(t.row.side),
      kind,
      input,
      check,
      change,
      now: core.now(),
    });
    if (check.approved)
      await q.query(`UPDATE trades SET ${col} = $2 WHERE id = $1`, [tradeId, ticksToPrice(t.spec, check.value!)]);
    return d;
  });
  core.events.publish({ type: 'decision', userId, data: decision });
  if (!check.approved) return rejection(decision, check);
  try {
    await syncExits(core, tradeId);
  } catch (e) {
    await core.sql.query(`UPDATE trades SET ${col} = $2 WHERE id = $1`, [tradeId, before]);
    if (e instanceof VenueError)
      throw new UnprocessableError('venue-rejected', `the venue refused the new exit: ${e.message}`);
    throw e;
  }
  const trade = await getTrade(core.st, userId, tradeId);
  core.events.publish({ type: 'position', userId, data: trade });
  return { status: 200, body: { decision, trade } };
}

/**
 * Closes live trade `tradeId` (see the module doc). Returns the trade as `getTrade` serves it (still `open` until
 * the close order's fill arrives, `cancelled` for a pending trade without fills).
 * @throws ConflictError `trade-not-active`; UnprocessableError `not-supported-live` for a partial quantity.
 */
export async function closeLive(
  core: LiveCore,
  userId: number,
  tradeId: number,
  quantity?: string,
): Promise<ManageResult> {
  const t = await loadTrade(core, tradeId);
  if (t.row.status !== 'open' && t.row.status !== 'pending')
    throw new ConflictError('trade-not-active', `trade ${tradeId} is already ${String(t.row.status)}`);
  const f = filledLots(t);
  const open = f.entry - f.exit;
  if (quantity !== undefined && lotsOf(t.spec, quantity) !== open)
    throw new UnprocessableError('not-supported-live', 'partial closes of live trades are not supported yet');
  const symbol = String(t.row.symbol);
  const input = quantity === undefined ? { tradeId } : { tradeId, quantity };
  const entry = t.orders.find((o) => o.leg === 'entry');
  // 1. No more entry fills.
  if (entry && entry.status === 'open' && entry.venue_order_id !== null)
    await t.venue.cancelOrder(symbol, String(entry.venue_order_id));
  const changed: Row[] = [];
  const check = checkClose(asBracket(t));
  if (f.entry === 0n) {
    // A pending trade without fills: cancelled, reservation released.
    const decision = await core.sql.tx(async (q) => {
      await core.st.lockAccount(q, t.conn.account_id);
      const d = await insertDecision(q, {
        accountId: t.conn.account_id,
        tradeId,
        symbol,
        side: String(t.row.side),
        kind: 'close',
        input,
        check,
        change: { cancelled: true },
        now: core.now(),
      });
      const [tr] = await q.query(
        `UPDATE trades SET status = 'cancelled', closed_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
        [tradeId],
      );
      changed.push(
        ...(await q.query(
          `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE trade_id = $1 AND status IN ('open', 'held')
           RETURNING *`,
          [tradeId],
        )),
      );
      if (tr)
        await q.query(
          `UPDATE accounts SET open_risk = open_risk - $2, reserved = reserved - $3, open_positions = open_positions - 1
            WHERE id = $1`,
          [t.conn.account_id, String(tr.planned_risk), String(tr.margin)],
        );
      return d;
    });
    core.events.publish({ type: 'decision', userId, data: decision });
    for (const o of changed) core.events.publish({ type: 'order', userId, data: orderView(o) });
    const [tr] = await core.sql.query('SELECT * FROM trades WHERE id = $1', [tradeId]);
    core.events.publish({ type: 'trade-closed', userId, data: tradeView(tr!) });
    return { status: 200, body: await getTrade(core.st, userId, tradeId) };
  }
  // 2. The close order is recorded first (so the exit sync counts it and cancels the exits), then sent.
  const n = t.orders.filter((o) => o.leg === 'manual').length;
  const cid = clientId(t.decisionId, 'close', n);
  const qty = lotsToQty(t.spec, open);
  const mark = await venueMark(t.venue, t.spec);
  const decision = await core.sql.tx(async (q) => {
    await core.st.lockAccount(q, t.conn.account_id);
    const d = await insertDecision(q, {
      accountId: t.conn.account_id,
      tradeId,
      symbol,
      side: String(t.row.side),
      kind: 'close',
      input,
      check,
      change: { markPrice: mark.price, openQty: { from: qty, to: '0' } },
      now: core.now(),
    });
    await q.query(
      `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status, client_order_id)
       VALUES ($1, $2, 'manual', 'market', $3, NULL, $4, true, false, 'open', $5)`,
      [tradeId, t.conn.account_id, exitSide(t.row.side), qty, cid],
    );
    return d;
  });
  core.events.publish({ type: 'decision', userId, data: decision });
  await syncExits(core, tradeId);
  const o = await t.venue.placeOrder({
    clientOrderId: cid,
    symbol,
    side: exitSide(t.row.side),
    type: 'market',
    qty,
    reduceOnly: true,
  });
  const [row] = await core.sql.query(
    'UPDATE orders SET venue_order_id = $2, updated_at = now() WHERE account_id = $1 AND client_order_id = $3 RETURNING *',
    [t.conn.account_id, o.id, cid],
  );
  core.events.publish({ type: 'order', userId, data: orderView(row!) });
  return { status: 200, body: await getTrade(core.st, userId, tradeId) };
}

/** Whether `tradeId` is a live trade of `userId` (false for paper trades and unknown ids). */
export async function isLiveTrade(core: LiveCore, userId: number, tradeId: number): Promise<number | null> {
  const [r] = await core.sql.query(
    `SELECT t.connection_id FROM trades t JOIN accounts a ON a.id = t.account_id
      WHERE t.id = $1 AND a.user_id = $2 AND t.connection_id IS NOT NULL`,
    [tradeId, userId],
  );
  return r ? toInt(r.connection_id) : null;
}
