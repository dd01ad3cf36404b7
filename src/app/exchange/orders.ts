/**
 * Order commands of the exchange — place, cancel, amend, cancel all, OCO lists — on the fast path: memory only (no
 * database read), applied in arrival order, acknowledged when their group-commit batch commits (`./core.ts`).
 *
 * Invariants:
 * - An order is accepted only if the account's available balance with it stays ≥ 0 (`./state.ts` `available`); an
 *   OCO pair counts only its worse leg, and when one leg is left alone it counts in full.
 * - Every engine event is applied to memory and recorded in the open batch by {@link applyEvents}, in engine order;
 *   views returned to the caller are built from memory right after the command, before its commit.
 * - Private events (`ex-order`, `ex-account`) go only to the account's owners (one event per owner, `userId` set).
 */
import { withOrder } from '../../core/exchange/portfolio.ts';
import type { MatchEvent, NewOrder, Side, StpMode, TimeInForce } from '../../core/orderbook/types.ts';
import { formatAtoms } from '../../core/money/decimal.ts';
import { toInt } from '../../db/sql.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { Core } from './core.ts';
import { toLots, toTicks, withinBounds } from './grid.ts';
import {
  available,
  canSee,
  hasLimitPrice,
  isConditional,
  listView,
  marketOf,
  orderRowView,
  orderView,
  ownedAccount,
  reservePrice,
  worseLeg,
  type Account,
  type ExchangeOrderType,
  type ExchangeState,
  type LiveOrder,
  type MarketRuntime,
  type OrderList,
} from './state.ts';
import { applyEvents, eventsView } from './apply.ts';

/** A command to place an order, as validated at the boundary (prices and sizes as decimal text). */
export interface PlaceOrderInput {
  accountId: number;
  marketId: number;
  side: Side;
  type: ExchangeOrderType;
  size: string;
  price?: string | undefined;
  stopPrice?: string | undefined;
  tif?: TimeInForce | undefined;
  postOnly?: boolean | undefined;
  stp?: StpMode | undefined;
  /** The client's own id of the order (Binance `newClientOrderId`); unique among the account's live orders. */
  clientOrderId?: string | undefined;
}

/** One leg of an OCO pair: a GTC limit (post-only allowed) or a conditional order. */
export interface OcoLeg {
  type: ExchangeOrderType;
  price?: string | undefined;
  stopPrice?: string | undefined;
  tif?: TimeInForce | undefined;
  postOnly?: boolean | undefined;
  clientOrderId?: string | undefined;
}

/** A command to place an OCO pair: two legs of one account, market, side and size. */
export interface PlaceOcoInput {
  accountId: number;
  marketId: number;
  side: Side;
  size: string;
  /** The leg with the higher price (e.g. a sell's take-profit limit). */
  above: OcoLeg;
  /** The leg with the lower price (e.g. a sell's stop-loss). */
  below: OcoLeg;
  /** The client's own id of the list. */
  listClientOrderId?: string | undefined;
  stp?: StpMode | undefined;
}

/** A client order id as Binance accepts it. */
const CLIENT_ID = /^[A-Za-z0-9._:/-]{1,36}$/;

/** @throws ValidationError `invalid-client-order-id`. */
function checkClientId(field: string, v: string | undefined): void {
  if (v !== undefined && !CLIENT_ID.test(v))
    throw new ValidationError([{ field, code: 'invalid-client-order-id', message: `must match ${CLIENT_ID.source}` }]);
}

/** The market an account may trade. @throws NotFoundError `market-not-found`. */
function tradable(s: ExchangeState, userId: number, marketId: number, acc: Account): MarketRuntime {
  const m = marketOf(s, marketId);
  if (!canSee(s, userId, m) || (m.restricted && !m.access.has(acc.id)))
    throw new NotFoundError('market-not-found', `no market ${marketId}`);
  return m;
}

/**
 * A new order in memory from decimal input (not yet live).
 * @throws ValidationError on the grid, bounds, missing price/stopPrice, client id.
 */
function newOrder(
  s: ExchangeState,
  m: MarketRuntime,
  userId: number,
  acc: Account,
  f: { side: Side; type: ExchangeOrderType; size: number } & OcoLeg & { stp?: StpMode | undefined },
  prefix = '',
): LiveOrder {
  const needsPrice = hasLimitPrice(f.type);
  if (needsPrice && f.price === undefined)
    throw new ValidationError([
      { field: `${prefix}price`, code: 'required', message: `a ${f.type} order needs a price` },
    ]);
  checkClientId(`${prefix}clientOrderId`, f.clientOrderId);
  if (isConditional(f.type) && f.stopPrice === undefined)
    throw new ValidationError([
      { field: `${prefix}stopPrice`, code: 'required', message: `a ${f.type} order needs a stopPrice` },
    ]);
  const price = needsPrice ? toTicks(m, `${prefix}price`, f.price!) : undefined;
  const stopPrice = f.stopPrice !== undefined ? toTicks(m, `${prefix}stopPrice`, f.stopPrice) : undefined;
  withinBounds(m, `${prefix}price`, price);
  withinBounds(m, `${prefix}stopPrice`, stopPrice);
  const now = new Date();
  return {
    id: 0,
    marketId: m.id,
    accountId: acc.id,
    userId,
    side: f.side,
    type: f.type,
    price: price ?? null,
    stopPrice: stopPrice ?? null,
    size: f.size,
    remaining: f.size,
    filled: 0,
    filledQuote: 0n,
    tif: needsPrice ? (f.tif ?? 'GTC') : 'IOC',
    postOnly: f.postOnly ?? false,
    stp: f.stp ?? 'cancel-resting',
    status: isConditional(f.type) ? 'pending' : 'open',
    priority: 0,
    clientOrderId: f.clientOrderId ?? null,
    listId: null,
    reserve: reservePrice(m, f.side, f.type, price ?? null, stopPrice ?? null),
    margin: true,
    createdAt: now,
    updatedAt: now,
  };
}

/** The engine's form of a new order. */
function engineOrder(m: MarketRuntime, o: LiveOrder, tif: TimeInForce | undefined): NewOrder {
  return {
    id: o.id,
    account: o.accountId,
    side: o.side,
    type: o.type,
    size: o.size,
    price: o.price ?? undefined,
    stopPrice: o.stopPrice ?? undefined,
    tif,
    postOnly: o.postOnly,
    stp: o.stp,
    bandTicks: m.margin.maxPrice !== null ? Number(m.margin.maxPrice) : undefined,
  };
}

/** @throws UnprocessableError `insufficient-position`/`insufficient-balance` when `avail` is null or negative. */
function requireCover(avail: bigint | null): void {
  if (avail === null || avail < 0n)
    throw new UnprocessableError(
      avail === null ? 'insufficient-position' : 'insufficient-balance',
      avail === null
        ? 'a spot market cannot be sold short: sell at most what the account holds (less open sell orders)'
        : `the order's worst case exceeds the available balance by ${formatAtoms(-avail)}`,
    );
}

/** @throws ConflictError `duplicate-client-order-id`. */
function uniqueClientId(acc: Account, id: string | null): void {
  if (id !== null && acc.byClientId.has(id))
    throw new ConflictError('duplicate-client-order-id', `a live order of account ${acc.id} has clientOrderId ${id}`);
}

/** @throws UnprocessableError with the engine's reason when `events` hold a rejection. */
function rejectedBy(events: MatchEvent[], what: string): void {
  let reason: string | null = null;
  for (const e of events)
    if (e.type === 'rejected' && (reason === null || reason === 'oco-leg-rejected')) reason = e.reason;
  if (reason !== null) throw new UnprocessableError(reason, `the ${what} was rejected: ${reason}`);
}

/**
 * Places an order for one of the user's accounts. Returns the order and the engine's events once committed.
 * @throws ValidationError (grid, bounds, client id), NotFoundError (market or account), ConflictError (market not
 *   open, duplicate client order id), UnprocessableError `insufficient-balance`/`insufficient-position` or the
 *   engine's rejection reason.
 */
export async function placeOrder(core: Core, userId: number, input: PlaceOrderInput): Promise<Record<string, unknown>> {
  if (!core.isOpen) await core.ready();
  const s = core.state;
  const acc = ownedAccount(s, userId, input.accountId);
  const m = tradable(s, userId, input.marketId, acc);
  const size = toLots(m, 'size', input.size);
  const o = newOrder(s, m, userId, acc, { ...input, size });
  if (m.status !== 'open') throw new ConflictError(`market-${m.status}`, `market ${m.id} is ${m.status}`);
  uniqueClientId(acc, o.clientOrderId);
  requireCover(available(s, acc, { marketId: m.id, e: (e) => withOrder(e, o.side, BigInt(size), o.reserve) }));
  o.id = s.nextOrderId;
  const events = m.book.submit(engineOrder(m, o, input.tif));
  rejectedBy(events, 'order');
  s.nextOrderId++;
  o.priority = s.nextPriority++;
  const b = core.writer.batch;
  applyEvents(core, m, events, [o], b);
  const out = { order: orderView(m, o), events: eventsView(m, events) };
  await core.writer.commit();
  return out;
}

/**
 * Places an OCO pair: both legs accepted or neither; when one trades or triggers the other is cancelled (reason
 * `oco`). The margin counts the worse leg only. Returns `{ list, orders: [above, below], events }` once committed.
 * @throws as {@link placeOrder}; UnprocessableError `invalid-oco` for legs that cannot pair.
 */
export async function placeOco(core: Core, userId: number, input: PlaceOcoInput): Promise<Record<string, unknown>> {
  if (!core.isOpen) await core.ready();
  const s = core.state;
  const acc = ownedAccount(s, userId, input.accountId);
  const m = tradable(s, userId, input.marketId, acc);
  const size = toLots(m, 'size', input.size);
  checkClientId('listClientOrderId', input.listClientOrderId);
  const common = { side: input.side, size, stp: input.stp };
  const a = newOrder(s, m, userId, acc, { ...input.above, ...common }, 'above.');
  const b2 = newOrder(s, m, userId, acc, { ...input.below, ...common }, 'below.');
  if (m.status !== 'open') throw new ConflictError(`market-${m.status}`, `market ${m.id} is ${m.status}`);
  uniqueClientId(acc, a.clientOrderId);
  uniqueClientId(acc, b2.clientOrderId);
  if (a.clientOrderId !== null && a.clientOrderId === b2.clientOrderId)
    throw new ConflictError('duplicate-client-order-id', 'the two legs have the same clientOrderId');
  const worse = worseLeg(a, b2);
  (worse === a ? b2 : a).margin = false;
  requireCover(available(s, acc, { marketId: m.id, e: (e) => withOrder(e, worse.side, BigInt(size), worse.reserve) }));
  a.id = s.nextOrderId;
  b2.id = s.nextOrderId + 1;
  const events = m.book.submitOco(engineOrder(m, a, input.above.tif), engineOrder(m, b2, input.below.tif));
  rejectedBy(events, 'order list');
  s.nextOrderId += 2;
  a.priority = s.nextPriority++;
  b2.priority = s.nextPriority++;
  const now = new Date();
  const list: OrderList = {
    id: s.nextListId++,
    accountId: acc.id,
    marketId: m.id,
    clientListId: input.listClientOrderId ?? null,
    status: 'executing',
    orderIds: [a.id, b2.id],
    createdAt: now,
    updatedAt: now,
  };
  a.listId = b2.listId = list.id;
  s.lists.set(list.id, list);
  const batch = core.writer.batch;
  batch.insertList(list);
  applyEvents(core, m, events, [a, b2], batch);
  const out = { list: listView(m, list), orders: [orderView(m, a), orderView(m, b2)], events: eventsView(m, events) };
  await core.writer.commit();
  return out;
}

/**
 * The live order `orderId` of the user. @throws NotFoundError `order-not-found` (unknown or not the user's),
 * ConflictError `order-not-live` (finished).
 */
async function liveOrderOf(core: Core, userId: number, orderId: number): Promise<LiveOrder> {
  const o = core.state.orders.get(orderId);
  if (o && core.state.accounts.get(o.accountId)?.owners.has(userId)) return o;
  if (o) throw new NotFoundError('order-not-found', `no order ${orderId} of yours`);
  // Not live: tell "finished" from "unknown" (a rare path; wait until everything recorded is in the database).
  await core.writer.sync();
  const [r] = await core.sql.query('SELECT account_id FROM ex_orders WHERE id = $1', [orderId]);
  if (!r || !core.state.accounts.get(toInt(r.account_id))?.owners.has(userId))
    throw new NotFoundError('order-not-found', `no order ${orderId} of yours`);
  if (!core.isOpen) await core.ready(); // an exclusive command may have started meanwhile
  const again = core.state.orders.get(orderId);
  if (again) return again;
  throw new ConflictError('order-not-live', `order ${orderId} is no longer live`);
}

/** Cancels one of the user's live orders (an OCO leg cancels its list). Returns the order and the events. */
export async function cancelOrder(core: Core, userId: number, orderId: number): Promise<Record<string, unknown>> {
  if (!core.isOpen) await core.ready();
  const o = await liveOrderOf(core, userId, orderId);
  const m = marketOf(core.state, o.marketId);
  const events = m.book.cancel(orderId);
  if (events.some((e) => e.type === 'rejected'))
    throw new ConflictError('order-not-live', `order ${orderId} is no longer live`);
  applyEvents(core, m, events, [], core.writer.batch);
  const out = { order: orderView(m, o), events: eventsView(m, events) };
  await core.writer.commit();
  return out;
}

/** Amends one of the user's resting orders (new remaining size and/or price). OCO legs cannot be amended. */
export async function amendOrder(
  core: Core,
  userId: number,
  orderId: number,
  a: { size?: string; price?: string },
): Promise<Record<string, unknown>> {
  if (!core.isOpen) await core.ready();
  const o = await liveOrderOf(core, userId, orderId);
  const s = core.state;
  const m = marketOf(s, o.marketId);
  const size = a.size === undefined ? undefined : toLots(m, 'size', a.size);
  const price = a.price === undefined ? undefined : toTicks(m, 'price', a.price);
  withinBounds(m, 'price', price);
  if (m.status !== 'open') throw new ConflictError(`market-${m.status}`, `market ${m.id} is ${m.status}`);
  const current = m.book.getOrder(orderId);
  if (!current || current.state !== 'resting')
    throw new ConflictError('order-not-live', `order ${orderId} is not resting`);
  if (o.listId !== null) throw new ConflictError('order-in-list', `order ${orderId} is a leg of an order list`);
  const newSize = size ?? current.remaining;
  const newPrice = price ?? current.price!;
  if (newSize > current.remaining || newPrice !== current.price) {
    const acc = s.accounts.get(o.accountId)!;
    const avail = available(s, acc, {
      marketId: m.id,
      e: (e) =>
        withOrder(
          withOrder(e, o.side, -BigInt(o.remaining), o.reserve),
          o.side,
          BigInt(newSize),
          hasLimitPrice(o.type) ? BigInt(newPrice) : o.reserve,
        ),
    });
    if (avail === null || avail < 0n)
      throw new UnprocessableError('insufficient-balance', 'the amended order would exceed the available balance');
  }
  const events = m.book.amend(orderId, { size, price });
  rejectedBy(events, 'amendment');
  applyEvents(core, m, events, [], core.writer.batch);
  const out = { order: orderView(m, o), events: eventsView(m, events) };
  await core.writer.commit();
  return out;
}

/** Cancels every live order of an account in a market. Returns the cancelled orders (oldest first). */
export async function cancelAllOrders(
  core: Core,
  userId: number,
  accountId: number,
  marketId: number,
): Promise<Record<string, unknown>[]> {
  if (!core.isOpen) await core.ready();
  const s = core.state;
  const acc = ownedAccount(s, userId, accountId);
  const m = marketOf(s, marketId);
  const mine = [...acc.live].map((id) => s.orders.get(id)!).filter((o) => o.marketId === marketId);
  if (mine.length === 0) return [];
  mine.sort((x, y) => x.id - y.id);
  const events: MatchEvent[] = [];
  for (const o of mine) if (m.book.getOrder(o.id)) m.book.cancel(o.id, events);
  applyEvents(core, m, events, [], core.writer.batch);
  const out = mine.map((o) => orderView(m, o));
  await core.writer.commit();
  return out;
}

/** Cancels an order list (both legs). Returns `{ list, orders }`. @throws NotFoundError, ConflictError `list-not-live`. */
export async function cancelOrderList(core: Core, userId: number, listId: number): Promise<Record<string, unknown>> {
  if (!core.isOpen) await core.ready();
  const s = core.state;
  const l = s.lists.get(listId);
  if (!l || !s.accounts.get(l.accountId)?.owners.has(userId)) {
    await core.writer.sync();
    const [r] = await core.sql.query('SELECT account_id FROM ex_order_lists WHERE id = $1', [listId]);
    if (!r || !s.accounts.get(toInt(r.account_id))?.owners.has(userId))
      throw new NotFoundError('order-list-not-found', `no order list ${listId} of yours`);
    throw new ConflictError('list-not-live', `order list ${listId} is done`);
  }
  const m = marketOf(s, l.marketId);
  const legs = l.orderIds.map((id) => s.orders.get(id)).filter((o): o is LiveOrder => o !== undefined);
  const events: MatchEvent[] = [];
  const first = legs.find((o) => m.book.getOrder(o.id));
  if (first) m.book.cancel(first.id, events);
  applyEvents(core, m, events, [], core.writer.batch);
  const out = { list: listView(m, l), orders: legs.map((o) => orderView(m, o)) };
  await core.writer.commit();
  return out;
}

/** An order list with its orders (memory while live, else the database). @throws NotFoundError. */
export async function orderList(core: Core, userId: number, listId: number): Promise<Record<string, unknown>> {
  const s = core.state;
  const l = s.lists.get(listId);
  if (l && s.accounts.get(l.accountId)?.owners.has(userId)) {
    const m = marketOf(s, l.marketId);
    return { list: listView(m, l), orders: l.orderIds.map((id) => orderView(m, s.orders.get(id)!)) };
  }
  await core.writer.sync();
  const rows = await core.sql.query('SELECT * FROM ex_order_lists WHERE id = $1', [listId]);
  const out = await listsOfRows(core, userId, rows);
  if (!out[0]) throw new NotFoundError('order-list-not-found', `no order list ${listId} of yours`);
  return out[0];
}

/** The account's order lists, newest first, each `{ list, orders }`. @throws NotFoundError `account-not-found`. */
export async function orderLists(
  core: Core,
  userId: number,
  accountId: number,
  f: { limit: number },
): Promise<Record<string, unknown>[]> {
  ownedAccount(core.state, userId, accountId);
  await core.writer.sync();
  const rows = await core.sql.query('SELECT * FROM ex_order_lists WHERE account_id = $1 ORDER BY id DESC LIMIT $2', [
    accountId,
    f.limit,
  ]);
  return listsOfRows(core, userId, rows);
}

async function listsOfRows(
  core: Core,
  userId: number,
  rows: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  const mine = rows.filter((r) => s.accounts.get(toInt(r.account_id))?.owners.has(userId));
  if (mine.length === 0) return [];
  const orders = await core.sql.query('SELECT * FROM ex_orders WHERE list_id = ANY($1::bigint[]) ORDER BY id', [
    mine.map((r) => toInt(r.id)),
  ]);
  return mine.map((r) => {
    const m = marketOf(s, toInt(r.market_id));
    const legs = orders.filter((o) => toInt(o.list_id) === toInt(r.id));
    const l: OrderList = {
      id: toInt(r.id),
      accountId: toInt(r.account_id),
      marketId: m.id,
      clientListId: (r.client_list_id as string | null) ?? null,
      status: r.status as OrderList['status'],
      orderIds: legs.map((o) => toInt(o.id)),
      createdAt: new Date(r.created_at as string | Date),
      updatedAt: new Date(r.updated_at as string | Date),
    };
    return { list: listView(m, l), orders: legs.map((o) => orderRowView(m, o)) };
  });
}
