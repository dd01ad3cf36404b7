/**
 * The exchange's in-memory state: markets (with their engines), accounts (cash, positions, owners, the cash their
 * auction bids reserve, per-market exposure) and every live order, loaded from the database at open and kept in
 * step with it by the command path (`./orders.ts`) and the group-commit writer (`./writer.ts`).
 *
 * Invariants:
 * - Memory never runs ahead of the database by more than the commands not yet acknowledged: every change made here
 *   is recorded in the writer's open batch, and a failed batch makes the whole state be reloaded ({@link loadState}).
 * - `Account.exposure` of a market always equals the sum, over the account's live orders in that market, of each
 *   order's contribution (`remaining` lots at its fixed `reserve` price, see {@link reservePrice}), plus its position;
 *   for an OCO pair only the leg marked `margin` contributes (the worse of the two, so the pair is counted once).
 * - Cash is atoms (10^-12), positions lots, prices ticks; decimal text only in views.
 */
import type { Sql, Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { OrderBook } from '../../core/orderbook/engine.ts';
import { lotsToQty, ticksToPrice, toSpec, type InstrumentSpec } from '../../core/instruments/instrument.ts';
import type { OrderType, Side, StpMode, TimeInForce } from '../../core/orderbook/types.ts';
import {
  availableBalance,
  emptyExposure,
  type MarginMarket,
  type MarketExposure,
} from '../../core/exchange/portfolio.ts';
import { formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { NotFoundError } from '../errors.ts';
import type { TradingEvent } from '../events.ts';

/** Order types of the exchange (the engine's). */
export type ExchangeOrderType = OrderType;

/** A market's definition in integer form, with its engine. */
export interface MarketRuntime {
  id: number;
  name: string;
  /** Gateway symbol, `[A-Z0-9]{2,20}`, unique (e.g. `TUDOUSD`). */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  kind: 'spot' | 'bounded';
  status: 'open' | 'paused' | 'closed';
  tickSize: string;
  lotSize: string;
  /** The market's tick and lot grid (fees unused). */
  spec: InstrumentSpec;
  margin: MarginMarket;
  restricted: boolean;
  hideAccounts: boolean;
  /** Accounts allowed to see and trade a restricted market. */
  access: Set<number>;
  book: OrderBook;
}

/** An order as the exchange holds it (live ones in {@link ExchangeState.orders}; finished ones only in views). */
export interface LiveOrder {
  id: number;
  marketId: number;
  accountId: number;
  userId: number;
  side: Side;
  type: OrderType;
  price: number | null;
  stopPrice: number | null;
  size: number;
  remaining: number;
  filled: number;
  /** Cash value of the fills so far, atoms. */
  filledQuote: bigint;
  tif: TimeInForce;
  postOnly: boolean;
  stp: StpMode;
  status: 'open' | 'pending' | 'filled' | 'cancelled';
  priority: number;
  clientOrderId: string | null;
  listId: number | null;
  /** Ticks at which the remaining size is reserved for margin (fixed for the order's life, except on amends). */
  reserve: bigint;
  /** Whether this order counts in its account's exposure (false for the better leg of an OCO pair). */
  margin: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An order list (OCO pair). */
export interface OrderList {
  id: number;
  accountId: number;
  marketId: number;
  clientListId: string | null;
  status: 'executing' | 'all-done';
  orderIds: number[];
  createdAt: Date;
  updatedAt: Date;
}

/** An exchange account. */
export interface Account {
  id: number;
  name: string;
  kind: 'user' | 'alt';
  personalOf: number | null;
  /** Cash, atoms. */
  cash: bigint;
  /** Cash reserved by the account's leading auction bids, atoms. */
  reserved: bigint;
  owners: Set<number>;
  /** Per market: position and live orders' exposure. */
  exposure: Map<number, MarketExposure>;
  /** Live orders by client order id. */
  byClientId: Map<string, number>;
  /** Live order ids. */
  live: Set<number>;
}

/** The whole in-memory state. */
export interface ExchangeState {
  markets: Map<number, MarketRuntime>;
  accounts: Map<number, Account>;
  /** user id → the accounts the user owns. */
  owned: Map<number, Set<number>>;
  /** user id → personal account id. */
  personal: Map<number, number>;
  /** Live (open or pending) orders by id. */
  orders: Map<number, LiveOrder>;
  /** Live order lists by id. */
  lists: Map<number, OrderList>;
  nextOrderId: number;
  nextPriority: number;
  nextTradeId: number;
  nextListId: number;
}

/** Whether an order of `type` waits for a trigger (stop and take-profit orders). */
export const isConditional = (type: string): boolean => type.startsWith('stop') || type.startsWith('take-profit');
/** Whether an order of `type` carries a limit price. */
export const hasLimitPrice = (type: string): boolean =>
  type === 'limit' || type === 'stop-limit' || type === 'take-profit-limit';

/** A market's runtime from its `ex_markets` row (empty book). */
export function marketOfRow(r: Row): MarketRuntime {
  const tickSize = String(r.tick_size);
  const lotSize = String(r.lot_size);
  const spec = toSpec({
    symbol: String(r.name),
    base: '',
    quote: '',
    tickSize,
    lotSize,
    minQty: lotSize,
    minNotional: '0',
    makerFee: '0',
    takerFee: '0',
  });
  return {
    id: toInt(r.id),
    name: String(r.name),
    symbol: String(r.symbol),
    baseAsset: String(r.base_asset),
    quoteAsset: String(r.quote_asset),
    kind: r.kind as 'spot' | 'bounded',
    status: r.status as MarketRuntime['status'],
    tickSize,
    lotSize,
    spec,
    margin: {
      atomsPerTickLot: spec.atomsPerTickLot,
      minPrice: BigInt(String(r.min_price)),
      maxPrice: r.max_price === null ? null : BigInt(String(r.max_price)),
    },
    restricted: r.restricted === true,
    hideAccounts: r.hide_accounts === true,
    access: new Set(),
    book: new OrderBook(),
  };
}

/** A new account in memory. */
export function newAccount(id: number, name: string, kind: 'user' | 'alt', personalOf: number | null): Account {
  return {
    id,
    name,
    kind,
    personalOf,
    cash: 0n,
    reserved: 0n,
    owners: new Set(),
    exposure: new Map(),
    byClientId: new Map(),
    live: new Set(),
  };
}

/** Adds `userId` as an owner of `a` in memory. */
export function addOwner(s: ExchangeState, a: Account, userId: number): void {
  a.owners.add(userId);
  let set = s.owned.get(userId);
  if (!set) s.owned.set(userId, (set = new Set()));
  set.add(a.id);
}

/** Removes `userId` from the owners of `a` in memory. */
export function removeOwner(s: ExchangeState, a: Account, userId: number): void {
  a.owners.delete(userId);
  s.owned.get(userId)?.delete(a.id);
}

/** The exposure of an account in a market (created empty). */
export function exposureOf(a: Account, marketId: number): MarketExposure {
  let e = a.exposure.get(marketId);
  if (!e) a.exposure.set(marketId, (e = emptyExposure()));
  return e;
}

/** Adds (`sign` 1) or removes (`sign` -1) `lots` of an order's reservation from its account's exposure. */
export function reserveLots(a: Account, o: LiveOrder, lots: number, sign: 1n | -1n): void {
  if (!o.margin || lots === 0) return;
  const e = exposureOf(a, o.marketId);
  const l = BigInt(lots) * sign;
  if (o.side === 'buy') {
    e.buyLots += l;
    e.buyCost += l * o.reserve;
  } else {
    e.sellLots += l;
    e.sellProceeds += l * o.reserve;
  }
}

/**
 * The price at which an order's worst case is reserved, ticks: its limit price, or for a market-like order the
 * market's maximum (bounded) / the trigger or best ask plus 1,000 ticks (spot buys) / the minimum (sells).
 */
export function reservePrice(
  m: MarketRuntime,
  side: Side,
  type: OrderType,
  price: number | null,
  stop: number | null,
): bigint {
  if (hasLimitPrice(type)) return BigInt(price!);
  if (side === 'buy') {
    if (m.margin.maxPrice !== null) return m.margin.maxPrice;
    const ref = isConditional(type) ? (stop ?? 0) : (m.book.bestAsk() ?? m.book.lastPrice() ?? 0);
    return BigInt(ref + 1000);
  }
  return m.margin.minPrice;
}

/**
 * Available balance of an account, atoms: cash less the cash its auction bids reserve, plus the worst case of every
 * open or paused market it is exposed to (with `extra` replacing one market's exposure); null when unbounded.
 * See `src/core/exchange/portfolio.ts`.
 */
export function available(
  s: ExchangeState,
  a: Account,
  extra?: { marketId: number; e: (x: MarketExposure) => MarketExposure },
  cash: bigint = a.cash,
): bigint | null {
  const pairs: [MarginMarket, MarketExposure][] = [];
  let extraDone = false;
  for (const [mid, e] of a.exposure) {
    const m = s.markets.get(mid);
    if (!m || m.status === 'closed') continue;
    if (extra && extra.marketId === mid) {
      pairs.push([m.margin, extra.e(e)]);
      extraDone = true;
    } else pairs.push([m.margin, e]);
  }
  if (extra && !extraDone) {
    const m = s.markets.get(extra.marketId);
    if (m && m.status !== 'closed') pairs.push([m.margin, extra.e(emptyExposure())]);
  }
  return availableBalance(cash - a.reserved, pairs);
}

/** Ticks → decimal price text of a market. */
export function priceText(m: { spec: InstrumentSpec }, ticks: number | bigint | null): string | null {
  return ticks === null ? null : ticksToPrice(m.spec, BigInt(ticks));
}

/** Lots → decimal size text of a market. */
export function sizeText(m: { spec: InstrumentSpec }, lots: number | bigint): string {
  return lotsToQty(m.spec, BigInt(lots));
}

/** The market `id`. @throws NotFoundError `market-not-found`. */
export function marketOf(s: ExchangeState, id: number): MarketRuntime {
  const m = s.markets.get(id);
  if (!m) throw new NotFoundError('market-not-found', `no market ${id}`);
  return m;
}

/** The account `accountId` if `userId` owns it. @throws NotFoundError `account-not-found`. */
export function ownedAccount(s: ExchangeState, userId: number, accountId: number): Account {
  const a = s.accounts.get(accountId);
  if (!a || !a.owners.has(userId)) throw new NotFoundError('account-not-found', `no account ${accountId} of yours`);
  return a;
}

/** Whether `userId` may see market `m` (unrestricted, or one of the user's accounts has access). */
export function canSee(s: ExchangeState, userId: number | null, m: MarketRuntime): boolean {
  if (!m.restricted) return true;
  if (userId === null) return false;
  for (const a of s.owned.get(userId) ?? []) if (m.access.has(a)) return true;
  return false;
}

/** An order as served by the API. */
export function orderView(m: MarketRuntime, o: LiveOrder): Record<string, unknown> {
  return {
    id: o.id,
    marketId: m.id,
    accountId: o.accountId,
    side: o.side,
    type: o.type,
    price: priceText(m, o.price),
    stopPrice: priceText(m, o.stopPrice),
    size: sizeText(m, o.size),
    remaining: sizeText(m, o.remaining),
    filled: sizeText(m, o.filled),
    tif: o.tif,
    postOnly: o.postOnly,
    stp: o.stp,
    status: o.status,
    clientOrderId: o.clientOrderId,
    listId: o.listId,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/** An `ex_orders` row as served by the API. */
export function orderRowView(m: MarketRuntime, o: Row): Record<string, unknown> {
  return {
    id: toInt(o.id),
    marketId: m.id,
    accountId: toInt(o.account_id),
    side: o.side,
    type: o.type,
    price: o.price === null ? null : priceText(m, toInt(o.price)),
    stopPrice: o.stop_price === null ? null : priceText(m, toInt(o.stop_price)),
    size: sizeText(m, toInt(o.size)),
    remaining: sizeText(m, toInt(o.remaining)),
    filled: sizeText(m, toInt(o.filled)),
    tif: o.tif,
    postOnly: o.post_only,
    stp: o.stp,
    status: o.status,
    clientOrderId: o.client_order_id ?? null,
    listId: o.list_id === null || o.list_id === undefined ? null : toInt(o.list_id),
    createdAt: new Date(o.created_at as string | Date).toISOString(),
    updatedAt: new Date(o.updated_at as string | Date).toISOString(),
  };
}

/** An order list as served: its orders' ids; `symbol` of its market. */
export function listView(m: MarketRuntime, l: OrderList): Record<string, unknown> {
  return {
    id: l.id,
    accountId: l.accountId,
    marketId: l.marketId,
    symbol: m.symbol,
    clientListId: l.clientListId,
    status: l.status,
    orderIds: [...l.orderIds],
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

/** A live order from its `ex_orders` row. */
function orderOfRow(m: MarketRuntime, r: Row): LiveOrder {
  const type = r.type as OrderType;
  const price = r.price === null ? null : toInt(r.price);
  const stopPrice = r.stop_price === null ? null : toInt(r.stop_price);
  const side = r.side as Side;
  return {
    id: toInt(r.id),
    marketId: m.id,
    accountId: toInt(r.account_id),
    userId: toInt(r.user_id),
    side,
    type,
    price,
    stopPrice,
    size: toInt(r.size),
    remaining: toInt(r.remaining),
    filled: toInt(r.filled),
    filledQuote: 0n,
    tif: r.tif as TimeInForce,
    postOnly: r.post_only === true,
    stp: r.stp as StpMode,
    status: r.status as LiveOrder['status'],
    priority: toInt(r.priority),
    clientOrderId: (r.client_order_id as string | null) ?? null,
    listId: r.list_id === null || r.list_id === undefined ? null : toInt(r.list_id),
    reserve: reservePrice(m, side, type, price, stopPrice),
    margin: true,
    createdAt: new Date(r.created_at as string | Date),
    updatedAt: new Date(r.updated_at as string | Date),
  };
}

/**
 * Loads the whole state from the database: markets and their access lists, accounts with cash, owners, positions
 * and auction reservations, live orders and lists; rebuilds every book from the live orders in time priority (OCO
 * legs re-linked) with its last trade price. About ten queries, whatever the size.
 */
export async function loadState(sql: Sql): Promise<ExchangeState> {
  const [ids] = await sql.query(
    `SELECT coalesce((SELECT max(id) FROM ex_orders), 0)::bigint AS o,
            coalesce((SELECT max(priority) FROM ex_orders), 0)::bigint AS p,
            coalesce((SELECT max(id) FROM ex_trades), 0)::bigint AS t,
            coalesce((SELECT max(id) FROM ex_order_lists), 0)::bigint AS l`,
  );
  const s: ExchangeState = {
    markets: new Map(),
    accounts: new Map(),
    owned: new Map(),
    personal: new Map(),
    orders: new Map(),
    lists: new Map(),
    nextOrderId: toInt(ids!.o) + 1,
    nextPriority: toInt(ids!.p) + 1,
    nextTradeId: toInt(ids!.t) + 1,
    nextListId: toInt(ids!.l) + 1,
  };
  const lasts = new Map<number, number>();
  for (const r of await sql.query(
    `SELECT t.market_id, t.price FROM ex_trades t
      JOIN (SELECT market_id, max(id) AS id FROM ex_trades GROUP BY market_id) x ON x.id = t.id`,
  ))
    lasts.set(toInt(r.market_id), toInt(r.price));
  for (const r of await sql.query('SELECT * FROM ex_markets ORDER BY id')) {
    const m = marketOfRow(r);
    m.book = new OrderBook({ lastPrice: lasts.get(m.id) ?? null });
    s.markets.set(m.id, m);
  }
  for (const r of await sql.query('SELECT market_id, account_id FROM ex_market_access'))
    s.markets.get(toInt(r.market_id))?.access.add(toInt(r.account_id));
  for (const r of await sql.query('SELECT id, name, kind, personal_of, cash FROM ex_accounts')) {
    const a = newAccount(
      toInt(r.id),
      String(r.name),
      r.kind as 'user' | 'alt',
      r.personal_of === null ? null : toInt(r.personal_of),
    );
    a.cash = toAtoms(String(r.cash));
    s.accounts.set(a.id, a);
    if (a.personalOf !== null) s.personal.set(a.personalOf, a.id);
  }
  for (const r of await sql.query('SELECT account_id, user_id FROM ex_account_owners')) {
    const a = s.accounts.get(toInt(r.account_id));
    if (a) addOwner(s, a, toInt(r.user_id));
  }
  for (const r of await sql.query('SELECT account_id, market_id, position FROM ex_positions WHERE position <> 0')) {
    const a = s.accounts.get(toInt(r.account_id));
    if (a) exposureOf(a, toInt(r.market_id)).position = BigInt(String(r.position));
  }
  await loadReserved(sql, s);
  for (const r of await sql.query(`SELECT * FROM ex_order_lists WHERE status = 'executing'`))
    s.lists.set(toInt(r.id), {
      id: toInt(r.id),
      accountId: toInt(r.account_id),
      marketId: toInt(r.market_id),
      clientListId: (r.client_list_id as string | null) ?? null,
      status: 'executing',
      orderIds: [],
      createdAt: new Date(r.created_at as string | Date),
      updatedAt: new Date(r.updated_at as string | Date),
    });
  const rows = await sql.query(`SELECT * FROM ex_orders WHERE status IN ('open', 'pending') ORDER BY priority`);
  for (const r of rows) {
    const m = s.markets.get(toInt(r.market_id))!;
    const o = orderOfRow(m, r);
    const ev = m.book.submit({
      id: o.id,
      account: o.accountId,
      side: o.side,
      type: o.type,
      size: o.remaining,
      price: o.price ?? undefined,
      stopPrice: o.stopPrice ?? undefined,
      tif: o.tif,
      // A resting order never crosses, so post-only is accepted again; it still matters for later amends.
      postOnly: o.postOnly,
      stp: o.stp,
    });
    if (ev.some((e) => e.type === 'trade' || e.type === 'rejected'))
      throw new Error(`market ${m.id}: rebuilding order ${o.id} did not rest cleanly`);
    s.orders.set(o.id, o);
    if (o.listId !== null) s.lists.get(o.listId)?.orderIds.push(o.id);
  }
  for (const l of s.lists.values()) {
    const [a, b] = l.orderIds.map((id) => s.orders.get(id)!);
    if (a && b) {
      s.markets.get(l.marketId)!.book.link(a.id, b.id);
      // the better leg does not count in the exposure: keep the one with the larger reservation
      (worseLeg(a, b) === a ? b : a).margin = false;
    }
  }
  for (const o of s.orders.values()) {
    const a = s.accounts.get(o.accountId)!;
    a.live.add(o.id);
    if (o.clientOrderId !== null) a.byClientId.set(o.clientOrderId, o.id);
    reserveLots(a, o, o.remaining, 1n);
  }
  return s;
}

/** Of two legs of an OCO pair, the one whose reservation is worse (buy: costs more; sell: earns less). */
export function worseLeg(a: LiveOrder, b: LiveOrder): LiveOrder {
  const ca = BigInt(a.remaining) * a.reserve;
  const cb = BigInt(b.remaining) * b.reserve;
  if (a.side === 'buy') return ca >= cb ? a : b;
  return ca <= cb ? a : b;
}

/** Reloads every account's auction reservation (the sum of the open auctions' best bids it leads). */
export async function loadReserved(sql: Sql, s: ExchangeState): Promise<void> {
  for (const a of s.accounts.values()) a.reserved = 0n;
  for (const r of await sql.query(
    `SELECT best_bidder_account_id AS id, sum(best_bid)::text AS s FROM ex_auctions
      WHERE status = 'open' AND best_bidder_account_id IS NOT NULL GROUP BY best_bidder_account_id`,
  )) {
    const a = s.accounts.get(toInt(r.id));
    if (a) a.reserved = toAtoms(String(r.s));
  }
}

/** Reloads every account's cash from the database (after a write outside the command path, e.g. an auction sale). */
export async function loadCash(sql: Sql, s: ExchangeState): Promise<void> {
  for (const r of await sql.query('SELECT id, cash FROM ex_accounts')) {
    const a = s.accounts.get(toInt(r.id));
    if (a) a.cash = toAtoms(String(r.cash));
  }
}

/** Cash atoms → decimal text. */
export const money = (atoms: bigint): string => formatAtoms(atoms);

/** The exchange's cash asset: `TESTUDO_EXCHANGE_CASH_ASSET`, default `USD`. */
export function cashAsset(): string {
  const v = process.env.TESTUDO_EXCHANGE_CASH_ASSET?.trim().toUpperCase();
  return v && /^[A-Z0-9]{1,20}$/.test(v) ? v : 'USD';
}

/**
 * An account's balances as the gateway reports them: the cash asset (free = available balance, locked = the rest
 * of the cash) and the base asset of every spot market it holds or sells (free = position less open sells, locked =
 * open sells), as decimal text.
 */
export function balancesOf(s: ExchangeState, a: Account): Record<string, unknown>[] {
  const avail = available(s, a);
  const free = avail === null ? a.cash : avail < 0n ? 0n : avail > a.cash ? a.cash : avail;
  const out: Record<string, unknown>[] = [{ asset: cashAsset(), free: money(free), locked: money(a.cash - free) }];
  for (const [mid, e] of a.exposure) {
    const m = s.markets.get(mid);
    if (!m || m.kind !== 'spot' || (e.position === 0n && e.sellLots === 0n)) continue;
    out.push({ asset: m.baseAsset, free: sizeText(m, e.position - e.sellLots), locked: sizeText(m, e.sellLots) });
  }
  return out;
}

/** The `ex-account` events of the accounts a batch touched: one per owner, with cash, available and balances. */
export function accountEvents(s: ExchangeState, touched: Iterable<number>): TradingEvent[] {
  const out: TradingEvent[] = [];
  for (const id of touched) {
    const a = s.accounts.get(id);
    if (!a) continue;
    const avail = available(s, a);
    const cash = money(a.cash);
    const availText = avail === null ? null : money(avail);
    const data = {
      accountId: a.id,
      ownerIds: [...a.owners],
      cash,
      available: availText,
      balances: balancesOf(s, a),
      /** The account's portfolio as `GET .../portfolio` serves it. */
      portfolio: {
        accountId: a.id,
        name: a.name,
        kind: a.kind,
        cash,
        available: availText,
        positions: [...a.exposure]
          .filter(([mid, e]) => e.position !== 0n && s.markets.has(mid))
          .sort(([x], [y]) => x - y)
          .map(([mid, e]) => {
            const m = s.markets.get(mid)!;
            return { marketId: m.id, market: m.name, position: sizeText(m, e.position) };
          }),
      },
    };
    for (const uid of a.owners) out.push({ type: 'ex-account', userId: uid, data });
  }
  return out;
}
