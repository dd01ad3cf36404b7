/**
 * Submission through an exchange connection: the same observe → size → decide core as paper
 * (src/app/trading/submission.ts), on the connection's risk account and the venue market's instrument, then the
 * entry order on the venue with the client id `tdo<decisionId>e`.
 *
 * Outcomes of the placement:
 * - accepted: the order's venue id is stored; the answer is 201 with the trade `pending` (fills arrive by the
 *   connection's stream and open it).
 * - refused (`VenueError.refused`): one transaction marks the trade `rejected` with `venue_error`, its orders
 *   `rejected`, releases the account's open risk, reservation and position count, and stores a `venue` decision with
 *   the reason → 422 `venue-rejected` `{ error: { code, message, venueCode }, decision, trade }`.
 * - unknown (unreachable): the order is looked up by its client id; when the venue does not know it, the placement
 *   is retried once with the SAME client id (a venue refuses a second order with a live client id, so this never
 *   doubles); when still unknown, the trade stays `pending` (201) and reconciliation settles it: it finds the order
 *   by client id, or cancels the trade when the venue never got it.
 *
 * Invariants: the decision, the trade, its legs and the account's reservation are written in one transaction before
 * anything is sent; a refused or paused connection never reaches the venue.
 */
import { createHash } from 'node:crypto';
import { toInt, toMs } from '../../db/sql.ts';
import { lotsToQty, ticksToPrice } from '../../core/instruments/instrument.ts';
import { formatAtoms, fractionToPercent } from '../../core/money/decimal.ts';
import { decide } from '../../core/risk/decide.ts';
import { sizingCosts } from '../../core/sizing/size.ts';
import { NotFoundError, UnprocessableError } from '../errors.ts';
import type { ConnectionRow } from '../connections.ts';
import { replay, sizingView, toSetup, type SetupInput, type SubmitResult } from '../trading/submission.ts';
import { orderView, tradeView } from '../views.ts';
import { VenueError, type Venue, type VenueOrder } from '../venues/types.ts';
import { clientId } from './ids.ts';
import { type LiveCore, exitSide, liveDecision, marketOf, venueFailure, venueMark } from './core.ts';

/**
 * The user's connection `id`, active and not paused, with its venue. A half-open breaker is probed first (one
 * balance call): trading resumes when it succeeds.
 * @throws NotFoundError `connection-not-found`; UnprocessableError `connection-disabled`, `venue-paused`.
 */
export async function openConnection(
  core: LiveCore,
  userId: number,
  id: number,
): Promise<{ conn: ConnectionRow; venue: Venue }> {
  let conn: ConnectionRow;
  try {
    conn = await core.connections.row(id);
  } catch {
    throw new NotFoundError('connection-not-found', `no connection ${id}`);
  }
  if (conn.user_id !== userId) throw new NotFoundError('connection-not-found', `no connection ${id}`);
  if (conn.status !== 'active')
    throw new UnprocessableError('connection-disabled', `connection ${id} is disabled; enable it first`);
  const b = core.connections.breaker(id);
  if (b.state() === 'open') {
    const at = b.retryAt();
    throw new UnprocessableError(
      'venue-paused',
      `trading through connection ${id} is paused: the venue failed repeatedly${at ? `; retry after ${new Date(at).toISOString()}` : ''}`,
    );
  }
  const venue = await core.connections.venue(id);
  if (b.state() === 'half-open') {
    // The breaker's wait is over: one probe decides whether trading resumes (the rules refuse while half-open).
    await venue.balances().catch((e: unknown) => {
      if (!(e instanceof VenueError) || e.refused) return;
      throw new UnprocessableError('venue-paused', `trading through connection ${id} is paused: ${e.message}`);
    });
  }
  return { conn, venue };
}

/** Sizes a setup on the connection's account and the venue's instrument (nothing stored, nothing sent). */
export async function previewLive(core: LiveCore, userId: number, input: SetupInput): Promise<Record<string, unknown>> {
  const { conn, venue } = await openConnection(core, userId, input.connectionId!);
  const { spec } = await marketOf(venue, input.symbol);
  const last = input.entryType === 'market' ? (await venueMark(venue, spec)).price : undefined;
  const { setup } = toSetup(core.st, input, spec, last);
  const acc = await core.st.lockAccount(core.sql, conn.account_id).catch(() => {
    throw new NotFoundError('account-not-found', 'the connection has no risk account');
  });
  const state = { ...core.st.riskState(acc, core.now()), breaker: core.connections.breaker(conn.id).state() };
  const d = decide(spec, setup, core.st.compiled(acc), state);
  return {
    approved: d.approved,
    verdicts: d.verdicts,
    failed: d.verdicts.filter((v) => !v.passed),
    sizing: sizingView(spec, d, setup, state.equity),
  };
}

/** Submits a setup through a connection (see the module doc). */
export async function submitLive(
  core: LiveCore,
  userId: number,
  input: SetupInput,
  idempotencyKey?: string,
): Promise<SubmitResult> {
  const hash = idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : '';
  const findPrior = async (q = core.sql): Promise<(SubmitResult & { replayed: true }) | null> => {
    if (!idempotencyKey) return null;
    const [p] = await q.query(
      'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, idempotencyKey],
    );
    return p ? replay(p, hash) : null;
  };
  const prior = await findPrior();
  if (prior) return prior;
  const { conn, venue } = await openConnection(core, userId, input.connectionId!);
  const { spec } = await marketOf(venue, input.symbol);
  const last = input.entryType === 'market' ? (await venueMark(venue, spec)).price : undefined;
  const { setup } = toSetup(core.st, input, spec, last);
  let placed: { tradeId: number; decisionId: number; qty: string } | null = null;
  const result = await core.sql.tx(async (q): Promise<SubmitResult> => {
    const acc = await core.st.lockAccount(q, conn.account_id);
    const again = await findPrior(q);
    if (again) return again;
    const now = core.now();
    const state = { ...core.st.riskState(acc, now), breaker: core.connections.breaker(conn.id).state() };
    const d = decide(spec, setup, core.st.compiled(acc), state);
    const sizing = sizingView(spec, d, setup, state.equity);
    const approved = d.approved && d.sizing.ok;
    const [dec] = await q.query(
      `INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`,
      [
        conn.account_id,
        new Date(now),
        input.symbol,
        input.side,
        approved,
        JSON.stringify(input),
        JSON.stringify(d.verdicts),
        JSON.stringify(sizing),
      ],
    );
    const decisionId = toInt(dec!.id);
    const decision = (tradeId: number | null): Record<string, unknown> => ({
      id: decisionId,
      approved: tradeId !== null,
      symbol: input.symbol,
      side: input.side,
      createdAt: new Date(toMs(dec!.created_at)).toISOString(),
      kind: 'submit',
      verdicts: d.verdicts,
      sizing,
      tradeId,
    });
    let out: SubmitResult;
    if (!approved || !d.sizing.ok) {
      const failed = d.verdicts.filter((v) => !v.passed);
      out = {
        status: 422,
        body: {
          error: {
            code: 'rule-rejected',
            message: `rejected by ${failed.length} rule${failed.length === 1 ? '' : 's'}: ${failed.map((f) => f.message).join('; ')}`,
            rules: failed,
          },
          decision: decision(null),
        },
      };
    } else {
      const s = d.sizing;
      const { margin } = sizingCosts(d.sizingInput, s);
      const qty = lotsToQty(spec, s.lots);
      const entryPrice = ticksToPrice(spec, setup.entryTicks);
      const stop = ticksToPrice(spec, setup.stopTicks);
      const target = setup.targetTicks === null ? null : ticksToPrice(spec, setup.targetTicks);
      const [t] = await q.query(
        `INSERT INTO trades (account_id, decision_id, symbol, side, entry_type, entry_price, stop_price, target_price,
           qty, risk_pct, planned_risk, margin, setup, tags, notes, status, submitted_at, connection_id, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'pending', $16, $17, 'testudo')
         RETURNING *`,
        [
          conn.account_id,
          decisionId,
          input.symbol,
          input.side,
          input.entryType,
          entryPrice,
          stop,
          target,
          qty,
          fractionToPercent(d.riskFraction),
          formatAtoms(s.risk),
          formatAtoms(margin),
          input.setup ?? null,
          input.tags ?? [],
          input.notes ?? null,
          new Date(now),
          conn.id,
        ],
      );
      const tradeId = toInt(t!.id);
      const xs = exitSide(input.side);
      const legs = await q.query(
        `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status, client_order_id)
         SELECT $1, $2, v.leg, v.type, v.side, v.price, $3, v.ro, v.oco, v.status, v.cid
         FROM (VALUES (1, 'entry', $4::text, $5::text, $6::numeric, false, false, 'open', $7::text),
                      (2, 'stop', 'stop-market', $8::text, $9::numeric, true, true, 'held', NULL),
                      (3, 'target', 'limit', $8::text, $10::numeric, true, true, 'held', NULL))
           AS v(n, leg, type, side, price, ro, oco, status, cid)
         WHERE v.n < 3 OR $10::numeric IS NOT NULL ORDER BY v.n RETURNING *`,
        [
          tradeId,
          conn.account_id,
          qty,
          input.entryType,
          input.side,
          input.entryType === 'limit' ? entryPrice : null,
          clientId(decisionId, 'entry'),
          xs,
          stop,
          target,
        ],
      );
      await q.query(
        `UPDATE accounts SET open_risk = open_risk + $2, reserved = reserved + $3, open_positions = open_positions + 1
          WHERE id = $1`,
        [conn.account_id, formatAtoms(s.risk), formatAtoms(margin)],
      );
      placed = { tradeId, decisionId, qty };
      out = {
        status: 201,
        body: { decision: decision(tradeId), trade: { ...tradeView(t!), orders: legs.map(orderView) } },
      };
    }
    if (idempotencyKey)
      await q.query(
        'INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, $5)',
        [userId, idempotencyKey, hash, out.status, JSON.stringify(out.body)],
      );
    return out;
  });
  if ('replayed' in result) return result;
  core.events.publish({ type: 'decision', userId, data: result.body.decision as Record<string, unknown> });
  if (!placed) return result;
  const p: { tradeId: number; decisionId: number; qty: string } = placed;
  const out = await placeEntry(core, conn, venue, p.tradeId, p.decisionId, input, spec.symbol, p.qty, result);
  if (idempotencyKey && out !== result)
    await core.sql.query(
      'UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE user_id = $1 AND key = $2',
      [userId, idempotencyKey, out.status, JSON.stringify(out.body)],
    );
  return out;
}

/** Sends the entry and settles the outcome (see the module doc). */
async function placeEntry(
  core: LiveCore,
  conn: ConnectionRow,
  venue: Venue,
  tradeId: number,
  decisionId: number,
  input: SetupInput,
  symbol: string,
  qty: string,
  accepted: SubmitResult,
): Promise<SubmitResult> {
  const cid = clientId(decisionId, 'entry');
  const req = {
    clientOrderId: cid,
    symbol,
    side: input.side,
    type: input.entryType,
    qty,
    price: input.entryType === 'limit' ? input.entryPrice : undefined,
  } as const;
  core.watchSymbol(conn.id, symbol);
  let order: VenueOrder | null = null;
  let failure: VenueError | null = null;
  /** Whether a placement may have reached the venue without an answer (then the trade is never rejected here). */
  let unknown = false;
  for (let attempt = 0; attempt < 2 && !order; attempt++) {
    try {
      order = await venue.placeOrder(req);
    } catch (e) {
      if (!(e instanceof VenueError)) throw e;
      failure = e;
      if (e.code === 'breaker-open') break; // not sent
      if (e.code !== 'duplicate-order' && e.refused) break;
      if (e.code !== 'duplicate-order') unknown = true;
      // Already there (a retry), or unknown: the venue's own record decides.
      order = await venue.fetchOrder(symbol, { clientOrderId: cid }).catch(() => null);
      if (e.code === 'duplicate-order') break;
    }
  }
  if (order) {
    const [o] = await core.sql.query(
      `UPDATE orders SET venue_order_id = $2, updated_at = now() WHERE trade_id = $1 AND leg = 'entry' RETURNING *`,
      [tradeId, order.id],
    );
    const trade = accepted.body.trade as Record<string, unknown>;
    const orders = (trade.orders as Record<string, unknown>[]).map((x) => (x.leg === 'entry' ? orderView(o!) : x));
    for (const x of orders) core.events.publish({ type: 'order', userId: conn.user_id, data: x });
    return { status: 201, body: { ...accepted.body, trade: { ...trade, orders } } };
  }
  if (failure && !unknown && (failure.refused || failure.code === 'breaker-open') && failure.code !== 'duplicate-order')
    return reject(core, conn, tradeId, input, failure, accepted.body.decision as Record<string, unknown>);
  // Unknown outcome: left pending for reconciliation.
  core.onError(failure, { where: 'live entry placement (outcome unknown)', tradeId });
  return accepted;
}

/** The venue refused the entry: the trade is rejected and the account released, in one transaction. */
async function reject(
  core: LiveCore,
  conn: ConnectionRow,
  tradeId: number,
  input: SetupInput,
  e: VenueError,
  submitDecision: Record<string, unknown>,
): Promise<SubmitResult> {
  const code = e.code === 'breaker-open' ? 'venue-paused' : 'venue-rejected';
  const venueError = { code: e.code, message: e.message, venueCode: e.venueCode ?? null };
  const { trade, orders, decision } = await core.sql.tx(async (q) => {
    await core.st.lockAccount(q, conn.account_id);
    const [t] = await q.query(
      `UPDATE trades SET status = 'rejected', venue_error = $2, closed_at = now() WHERE id = $1 AND status = 'pending'
       RETURNING *`,
      [tradeId, JSON.stringify(venueError)],
    );
    const orders = await q.query(
      `UPDATE orders SET status = 'rejected', reason = $2, updated_at = now() WHERE trade_id = $1 RETURNING *`,
      [tradeId, e.message],
    );
    if (t)
      await q.query(
        `UPDATE accounts SET open_risk = open_risk - $2, reserved = reserved - $3, open_positions = open_positions - 1
          WHERE id = $1`,
        [conn.account_id, String(t.planned_risk), String(t.margin)],
      );
    const d = await liveDecision(
      q,
      { accountId: conn.account_id, tradeId, symbol: input.symbol, side: input.side },
      'venue',
      { rejected: true, reason: e.message, venueCode: e.venueCode ?? null, code: e.code },
      core.now(),
      false,
    );
    return { trade: t ?? (await q.query('SELECT * FROM trades WHERE id = $1', [tradeId]))[0]!, orders, decision: d };
  });
  const decisionBody = { id: toInt(decision.id), kind: 'venue', approved: false, tradeId, change: decision.change };
  core.events.publish({ type: 'decision', userId: conn.user_id, data: decisionBody });
  for (const o of orders) core.events.publish({ type: 'order', userId: conn.user_id, data: orderView(o) });
  return {
    status: 422,
    body: {
      error: { code, message: e.message, venueCode: e.venueCode === undefined ? null : String(e.venueCode) },
      decision: submitDecision,
      venueDecision: decisionBody,
      trade: { ...tradeView(trade), orders: orders.map(orderView) },
    },
  };
}

/** Re-exported for the engine: maps venue failures outside placement. */
export { venueFailure };
