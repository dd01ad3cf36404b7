/**
 * Exit orders of a live bracket on the venue: reads the trade's fills and live exit orders from the database, asks
 * the exit plan (src/core/execution/exit-plan.ts) what to change, and runs the plan against the venue, recording
 * every placed or cancelled order (orders rows with client and venue ids) and one `venue` decision per change.
 *
 * Invariants:
 * - Exits cover the lots filled and still held: entry fills − exit fills − lots of a manual close in flight − lots
 *   the venue took as a base-currency fee (spot, floored to the lot).
 * - With separate orders the new stop is placed before the old is cancelled. A spot OCO list that must change is
 *   cancelled and then placed again (the old list locks the balance); when the new list fails, the old one is placed
 *   again at once (same size and prices, next client id) and the failure is rethrown.
 * - Runs on the connection's queue (callers enqueue it), so two syncs of one trade never interleave.
 */
import { Decimal } from 'decimal.js';
import type { Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { lotsToQty, ticksToPrice } from '../../core/instruments/instrument.ts';
import { planExits, type ExitAction, type LiveExit } from '../../core/execution/exit-plan.ts';
import { orderView } from '../views.ts';
import { VenueError, type VenueOrder } from '../venues/types.ts';
import { clientId } from './ids.ts';
import { type LiveCore, type LiveTrade, exitSide, liveDecision, loadTrade, lotsOf, ticksOf } from './core.ts';

const ACTIVE = new Set(['pending', 'open']);

/** The exit orders of `t` live on the venue, as the exit plan reads them (an OCO list is one entry). */
export function liveExits(t: LiveTrade): LiveExit[] {
  const out: LiveExit[] = [];
  const lists = new Map<string, LiveExit>();
  for (const o of t.orders) {
    if ((o.leg !== 'stop' && o.leg !== 'target') || o.status !== 'open' || o.venue_order_id === null) continue;
    const lots = lotsOf(t.spec, o.qty) - lotsOf(t.spec, o.filled_qty);
    const px = ticksOf(t.spec, o.price);
    if (o.venue_list_id !== null) {
      const id = String(o.venue_list_id);
      let e = lists.get(id);
      if (!e) {
        e = { kind: 'oco', id, lots, stopTicks: null, targetTicks: null };
        lists.set(id, e);
        out.push(e);
      }
      if (o.leg === 'stop') e.stopTicks = px;
      else e.targetTicks = px;
    } else
      out.push({
        kind: o.leg,
        id: String(o.venue_order_id),
        lots,
        stopTicks: o.leg === 'stop' ? px : null,
        targetTicks: o.leg === 'target' ? px : null,
      });
  }
  return out;
}

/** Lots the venue took as a fee in the base currency on the trade's entry fills (spot), rounded up to the lot. */
async function baseFeeLots(core: LiveCore, t: LiveTrade): Promise<bigint> {
  const base = t.market.instrument.base;
  const [r] = await core.sql.query(
    `SELECT COALESCE(sum(v.fee), 0)::text AS fee FROM fills f JOIN venue_fills v
        ON v.fill_id = f.venue_fill_id AND v.connection_id = $2
      JOIN orders o ON o.id = f.order_id WHERE f.trade_id = $1 AND o.leg = 'entry' AND v.fee_currency = $3`,
    [toInt(t.row.id), t.conn.id, base],
  );
  const fee = new Decimal(String(r!.fee));
  if (fee.isZero()) return 0n;
  const lot = new Decimal(t.spec.lotUnits.toString()).div(10 ** t.spec.lotDp);
  return BigInt(fee.div(lot).ceil().toFixed(0));
}

/** Entry lots filled, and lots exited or committed to exit (exit fills + unfilled manual closes in flight). */
export function filledLots(t: LiveTrade): { entry: bigint; exit: bigint } {
  let entry = 0n;
  let exit = 0n;
  for (const o of t.orders) {
    const filled = lotsOf(t.spec, o.filled_qty);
    if (o.leg === 'entry') entry += filled;
    else if (o.leg === 'manual' && o.status === 'open') exit += lotsOf(t.spec, o.qty);
    else exit += filled;
  }
  return { entry, exit };
}

/** The next replacement number of client ids of `leg` on the trade (0 for the first). */
function nextN(t: LiveTrade, leg: 'stop' | 'target' | 'manual'): number {
  return t.orders.filter((o) => o.leg === leg && o.client_order_id !== null).length;
}

/**
 * Makes the venue's exits of trade `tradeId` match the plan; returns the actions run (empty when nothing changed).
 * @throws VenueError when the venue refused or could not be reached (what was done before stays recorded).
 */
export async function syncExits(core: LiveCore, tradeId: number): Promise<ExitAction[]> {
  const t = await loadTrade(core, tradeId);
  const filled = filledLots(t);
  const active = ACTIVE.has(String(t.row.status));
  const stop = ticksOf(t.spec, t.row.current_stop_price ?? t.row.stop_price);
  const targetPx = t.row.current_target_price ?? t.row.target_price;
  const live = liveExits(t);
  const actions = planExits({
    side: t.row.side as 'buy' | 'sell',
    entryLots: active ? filled.entry : 0n,
    exitLots: filled.exit,
    feeLots: active ? await baseFeeLots(core, t) : 0n,
    stopTicks: stop,
    targetTicks: targetPx === null ? null : ticksOf(t.spec, targetPx),
    oco: t.venue.capabilities.oco,
    live,
  });
  if (actions.length === 0) return actions;
  const events: Row[] = [];
  let cancelledList: LiveExit | null = null;
  try {
    for (const a of actions) {
      if (a.type === 'cancel') {
        const e = live.find((x) => x.id === a.id)!;
        await cancelExit(core, t, e, events);
        if (e.kind === 'oco') cancelledList = e;
      } else await placeExit(core, t, a, events);
    }
  } catch (e) {
    if (cancelledList && e instanceof VenueError && actions.some((a) => a.type === 'place-oco')) {
      // The new list failed after the old one was cancelled: the old one goes back at once.
      const old = cancelledList;
      await placeExit(
        core,
        await loadTrade(core, tradeId),
        { type: 'place-oco', lots: old.lots, stopTicks: old.stopTicks!, targetTicks: old.targetTicks! },
        events,
      ).catch((e2: unknown) => core.onError(e2, { where: 're-placing an OCO', tradeId }));
    }
    publishOrders(core, t, events);
    throw e;
  }
  const change = {
    exits: actions.map((a) =>
      a.type === 'cancel'
        ? { action: 'cancel', kind: a.kind, venueId: a.id }
        : {
            action: a.type,
            qty: lotsToQty(t.spec, a.lots),
            ...('stopTicks' in a ? { stopLoss: ticksToPrice(t.spec, a.stopTicks) } : {}),
            ...('targetTicks' in a ? { takeProfit: ticksToPrice(t.spec, a.targetTicks) } : {}),
          },
    ),
  };
  const d = await liveDecision(
    core.sql,
    { accountId: t.conn.account_id, tradeId, symbol: String(t.row.symbol), side: String(t.row.side) },
    'venue',
    change,
    core.now(),
  );
  core.events.publish({
    type: 'decision',
    userId: t.conn.user_id,
    data: { id: toInt(d.id), kind: 'venue', tradeId, change },
  });
  publishOrders(core, t, events);
  return actions;
}

function publishOrders(core: LiveCore, t: LiveTrade, rows: Row[]): void {
  for (const o of rows) core.events.publish({ type: 'order', userId: t.conn.user_id, data: orderView(o) });
}

/** Cancels one live exit (an OCO list: both legs) and marks its rows cancelled (unless they filled meanwhile). */
async function cancelExit(core: LiveCore, t: LiveTrade, e: LiveExit, events: Row[]): Promise<void> {
  const symbol = String(t.row.symbol);
  try {
    if (e.kind === 'oco') await t.venue.cancelOco(symbol, e.id);
    else await t.venue.cancelOrder(symbol, e.id);
  } catch (err) {
    // Already gone on the venue (filled legs are marked by their fills, which win over this status).
    if (!(err instanceof VenueError && err.code === 'order-not-found')) throw err;
  }
  const rows = await core.sql.query(
    `UPDATE orders SET status = 'cancelled', updated_at = now()
      WHERE trade_id = $1 AND status = 'open' AND ${e.kind === 'oco' ? 'venue_list_id' : 'venue_order_id'} = $2
      RETURNING *`,
    [toInt(t.row.id), e.id],
  );
  events.push(...rows);
}

/**
 * Records a placed exit order: fills in the `held` row of its leg when there is one (the first placement), else
 * inserts a new row.
 */
async function recordExit(
  core: LiveCore,
  t: LiveTrade,
  leg: 'stop' | 'target',
  o: VenueOrder,
  clientOrderId: string,
  qty: string,
  price: string,
  listId: string | null,
): Promise<Row> {
  const tradeId = toInt(t.row.id);
  const held = t.orders.find((r) => r.leg === leg && r.status === 'held');
  const status = o.status === 'open' || o.status === 'closed' ? 'open' : 'cancelled';
  if (held) {
    held.status = 'used';
    const [r] = await core.sql.query(
      `UPDATE orders SET client_order_id = $2, venue_order_id = $3, venue_list_id = $4, qty = $5, price = $6,
         status = $7, oco = $8, updated_at = now() WHERE id = $1 RETURNING *`,
      [toInt(held.id), clientOrderId, o.id, listId, qty, price, status, listId !== null],
    );
    return r!;
  }
  const [r] = await core.sql.query(
    `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status, client_order_id,
       venue_order_id, venue_list_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, $9, $10, $11, $12) RETURNING *`,
    [
      tradeId,
      t.conn.account_id,
      leg,
      leg === 'stop' ? 'stop-market' : 'limit',
      exitSide(t.row.side),
      price,
      qty,
      listId !== null,
      status,
      clientOrderId,
      o.id,
      listId,
    ],
  );
  return r!;
}

/** Places one exit (or an OCO list) on the venue and records it. */
async function placeExit(
  core: LiveCore,
  t: LiveTrade,
  a: Exclude<ExitAction, { type: 'cancel' }>,
  events: Row[],
): Promise<void> {
  const symbol = String(t.row.symbol);
  const side = exitSide(t.row.side);
  const qty = lotsToQty(t.spec, a.lots);
  if (a.type === 'place-oco') {
    const n = Math.max(nextN(t, 'stop'), nextN(t, 'target'));
    const stopPrice = ticksToPrice(t.spec, a.stopTicks);
    const targetPrice = ticksToPrice(t.spec, a.targetTicks);
    const ids = {
      listClientId: clientId(t.decisionId, 'oco', n),
      stopClientOrderId: clientId(t.decisionId, 'stop', n),
      targetClientOrderId: clientId(t.decisionId, 'target', n),
    };
    const r = await t.venue.placeOco({ ...ids, symbol, side, qty, stopPrice, targetPrice });
    events.push(await recordExit(core, t, 'stop', r.stop, ids.stopClientOrderId, qty, stopPrice, r.listId));
    events.push(await recordExit(core, t, 'target', r.target, ids.targetClientOrderId, qty, targetPrice, r.listId));
  } else {
    const leg = a.type === 'place-stop' ? 'stop' : 'target';
    const price = ticksToPrice(t.spec, a.type === 'place-stop' ? a.stopTicks : a.targetTicks);
    const id = clientId(t.decisionId, leg, nextN(t, leg));
    const o = await t.venue.placeOrder({
      clientOrderId: id,
      symbol,
      side,
      qty,
      reduceOnly: true,
      ...(leg === 'stop' ? { type: 'stop-market', stopPrice: price } : { type: 'limit', price }),
    });
    events.push(await recordExit(core, t, leg, o, id, qty, price, null));
  }
  // Later placements of the same sync see this one's rows (client id numbering).
  t.orders = await core.sql.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [toInt(t.row.id)]);
}
