/**
 * Markets of the exchange: creation, listing and depth (from memory), public trades, and the admin's status changes,
 * asset deposits and settlement (exclusive commands, `./core.ts`).
 *
 * Invariants:
 * - Closing or settling a market cancels its live orders in the engine and in the database in one transaction
 *   (with the status change and the audit row); a failure reloads memory from the database.
 * - Settlement pays each position `position × price` in cash (a short pays) and zeroes it.
 */
import { audit, type Actor } from '../journal-audit.ts';
import type { Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import type { MatchEvent } from '../../core/orderbook/types.ts';
import { MONEY_DP, decimalPlaces, formatAtoms, isDecimalText, tryScaled } from '../../core/money/decimal.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { Core } from './core.ts';
import { toLots, toTicks } from './grid.ts';
import { applyEvents } from './apply.ts';
import {
  accountEvents,
  canSee,
  cashAsset,
  exposureOf,
  marketOf,
  marketOfRow,
  priceText,
  sizeText,
  type MarketRuntime,
} from './state.ts';
import type { Batch } from './writer.ts';

/** Definition of a new market (prices in decimal text; bounds required for a bounded market). */
export interface CreateMarketInput {
  name: string;
  description?: string | undefined;
  kind: 'spot' | 'bounded';
  /** Gateway symbol `[A-Z0-9]{2,20}`; absent: derived from the name (upper-cased alphanumerics, de-duplicated). */
  symbol?: string | undefined;
  /** Base asset `[A-Z0-9]{1,20}`; absent: the symbol without a trailing quote asset. */
  baseAsset?: string | undefined;
  /** Quote asset `[A-Z0-9]{1,20}`; absent: the exchange's cash asset ({@link cashAsset}). */
  quoteAsset?: string | undefined;
  tickSize: string;
  lotSize: string;
  minPrice?: string | undefined;
  maxPrice?: string | undefined;
  hideAccounts?: boolean | undefined;
  /** Accounts that may see and trade the market; absent or empty: everyone. */
  visibleTo?: number[] | undefined;
}

/** A gateway symbol from a market name: its upper-cased alphanumerics, clipped to 20 (`fallback` when < 2). */
export function symbolFromName(name: string, fallback: string): string {
  const s = name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 20);
  return s.length >= 2 ? s : fallback;
}

/** The audit action of each market status an admin sets. */
const STATUS_ACTION = { open: 'market-resumed', paused: 'market-paused', closed: 'market-closed' } as const;

/** Public view of a market. */
export function marketView(m: MarketRuntime): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    symbol: m.symbol,
    baseAsset: m.baseAsset,
    quoteAsset: m.quoteAsset,
    kind: m.kind,
    status: m.status,
    tickSize: m.tickSize,
    lotSize: m.lotSize,
    minPrice: priceText(m, m.margin.minPrice),
    maxPrice: m.margin.maxPrice === null ? null : priceText(m, m.margin.maxPrice),
    hideAccounts: m.hideAccounts,
    restricted: m.restricted,
    bestBid: priceText(m, m.book.bestBid()),
    bestAsk: priceText(m, m.book.bestAsk()),
    lastPrice: priceText(m, m.book.lastPrice()),
  };
}

/** The most ticks a price may have: the engine holds prices as safe integers of ticks. */
const MAX_TICKS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Checks a new market's grid, bounds and names. @throws ValidationError (`invalid-decimal`, `grid-too-fine`,
 * `price-off-tick`, `invalid-bounds`, `too-big` for a bound beyond {@link MAX_TICKS} ticks, …).
 */
function validate(input: CreateMarketInput): { minTicks: bigint; maxTicks: bigint | null } {
  const issues: { field: string; code: string; message: string }[] = [];
  const dec = (field: string, v: string | undefined): bigint | null => {
    if (v === undefined) return null;
    const scaled = isDecimalText(v) && !v.startsWith('-') ? tryScaled(v, MONEY_DP) : undefined;
    if (scaled === undefined) {
      issues.push({
        field,
        code: 'invalid-decimal',
        message: `must be a non-negative decimal with at most ${MONEY_DP} decimals`,
      });
      return null;
    }
    return scaled;
  };
  const tick = dec('tickSize', input.tickSize);
  const lot = dec('lotSize', input.lotSize);
  if (tick !== null && tick <= 0n)
    issues.push({ field: 'tickSize', code: 'invalid-decimal', message: 'must be greater than zero' });
  if (lot !== null && lot <= 0n)
    issues.push({ field: 'lotSize', code: 'invalid-decimal', message: 'must be greater than zero' });
  if (decimalPlaces(input.tickSize) + decimalPlaces(input.lotSize) > MONEY_DP)
    issues.push({
      field: 'tickSize',
      code: 'grid-too-fine',
      message: `tick size × lot size must be at least 10^-${MONEY_DP}`,
    });
  let minTicks = 0n;
  let maxTicks: bigint | null = null;
  if (input.kind === 'bounded') {
    const lo = dec('minPrice', input.minPrice ?? '0');
    const hi = dec('maxPrice', input.maxPrice);
    if (input.maxPrice === undefined)
      issues.push({ field: 'maxPrice', code: 'required', message: 'a bounded market needs a maximum price' });
    if (tick !== null && tick > 0n && lo !== null && hi !== null) {
      if (lo % tick !== 0n)
        issues.push({ field: 'minPrice', code: 'price-off-tick', message: 'must be a multiple of the tick size' });
      if (hi % tick !== 0n)
        issues.push({ field: 'maxPrice', code: 'price-off-tick', message: 'must be a multiple of the tick size' });
      if (hi <= lo)
        issues.push({ field: 'maxPrice', code: 'invalid-bounds', message: 'must be greater than minPrice' });
      minTicks = lo / tick;
      maxTicks = hi / tick;
      // the engine's prices are whole ticks in a safe integer (and the columns are bigint)
      for (const [field, ticks] of [
        ['minPrice', minTicks],
        ['maxPrice', maxTicks],
      ] as const)
        if (ticks > MAX_TICKS)
          issues.push({ field, code: 'too-big', message: `must be at most ${MAX_TICKS} ticks of ${input.tickSize}` });
    }
  } else if (input.minPrice !== undefined || input.maxPrice !== undefined) {
    issues.push({ field: 'kind', code: 'bounds-need-bounded', message: 'only a bounded market has settlement bounds' });
  }
  for (const [field, v, re] of [
    ['symbol', input.symbol, /^[A-Z0-9]{2,20}$/],
    ['baseAsset', input.baseAsset, /^[A-Z0-9]{1,20}$/],
    ['quoteAsset', input.quoteAsset, /^[A-Z0-9]{1,20}$/],
  ] as const)
    if (v !== undefined && !re.test(v))
      issues.push({ field, code: 'invalid-symbol', message: `must match ${re.source}` });
  if (issues.length) throw new ValidationError(issues);
  return { minTicks, maxTicks };
}

/** Creates a market (open at once). @throws ValidationError; ConflictError `market-name-taken`/`market-symbol-taken`. */
export async function createMarket(
  core: Core,
  userId: number,
  input: CreateMarketInput,
  address: string | null,
): Promise<Record<string, unknown>> {
  const { minTicks, maxTicks } = validate(input);
  return core.exclusive(async () => {
    const s = core.state;
    const taken = new Set([...s.markets.values()].map((m) => m.symbol));
    let symbol = input.symbol;
    if (symbol === undefined) {
      const stem = symbolFromName(input.name, 'M' + String(s.markets.size + 1));
      symbol = stem;
      for (let k = 2; taken.has(symbol); k++) symbol = stem.slice(0, 20 - String(k).length) + String(k);
    } else if (taken.has(symbol)) throw new ConflictError('market-symbol-taken', `a market has symbol ${symbol}`);
    const quoteAsset = input.quoteAsset ?? cashAsset();
    const baseAsset =
      input.baseAsset ??
      (symbol.endsWith(quoteAsset) && symbol.length > quoteAsset.length
        ? symbol.slice(0, symbol.length - quoteAsset.length)
        : symbol);
    const row = await core.sql.tx(async (q) => {
      let r: Row | undefined;
      try {
        [r] = await q.query(
          `INSERT INTO ex_markets (name, description, kind, tick_size, lot_size, min_price, max_price, status, hide_accounts,
             restricted, created_by, symbol, base_asset, quote_asset)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13) RETURNING *`,
          [
            input.name,
            input.description ?? '',
            input.kind,
            input.tickSize,
            input.lotSize,
            minTicks.toString(),
            maxTicks === null ? null : maxTicks.toString(),
            input.hideAccounts ?? false,
            (input.visibleTo?.length ?? 0) > 0,
            userId,
            symbol,
            baseAsset,
            quoteAsset,
          ],
        );
      } catch (e) {
        if (String((e as { code?: string }).code) === '23505') {
          const err = e as { constraint?: string; message?: string };
          if (String(err.constraint ?? err.message).includes('symbol'))
            throw new ConflictError('market-symbol-taken', `a market has symbol ${symbol}`);
          throw new ConflictError('market-name-taken', `a market named ${input.name} exists`);
        }
        throw e;
      }
      for (const a of input.visibleTo ?? []) {
        try {
          await q.query('INSERT INTO ex_market_access (market_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
            r!.id,
            a,
          ]);
        } catch (e) {
          // an unknown account (foreign key): a clear 404 instead of an internal error; the market is rolled back
          if (String((e as { code?: string }).code) === '23503')
            throw new NotFoundError('account-not-found', `no account ${a} (visibleTo)`);
          throw e;
        }
      }
      await audit(q, { userId, address }, 'market-created', null, {
        marketId: Number(r!.id),
        name: input.name,
        kind: input.kind,
      });
      return r!;
    });
    const m = marketOfRow(row);
    for (const a of input.visibleTo ?? []) m.access.add(a);
    s.markets.set(m.id, m);
    const view = marketView(m);
    core.events.publish({ type: 'market', userId: null, data: view });
    return view;
  });
}

/** Markets the user may see. */
export function listMarkets(core: Core, userId: number | null): Record<string, unknown>[] {
  const s = core.state;
  return [...s.markets.values()].filter((m) => canSee(s, userId, m)).map(marketView);
}

/** One market with its depth. @throws NotFoundError when unknown or not visible. */
export function market(core: Core, userId: number | null, id: number, levels = 20): Record<string, unknown> {
  const s = core.state;
  const m = marketOf(s, id);
  if (!canSee(s, userId, m)) throw new NotFoundError('market-not-found', `no market ${id}`);
  const d = m.book.depth(levels);
  const lvl = (l: { price: number; size: number; orders: number }): Record<string, unknown> => ({
    price: priceText(m, l.price),
    size: sizeText(m, l.size),
    orders: l.orders,
  });
  return { ...marketView(m), book: { bids: d.bids.map(lvl), asks: d.asks.map(lvl) } };
}

/** A trade row of a market as served (account ids hidden when the market says so). */
export function tradeView(m: MarketRuntime, t: Row): Record<string, unknown> {
  return {
    id: toInt(t.id),
    marketId: m.id,
    price: priceText(m, toInt(t.price)),
    size: sizeText(m, toInt(t.size)),
    takerSide: t.taker_side,
    at: new Date(t.at as string | Date).toISOString(),
    ...(m.hideAccounts ? {} : { makerAccountId: toInt(t.maker_account_id), takerAccountId: toInt(t.taker_account_id) }),
  };
}

/**
 * Trades of a market, newest first: the latest `limit`, or with `beforeId` those with a smaller id (older pages),
 * or with `afterId` the `limit` next ones after it (still newest first). No cap beyond `limit`.
 */
export async function trades(
  core: Core,
  userId: number | null,
  id: number,
  limit = 100,
  page: { beforeId?: number | undefined; afterId?: number | undefined } = {},
): Promise<Record<string, unknown>[]> {
  const s = core.state;
  const m = marketOf(s, id);
  if (!canSee(s, userId, m)) throw new NotFoundError('market-not-found', `no market ${id}`);
  let rows: Row[];
  if (page.afterId !== undefined) {
    rows = await core.sql.query('SELECT * FROM ex_trades WHERE market_id = $1 AND id > $2 ORDER BY id LIMIT $3', [
      id,
      page.afterId,
      limit,
    ]);
    rows.reverse();
  } else
    rows = await core.sql.query(
      `SELECT * FROM ex_trades WHERE market_id = $1 ${page.beforeId !== undefined ? 'AND id < $3' : ''}
        ORDER BY id DESC LIMIT $2`,
      page.beforeId !== undefined ? [id, limit, page.beforeId] : [id, limit],
    );
  return rows.map((t) => tradeView(m, t));
}

/**
 * Deposits `size` of a spot market's base asset into an account (admin). Returns the new position.
 * @throws UnprocessableError `not-spot`; NotFoundError for an unknown account.
 */
export async function depositAsset(
  core: Core,
  marketId: number,
  accountId: number,
  sizeText_: string,
  actor?: Actor,
): Promise<Record<string, unknown>> {
  const m0 = marketOf(core.state, marketId);
  if (m0.kind !== 'spot') throw new UnprocessableError('not-spot', 'assets are deposited into spot markets only');
  const lots = toLots(m0, 'size', sizeText_);
  return core.exclusive(async () => {
    const s = core.state;
    const m = marketOf(s, marketId);
    const acc = s.accounts.get(accountId);
    if (!acc) throw new NotFoundError('account-not-found', `no account ${accountId}`);
    await core.sql.tx(async (q) => {
      await q.query(
        `INSERT INTO ex_positions (account_id, market_id, position) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, market_id) DO UPDATE SET position = ex_positions.position + $3`,
        [accountId, marketId, lots],
      );
      if (actor) await audit(q, actor, 'asset-deposited', null, { marketId, accountId, size: sizeText(m, lots) });
    });
    const e = exposureOf(acc, marketId);
    e.position += BigInt(lots);
    for (const x of accountEvents(s, [accountId])) core.events.publish(x);
    return { marketId, accountId, deposited: sizeText(m, lots), position: sizeText(m, e.position) };
  });
}

/** Cancels every live order of a market into `b` (engine and memory). */
function cancelAll(core: Core, m: MarketRuntime, b: Batch, reason: string): void {
  const events: MatchEvent[] = [];
  for (const o of m.book.allOrders()) if (m.book.getOrder(o.id)) m.book.cancel(o.id, events);
  if (events.length) applyEvents(core, m, events, [], b, reason);
}

/** Pauses, reopens or closes a market (admin). Closing cancels every live order. */
export async function setStatus(
  core: Core,
  marketId: number,
  status: 'open' | 'paused' | 'closed',
  actor?: Actor,
): Promise<Record<string, unknown>> {
  return core.exclusive(async () => {
    const m = marketOf(core.state, marketId);
    if (m.status === 'closed') throw new ConflictError('market-closed', `market ${marketId} is closed`);
    const from = m.status;
    await core.ownTx(async (q, b) => {
      if (status === 'closed') cancelAll(core, m, b, 'market-closed');
      await q.query('UPDATE ex_markets SET status = $2 WHERE id = $1', [marketId, status]);
      if (actor) await audit(q, actor, STATUS_ACTION[status], null, { marketId, from, to: status });
      m.status = status;
    });
    const view = marketView(marketOf(core.state, marketId));
    core.events.publish({ type: 'market', userId: null, data: view });
    return view;
  });
}

/**
 * Settles a bounded market at `price` (within its bounds): cancels every live order, pays each position
 * `position × price` in cash (a short pays), and closes the market.
 */
export async function settle(
  core: Core,
  marketId: number,
  priceText_: string,
  byUserId: number,
  address: string | null,
): Promise<Record<string, unknown>> {
  const m0 = marketOf(core.state, marketId);
  if (m0.kind !== 'bounded') throw new UnprocessableError('not-bounded', 'only a bounded market settles at a price');
  const price = BigInt(toTicks(m0, 'price', priceText_, true)); // a bounded market may settle at 0
  if (price < m0.margin.minPrice || price > m0.margin.maxPrice!)
    throw new ValidationError([
      {
        field: 'price',
        code: 'price-out-of-bounds',
        message: `must be within [${priceText(m0, m0.margin.minPrice)}, ${priceText(m0, m0.margin.maxPrice!)}]`,
      },
    ]);
  return core.exclusive(async () => {
    const s = core.state;
    const m = marketOf(s, marketId);
    if (m.status === 'closed') throw new ConflictError('market-closed', `market ${marketId} is closed`);
    let paid = 0;
    await core.ownTx(async (q, b) => {
      cancelAll(core, m, b, 'market-settled');
      const perLot = price * m.margin.atomsPerTickLot;
      // Every position is paid in one statement: position (lots) × the cash value of one lot at `price`.
      const credited = await q.query(
        `UPDATE ex_accounts a SET cash = a.cash + p.position * $2::numeric FROM ex_positions p
          WHERE p.market_id = $1 AND p.position <> 0 AND a.id = p.account_id RETURNING a.id`,
        [marketId, formatAtoms(perLot)],
      );
      paid = credited.length;
      await q.query('UPDATE ex_positions SET position = 0 WHERE market_id = $1', [marketId]);
      await q.query(`UPDATE ex_markets SET status = 'closed', settled_price = $2, settled_at = now() WHERE id = $1`, [
        marketId,
        price.toString(),
      ]);
      await q.query('INSERT INTO ex_settlements (market_id, price, by_user_id) VALUES ($1, $2, $3)', [
        marketId,
        price.toString(),
        byUserId,
      ]);
      await audit(q, { userId: byUserId, address }, 'market-settled', null, {
        marketId,
        price: priceText(m, price),
        positionsPaid: paid,
      });
      // memory likewise (cancelling moved no position, so memory and the rows above agree)
      for (const a of s.accounts.values()) {
        const e = a.exposure.get(marketId);
        if (!e || e.position === 0n) continue;
        a.cash += e.position * perLot;
        e.position = 0n;
        b.touched.add(a.id);
      }
      m.status = 'closed';
    });
    const view = { ...marketView(m), settledPrice: priceText(m, price), positionsPaid: paid };
    core.events.publish({ type: 'market', userId: null, data: view });
    return view;
  });
}
