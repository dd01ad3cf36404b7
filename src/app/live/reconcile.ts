/**
 * Reconciliation of one connection: the venue's open orders and fills against the database, on engine start, every
 * minute and when the connection's breaker recovers. Repairs, in this order:
 * 1. `fill-applied`: fills since the oldest active trade's submission that the stream missed (same path as live).
 * 2. `entry-found` / `entry-not-placed`: a pending entry whose placement outcome was unknown is looked up by its
 *    client id; when the venue never got it the trade is cancelled and its reservation released.
 * 3. `exit-gone`: an exit the database thinks is live but the venue no longer has open is marked cancelled, then
 *    the exit sync places what is missing (`stop-placed`), or — with `settings.missingStop = 'report'` — a missing
 *    stop is only reported (`stop-missing`, once) and later runs leave that position without exits.
 * 4. `orphan-cancelled`: a Testudo order (`tdo…` client id) still open on the venue whose trade is no longer active.
 * Each action is a stored decision (kind `reconcile`) and a `reconcile` event `{ connectionId, tradeId, action, … }`.
 */
import type { Row } from '../../db/sql.ts';
import { toInt, toMs } from '../../db/sql.ts';
import type { VenueOrder } from '../venues/types.ts';
import { type LiveCore, liveDecision } from './core.ts';
import { syncExits } from './exits.ts';
import { applyFill } from './fills.ts';
import { recordExcursion } from './excursion.ts';
import { parseClientId } from './ids.ts';

/** One repair reconciliation made. */
export interface ReconcileAction {
  connectionId: number;
  tradeId: number | null;
  action:
    | 'fill-applied'
    | 'entry-found'
    | 'entry-not-placed'
    | 'exit-gone'
    | 'stop-placed'
    | 'stop-missing'
    | 'orphan-cancelled';
  [k: string]: unknown;
}

/** Reconciles connection `connectionId` (see the module doc); returns what it did. Runs on the connection's queue. */
export async function reconcile(core: LiveCore, connectionId: number): Promise<ReconcileAction[]> {
  const conn = await core.connections.row(connectionId);
  const venue = await core.connections.venue(connectionId);
  const actions: ReconcileAction[] = [];
  const record = async (t: Row | null, a: Omit<ReconcileAction, 'connectionId'>): Promise<void> => {
    const full = { connectionId, ...a } as ReconcileAction;
    actions.push(full);
    if (t) {
      const { connectionId: _c, ...change } = full;
      void _c;
      await liveDecision(
        core.sql,
        { accountId: conn.account_id, tradeId: toInt(t.id), symbol: String(t.symbol), side: String(t.side) },
        'reconcile',
        change,
        core.now(),
      );
    }
    core.events.publish({ type: 'reconcile', userId: conn.user_id, data: full });
  };
  const active = await core.sql.query(
    `SELECT * FROM trades WHERE connection_id = $1 AND status IN ('pending', 'open') ORDER BY id`,
    [connectionId],
  );
  const recent = await core.sql.query(
    `SELECT DISTINCT symbol FROM trades WHERE connection_id = $1 AND source = 'testudo'
        AND (status IN ('pending', 'open') OR closed_at > now() - interval '1 day')`,
    [connectionId],
  );
  const symbols = [...new Set(recent.map((r) => String(r.symbol)))];
  // 1. Missed fills.
  const since = active.length ? Math.min(...active.map((t) => toMs(t.submitted_at))) - 60_000 : Date.now() - 3_600_000;
  for (const s of symbols) {
    for (const f of await venue.fills(s, since)) {
      const out = await applyFill(core, conn, f);
      if (out.isNew && out.tradeId !== null) {
        const [t] = await core.sql.query('SELECT * FROM trades WHERE id = $1', [out.tradeId]);
        await record(t!, { tradeId: out.tradeId, action: 'fill-applied', fillId: f.id, price: f.price, qty: f.qty });
        // As after a streamed fill: exits follow (a closed trade's leftovers are cancelled).
        await syncExits(core, out.tradeId).catch((e: unknown) =>
          core.onError(e, { where: 'reconcile exits', tradeId: out.tradeId }),
        );
        const closedId = out.tradeId;
        if (out.closed) void core.enqueue(connectionId, () => recordExcursion(core, closedId));
      }
    }
  }
  const open = new Map<string, VenueOrder>();
  for (const s of symbols) for (const o of await venue.openOrders(s)) open.set(o.id, o);
  const trades = await core.sql.query(
    `SELECT * FROM trades WHERE connection_id = $1 AND status IN ('pending', 'open') ORDER BY id`,
    [connectionId],
  );
  for (const t of trades) {
    const tradeId = toInt(t.id);
    const orders = await core.sql.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [tradeId]);
    // 2. Entries of unknown outcome.
    const entry = orders.find((o) => o.leg === 'entry');
    if (t.status === 'pending' && entry && entry.venue_order_id === null && entry.status === 'open') {
      const found = await venue.fetchOrder(String(t.symbol), { clientOrderId: String(entry.client_order_id) });
      if (found) {
        await core.sql.query('UPDATE orders SET venue_order_id = $2 WHERE id = $1', [toInt(entry.id), found.id]);
        await record(t, { tradeId, action: 'entry-found', venueOrderId: found.id });
      } else {
        await core.sql.tx(async (q) => {
          await core.st.lockAccount(q, conn.account_id);
          const [c] = await q.query(
            `UPDATE trades SET status = 'cancelled', closed_at = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
            [tradeId],
          );
          await q.query(
            `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE trade_id = $1 AND status IN ('open', 'held')`,
            [tradeId],
          );
          if (c)
            await q.query(
              `UPDATE accounts SET open_risk = open_risk - $2, reserved = reserved - $3,
                 open_positions = open_positions - 1 WHERE id = $1`,
              [conn.account_id, String(c.planned_risk), String(c.margin)],
            );
        });
        await record(t, { tradeId, action: 'entry-not-placed', clientOrderId: entry.client_order_id });
      }
      continue;
    }
    // 3. Exits the venue no longer has.
    let stopGone = false;
    for (const o of orders) {
      if ((o.leg !== 'stop' && o.leg !== 'target') || o.status !== 'open' || o.venue_order_id === null) continue;
      if (open.has(String(o.venue_order_id))) continue;
      const now = await venue.fetchOrder(String(t.symbol), { id: String(o.venue_order_id) });
      if (now && (now.status === 'open' || now.status === 'closed')) continue; // a fill on its way
      await core.sql.query(`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1`, [toInt(o.id)]);
      await record(t, { tradeId, action: 'exit-gone', leg: o.leg, venueOrderId: o.venue_order_id });
      if (o.leg === 'stop') stopGone = true;
    }
    if (t.status !== 'open') continue;
    if (conn.settings.missingStop === 'report') {
      // Reported once, when found missing; later runs leave the position as the user chose (no stop placed).
      if (stopGone) await record(t, { tradeId, action: 'stop-missing' });
      const hasStop = orders.some((o) => o.leg === 'stop' && o.status === 'open' && o.venue_order_id !== null);
      if (stopGone || !hasStop) continue;
    }
    const placed = await syncExits(core, tradeId);
    if (stopGone && placed.some((a) => a.type === 'place-stop' || a.type === 'place-oco'))
      await record(t, { tradeId, action: 'stop-placed' });
  }
  // 4. Orphans: our orders still open whose trade is over.
  for (const o of open.values()) {
    if (!parseClientId(o.clientOrderId)) continue;
    const [row] = await core.sql.query(
      `SELECT o.*, t.status AS trade_status, t.symbol, t.side FROM orders o JOIN trades t ON t.id = o.trade_id
        WHERE o.account_id = $1 AND o.client_order_id = $2`,
      [conn.account_id, o.clientOrderId],
    );
    if (!row || row.trade_status === 'pending' || row.trade_status === 'open') continue;
    if (o.listId) await venue.cancelOco(o.symbol, o.listId);
    else await venue.cancelOrder(o.symbol, o.id);
    if (o.listId) for (const x of open.values()) if (x.listId === o.listId) open.delete(x.id);
    await core.sql.query(
      `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status IN ('open', 'held')`,
      [toInt(row.id)],
    );
    await record(
      { id: row.trade_id, symbol: row.symbol, side: row.side },
      { tradeId: toInt(row.trade_id), action: 'orphan-cancelled', venueOrderId: o.id, clientOrderId: o.clientOrderId },
    );
  }
  return actions;
}
