/**
 * The simulated multi-user exchange: accounts (personal and alt, with shared ownership), transfers, markets (spot
 * and bounded), orders matched by the engine in `src/core/orderbook`, portfolio margin, settlement, persistence and
 * crash recovery.
 *
 * Invariants:
 * - Every command runs through one queue: the engine is applied, then its events are persisted in one transaction.
 *   If that transaction fails, the market's book is rebuilt from the database, so memory never runs ahead of it.
 * - A command is acknowledged only after its transaction commits; after a crash the books are rebuilt from the
 *   resting and pending orders in time-priority order, so they equal the books as of the last acknowledged command.
 * - Cash never goes negative; an order is accepted only if the account's available balance (cash plus the worst
 *   case of every market given positions and resting orders, see `src/core/exchange/portfolio.ts`) stays ≥ 0.
 */
import { audit, type Actor } from '../journal-audit.ts';
import type { Sql, Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { OrderBook } from '../../core/orderbook/engine.ts';
import {
  lotsToQty,
  priceToTicks,
  qtyToLots,
  ticksToPrice,
  toSpec,
  type InstrumentSpec,
} from '../../core/instruments/instrument.ts';
import type { MatchEvent, NewOrder, OrderType, Side, StpMode, TimeInForce } from '../../core/orderbook/types.ts';
import {
  availableBalance,
  emptyExposure,
  withOrder,
  type MarginMarket,
  type MarketExposure,
} from '../../core/exchange/portfolio.ts';
import { MONEY_DP, decimalPlaces, formatAtoms, isDecimalText, toAtoms, tryScaled } from '../../core/money/decimal.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { amountOf, auctionReservedCash } from './auctions.ts';

/** A market's definition in integer form. */
interface MarketRuntime {
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
  book: OrderBook;
}

/**
 * Order types of the exchange: the engine's, plus take-profit (market) and take-profit-limit, which wait for the
 * last price to reach `stopPrice` from the other side than a stop (buy: last ≤ stop; sell: last ≥ stop).
 */
export type ExchangeOrderType = OrderType | 'take-profit' | 'take-profit-limit';

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

/** The exchange's cash asset: `TESTUDO_EXCHANGE_CASH_ASSET`, default `USD`. */
export function cashAsset(): string {
  const v = process.env.TESTUDO_EXCHANGE_CASH_ASSET?.trim().toUpperCase();
  return v && /^[A-Z0-9]{1,20}$/.test(v) ? v : 'USD';
}

/** A gateway symbol from a market name: its upper-cased alphanumerics, clipped to 20 (`M` + digits when < 2). */
export function symbolFromName(name: string, fallback: string): string {
  const s = name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 20);
  return s.length >= 2 ? s : fallback;
}

/** Whether an order of `type` waits for a trigger (stop and take-profit orders). */
export const isConditional = (type: string): boolean => type.startsWith('stop') || type.startsWith('take-profit');
/** Whether an order of `type` carries a limit price. */
export const hasLimitPrice = (type: string): boolean =>
  type === 'limit' || type === 'stop-limit' || type === 'take-profit-limit';
/** A client order id as Binance accepts it. */
const CLIENT_ID = /^[A-Za-z0-9._:/-]{1,36}$/;

/** The audit action of each market status an admin sets. */
const STATUS_ACTION = { open: 'market-resumed', paused: 'market-paused', closed: 'market-closed' } as const;

/** The exchange. Create with {@link ExchangeService.open}. */
export class ExchangeService {
  private readonly markets = new Map<number, MarketRuntime>();
  private queue: Promise<unknown> = Promise.resolve();
  private nextOrderId = 1;
  private nextPriority = 1;

  private constructor(
    private readonly sql: Sql,
    private readonly events: EventBus,
  ) {}

  /** Loads markets and rebuilds every book from the persisted resting and pending orders. */
  static async open(sql: Sql, events: EventBus): Promise<ExchangeService> {
    const ex = new ExchangeService(sql, events);
    const [ids] = await sql.query(
      'SELECT coalesce(max(id), 0)::bigint AS id, coalesce(max(priority), 0)::bigint AS p FROM ex_orders',
    );
    ex.nextOrderId = toInt(ids!.id) + 1;
    ex.nextPriority = toInt(ids!.p) + 1;
    for (const r of await sql.query('SELECT * FROM ex_markets ORDER BY id')) await ex.loadMarket(r);
    return ex;
  }

  private async loadMarket(r: Row): Promise<MarketRuntime> {
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
    const m: MarketRuntime = {
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
      book: new OrderBook(),
    };
    await this.rebuild(m);
    this.markets.set(m.id, m);
    return m;
  }

  /** Rebuilds a market's book from its live orders, in time priority, and its last trade price. */
  private async rebuild(m: MarketRuntime): Promise<void> {
    const [last] = await this.sql.query('SELECT price FROM ex_trades WHERE market_id = $1 ORDER BY id DESC LIMIT 1', [
      m.id,
    ]);
    m.book = new OrderBook({ lastPrice: last ? toInt(last.price) : null });
    const rows = await this.sql.query(
      `SELECT * FROM ex_orders WHERE market_id = $1 AND status IN ('open', 'pending') ORDER BY priority`,
      [m.id],
    );
    for (const r of rows) {
      const ev = m.book.submit({
        id: toInt(r.id),
        account: toInt(r.account_id),
        side: r.side as Side,
        type: r.type as OrderType,
        size: toInt(r.remaining),
        price: r.price === null ? undefined : toInt(r.price),
        stopPrice: r.stop_price === null ? undefined : toInt(r.stop_price),
        tif: r.tif as TimeInForce,
        // A resting order never crosses, so post-only is accepted again; it still matters for later amends.
        postOnly: r.post_only === true,
        stp: r.stp as StpMode,
      });
      if (ev.some((e) => e.type === 'trade' || e.type === 'rejected'))
        throw new Error(`market ${m.id}: rebuilding order ${String(r.id)} did not rest cleanly`);
    }
  }

  /**
   * Runs `fn` after every command before it (one global queue keeps the engine and the database in step). Public
   * for the auctions, whose writes join the same queue.
   */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- accounts

  /** The user's personal account, created (with zero cash) on first use. */
  async personalAccount(userId: number): Promise<number> {
    const [a] = await this.sql.query('SELECT id FROM ex_accounts WHERE personal_of = $1', [userId]);
    if (a) return toInt(a.id);
    return this.sql.tx(async (q) => {
      const [u] = await q.query('SELECT email FROM users WHERE id = $1', [userId]);
      const [c] = await q.query(
        `INSERT INTO ex_accounts (name, kind, personal_of) VALUES ($1, 'user', $2)
         ON CONFLICT (personal_of) DO NOTHING RETURNING id`,
        [String(u?.email ?? `user ${userId}`), userId],
      );
      if (!c) {
        const [again] = await q.query('SELECT id FROM ex_accounts WHERE personal_of = $1', [userId]);
        return toInt(again!.id);
      }
      await q.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2)', [c.id, userId]);
      return toInt(c.id);
    });
  }

  /** Creates an alt account owned by `userId`. */
  async createAltAccount(userId: number, name: string): Promise<Record<string, unknown>> {
    return this.sql.tx(async (q) => {
      const [a] = await q.query(`INSERT INTO ex_accounts (name, kind) VALUES ($1, 'alt') RETURNING id`, [name]);
      await q.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2)', [a!.id, userId]);
      return { id: toInt(a!.id), name, kind: 'alt', owners: [userId] };
    });
  }

  /** Adds a co-owner (by email) to an account the user owns. @throws NotFoundError for an unknown user or account. */
  async shareAccount(userId: number, accountId: number, email: string): Promise<Record<string, unknown>> {
    await this.requireOwner(userId, accountId);
    const [u] = await this.sql.query('SELECT id FROM users WHERE email = $1', [email.trim().toLowerCase()]);
    if (!u) throw new NotFoundError('user-not-found', `no user ${email}`);
    await this.sql.query('INSERT INTO ex_account_owners (account_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      accountId,
      u.id,
    ]);
    return { accountId, owner: toInt(u.id) };
  }

  /** Accounts the user owns, with cash and available balance. */
  async accounts(userId: number): Promise<Record<string, unknown>[]> {
    await this.personalAccount(userId);
    const rows = await this.sql.query(
      `SELECT a.* FROM ex_accounts a JOIN ex_account_owners o ON o.account_id = a.id WHERE o.user_id = $1 ORDER BY a.id`,
      [userId],
    );
    const out: Record<string, unknown>[] = [];
    for (const a of rows) {
      const id = toInt(a.id);
      const avail = await this.available(this.sql, id, toAtoms(String(a.cash)));
      out.push({
        id,
        name: a.name,
        kind: a.kind,
        cash: formatAtoms(toAtoms(String(a.cash))),
        available: avail === null ? null : formatAtoms(avail),
      });
    }
    return out;
  }

  private async isOwner(userId: number, accountId: number): Promise<boolean> {
    const [r] = await this.sql.query('SELECT 1 FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [
      accountId,
      userId,
    ]);
    return r !== undefined;
  }

  private async requireOwner(userId: number, accountId: number): Promise<void> {
    if (!(await this.isOwner(userId, accountId)))
      throw new NotFoundError('account-not-found', `no account ${accountId} of yours`);
  }

  /**
   * Moves cash between accounts atomically. The source must be one of the user's accounts and keep a non-negative
   * available balance; admins may mint into any account with `fromAccountId: null`.
   */
  async transfer(
    user: { id: number; isAdmin: boolean },
    fromAccountId: number | null,
    toAccountId: number,
    amount: string,
    note = '',
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
    const atoms = amountOf('amount', amount);
    if (fromAccountId === null) {
      if (!user.isAdmin)
        throw new ForbiddenError('forbidden', 'only an admin can mint cash (a transfer without a source)');
    } else {
      await this.requireOwner(user.id, fromAccountId);
      if (fromAccountId === toAccountId)
        throw new ValidationError([
          { field: 'toAccountId', code: 'same-account', message: 'source and destination are the same' },
        ]);
    }
    return this.serial(() =>
      this.sql
        .tx(async (q) => {
          const [to] = await q.query('SELECT id FROM ex_accounts WHERE id = $1 FOR UPDATE', [toAccountId]);
          if (!to) throw new NotFoundError('account-not-found', `no account ${toAccountId}`);
          if (fromAccountId !== null) {
            const [from] = await q.query('SELECT cash FROM ex_accounts WHERE id = $1 FOR UPDATE', [fromAccountId]);
            const cash = toAtoms(String(from!.cash));
            const avail = await this.available(q, fromAccountId, cash);
            if (avail === null || avail < atoms)
              throw new UnprocessableError(
                'insufficient-balance',
                `available balance ${avail === null ? '0' : formatAtoms(avail)} is less than ${formatAtoms(atoms)}`,
              );
            await q.query('UPDATE ex_accounts SET cash = cash - $2 WHERE id = $1', [fromAccountId, formatAtoms(atoms)]);
          }
          await q.query('UPDATE ex_accounts SET cash = cash + $2 WHERE id = $1', [toAccountId, formatAtoms(atoms)]);
          const [t] = await q.query(
            `INSERT INTO ex_transfers (from_account_id, to_account_id, amount, note, by_user_id) VALUES ($1, $2, $3, $4, $5)
           RETURNING id, at`,
            [fromAccountId, toAccountId, formatAtoms(atoms), note, user.id],
          );
          const out = { id: toInt(t!.id), fromAccountId, toAccountId, amount: formatAtoms(atoms), note };
          if (fromAccountId === null)
            await audit(q, { userId: user.id, address }, 'cash-minted', null, {
              transferId: out.id,
              toAccountId,
              amount: out.amount,
            });
          // Private: every owner of either account hears of it, and nobody else.
          const owners = await q.query(
            'SELECT DISTINCT user_id FROM ex_account_owners WHERE account_id = $1 OR account_id = $2',
            [toAccountId, fromAccountId ?? toAccountId],
          );
          return { out, notify: new Set([user.id, ...owners.map((o) => toInt(o.user_id))]) };
        })
        .then(({ out, notify }) => {
          // Published after the commit, so a listener that reads the database sees the transfer.
          for (const uid of notify) this.events.publish({ type: 'transfer', userId: uid, data: out });
          return out;
        }),
    );
  }

  /** Transfers into or out of the user's accounts, newest first. */
  async transfers(userId: number, limit = 100): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(`${TRANSFERS_OF_USER} ORDER BY t.id DESC LIMIT $2`, [userId, limit]);
    return rows.map(transferView);
  }

  /**
   * Available balance of an account, read with `q`: cash plus the worst case of every market it is exposed to (with
   * `extra` applied to one market's exposure), less the cash its leading auction bids reserve; null if unbounded.
   */
  async available(
    q: Sql,
    accountId: number,
    cash: bigint,
    extra?: { marketId: number; e: (x: MarketExposure) => MarketExposure },
  ): Promise<bigint | null> {
    const exposures = new Map<number, MarketExposure>();
    const get = (id: number): MarketExposure => {
      let e = exposures.get(id);
      if (!e) exposures.set(id, (e = emptyExposure()));
      return e;
    };
    for (const p of await q.query(
      'SELECT market_id, position FROM ex_positions WHERE account_id = $1 AND position <> 0',
      [accountId],
    ))
      get(toInt(p.market_id)).position = BigInt(String(p.position));
    const orders = await q.query(
      `SELECT market_id, side, type, price, stop_price, remaining FROM ex_orders
        WHERE account_id = $1 AND status IN ('open', 'pending')`,
      [accountId],
    );
    for (const o of orders) {
      const mid = toInt(o.market_id);
      const m = this.markets.get(mid);
      if (!m) continue;
      exposures.set(
        mid,
        withOrder(
          get(mid),
          o.side as Side,
          BigInt(String(o.remaining)),
          this.reservePrice(m, o.side as Side, o.type as ExchangeOrderType, o.price, o.stop_price),
        ),
      );
    }
    if (extra) exposures.set(extra.marketId, extra.e(get(extra.marketId)));
    const pairs: [MarginMarket, MarketExposure][] = [];
    for (const [id, e] of exposures) {
      const m = this.markets.get(id);
      if (m && m.status !== 'closed') pairs.push([m.margin, e]);
    }
    // Cash reserved by the account's leading auction bids is not available either.
    return availableBalance(cash - (await auctionReservedCash(q, accountId)), pairs);
  }

  /** The price at which an order's worst case is reserved, ticks: its limit, or the market's bound for a market order. */
  private reservePrice(m: MarketRuntime, side: Side, type: ExchangeOrderType, price: unknown, stop: unknown): bigint {
    if (hasLimitPrice(type)) return BigInt(String(price));
    const book = m.book;
    if (side === 'buy') {
      if (m.margin.maxPrice !== null) return m.margin.maxPrice;
      const ref = isConditional(type) ? Number(stop) : (book.bestAsk() ?? book.lastPrice() ?? 0);
      return BigInt(ref + 1000);
    }
    return m.margin.minPrice;
  }

  // ---------------------------------------------------------------- markets

  private marketOf(id: number): MarketRuntime {
    const m = this.markets.get(id);
    if (!m) throw new NotFoundError('market-not-found', `no market ${id}`);
    return m;
  }

  /**
   * Decimal text → a whole number of grid units (ticks or lots) as a safe integer, through the instrument grid
   * helpers. `allowZero` admits exactly zero (a bounded market settling at 0).
   * @throws ValidationError `invalid-price`/`invalid-size` (not a positive decimal, too large) or
   *   `price-off-tick`/`size-off-lot` (not a multiple of the grid).
   */
  private onGrid(m: MarketRuntime, kind: 'price' | 'size', field: string, v: string, allowZero = false): number {
    const invalid = kind === 'price' ? 'invalid-price' : 'invalid-size';
    if (allowZero && /^0+(\.0+)?$/.test(v.trim())) return 0;
    const g = kind === 'price' ? priceToTicks(m.spec, v.trim()) : qtyToLots(m.spec, v.trim());
    if (!g.ok) {
      if (g.reason === 'off-grid')
        throw new ValidationError([
          {
            field,
            code: kind === 'price' ? 'price-off-tick' : 'size-off-lot',
            message: `must be a multiple of the ${kind === 'price' ? 'tick' : 'lot'} size ${kind === 'price' ? m.tickSize : m.lotSize}`,
          },
        ]);
      const positive = g.reason === 'not-positive' && !v.trim().startsWith('-');
      throw new ValidationError([
        { field, code: invalid, message: positive ? 'must be greater than zero' : 'must be a positive decimal' },
      ]);
    }
    if (g.value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new ValidationError([{ field, code: invalid, message: 'is too large' }]);
    return Number(g.value);
  }

  private toTicks(m: MarketRuntime, field: string, v: string, allowZero = false): number {
    return this.onGrid(m, 'price', field, v, allowZero);
  }

  private toLots(m: MarketRuntime, field: string, v: string): number {
    return this.onGrid(m, 'size', field, v);
  }

  /** @throws ValidationError `price-out-of-bounds` when `ticks` lies outside the market's bounds. */
  private withinBounds(m: MarketRuntime, field: string, ticks: number | undefined): void {
    if (ticks === undefined) return;
    const p = BigInt(ticks);
    if (p < m.margin.minPrice || (m.margin.maxPrice !== null && p > m.margin.maxPrice))
      throw new ValidationError([
        { field, code: 'price-out-of-bounds', message: `must be within the market's bounds` },
      ]);
  }

  /** Ticks → decimal price text of a market. */
  private price(m: { spec: InstrumentSpec }, ticks: number | bigint | null): string | null {
    return ticks === null ? null : ticksToPrice(m.spec, BigInt(ticks));
  }

  /** Lots → decimal size text of a market. */
  private size(m: { spec: InstrumentSpec }, lots: number | bigint): string {
    return lotsToQty(m.spec, BigInt(lots));
  }

  /** Creates a market (open at once). @throws ValidationError on a bad grid or bounds; ConflictError on a taken name. */
  async createMarket(
    userId: number,
    input: CreateMarketInput,
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
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
      }
    } else if (input.minPrice !== undefined || input.maxPrice !== undefined) {
      issues.push({
        field: 'kind',
        code: 'bounds-need-bounded',
        message: 'only a bounded market has settlement bounds',
      });
    }
    for (const [field, v, re] of [
      ['symbol', input.symbol, /^[A-Z0-9]{2,20}$/],
      ['baseAsset', input.baseAsset, /^[A-Z0-9]{1,20}$/],
      ['quoteAsset', input.quoteAsset, /^[A-Z0-9]{1,20}$/],
    ] as const)
      if (v !== undefined && !re.test(v))
        issues.push({ field, code: 'invalid-symbol', message: `must match ${re.source}` });
    if (issues.length) throw new ValidationError(issues);
    return this.serial(async () => {
      const taken = new Set([...this.markets.values()].map((m) => m.symbol));
      let symbol = input.symbol;
      if (symbol === undefined) {
        const stem = symbolFromName(input.name, 'M' + String(this.markets.size + 1));
        symbol = stem;
        for (let k = 2; taken.has(symbol); k++) symbol = stem.slice(0, 20 - String(k).length) + String(k);
      } else if (taken.has(symbol)) throw new ConflictError('market-symbol-taken', `a market has symbol ${symbol}`);
      const quoteAsset = input.quoteAsset ?? cashAsset();
      const baseAsset =
        input.baseAsset ??
        (symbol.endsWith(quoteAsset) && symbol.length > quoteAsset.length
          ? symbol.slice(0, symbol.length - quoteAsset.length)
          : symbol);
      const row = await this.sql.tx(async (q) => {
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
            await q.query(
              'INSERT INTO ex_market_access (market_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
              [r!.id, a],
            );
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
      const m = await this.loadMarket(row);
      const view = this.marketView(m);
      this.events.publish({ type: 'market', userId: null, data: view });
      return view;
    });
  }

  /** Public view of a market. */
  private marketView(m: MarketRuntime): Record<string, unknown> {
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
      minPrice: this.price(m, m.margin.minPrice),
      maxPrice: m.margin.maxPrice === null ? null : this.price(m, m.margin.maxPrice),
      hideAccounts: m.hideAccounts,
      restricted: m.restricted,
      bestBid: this.price(m, m.book.bestBid()),
      bestAsk: this.price(m, m.book.bestAsk()),
      lastPrice: this.price(m, m.book.lastPrice()),
    };
  }

  private async canSee(userId: number | null, m: MarketRuntime): Promise<boolean> {
    if (!m.restricted) return true;
    if (userId === null) return false;
    const [r] = await this.sql.query(
      `SELECT 1 FROM ex_market_access x JOIN ex_account_owners o ON o.account_id = x.account_id
        WHERE x.market_id = $1 AND o.user_id = $2 LIMIT 1`,
      [m.id, userId],
    );
    return r !== undefined;
  }

  /** Markets the user may see (one access query for all the restricted ones). */
  async listMarkets(userId: number | null): Promise<Record<string, unknown>[]> {
    const all = [...this.markets.values()];
    let granted = new Set<number>();
    if (userId !== null && all.some((m) => m.restricted)) {
      const rows = await this.sql.query(
        `SELECT DISTINCT x.market_id FROM ex_market_access x JOIN ex_account_owners o ON o.account_id = x.account_id
          WHERE o.user_id = $1`,
        [userId],
      );
      granted = new Set(rows.map((r) => toInt(r.market_id)));
    }
    return all.filter((m) => !m.restricted || granted.has(m.id)).map((m) => this.marketView(m));
  }

  /** One market with its depth. @throws NotFoundError when unknown or not visible. */
  async market(userId: number | null, id: number, levels = 20): Promise<Record<string, unknown>> {
    const m = this.marketOf(id);
    if (!(await this.canSee(userId, m))) throw new NotFoundError('market-not-found', `no market ${id}`);
    const d = m.book.depth(levels);
    const lvl = (l: { price: number; size: number; orders: number }): Record<string, unknown> => ({
      price: this.price(m, l.price),
      size: this.size(m, l.size),
      orders: l.orders,
    });
    return { ...this.marketView(m), book: { bids: d.bids.map(lvl), asks: d.asks.map(lvl) } };
  }

  /** Recent trades of a market, newest first; account ids hidden when the market says so. */
  async trades(userId: number | null, id: number, limit = 100): Promise<Record<string, unknown>[]> {
    const m = this.marketOf(id);
    if (!(await this.canSee(userId, m))) throw new NotFoundError('market-not-found', `no market ${id}`);
    const rows = await this.sql.query('SELECT * FROM ex_trades WHERE market_id = $1 ORDER BY id DESC LIMIT $2', [
      id,
      limit,
    ]);
    return rows.map((t) => this.tradeView(m, t));
  }

  private tradeView(m: MarketRuntime, t: Row): Record<string, unknown> {
    return {
      id: toInt(t.id),
      marketId: m.id,
      price: this.price(m, toInt(t.price)),
      size: this.size(m, toInt(t.size)),
      takerSide: t.taker_side,
      at: new Date(t.at as string | Date).toISOString(),
      ...(m.hideAccounts
        ? {}
        : { makerAccountId: toInt(t.maker_account_id), takerAccountId: toInt(t.taker_account_id) }),
    };
  }

  /**
   * Deposits `size` of a spot market's base asset into an account (admin): how holdings enter the simulation, since a
   * spot market cannot be sold short. It is not an order and moves no cash; returns the new position.
   * @throws UnprocessableError `not-spot` for a bounded market; NotFoundError for an unknown account.
   */
  async depositAsset(
    marketId: number,
    accountId: number,
    sizeText: string,
    actor?: Actor,
  ): Promise<Record<string, unknown>> {
    const m = this.marketOf(marketId);
    if (m.kind !== 'spot') throw new UnprocessableError('not-spot', 'assets are deposited into spot markets only');
    const lots = this.toLots(m, 'size', sizeText);
    return this.serial(async () => {
      const p = await this.sql.tx(async (q) => {
        const [acc] = await q.query('SELECT id FROM ex_accounts WHERE id = $1', [accountId]);
        if (!acc) throw new NotFoundError('account-not-found', `no account ${accountId}`);
        const [row] = await q.query(
          `INSERT INTO ex_positions (account_id, market_id, position) VALUES ($1, $2, $3)
           ON CONFLICT (account_id, market_id) DO UPDATE SET position = ex_positions.position + $3 RETURNING position`,
          [accountId, marketId, lots],
        );
        if (actor) await audit(q, actor, 'asset-deposited', null, { marketId, accountId, size: this.size(m, lots) });
        return row;
      });
      return {
        marketId,
        accountId,
        deposited: this.size(m, lots),
        position: this.size(m, BigInt(String(p!.position))),
      };
    });
  }

  /**
   * Pauses, reopens or closes a market (admin). Closing cancels every live order. With `actor`, the change is
   * written to the audit trail in the same transaction.
   */
  async setStatus(
    marketId: number,
    status: 'open' | 'paused' | 'closed',
    actor?: Actor,
  ): Promise<Record<string, unknown>> {
    return this.serial(async () => {
      const m = this.marketOf(marketId);
      if (m.status === 'closed') throw new ConflictError('market-closed', `market ${marketId} is closed`);
      try {
        await this.sql.tx(async (q) => {
          if (status === 'closed') await this.cancelAll(q, m, 'market-closed');
          await q.query('UPDATE ex_markets SET status = $2 WHERE id = $1', [marketId, status]);
          if (actor) await audit(q, actor, STATUS_ACTION[status], null, { marketId, from: m.status, to: status });
        });
      } catch (err) {
        await this.rebuild(m); // the engine cancelled before the transaction failed: reload what the database holds
        throw err;
      }
      m.status = status;
      const view = this.marketView(m);
      this.events.publish({ type: 'market', userId: null, data: view });
      return view;
    });
  }

  /**
   * Settles a bounded market at `price` (within its bounds): cancels every live order, pays each position
   * `position × price` in cash (a short pays), and closes the market.
   */
  async settle(
    marketId: number,
    priceText: string,
    byUserId: number,
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
    const m = this.marketOf(marketId);
    if (m.kind !== 'bounded') throw new UnprocessableError('not-bounded', 'only a bounded market settles at a price');
    const price = BigInt(this.toTicks(m, 'price', priceText, true)); // a bounded market may settle at 0
    if (price < m.margin.minPrice || price > m.margin.maxPrice!)
      throw new ValidationError([
        {
          field: 'price',
          code: 'price-out-of-bounds',
          message: `must be within [${this.price(m, m.margin.minPrice)}, ${this.price(m, m.margin.maxPrice!)}]`,
        },
      ]);
    return this.serial(async () => {
      if (m.status === 'closed') throw new ConflictError('market-closed', `market ${marketId} is closed`);
      let paid = 0;
      await this.sqlOrRebuild(m, async (q) => {
        await this.cancelAll(q, m, 'market-settled');
        // Every position is paid in one statement: position (lots) × the cash value of one lot at `price`.
        const credited = await q.query(
          `UPDATE ex_accounts a SET cash = a.cash + p.position * $2::numeric FROM ex_positions p
            WHERE p.market_id = $1 AND p.position <> 0 AND a.id = p.account_id RETURNING a.id`,
          [marketId, formatAtoms(price * m.margin.atomsPerTickLot)],
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
          price: this.price(m, price),
          positionsPaid: paid,
        });
      });
      m.status = 'closed';
      const view = { ...this.marketView(m), settledPrice: this.price(m, price), positionsPaid: paid };
      this.events.publish({ type: 'market', userId: null, data: view });
      return view;
    });
  }

  /** Runs a transaction that follows engine changes; if it fails, the book is rebuilt from the database. */
  private async sqlOrRebuild(m: MarketRuntime, fn: (q: Sql) => Promise<void>): Promise<void> {
    try {
      await this.sql.tx(fn);
    } catch (err) {
      await this.rebuild(m);
      throw err;
    }
  }

  private async cancelAll(q: Sql, m: MarketRuntime, reason: string): Promise<void> {
    for (const o of m.book.allOrders()) m.book.cancel(o.id);
    await q.query(
      `INSERT INTO ex_order_history (order_id, event, remaining, reason)
       SELECT id, 'cancel', 0, $2 FROM ex_orders WHERE market_id = $1 AND status IN ('open', 'pending')`,
      [m.id, reason],
    );
    await q.query(
      `UPDATE ex_orders SET status = 'cancelled', remaining = 0, updated_at = now() WHERE market_id = $1 AND status IN ('open', 'pending')`,
      [m.id],
    );
  }

  // ---------------------------------------------------------------- orders

  /**
   * Places an order for one of the user's accounts. Returns the order and the engine's events, or a rejection.
   * @throws ValidationError (grid, bounds), NotFoundError (market or account), ConflictError (market not open),
   *   UnprocessableError `insufficient-balance` when the available balance cannot cover the worst case.
   */
  async placeOrder(userId: number, input: PlaceOrderInput): Promise<Record<string, unknown>> {
    const m = this.marketOf(input.marketId);
    await this.requireOwner(userId, input.accountId);
    if (!(await this.canSee(userId, m)) || (m.restricted && !(await this.accountHasAccess(m.id, input.accountId))))
      throw new NotFoundError('market-not-found', `no market ${input.marketId}`);
    const size = this.toLots(m, 'size', input.size);
    const needsPrice = hasLimitPrice(input.type);
    if (needsPrice && input.price === undefined)
      throw new ValidationError([{ field: 'price', code: 'required', message: `a ${input.type} order needs a price` }]);
    const clientOrderId = input.clientOrderId;
    if (clientOrderId !== undefined && !CLIENT_ID.test(clientOrderId))
      throw new ValidationError([
        { field: 'clientOrderId', code: 'invalid-client-order-id', message: `must match ${CLIENT_ID.source}` },
      ]);
    if (isConditional(input.type) && input.stopPrice === undefined)
      throw new ValidationError([
        { field: 'stopPrice', code: 'required', message: `a ${input.type} order needs a stopPrice` },
      ]);
    const price = needsPrice ? this.toTicks(m, 'price', input.price!) : undefined;
    const stopPrice = input.stopPrice !== undefined ? this.toTicks(m, 'stopPrice', input.stopPrice) : undefined;
    this.withinBounds(m, 'price', price);
    this.withinBounds(m, 'stopPrice', stopPrice);
    return this.serial(async () => {
      if (m.status !== 'open') throw new ConflictError(`market-${m.status}`, `market ${m.id} is ${m.status}`);
      const id = this.nextOrderId;
      const order: NewOrder = {
        id,
        account: input.accountId,
        side: input.side,
        type: input.type as OrderType,
        size,
        price,
        stopPrice,
        tif: input.tif,
        postOnly: input.postOnly,
        stp: input.stp,
        bandTicks: m.margin.maxPrice !== null ? Number(m.margin.maxPrice) : undefined,
      };
      if (clientOrderId !== undefined) {
        const [dup] = await this.sql.query(
          `SELECT 1 FROM ex_orders WHERE account_id = $1 AND client_order_id = $2 AND status IN ('open', 'pending')`,
          [input.accountId, clientOrderId],
        );
        if (dup)
          throw new ConflictError(
            'duplicate-client-order-id',
            `a live order of account ${input.accountId} has clientOrderId ${clientOrderId}`,
          );
      }
      // Margin check before the engine sees the order.
      const [acc] = await this.sql.query('SELECT cash FROM ex_accounts WHERE id = $1', [input.accountId]);
      const reserve = this.reservePrice(m, input.side, input.type, price ?? null, stopPrice ?? null);
      const avail = await this.available(this.sql, input.accountId, toAtoms(String(acc!.cash)), {
        marketId: m.id,
        e: (e) => withOrder(e, input.side, BigInt(size), reserve),
      });
      if (avail === null || avail < 0n)
        throw new UnprocessableError(
          avail === null ? 'insufficient-position' : 'insufficient-balance',
          avail === null
            ? 'a spot market cannot be sold short: sell at most what the account holds (less open sell orders)'
            : `the order's worst case exceeds the available balance by ${formatAtoms(-avail)}`,
        );
      const events = m.book.submit(order);
      const rejected = events.find((e) => e.type === 'rejected');
      if (rejected && rejected.type === 'rejected')
        throw new UnprocessableError(rejected.reason, `the order was rejected: ${rejected.reason}`);
      this.nextOrderId++;
      const priority = this.nextPriority++;
      await this.persist(m, events, { order, userId, priority, clientOrderId: clientOrderId ?? null, listId: null });
      return { order: await this.orderView(m, id), events: this.eventsView(m, events) };
    });
  }

  private async accountHasAccess(marketId: number, accountId: number): Promise<boolean> {
    const [r] = await this.sql.query('SELECT 1 FROM ex_market_access WHERE market_id = $1 AND account_id = $2', [
      marketId,
      accountId,
    ]);
    return r !== undefined;
  }

  /** Cancels one of the user's live orders. */
  async cancelOrder(userId: number, orderId: number): Promise<Record<string, unknown>> {
    const { m } = await this.ownedOrder(userId, orderId);
    return this.serial(async () => {
      const events = m.book.cancel(orderId);
      const rejected = events.find((e) => e.type === 'rejected');
      if (rejected) throw new ConflictError('order-not-live', `order ${orderId} is no longer live`);
      await this.persist(m, events, null);
      return { order: await this.orderView(m, orderId), events: this.eventsView(m, events) };
    });
  }

  /** Amends one of the user's resting orders (new remaining size and/or price). */
  async amendOrder(
    userId: number,
    orderId: number,
    a: { size?: string; price?: string },
  ): Promise<Record<string, unknown>> {
    const { m, accountId } = await this.ownedOrder(userId, orderId);
    const size = a.size === undefined ? undefined : this.toLots(m, 'size', a.size);
    const price = a.price === undefined ? undefined : this.toTicks(m, 'price', a.price);
    this.withinBounds(m, 'price', price);
    return this.serial(async () => {
      if (m.status !== 'open') throw new ConflictError(`market-${m.status}`, `market ${m.id} is ${m.status}`);
      const current = m.book.getOrder(orderId);
      if (!current || current.state !== 'resting')
        throw new ConflictError('order-not-live', `order ${orderId} is not resting`);
      const newSize = size ?? current.remaining;
      const newPrice = price ?? current.price!;
      if (newSize > current.remaining || newPrice !== current.price) {
        const [acc] = await this.sql.query('SELECT cash FROM ex_accounts WHERE id = $1', [accountId]);
        const avail = await this.available(this.sql, accountId, toAtoms(String(acc!.cash)), {
          marketId: m.id,
          e: (e) =>
            withOrder(
              withOrder(e, current.side, -BigInt(current.remaining), BigInt(current.price!)),
              current.side,
              BigInt(newSize),
              BigInt(newPrice),
            ),
        });
        if (avail === null || avail < 0n)
          throw new UnprocessableError('insufficient-balance', 'the amended order would exceed the available balance');
      }
      const events = m.book.amend(orderId, { size, price });
      const rejected = events.find((e) => e.type === 'rejected');
      if (rejected && rejected.type === 'rejected')
        throw new UnprocessableError(rejected.reason, `the amendment was rejected: ${rejected.reason}`);
      const lost = events.some((e) => e.type === 'amended' && !e.priorityKept);
      await this.persist(m, events, lost ? { amendPriority: this.nextPriority++, orderId } : null);
      return { order: await this.orderView(m, orderId), events: this.eventsView(m, events) };
    });
  }

  private async ownedOrder(userId: number, orderId: number): Promise<{ m: MarketRuntime; accountId: number }> {
    const [o] = await this.sql.query(
      `SELECT o.market_id, o.account_id FROM ex_orders o JOIN ex_account_owners w ON w.account_id = o.account_id
        WHERE o.id = $1 AND w.user_id = $2`,
      [orderId, userId],
    );
    if (!o) throw new NotFoundError('order-not-found', `no order ${orderId} of yours`);
    return { m: this.marketOf(toInt(o.market_id)), accountId: toInt(o.account_id) };
  }

  /**
   * Writes the engine's events in one transaction: the new order, size history, trades, positions and cash.
   * On failure the market's book is rebuilt from the database and the error rethrown.
   */
  private async persist(
    m: MarketRuntime,
    events: MatchEvent[],
    ctx:
      | { order: NewOrder; userId: number; priority: number; clientOrderId: string | null; listId: number | null }
      | { amendPriority: number; orderId: number }
      | null,
  ): Promise<void> {
    try {
      await this.sql.tx(async (q) => {
        if (ctx && 'order' in ctx) {
          const o = ctx.order;
          await q.query(
            `INSERT INTO ex_orders (id, market_id, account_id, user_id, side, type, price, stop_price, size, remaining, tif,
               post_only, stp, status, priority, client_order_id, list_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16)`,
            [
              o.id,
              m.id,
              o.account,
              ctx.userId,
              o.side,
              o.type,
              o.price ?? null,
              o.stopPrice ?? null,
              o.size,
              hasLimitPrice(o.type) ? (o.tif ?? 'GTC') : 'IOC',
              o.postOnly ?? false,
              o.stp ?? 'cancel-resting',
              isConditional(o.type) ? 'pending' : 'open',
              ctx.priority,
              ctx.clientOrderId,
              ctx.listId,
            ],
          );
          await q.query(`INSERT INTO ex_order_history (order_id, event, remaining) VALUES ($1, 'accepted', $2)`, [
            o.id,
            o.size,
          ]);
        }
        if (ctx && 'amendPriority' in ctx)
          await q.query('UPDATE ex_orders SET priority = $2 WHERE id = $1', [ctx.orderId, ctx.amendPriority]);
        for (const e of events) {
          switch (e.type) {
            case 'trade': {
              await q.query(
                `INSERT INTO ex_trades (market_id, maker_order_id, taker_order_id, maker_account_id, taker_account_id, price, size, taker_side)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
                [m.id, e.makerOrderId, e.takerOrderId, e.makerAccount, e.takerAccount, e.price, e.size, e.takerSide],
              );
              for (const [orderId, acct, dir] of [
                [e.makerOrderId, e.makerAccount, e.takerSide === 'buy' ? -1n : 1n],
                [e.takerOrderId, e.takerAccount, e.takerSide === 'buy' ? 1n : -1n],
              ] as const) {
                const [o] = await q.query(
                  `UPDATE ex_orders SET remaining = remaining - $2, filled = filled + $2, updated_at = now() WHERE id = $1 RETURNING remaining`,
                  [orderId, e.size],
                );
                await q.query(`INSERT INTO ex_order_history (order_id, event, remaining) VALUES ($1, 'fill', $2)`, [
                  orderId,
                  o!.remaining,
                ]);
                const cost = BigInt(e.size) * BigInt(e.price) * m.margin.atomsPerTickLot;
                await q.query(
                  `INSERT INTO ex_positions (account_id, market_id, position) VALUES ($1, $2, $3)
                   ON CONFLICT (account_id, market_id) DO UPDATE SET position = ex_positions.position + $3`,
                  [acct, m.id, (dir * BigInt(e.size)).toString()],
                );
                await q.query('UPDATE ex_accounts SET cash = cash + $2 WHERE id = $1', [
                  acct,
                  formatAtoms(-dir * cost),
                ]);
              }
              break;
            }
            case 'cancelled':
              await q.query(
                `UPDATE ex_orders SET status = 'cancelled', remaining = 0, updated_at = now() WHERE id = $1`,
                [e.orderId],
              );
              await q.query(
                `INSERT INTO ex_order_history (order_id, event, remaining, reason) VALUES ($1, 'cancel', 0, $2)`,
                [e.orderId, e.reason],
              );
              break;
            case 'done':
              if (e.reason === 'filled')
                await q.query(`UPDATE ex_orders SET status = 'filled' WHERE id = $1`, [e.orderId]);
              break;
            case 'amended':
              await q.query(
                `UPDATE ex_orders SET remaining = $2, size = filled + $2, price = $3, updated_at = now() WHERE id = $1`,
                [e.orderId, e.remaining, e.price],
              );
              await q.query(`INSERT INTO ex_order_history (order_id, event, remaining) VALUES ($1, 'amend', $2)`, [
                e.orderId,
                e.remaining,
              ]);
              break;
            case 'triggered':
              await q.query(
                `UPDATE ex_orders SET status = 'open', type = CASE WHEN type IN ('stop-market', 'take-profit') THEN 'market' ELSE 'limit' END,
                   priority = $2, updated_at = now() WHERE id = $1`,
                [e.orderId, this.nextPriority++],
              );
              await q.query(
                `INSERT INTO ex_order_history (order_id, event, remaining) SELECT id, 'trigger', remaining FROM ex_orders WHERE id = $1`,
                [e.orderId],
              );
              break;
            default:
              break;
          }
        }
      });
    } catch (err) {
      await this.rebuild(m);
      throw err;
    }
    this.publish(m, events);
  }

  private publish(m: MarketRuntime, events: MatchEvent[]): void {
    for (const e of events) {
      if (e.type === 'trade') {
        this.events.publish({
          type: 'trade',
          userId: null,
          data: {
            marketId: m.id,
            price: this.price(m, e.price),
            size: this.size(m, e.size),
            takerSide: e.takerSide,
            ...(m.hideAccounts
              ? {}
              : {
                  makerAccountId: e.makerAccount,
                  takerAccountId: e.takerAccount,
                  accounts: [e.makerAccount, e.takerAccount],
                }),
          },
        });
      }
    }
    this.events.publish({ type: 'book', userId: null, data: { marketId: m.id } });
  }

  private eventsView(m: MarketRuntime, events: MatchEvent[]): Record<string, unknown>[] {
    return events.map((e) => {
      switch (e.type) {
        case 'trade': {
          const t = { ...e, price: this.price(m, e.price), size: this.size(m, e.size) };
          if (!m.hideAccounts) return t;
          const { makerAccount: _m, takerAccount: _t, ...anonymous } = t;
          return anonymous;
        }
        case 'accepted':
          return { ...e, price: this.price(m, e.price), size: this.size(m, e.size) };
        case 'cancelled':
          return { ...e, remaining: this.size(m, e.remaining) };
        case 'amended':
          return { ...e, price: this.price(m, e.price), remaining: this.size(m, e.remaining) };
        case 'done': {
          const d = { ...e, filled: this.size(m, e.filled) };
          if (!m.hideAccounts) return d;
          const { account: _a, ...anonymous } = d;
          return anonymous;
        }
        case 'triggered':
          return { ...e, lastPrice: this.price(m, e.lastPrice) };
        default:
          return { ...e };
      }
    });
  }

  /** An order as served by the API. */
  private async orderView(m: MarketRuntime, id: number): Promise<Record<string, unknown>> {
    const [o] = await this.sql.query('SELECT * FROM ex_orders WHERE id = $1', [id]);
    if (!o) throw new NotFoundError('order-not-found', `no order ${id}`);
    return this.orderRowView(m, o);
  }

  /** An `ex_orders` row as served by the API. */
  private orderRowView(m: MarketRuntime, o: Row): Record<string, unknown> {
    return {
      id: toInt(o.id),
      marketId: m.id,
      accountId: toInt(o.account_id),
      side: o.side,
      type: o.type,
      price: o.price === null ? null : this.price(m, toInt(o.price)),
      stopPrice: o.stop_price === null ? null : this.price(m, toInt(o.stop_price)),
      size: this.size(m, toInt(o.size)),
      remaining: this.size(m, toInt(o.remaining)),
      filled: this.size(m, toInt(o.filled)),
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

  /** The user's orders (live ones first), newest first. */
  async orders(userId: number, opts: { live?: boolean; limit?: number } = {}): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(
      `SELECT o.* FROM ex_orders o JOIN ex_account_owners w ON w.account_id = o.account_id
        WHERE w.user_id = $1 ${opts.live ? `AND o.status IN ('open', 'pending')` : ''} ORDER BY o.id DESC LIMIT $2`,
      [userId, opts.limit ?? 100],
    );
    return rows.map((o) => this.orderRowView(this.marketOf(toInt(o.market_id)), o));
  }

  /** An account's portfolio: cash, available balance and positions. */
  async portfolio(userId: number, accountId: number): Promise<Record<string, unknown>> {
    await this.requireOwner(userId, accountId);
    const [a] = await this.sql.query('SELECT * FROM ex_accounts WHERE id = $1', [accountId]);
    const cash = toAtoms(String(a!.cash));
    const avail = await this.available(this.sql, accountId, cash);
    const positions = await this.sql.query(
      'SELECT market_id, position FROM ex_positions WHERE account_id = $1 AND position <> 0 ORDER BY market_id',
      [accountId],
    );
    return {
      accountId,
      name: a!.name,
      kind: a!.kind,
      cash: formatAtoms(cash),
      available: avail === null ? null : formatAtoms(avail),
      positions: positions.map((p) => {
        const m = this.marketOf(toInt(p.market_id));
        return { marketId: m.id, market: m.name, position: this.size(m, BigInt(String(p.position))) };
      }),
    };
  }

  /** The books as the engine holds them (for crash-recovery checks): every live order per market, in priority. */
  snapshot(): Record<number, unknown> {
    const out: Record<number, unknown> = {};
    for (const m of this.markets.values()) out[m.id] = { orders: m.book.allOrders(), last: m.book.lastPrice() };
    return out;
  }

  /** Resolves once every queued command has finished. */
  async drain(): Promise<void> {
    await this.queue;
  }

  // ---------------------------------------------------------------- gateway queries (Binance API)

  /** The market with gateway symbol `symbol` (exact, upper case), or null. Visibility is checked by the caller. */
  marketBySymbol(symbol: string): Record<string, unknown> | null {
    for (const m of this.markets.values()) if (m.symbol === symbol) return this.marketView(m);
    return null;
  }

  /**
   * One order of an account the user owns, by exchange id or by client order id (the newest with that id).
   * @throws NotFoundError `account-not-found` (not an owner), `order-not-found`.
   */
  async accountOrder(
    userId: number,
    accountId: number,
    by: { orderId: number } | { clientOrderId: string },
  ): Promise<Record<string, unknown>> {
    await this.requireOwner(userId, accountId);
    const [o] =
      'orderId' in by
        ? await this.sql.query('SELECT * FROM ex_orders WHERE id = $1 AND account_id = $2', [by.orderId, accountId])
        : await this.sql.query(
            'SELECT * FROM ex_orders WHERE account_id = $1 AND client_order_id = $2 ORDER BY id DESC LIMIT 1',
            [accountId, by.clientOrderId],
          );
    if (!o) throw new NotFoundError('order-not-found', 'no such order of this account');
    return this.orderRowView(this.marketOf(toInt(o.market_id)), o);
  }

  /**
   * Orders of an account the user owns, oldest first: with `fromId`, those with id ≥ fromId; otherwise the latest
   * `limit`. `live` keeps open and pending ones; `startTime`/`endTime` (ms since the epoch, inclusive) filter on
   * creation time. @throws NotFoundError `account-not-found`.
   */
  async accountOrders(
    userId: number,
    accountId: number,
    f: { marketId?: number; live?: boolean; fromId?: number; startTime?: number; endTime?: number; limit: number },
  ): Promise<Record<string, unknown>[]> {
    await this.requireOwner(userId, accountId);
    const where = ['account_id = $1'];
    const args: unknown[] = [accountId];
    const arg = (v: unknown): string => {
      args.push(v);
      return `$${args.length}`;
    };
    if (f.marketId !== undefined) where.push(`market_id = ${arg(f.marketId)}`);
    if (f.live) where.push(`status IN ('open', 'pending')`);
    if (f.fromId !== undefined) where.push(`id >= ${arg(f.fromId)}`);
    if (f.startTime !== undefined) where.push(`created_at >= ${arg(new Date(f.startTime))}`);
    if (f.endTime !== undefined) where.push(`created_at <= ${arg(new Date(f.endTime))}`);
    const order = f.fromId !== undefined ? 'ASC' : 'DESC';
    const rows = await this.sql.query(
      `SELECT * FROM ex_orders WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ${arg(f.limit)}`,
      args,
    );
    if (order === 'DESC') rows.reverse();
    return rows.map((o) => this.orderRowView(this.marketOf(toInt(o.market_id)), o));
  }

  /**
   * The account's own trades in a market, oldest first (one row per side the account took; a self-trade gives
   * two): with `fromId`, trades with id ≥ fromId; otherwise the latest `limit`. Each: `id` (trade id), `orderId`,
   * `side`, `maker`, `price`, `size`, `quoteQty` (price × size in cash, decimal text), `at` (ISO) and `time` (ms).
   * @throws NotFoundError `account-not-found`, `market-not-found`.
   */
  async accountTrades(
    userId: number,
    accountId: number,
    f: { marketId: number; fromId?: number; startTime?: number; endTime?: number; limit: number },
  ): Promise<Record<string, unknown>[]> {
    await this.requireOwner(userId, accountId);
    const m = this.marketOf(f.marketId);
    const where = ['market_id = $2', '(maker_account_id = $1 OR taker_account_id = $1)'];
    const args: unknown[] = [accountId, m.id];
    const arg = (v: unknown): string => {
      args.push(v);
      return `$${args.length}`;
    };
    if (f.fromId !== undefined) where.push(`id >= ${arg(f.fromId)}`);
    if (f.startTime !== undefined) where.push(`at >= ${arg(new Date(f.startTime))}`);
    if (f.endTime !== undefined) where.push(`at <= ${arg(new Date(f.endTime))}`);
    const order = f.fromId !== undefined ? 'ASC' : 'DESC';
    const rows = await this.sql.query(
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
        price: this.price(m, price),
        size: this.size(m, size),
        quoteQty: formatAtoms(BigInt(price) * BigInt(size) * m.margin.atomsPerTickLot),
        at: at.toISOString(),
        time: at.getTime(),
      };
      const takerSide = String(t.taker_side) as Side;
      if (toInt(t.maker_account_id) === accountId)
        out.push({
          ...base,
          orderId: toInt(t.maker_order_id),
          side: takerSide === 'buy' ? 'sell' : 'buy',
          maker: true,
        });
      if (toInt(t.taker_account_id) === accountId)
        out.push({ ...base, orderId: toInt(t.taker_order_id), side: takerSide, maker: false });
    }
    return out;
  }

  /**
   * Cancels every live (open or pending) order of an account in a market. Returns the cancelled orders.
   * @throws NotFoundError `account-not-found`, `market-not-found`.
   */
  async cancelAllOrders(userId: number, accountId: number, marketId: number): Promise<Record<string, unknown>[]> {
    await this.requireOwner(userId, accountId);
    const m = this.marketOf(marketId);
    return this.serial(async () => {
      const events: MatchEvent[] = [];
      const ids: number[] = [];
      for (const o of m.book.allOrders())
        if (o.account === accountId) {
          m.book.cancel(o.id, events);
          ids.push(o.id);
        }
      if (ids.length === 0) return [];
      await this.persist(m, events, null);
      const rows = await this.sql.query('SELECT * FROM ex_orders WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
      return rows.map((o) => this.orderRowView(m, o));
    });
  }

  // ---------------------------------------------------------------- change feeds (WebSocket API)

  /**
   * The current ends of the change feeds: the last order-history row, trade and transfer ids (0 when none). Every
   * write runs through the command queue and events are published after commit, so ids at or below these are final.
   */
  async feedCursors(): Promise<{ orders: number; trades: number; transfers: number }> {
    const [r] = await this.sql.query(
      `SELECT (SELECT coalesce(max(id), 0) FROM ex_order_history)::bigint AS o,
              (SELECT coalesce(max(id), 0) FROM ex_trades)::bigint AS t,
              (SELECT coalesce(max(id), 0) FROM ex_transfers)::bigint AS x`,
    );
    return { orders: toInt(r!.o), trades: toInt(r!.t), transfers: toInt(r!.x) };
  }

  /**
   * The user's orders with an order-history row in (`after`, `upTo`], each in its current view, in the order of
   * their last change.
   */
  async orderChanges(userId: number, after: number, upTo: number): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(
      `SELECT o.* FROM ex_orders o JOIN (
          SELECT h.order_id, max(h.id) AS last FROM ex_order_history h
            JOIN ex_orders x ON x.id = h.order_id JOIN ex_account_owners w ON w.account_id = x.account_id
           WHERE h.id > $2 AND h.id <= $3 AND w.user_id = $1 GROUP BY h.order_id
        ) c ON c.order_id = o.id ORDER BY c.last`,
      [userId, after, upTo],
    );
    return rows.map((o) => this.orderRowView(this.marketOf(toInt(o.market_id)), o));
  }

  /**
   * Fills of the user's accounts: one per trade side the user owns (both when the user traded with themself).
   * With `after`/`upTo`: trades in (`after`, `upTo`], oldest first; without: the latest `limit`, newest first.
   */
  async fills(
    userId: number,
    range: { after: number; upTo: number } | null,
    limit = 100,
  ): Promise<Record<string, unknown>[]> {
    const owned = `SELECT account_id FROM ex_account_owners WHERE user_id = $1`;
    const rows = range
      ? await this.sql.query(
          `SELECT * FROM ex_trades WHERE id > $2 AND id <= $3
              AND (maker_account_id IN (${owned}) OR taker_account_id IN (${owned})) ORDER BY id`,
          [userId, range.after, range.upTo],
        )
      : await this.sql.query(
          `SELECT * FROM ex_trades WHERE maker_account_id IN (${owned}) OR taker_account_id IN (${owned})
            ORDER BY id DESC LIMIT $2`,
          [userId, limit],
        );
    const mine = new Set((await this.sql.query(owned, [userId])).map((r) => toInt(r.account_id)));
    const out: Record<string, unknown>[] = [];
    for (const t of rows) {
      const m = this.marketOf(toInt(t.market_id));
      const takerSide = String(t.taker_side);
      const base = {
        tradeId: toInt(t.id),
        marketId: m.id,
        price: this.price(m, toInt(t.price)),
        size: this.size(m, toInt(t.size)),
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

  /** Transfers into or out of the user's accounts with ids in (`after`, `upTo`], oldest first. */
  async transferChanges(userId: number, after: number, upTo: number): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(`${TRANSFERS_OF_USER} AND t.id > $2 AND t.id <= $3 ORDER BY t.id`, [
      userId,
      after,
      upTo,
    ]);
    return rows.map(transferView);
  }
}

/** Transfers touching any account the user ($1) owns. */
const TRANSFERS_OF_USER = `SELECT t.* FROM ex_transfers t
  WHERE (t.from_account_id IN (SELECT account_id FROM ex_account_owners WHERE user_id = $1)
     OR t.to_account_id IN (SELECT account_id FROM ex_account_owners WHERE user_id = $1))`;

/** A transfer as served (amount as decimal text). */
function transferView(t: Row): Record<string, unknown> {
  return {
    id: toInt(t.id),
    fromAccountId: t.from_account_id === null ? null : toInt(t.from_account_id),
    toAccountId: toInt(t.to_account_id),
    amount: formatAtoms(toAtoms(String(t.amount))),
    note: t.note,
    at: new Date(t.at as string | Date).toISOString(),
  };
}
