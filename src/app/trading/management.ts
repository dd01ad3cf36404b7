/**
 * Trade management: editing a trade's journal fields, moving the stop or the target of an open position, stop to
 * breakeven, partial and full closes. Each change is checked by the protocol's management rules
 * (`src/core/execution/manage.ts`) and stored as a decision of its kind with every verdict, approved or refused, in
 * the same transaction as the change; a refusal is a value (HTTP 422 `rule-rejected`, as a refused submission).
 * Changes run on the service's queue, behind the bars already received, so they see the current bracket.
 */
import type { Row, Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { lotsToQty, priceToTicks, qtyToLots, ticksToPrice } from '../../core/instruments/instrument.ts';
import { closeManually, closePartially, cancelBracket, type Bracket } from '../../core/execution/bracket.ts';
import {
  checkBreakeven,
  checkClose,
  checkInactive,
  checkPartialClose,
  checkStopMove,
  checkTargetMove,
  type ManageCheck,
} from '../../core/execution/manage.ts';
import { ConflictError } from '../errors.ts';
import { orderView } from '../views.ts';
import { persistFills } from './fills.ts';
import { decisionLogView, getTrade, tradeRow } from './queries.ts';
import type { ActiveTrade, TradingState } from './state.ts';

/** Kinds of decisions about an existing trade. */
export type ManageKind = 'move-stop' | 'move-target' | 'breakeven' | 'partial-close' | 'close';

/** Journal fields of a trade; an absent field is left as it is, `null` clears `setup` or `notes`. */
export interface TradeEdit {
  setup?: string | null | undefined;
  tags?: string[] | undefined;
  notes?: string | null | undefined;
}

/** Outcome of a management action: 200 with the decision and the trade, or 422 `rule-rejected` with the decision. */
export interface ManageResult {
  status: 200 | 422;
  body: Record<string, unknown>;
}

/**
 * Edits a trade's setup name, tags and notes (any status: the journal is annotated after the fact). Returns the
 * trade as `getTrade` serves it. @throws NotFoundError `trade-not-found` when unknown or another user's.
 */
export async function editTrade(
  st: TradingState,
  userId: number,
  tradeId: number,
  edit: TradeEdit,
): Promise<Record<string, unknown>> {
  const sets: string[] = [];
  const params: unknown[] = [tradeId, userId];
  const set = (col: string, v: unknown): void => {
    params.push(v);
    sets.push(`${col} = $${params.length}`);
  };
  if (edit.setup !== undefined) set('setup', edit.setup);
  if (edit.tags !== undefined) set('tags', edit.tags);
  if (edit.notes !== undefined) set('notes', edit.notes);
  if (sets.length === 0) return getTrade(st, userId, tradeId);
  const rows = await st.sql.query(
    `UPDATE trades t SET ${sets.join(', ')} FROM accounts a
      WHERE t.id = $1 AND a.id = t.account_id AND a.user_id = $2 RETURNING t.id`,
    params,
  );
  if (rows.length === 0) await tradeRow(st, userId, tradeId); // throws the 404
  return getTrade(st, userId, tradeId);
}

/** A management decision to store (see {@link insertDecision}). */
export interface DecisionRecord {
  accountId: number;
  tradeId: number;
  symbol: string;
  side: string;
  /** A management kind, or (live trades, src/app/live) `venue` / `reconcile`. */
  kind: ManageKind | 'venue' | 'reconcile';
  input: Record<string, unknown>;
  check: ManageCheck;
  change: Record<string, unknown>;
  now: number;
}

/** Inserts a management decision; returns it as the decision log serves it. */
export async function insertDecision(q: Sql, d: DecisionRecord): Promise<Record<string, unknown>> {
  const [row] = await q.query(
    `INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing, kind, trade_id,
       change)
     VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8, $9, $10) RETURNING *`,
    [
      d.accountId,
      new Date(d.now),
      d.symbol,
      d.side,
      d.check.approved,
      JSON.stringify(d.input),
      JSON.stringify(d.check.verdicts),
      d.kind,
      d.tradeId,
      JSON.stringify(d.change),
    ],
  );
  return decisionLogView(row!);
}

/** The 422 body of a refused change: the failed verdicts as `rules`, and the stored decision. */
export function rejection(decision: Record<string, unknown>, check: ManageCheck): ManageResult {
  const failed = check.verdicts.filter((v) => !v.passed);
  return {
    status: 422,
    body: {
      error: {
        code: 'rule-rejected',
        message: `rejected by ${failed.length} rule${failed.length === 1 ? '' : 's'}: ${failed.map((f) => f.message).join('; ')}`,
        rules: failed,
      },
      decision,
    },
  };
}

/**
 * The active trade `tradeId` of `userId`, or the stored row of an inactive one.
 * @throws NotFoundError `trade-not-found` when unknown or another user's.
 */
async function findTrade(
  st: TradingState,
  userId: number,
  tradeId: number,
): Promise<{ active: ActiveTrade } | { row: Row }> {
  const t = st.active.get(tradeId);
  if (t && t.userId === userId) return { active: t };
  return { row: await tradeRow(st, userId, tradeId) };
}

/** Stores the refusal of a change to an inactive trade (closed or cancelled). */
async function refuseInactive(
  st: TradingState,
  userId: number,
  row: Row,
  kind: ManageKind,
  input: Record<string, unknown>,
): Promise<ManageResult> {
  const check = checkInactive(row.status as 'closed' | 'cancelled');
  const decision = await insertDecision(st.sql, {
    accountId: toInt(row.account_id),
    tradeId: toInt(row.id),
    symbol: String(row.symbol),
    side: String(row.side),
    kind,
    input,
    check,
    change: {},
    now: st.now(),
  });
  st.events.publish({ type: 'decision', userId, data: decision });
  return rejection(decision, check);
}

/** A price move's record: `{from, to}` in decimal text (`to` null when refused). */
function move(t: ActiveTrade, from: bigint | null, to: bigint | null): Record<string, unknown> {
  return {
    from: from === null ? null : ticksToPrice(t.spec, from),
    to: to === null ? null : ticksToPrice(t.spec, to),
  };
}

/**
 * Moves the stop (`move-stop`, `breakeven`) or the target (`move-target`) of an open trade: decides, stores the
 * decision, and when approved updates the trade and its resting leg in the same transaction, then the bracket in
 * memory, and publishes `decision`, `order` and `position`.
 */
async function movePrice(
  st: TradingState,
  userId: number,
  tradeId: number,
  kind: 'move-stop' | 'move-target' | 'breakeven',
  price: string | null,
): Promise<ManageResult> {
  const input: Record<string, unknown> = price === null ? { tradeId } : { tradeId, price };
  const found = await findTrade(st, userId, tradeId);
  if ('row' in found) return refuseInactive(st, userId, found.row, kind, input);
  const t = found.active;
  const mark = st.requireMark(t.spec);
  const b = t.bracket;
  const check =
    kind === 'breakeven'
      ? checkBreakeven(b, t.spec, mark)
      : kind === 'move-stop'
        ? checkStopMove(b, t.spec, priceToTicks(t.spec, price!), mark)
        : checkTargetMove(b, t.spec, priceToTicks(t.spec, price!), mark);
  const isStop = kind !== 'move-target';
  const from = isStop ? b.stopTicks : b.targetTicks;
  const change = {
    markPrice: ticksToPrice(t.spec, mark),
    [isStop ? 'stopLoss' : 'takeProfit']: move(t, from, check.value),
  };
  const events: { type: 'order'; data: Record<string, unknown> }[] = [];
  const decision = await st.sql.tx(async (q) => {
    await st.lockAccount(q, t.accountId);
    const d = await insertDecision(q, {
      accountId: t.accountId,
      tradeId,
      symbol: t.symbol,
      side: b.side,
      kind,
      input,
      check,
      change,
      now: st.now(),
    });
    if (!check.approved) return d;
    const priceText = ticksToPrice(t.spec, check.value!);
    await q.query(`UPDATE trades SET ${isStop ? 'current_stop_price' : 'current_target_price'} = $2 WHERE id = $1`, [
      tradeId,
      priceText,
    ]);
    let legs = await q.query(
      `UPDATE orders SET price = $2, updated_at = now()
        WHERE trade_id = $1 AND leg = $3 AND status IN ('open', 'held') RETURNING *`,
      [tradeId, priceText, isStop ? 'stop' : 'target'],
    );
    if (legs.length === 0 && !isStop)
      // A trade submitted without a take-profit gets one: a reduce-only limit, one-cancels-other with the stop.
      legs = await q.query(
        `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status)
         VALUES ($1, $2, 'target', 'limit', $3, $4, $5, true, true, 'open') RETURNING *`,
        [tradeId, t.accountId, b.side === 'buy' ? 'sell' : 'buy', priceText, lotsToQty(t.spec, b.lots)],
      );
    for (const o of legs) events.push({ type: 'order', data: orderView(o) });
    return d;
  });
  st.events.publish({ type: 'decision', userId, data: decision });
  if (!check.approved) return rejection(decision, check);
  const next: Bracket = structuredClone(b);
  if (isStop) next.stopTicks = check.value!;
  else next.targetTicks = check.value!;
  t.bracket = next;
  for (const e of events) st.events.publish({ type: e.type, userId, data: e.data });
  const trade = await getTrade(st, userId, tradeId);
  st.events.publish({ type: 'position', userId, data: trade });
  return { status: 200, body: { decision, trade } };
}

/**
 * Moves the stop of an open trade to `price` (decimal text). Refusals: `trade-not-open`, `price-off-tick`,
 * `stop-adds-risk`, `stop-through-market`. @throws NotFoundError `trade-not-found`; UnprocessableError
 * `no-market-price` when the feed has no price for the symbol.
 */
export function moveStop(st: TradingState, userId: number, tradeId: number, price: string): Promise<ManageResult> {
  return st.enqueue(() => movePrice(st, userId, tradeId, 'move-stop', price));
}

/**
 * Moves (or sets) the take-profit of an open trade to `price` (decimal text). Refusals: `trade-not-open`,
 * `price-off-tick`, `target-wrong-side`, `target-through-market`. @throws as {@link moveStop}.
 */
export function moveTarget(st: TradingState, userId: number, tradeId: number, price: string): Promise<ManageResult> {
  return st.enqueue(() => movePrice(st, userId, tradeId, 'move-target', price));
}

/**
 * Moves the stop of an open trade to its entry fill price. Refusals: `trade-not-open`, `breakeven-not-in-profit`,
 * `stop-already-at-breakeven`. @throws as {@link moveStop}.
 */
export function breakeven(st: TradingState, userId: number, tradeId: number): Promise<ManageResult> {
  return st.enqueue(() => movePrice(st, userId, tradeId, 'breakeven', null));
}

/**
 * Closes a trade by hand: without `quantity` (or with the whole open size) an open position closes at the market
 * price (taker) and a pending entry is cancelled; with `quantity` (decimal text) that part of the position closes at
 * market and the stop and target are resized to the rest. Returns the trade as `getTrade` serves it, or a 422
 * refusal of a partial close (`trade-not-open`, `quantity-off-lot`, `quantity-exceeds-position`,
 * `remaining-below-minimum`).
 * @throws NotFoundError `trade-not-found`; ConflictError `trade-not-active` when a full close finds the trade
 *   already closed or cancelled; UnprocessableError `no-market-price`.
 */
export function close(st: TradingState, userId: number, tradeId: number, quantity?: string): Promise<ManageResult> {
  // Queued behind the bars already received and any earlier change, so the bracket read is current: when a bar (or
  // another close) ended the trade first, a full close is a 409, never a second exit.
  return st.enqueue(async () => {
    const found = await findTrade(st, userId, tradeId);
    if (quantity !== undefined) {
      const input = { tradeId, quantity };
      if ('row' in found) {
        if (found.row.status === 'closed' || found.row.status === 'cancelled')
          return refuseInactive(st, userId, found.row, 'partial-close', input);
      } else {
        const t = found.active;
        const q = qtyToLots(t.spec, quantity);
        if (!(q.ok && q.value === t.bracket.lots && t.bracket.status === 'open'))
          return partialClose(st, userId, t, q, input);
      }
    }
    if ('row' in found)
      throw new ConflictError('trade-not-active', `trade ${tradeId} is already ${String(found.row.status)}`);
    await fullClose(st, found.active, quantity === undefined ? { tradeId } : { tradeId, quantity });
    return { status: 200, body: await getTrade(st, userId, tradeId) };
  });
}

async function fullClose(st: TradingState, t: ActiveTrade, input: Record<string, unknown>): Promise<void> {
  const next = structuredClone(t.bracket);
  const now = st.now();
  const check = checkClose(next);
  if (next.status === 'pending') {
    cancelBracket(next);
    await persistFills(st, t, next, [], (q) =>
      insertDecision(q, { ...record(t, 'close', input, check, now), change: { cancelled: true } }),
    );
    return;
  }
  const mark = st.requireMark(t.spec);
  const f = closeManually(next, t.spec, mark, now);
  await persistFills(st, t, next, f ? [f] : [], (q) =>
    insertDecision(q, {
      ...record(t, 'close', input, check, now),
      change: {
        markPrice: ticksToPrice(t.spec, mark),
        openQty: { from: lotsToQty(t.spec, t.bracket.lots), to: '0' },
        exitPrice: ticksToPrice(t.spec, mark),
      },
    }),
  );
}

function record(
  t: ActiveTrade,
  kind: ManageKind,
  input: Record<string, unknown>,
  check: ManageCheck,
  now: number,
): Omit<DecisionRecord, 'change'> {
  return { accountId: t.accountId, tradeId: t.id, symbol: t.symbol, side: t.bracket.side, kind, input, check, now };
}

async function partialClose(
  st: TradingState,
  userId: number,
  t: ActiveTrade,
  qty: ReturnType<typeof qtyToLots>,
  input: Record<string, unknown>,
): Promise<ManageResult> {
  const now = st.now();
  const check = checkPartialClose(t.bracket, t.spec, qty);
  if (!check.approved) {
    const decision = await insertDecision(st.sql, { ...record(t, 'partial-close', input, check, now), change: {} });
    st.events.publish({ type: 'decision', userId, data: decision });
    return rejection(decision, check);
  }
  const mark = st.requireMark(t.spec);
  const next = structuredClone(t.bracket);
  const f = closePartially(next, t.spec, check.value!, mark, now)!;
  await persistFills(st, t, next, [f], (q) =>
    insertDecision(q, {
      ...record(t, 'partial-close', input, check, now),
      change: {
        markPrice: ticksToPrice(t.spec, mark),
        openQty: { from: lotsToQty(t.spec, t.bracket.lots), to: lotsToQty(t.spec, next.lots) },
        exitPrice: ticksToPrice(t.spec, f.price),
      },
    }),
  );
  return { status: 200, body: await getTrade(st, userId, t.id) };
}
