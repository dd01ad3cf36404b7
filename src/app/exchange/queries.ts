/**
 * History queries of the exchange (orders, trades, fills, change feeds): read from the database after the commands
 * recorded so far have committed (`GroupWriter.sync`), so an acknowledged command is always visible. Live orders are
 * answered from memory where they can be.
 *
 * Invariants: only the user's own accounts are read (owner checks in memory); pages are bounded by `limit`, with
 * cursors (`fromId`, `beforeId`/`afterId`) instead of a cap on history.
 */
import type { Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { formatAtoms } from '../../core/money/decimal.ts';
import type { Side } from '../../core/orderbook/types.ts';
import { NotFoundError } from '../errors.ts';
import type { Core } from './core.ts';
import { marketOf, orderRowView, orderView, ownedAccount, priceText, sizeText } from './state.ts';

/** A query builder's parameter list. */
function params(): { args: unknown[]; arg: (v: unknown) => string } {
  const args: unknown[] = [];
  return {
    args,
    arg: (v) => {
      args.push(v);
      return `$${args.length}`;
    },
  };
}

/**
 * One order of an account the user owns, by exchange id or by client order id (the newest with that id).
 * @throws NotFoundError `account-not-found` (not an owner), `order-not-found`.
 */
export async function accountOrder(
  core: Core,
  userId: number,
  accountId: number,
  by: { orderId: number } | { clientOrderId: string },
): Promise<Record<string, unknown>> {
  const s = core.state;
  const acc = ownedAccount(s, userId, accountId);
  const liveId = 'orderId' in by ? by.orderId : acc.byClientId.get(by.clientOrderId);
  const live = liveId === undefined ? undefined : s.orders.get(liveId);
  if (live && live.accountId === accountId) return orderView(marketOf(s, live.marketId), live);
  await core.writer.sync();
  const [o] =
    'orderId' in by
      ? await core.sql.query('SELECT * FROM ex_orders WHERE id = $1 AND account_id = $2', [by.orderId, accountId])
      : await core.sql.query(
          'SELECT * FROM ex_orders WHERE account_id = $1 AND client_order_id = $2 ORDER BY id DESC LIMIT 1',
          [accountId, by.clientOrderId],
        );
  if (!o) throw new NotFoundError('order-not-found', 'no such order of this account');
  return orderRowView(marketOf(s, toInt(o.market_id)), o);
}

/**
 * Orders of an account the user owns, oldest first: with `fromId`, those with id ≥ fromId; otherwise the latest
 * `limit`. `live` keeps open and pending ones (from memory); `startTime`/`endTime` (ms since the epoch, inclusive)
 * filter on creation time. @throws NotFoundError `account-not-found`.
 */
export async function accountOrders(
  core: Core,
  userId: number,
  accountId: number,
  f: { marketId?: number; live?: boolean; fromId?: number; startTime?: number; endTime?: number; limit: number },
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  const acc = ownedAccount(s, userId, accountId);
  if (f.live) {
    const mine = [...acc.live]
      .map((id) => s.orders.get(id)!)
      .filter(
        (o) =>
          (f.marketId === undefined || o.marketId === f.marketId) &&
          (f.fromId === undefined || o.id >= f.fromId) &&
          (f.startTime === undefined || o.createdAt.getTime() >= f.startTime) &&
          (f.endTime === undefined || o.createdAt.getTime() <= f.endTime),
      )
      .sort((x, y) => x.id - y.id);
    const page = f.fromId !== undefined ? mine.slice(0, f.limit) : mine.slice(Math.max(0, mine.length - f.limit));
    return page.map((o) => orderView(marketOf(s, o.marketId), o));
  }
  await core.writer.sync();
  const { args, arg } = params();
  const where = [`account_id = ${arg(accountId)}`];
  if (f.marketId !== undefined) where.push(`market_id = ${arg(f.marketId)}`);
  if (f.fromId !== undefined) where.push(`id >= ${arg(f.fromId)}`);
  if (f.startTime !== undefined) where.push(`created_at >= ${arg(new Date(f.startTime))}`);
  if (f.endTime !== undefined) where.push(`created_at <= ${arg(new Date(f.endTime))}`);
  const order = f.fromId !== undefined ? 'ASC' : 'DESC';
  const rows = await core.sql.query(
    `SELECT * FROM ex_orders WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ${arg(f.limit)}`,
    args,
  );
  if (order === 'DESC') rows.reverse();
  return rows.map((o) => orderRowView(marketOf(s, toInt(o.market_id)), o));
}

/**
 * The account's own trades in a market, oldest first (one row per side the account took; a self-trade gives two):
 * with `fromId`, trades with id ≥ fromId; otherwise the latest `limit`. Each: `id` (trade id), `orderId`, `side`,
 * `maker`, `price`, `size`, `quoteQty` (price × size in cash, decimal text), `at` (ISO) and `time` (ms).
 * @throws NotFoundError `account-not-found`, `market-not-found`.
 */
export async function accountTrades(
  core: Core,
  userId: number,
  accountId: number,
  f: { marketId: number; fromId?: number; startTime?: number; endTime?: number; limit: number },
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  ownedAccount(s, userId, accountId);
  const m = marketOf(s, f.marketId);
  await core.writer.sync();
  const { args, arg } = params();
  const where = [`market_id = ${arg(m.id)}`, `(maker_account_id = ${arg(accountId)} OR taker_account_id = $2)`];
  if (f.fromId !== undefined) where.push(`id >= ${arg(f.fromId)}`);
  if (f.startTime !== undefined) where.push(`at >= ${arg(new Date(f.startTime))}`);
  if (f.endTime !== undefined) where.push(`at <= ${arg(new Date(f.endTime))}`);
  const order = f.fromId !== undefined ? 'ASC' : 'DESC';
  const rows = await core.sql.query(
    `SELECT * FROM ex_trades WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ${arg(f.limit)}`,
    args,
  );
  if (order === 'DESC') rows.reverse();
  const out: Record<string, unknown>[] = [];
  for (const t of rows) {
    const price = toInt(t.price);
    const size = toInt(t.size);
    const at = new Date(t.at as string | Date);
    const base = {
      id: toInt(t.id),
      marketId: m.id,
      symbol: m.symbol,
      price: priceText(m, price),
      size: sizeText(m, size),
      quoteQty: formatAtoms(BigInt(price) * BigInt(size) * m.margin.atomsPerTickLot),
      at: at.toISOString(),
      time: at.getTime(),
    };
    const takerSide = String(t.taker_side) as Side;
    if (toInt(t.maker_account_id) === accountId)
      out.push({ ...base, orderId: toInt(t.maker_order_id), side: takerSide === 'buy' ? 'sell' : 'buy', maker: true });
    if (toInt(t.taker_account_id) === accountId)
      out.push({ ...base, orderId: toInt(t.taker_order_id), side: takerSide, maker: false });
  }
  return out;
}

/** The user's orders (live ones only with `live`), newest first. */
export async function orders(
  core: Core,
  userId: number,
  opts: { live?: boolean; limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  const limit = opts.limit ?? 100;
  if (opts.live) {
    const live = [...(s.owned.get(userId) ?? [])]
      .flatMap((a) => [...s.accounts.get(a)!.live])
      .sort((x, y) => y - x)
      .slice(0, limit)
      .map((id) => s.orders.get(id)!);
    return live.map((o) => orderView(marketOf(s, o.marketId), o));
  }
  await core.writer.sync();
  const rows = await core.sql.query(
    `SELECT o.* FROM ex_orders o JOIN ex_account_owners w ON w.account_id = o.account_id
      WHERE w.user_id = $1 ORDER BY o.id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows.map((o) => orderRowView(marketOf(s, toInt(o.market_id)), o));
}

/**
 * Fills of the user's accounts: one per trade side the user owns (both when the user traded with themself).
 * With `range`: trades in (`after`, `upTo`], oldest first. Without: newest first, the latest `limit`, or with
 * `beforeId` the `limit` trades before it (older pages; the full history, no cap).
 */
export async function fills(
  core: Core,
  userId: number,
  range: { after: number; upTo: number } | null,
  limit = 100,
  beforeId?: number,
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  const mine = s.owned.get(userId) ?? new Set<number>();
  const ids = [...mine];
  if (ids.length === 0) return [];
  await core.writer.sync();
  const rows: Row[] = range
    ? await core.sql.query(
        `SELECT * FROM ex_trades WHERE id > $2 AND id <= $3
            AND (maker_account_id = ANY($1::bigint[]) OR taker_account_id = ANY($1::bigint[])) ORDER BY id`,
        [ids, range.after, range.upTo],
      )
    : await core.sql.query(
        `SELECT * FROM ex_trades WHERE (maker_account_id = ANY($1::bigint[]) OR taker_account_id = ANY($1::bigint[]))
           ${beforeId !== undefined ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2`,
        beforeId !== undefined ? [ids, limit, beforeId] : [ids, limit],
      );
  const out: Record<string, unknown>[] = [];
  for (const t of rows) {
    const m = marketOf(s, toInt(t.market_id));
    const takerSide = String(t.taker_side);
    const base = {
      tradeId: toInt(t.id),
      marketId: m.id,
      price: priceText(m, toInt(t.price)),
      size: sizeText(m, toInt(t.size)),
      at: new Date(t.at as string | Date).toISOString(),
    };
    if (mine.has(toInt(t.maker_account_id)))
      out.push({
        ...base,
        orderId: toInt(t.maker_order_id),
        accountId: toInt(t.maker_account_id),
        side: takerSide === 'buy' ? 'sell' : 'buy',
        liquidity: 'maker',
      });
    if (mine.has(toInt(t.taker_account_id)))
      out.push({
        ...base,
        orderId: toInt(t.taker_order_id),
        accountId: toInt(t.taker_account_id),
        side: takerSide,
        liquidity: 'taker',
      });
  }
  return out;
}

/**
 * The current ends of the change feeds: the last order-history row, trade and transfer ids (0 when none), once the
 * commands recorded so far have committed (so ids at or below these are final).
 */
export async function feedCursors(core: Core): Promise<{ orders: number; trades: number; transfers: number }> {
  await core.writer.sync();
  const [r] = await core.sql.query(
    `SELECT (SELECT coalesce(max(id), 0) FROM ex_order_history)::bigint AS o,
            (SELECT coalesce(max(id), 0) FROM ex_trades)::bigint AS t,
            (SELECT coalesce(max(id), 0) FROM ex_transfers)::bigint AS x`,
  );
  return { orders: toInt(r!.o), trades: toInt(r!.t), transfers: toInt(r!.x) };
}

/**
 * The user's orders with an order-history row in (`after`, `upTo`], each in its current (committed) view, in the
 * order of their last change.
 */
export async function orderChanges(
  core: Core,
  userId: number,
  after: number,
  upTo: number,
): Promise<Record<string, unknown>[]> {
  const rows = await core.sql.query(
    `SELECT o.* FROM ex_orders o JOIN (
        SELECT h.order_id, max(h.id) AS last FROM ex_order_history h
          JOIN ex_orders x ON x.id = h.order_id JOIN ex_account_owners w ON w.account_id = x.account_id
         WHERE h.id > $2 AND h.id <= $3 AND w.user_id = $1 GROUP BY h.order_id
      ) c ON c.order_id = o.id ORDER BY c.last`,
    [userId, after, upTo],
  );
  return rows.map((o) => orderRowView(marketOf(core.state, toInt(o.market_id)), o));
}
