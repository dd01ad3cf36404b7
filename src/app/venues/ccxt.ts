/**
 * The CCXT venue: one connection's account on Binance, Bybit or OKX (spot or USDⓈ-M linear perpetuals) through
 * CCXT pro's class of the exchange, or on the simulated exchange (`sim`) through its Binance-compatible gateway with
 * CCXT's own `binance` class (src/server/binance/README.md).
 *
 * Invariants:
 * - Every method throws {@link VenueError} only (src/app/venues/errors.ts maps CCXT's errors; messages never carry
 *   credentials).
 * - Numbers leave as decimal text (CCXT's floats through {@link numberToDecimalText}, exact for ≤ 15 significant
 *   digits) and times as ms UTC.
 * - Every order carries its client order id (CCXT's unified `clientOrderId`: Binance `newClientOrderId`, Bybit
 *   `orderLinkId`, OKX `clOrdId`).
 * - {@link CcxtVenue.watch} ends every loop and timer it started when stopped; {@link CcxtVenue.close} closes the
 *   WebSocket clients.
 */
import { Agent } from 'node:http';
import ccxt, { type Exchange, type MarketInterface, type Order, type Trade } from 'ccxt';
import { notionalAtoms, priceToTicks, qtyToLots, toSpec, type Instrument } from '../../core/instruments/instrument.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import { decimalPlaces, fromScaled, numberToDecimalText, toScaled } from '../../core/money/decimal.ts';
import { toVenueError } from './errors.ts';
import {
  VenueError,
  type MarketType,
  type Venue,
  type VenueBalance,
  type VenueCapabilities,
  type VenueConfig,
  type VenueFill,
  type VenueKind,
  type VenueMarket,
  type VenueOcoRequest,
  type VenueOrder,
  type VenueOrderRequest,
  type VenueOrderStatus,
  type VenuePosition,
  type VenueTicker,
  type VenueWatchHandlers,
} from './types.ts';

/** Exchanges the `ccxt` kind accepts. */
export const CCXT_EXCHANGES = ['binance', 'bybit', 'okx'] as const;

/** How long cached markets are used before {@link CcxtVenue.markets} reloads them, ms. */
export const MARKETS_TTL_MS = 3_600_000;

/** Page size of {@link CcxtVenue.fills}. */
const FILLS_PAGE = 1000;

/** Binance's longest history window (startTime to endTime), ms. */
const DAY_MS = 86_400_000;

/** How far back {@link CcxtVenue.fills} looks on Binance, days (one request per empty day). */
const BINANCE_DAYS = 400;

/** CCXT's TICK_SIZE precision mode (precision values are step sizes, not decimal places). */
const TICK_SIZE = 4;

/** A finite number (or numeric string) as decimal text; null when absent. */
function dec(n: unknown): string | null {
  if (n === undefined || n === null || n === '') return null;
  const v = typeof n === 'number' ? n : Number(n);
  if (!Number.isFinite(v)) return null;
  return numberToDecimalText(v);
}

/** Decimal text, `fallback` when absent. */
const decOr = (n: unknown, fallback: string): string => dec(n) ?? fallback;

/** `a × b`, exact, of decimal text. */
export function mulDecimal(a: string, b: string): string {
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  return fromScaled(toScaled(a, da) * toScaled(b, db), da + db);
}

/**
 * `a ÷ b`, exact, of decimal text (a quantity in base units → contracts of `b` base units each).
 * @throws VenueError `precision` when the quotient is not exact to 18 decimal places or `b` is zero
 */
export function divDecimal(a: string, b: string): string {
  const d = Math.max(decimalPlaces(a), decimalPlaces(b));
  const num = toScaled(a, d) * 10n ** 18n;
  const den = toScaled(b, d);
  if (den === 0n || num % den !== 0n)
    throw new VenueError('precision', `${a} is not a whole multiple of the contract size ${b}`);
  return fromScaled(num / den, 18);
}

/** A precision value as a step: itself in TICK_SIZE mode, 10^-p in DECIMAL_PLACES mode. */
function stepOf(p: number | undefined, mode: number | undefined): string | null {
  if (p === undefined || p === null || !Number.isFinite(p)) return null;
  if (mode === TICK_SIZE) return dec(p);
  return p <= 0 ? '1' : `0.${'0'.repeat(p - 1)}1`;
}

/**
 * Rewrites an exchange's REST and WebSocket urls to `base` (`http://host:port[/prefix]`): every `https://host` →
 * `base`; for Binance the spot stream → `ws://host:port[/prefix]/ws` and the WebSocket API → `.../ws-api/v3` (the
 * gateway's paths); for other exchanges every `wss://host` → `ws://host:port[/prefix]`.
 */
function rebase(ex: Exchange, base: string, binanceLike: boolean): void {
  const root = base.replace(/\/+$/, '');
  const wsRoot = root.replace(/^http/, 'ws');
  const walk = (node: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') {
        node[k] = v.replace(/^https?:\/\/[^/]+/, root).replace(/^wss?:\/\/[^/]+/, wsRoot);
      } else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>);
    }
  };
  const api = ex.urls.api as Record<string, unknown>;
  walk(api);
  if (binanceLike) {
    const ws = api.ws as Record<string, unknown> | undefined;
    if (ws) {
      ws.spot = `${wsRoot}/ws`;
      const wsApi = ws['ws-api'] as Record<string, string> | undefined;
      if (wsApi) wsApi.spot = `${wsRoot}/ws-api/v3`;
    }
  }
}

/**
 * Marks every future of `ex`'s WebSocket clients as handled. CCXT 4.5's binance creates a future nobody awaits
 * (`ensureUserDataStreamWsSubscribeSignature`: `client.future('authenticate:signature:spot')` "ahead of the request")
 * and rejects it when the connection fails, an unhandled rejection that would end the process. The no-op handler
 * changes nothing for the callers awaiting a future: they still get its rejection.
 */
function quietFutures(ex: Exchange): void {
  type Client = { future(hash: string): Promise<unknown>; testudoQuiet?: true };
  const target = ex as unknown as { client(url: string): Client };
  const client = target.client.bind(ex);
  target.client = (url: string): Client => {
    const c = client(url);
    if (!c.testudoQuiet) {
      const future = c.future.bind(c);
      c.future = (hash: string) => {
        const f = future(hash);
        f.catch(() => undefined);
        return f;
      };
      c.testudoQuiet = true;
    }
    return c;
  };
}

/**
 * Lets `ex` load its markets again after a failed load. CCXT keeps the rejected promise of a failed `loadMarkets` and
 * every later call that needs the markets (`fetchBalance`, `createOrder`…) awaits it again, so a venue that was
 * unreachable once would fail forever; here a failed load is forgotten and the next call loads anew.
 */
function retryableMarkets(ex: Exchange): void {
  const t = ex as unknown as {
    loadMarkets: (...a: unknown[]) => Promise<unknown>;
    marketsLoading?: Promise<unknown> | undefined;
  };
  const load = t.loadMarkets.bind(ex);
  t.loadMarkets = (...a: unknown[]): Promise<unknown> => {
    const p = load(...a);
    const mine = t.marketsLoading;
    return p.catch((e: unknown) => {
      if (t.marketsLoading === mine) t.marketsLoading = undefined;
      throw e;
    });
  };
}

/** Options that keep market loading to the connection's type (and skip private or irrelevant calls). */
function exchangeOptions(id: string, marketType: MarketType): Record<string, unknown> {
  const defaultType = marketType === 'swap' ? 'swap' : 'spot';
  switch (id) {
    case 'binance':
      return {
        defaultType,
        fetchMarkets: { types: marketType === 'swap' ? ['linear'] : ['spot'] },
        fetchCurrencies: false,
        fetchMargins: false,
        warnOnFetchOpenOrdersWithoutSymbol: false,
        fetchOpenOrders: { warnWithoutSymbol: false },
      };
    case 'bybit':
      return { defaultType, fetchMarkets: { types: marketType === 'swap' ? ['linear'] : ['spot'] } };
    case 'okx':
      return { defaultType, fetchMarkets: { types: [defaultType] } };
    default:
      return { defaultType };
  }
}

/** The unified order type of a CCXT order. */
function orderType(o: Order): VenueOrder['type'] {
  const info = (o.info ?? {}) as Record<string, unknown>;
  const raw = String(info.type ?? info.orderType ?? info.ordType ?? '').toUpperCase();
  const trigger = o.triggerPrice ?? o.stopPrice;
  if (raw === 'STOP_LOSS' || raw === 'STOP_MARKET') return 'stop-market';
  if (raw === 'LIMIT_MAKER') return 'limit';
  if (raw === 'STOP_LOSS_LIMIT' || raw.startsWith('TAKE_PROFIT') || raw === 'STOP') return 'other';
  if (o.type === 'market') return trigger ? 'stop-market' : 'market';
  if (o.type === 'limit') return trigger ? 'other' : 'limit';
  return 'other';
}

/**
 * Checks an order against the market's grid and minimums before it is sent: CCXT would round an off-grid price or
 * quantity silently (`priceToPrecision`), and an order must go out exactly as decided.
 * @throws VenueError `precision` (off the tick or lot grid, not positive), `min-notional` (below the minimum quantity
 *   or notional; the notional is checked at `price`, the limit or trigger price, when there is one)
 */
function checkOrder(m: VenueMarket, qty: string, prices: (string | undefined)[]): void {
  const spec = toSpec(m.instrument);
  const lots = qtyToLots(spec, qty);
  if (!lots.ok)
    throw new VenueError('precision', `quantity ${qty} is not on the ${m.symbol} lot grid (${m.instrument.lotSize})`);
  if (lots.value < spec.minQtyLots)
    throw new VenueError('min-notional', `quantity ${qty} is below the ${m.symbol} minimum of ${m.instrument.minQty}`);
  for (const p of prices) {
    if (p === undefined) continue;
    const ticks = priceToTicks(spec, p);
    if (!ticks.ok)
      throw new VenueError('precision', `price ${p} is not on the ${m.symbol} tick grid (${m.instrument.tickSize})`);
    if (notionalAtoms(spec, ticks.value, lots.value) < spec.minNotionalAtoms)
      throw new VenueError(
        'min-notional',
        `${qty} at ${p} is below the ${m.symbol} minimum notional of ${m.instrument.minNotional}`,
      );
  }
}

/** How many delivered order states and fill ids a watch remembers to drop repeats (oldest forgotten first). */
const WATCH_MEMORY = 20_000;

/** Adds `key` to `seen` (bounded by {@link WATCH_MEMORY}); false when it was there already. */
function remember(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  if (seen.size > WATCH_MEMORY) seen.delete(seen.values().next().value!);
  return true;
}

const STATUSES: readonly VenueOrderStatus[] = ['open', 'closed', 'canceled', 'rejected', 'expired'];

/** A venue built on CCXT (kinds `ccxt` and `sim`). Construct with {@link createVenue} (registry.ts) or directly. */
export class CcxtVenue implements Venue {
  readonly kind: VenueKind;
  readonly exchange: string;
  readonly marketType: MarketType;
  readonly capabilities: VenueCapabilities;
  /** The CCXT pro instance (tests and diagnostics only: e.g. pointing its stream url elsewhere). */
  readonly client: Exchange;
  private readonly secrets: (string | undefined)[];
  private marketCache: { at: number; list: VenueMarket[]; bySymbol: Map<string, VenueMarket> } | undefined;
  private loading: Promise<VenueMarket[]> | undefined;
  /** Client order ids of venue order ids seen (fills from REST carry no client id). */
  private readonly clientIds = new Map<string, string>();
  private readonly stops = new Set<() => Promise<void>>();
  /** The shared order and fill stream of {@link CcxtVenue.watch} (see there). */
  private readonly stream: {
    watchers: Set<Watcher>;
    run: StreamRun | undefined;
    /** Whether the stream failed and has not delivered since (watchers poll meanwhile). */
    down: boolean;
    closing: Promise<void> | undefined;
  } = { watchers: new Set(), run: undefined, down: false, closing: undefined };
  /**
   * Whether the venue keeps stop orders in a separate list that CCXT reaches with `{ trigger: true }`: Binance
   * USDⓈ-M (algo orders), OKX (algo orders), Bybit spot (`orderFilter: StopOrder`). Binance spot's STOP_LOSS is an
   * ordinary order.
   */
  private readonly triggerList: boolean;
  /** Venue ids of the stop orders placed here (cancelled and fetched with `{ trigger: true }` on such venues). */
  private readonly triggerIds = new Set<string>();
  private readonly fillsPage: number;
  private readonly agent: Agent | undefined;

  /**
   * @param config kind `sim` (needs `baseUrl`: the gateway, `http://host:port/binance`) or `ccxt` (`exchange` one of
   *   {@link CCXT_EXCHANGES})
   * @param opts `fillsPage`: page size of {@link CcxtVenue.fills} (default 1000, the venues' maximum; tests use a
   *   small one to walk the pages)
   * @throws Error when the exchange is not a CCXT pro class or `sim` has no base url
   */
  constructor(
    private readonly config: VenueConfig,
    opts: { fillsPage?: number } = {},
  ) {
    this.fillsPage = opts.fillsPage ?? FILLS_PAGE;
    // a plain ws:// url needs an http agent (CCXT refuses otherwise); closed with the venue
    this.agent = config.baseUrl?.startsWith('http://') ? new Agent({ keepAlive: true }) : undefined;
    if (config.kind !== 'sim' && config.kind !== 'ccxt') throw new Error(`CcxtVenue cannot serve kind ${config.kind}`);
    const id = config.kind === 'sim' ? 'binance' : config.exchange;
    if (config.kind === 'sim' && !config.baseUrl) throw new Error('a sim venue needs the gateway base url');
    const Ctor = (ccxt.pro as unknown as Record<string, unknown>)[id];
    if (typeof Ctor !== 'function') throw new Error(`unsupported exchange: ${id}`);
    const c = config.credentials;
    this.secrets = [c.apiKey, c.secret, c.password, c.privateKey];
    this.client = new (Ctor as new (cfg: Record<string, unknown>) => Exchange)({
      ...(c.apiKey !== undefined ? { apiKey: c.apiKey } : {}),
      ...(c.secret !== undefined ? { secret: c.secret } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      enableRateLimit: true,
      timeout: 10_000,
      options: exchangeOptions(id, config.marketType),
      ...(this.agent ? { httpAgent: this.agent } : {}),
    });
    quietFutures(this.client);
    retryableMarkets(this.client);
    if (config.sandbox) this.client.setSandboxMode(true);
    if (config.baseUrl) rebase(this.client, config.baseUrl, id === 'binance');
    this.triggerList =
      id === 'okx' ||
      (id === 'binance' && config.marketType === 'swap') ||
      (id === 'bybit' && config.marketType === 'spot');
    this.kind = config.kind;
    this.exchange = config.kind === 'sim' ? 'testudo' : id;
    this.marketType = config.marketType;
    const spot = config.marketType === 'spot';
    this.capabilities = {
      oco: id === 'binance' && spot,
      reduceOnly: !spot,
      stopMarket: true,
      watch: Boolean(this.client.has.watchOrders && this.client.has.watchMyTrades),
      positions: !spot,
    };
  }

  /** Runs a CCXT call, mapping its errors. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toVenueError(e, `${this.exchange} ${what}`, this.secrets);
    }
  }

  /**
   * Base units per contract of `symbol` as decimal text ("1" on spot and where CCXT knows no size). Testudo's
   * quantities are base units everywhere; CCXT's amounts on contract markets (OKX swaps: 0.01 BTC a contract) are
   * contracts, so they are converted at this boundary.
   */
  private contractSize(symbol: string | undefined): string {
    const m = symbol ? (this.client.markets?.[symbol] as MarketInterface | undefined) : undefined;
    const cs = m?.contract ? dec(m.contractSize) : null;
    return cs && cs !== '0' ? cs : '1';
  }

  /** A CCXT amount (contracts on contract markets) as base units; null when absent. */
  private baseQty(symbol: string | undefined, amount: unknown): string | null {
    const q = dec(amount);
    if (q === null) return null;
    const cs = this.contractSize(symbol);
    return cs === '1' ? q : mulDecimal(q, cs);
  }

  // ── markets ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** @inheritdoc */
  async markets(refresh = false): Promise<VenueMarket[]> {
    const c = this.marketCache;
    if (!refresh && c && Date.now() - c.at < MARKETS_TTL_MS) return c.list;
    if (this.loading) return this.loading;
    this.loading = this.call('load markets', async () => {
      const all = await this.client.loadMarkets(Boolean(c) || refresh);
      const list: VenueMarket[] = [];
      for (const m of Object.values(all)) {
        const v = m ? this.toMarket(m) : null;
        if (v) list.push(v);
      }
      list.sort((a, b) => a.symbol.localeCompare(b.symbol));
      this.marketCache = { at: Date.now(), list, bySymbol: new Map(list.map((x) => [x.symbol, x])) };
      return list;
    });
    try {
      return await this.loading;
    } finally {
      this.loading = undefined;
    }
  }

  /** A CCXT market as a {@link VenueMarket}; null when of another type or not representable on an integer grid. */
  private toMarket(m: MarketInterface): VenueMarket | null {
    const swap = this.marketType === 'swap';
    if (swap ? !(m.swap && m.linear) : !m.spot) return null;
    const mode = this.client.precisionMode;
    const tick = stepOf(m.precision.price, mode);
    const lot = stepOf(m.precision.amount, mode);
    if (!tick || !lot) return null;
    const sim = this.kind === 'sim';
    // amounts of contract markets are contracts: the instrument is in base units
    const cs = m.contract ? dec(m.contractSize) : null;
    const base = (q: string): string => (cs && cs !== '0' && cs !== '1' ? mulDecimal(q, cs) : q);
    const instrument: Instrument = {
      symbol: m.symbol,
      base: m.base,
      quote: m.quote,
      tickSize: tick,
      lotSize: base(lot),
      minQty: base(decOr(m.limits?.amount?.min, lot)),
      minNotional: decOr(m.limits?.cost?.min, '0'),
      makerFee: sim ? '0' : decOr(m.maker, '0'),
      takerFee: sim ? '0' : decOr(m.taker, '0'),
    };
    try {
      toSpec(instrument);
    } catch {
      return null; // a grid Testudo cannot size on exactly (tick × lot below one money atom)
    }
    return { symbol: m.symbol, id: String(m.id), type: this.marketType, instrument, active: m.active !== false };
  }

  /** @inheritdoc */
  async market(symbol: string): Promise<VenueMarket> {
    await this.markets();
    const m = this.marketCache?.bySymbol.get(symbol);
    if (!m) throw new VenueError('unknown-symbol', `${this.exchange} has no ${this.marketType} market ${symbol}`);
    return m;
  }

  /** @inheritdoc */
  async ticker(symbol: string): Promise<VenueTicker> {
    await this.market(symbol);
    const t = await this.call(`ticker ${symbol}`, () => this.client.fetchTicker(symbol));
    return { symbol, last: dec(t.last), bid: dec(t.bid), ask: dec(t.ask), time: t.timestamp ?? Date.now() };
  }

  /** @inheritdoc */
  async ohlcv(symbol: string, timeframe: string, since: number, limit?: number): Promise<Candle[]> {
    await this.market(symbol);
    const rows = await this.call(`ohlcv ${symbol} ${timeframe}`, () =>
      this.client.fetchOHLCV(symbol, timeframe, since, limit),
    );
    const out: Candle[] = [];
    for (const r of rows) {
      const [time, o, h, l, c, v] = r;
      if (time === undefined || o == null || h == null || l == null || c == null) continue;
      out.push({ time, open: dec(o)!, high: dec(h)!, low: dec(l)!, close: dec(c)!, volume: decOr(v, '0') });
    }
    return out.sort((a, b) => a.time - b.time);
  }

  // ── account ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** @inheritdoc */
  async test(): Promise<{ balances: VenueBalance[] }> {
    return { balances: await this.balances() };
  }

  /** @inheritdoc */
  async balances(): Promise<VenueBalance[]> {
    const b = await this.call('balances', () => this.client.fetchBalance());
    const total = (b.total ?? {}) as unknown as Record<string, number | undefined>;
    const free = (b.free ?? {}) as unknown as Record<string, number | undefined>;
    const used = (b.used ?? {}) as unknown as Record<string, number | undefined>;
    return Object.keys(total)
      .sort()
      .map((asset) => ({
        asset,
        free: decOr(free[asset], '0'),
        used: decOr(used[asset], '0'),
        total: decOr(total[asset], '0'),
      }));
  }

  /** @inheritdoc */
  async positions(): Promise<VenuePosition[]> {
    if (this.marketType !== 'swap') return [];
    await this.markets();
    const ps = await this.call('positions', () => this.client.fetchPositions());
    const out: VenuePosition[] = [];
    for (const p of ps) {
      const qty = this.baseQty(p.symbol, p.contracts);
      if (!qty || qty === '0' || !p.symbol) continue;
      out.push({
        symbol: p.symbol,
        side: p.side === 'short' ? 'short' : 'long',
        qty: qty.replace(/^-/, ''),
        entryPrice: dec(p.entryPrice),
      });
    }
    return out;
  }

  // ── orders ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /** A CCXT order as a {@link VenueOrder}. */
  private toOrder(o: Order, fallbackSymbol?: string): VenueOrder {
    const info = (o.info ?? {}) as Record<string, unknown>;
    const list = info.orderListId;
    const clientOrderId = o.clientOrderId ?? null;
    if (clientOrderId && o.id) this.clientIds.set(String(o.id), clientOrderId);
    const status = STATUSES.includes(o.status as VenueOrderStatus) ? (o.status as VenueOrderStatus) : 'open';
    return {
      id: String(o.id),
      clientOrderId,
      symbol: o.symbol ?? fallbackSymbol ?? '',
      side: o.side === 'sell' ? 'sell' : 'buy',
      type: orderType(o),
      status,
      qty: this.baseQty(o.symbol ?? fallbackSymbol, o.amount) ?? '0',
      filled: this.baseQty(o.symbol ?? fallbackSymbol, o.filled) ?? '0',
      price: o.type === 'market' ? null : dec(o.price),
      stopPrice: dec(o.triggerPrice ?? o.stopPrice),
      average: o.filled ? dec(o.average) : null,
      reduceOnly: o.reduceOnly === true,
      listId: list !== undefined && list !== null && String(list) !== '-1' ? String(list) : null,
      updatedAt: o.lastUpdateTimestamp ?? o.lastTradeTimestamp ?? o.timestamp ?? Date.now(),
    };
  }

  /** A CCXT trade as a {@link VenueFill}. */
  private toFill(t: Trade): VenueFill {
    const info = (t.info ?? {}) as Record<string, unknown>;
    const orderId = String(t.order ?? '');
    const cid =
      (typeof info.c === 'string' ? info.c : undefined) ??
      (typeof info.orderLinkId === 'string' && info.orderLinkId ? info.orderLinkId : undefined) ??
      (typeof info.clOrdId === 'string' && info.clOrdId ? info.clOrdId : undefined) ??
      this.clientIds.get(orderId) ??
      null;
    return {
      id: String(t.id),
      orderId,
      clientOrderId: cid,
      symbol: t.symbol ?? '',
      side: t.side === 'sell' ? 'sell' : 'buy',
      price: decOr(t.price, '0'),
      qty: this.baseQty(t.symbol, t.amount) ?? '0',
      fee: decOr(t.fee?.cost, '0'),
      feeCurrency: t.fee?.currency ?? null,
      liquidity: t.takerOrMaker === 'maker' || t.takerOrMaker === 'taker' ? t.takerOrMaker : null,
      time: t.timestamp ?? Date.now(),
    };
  }

  /** @inheritdoc */
  async placeOrder(r: VenueOrderRequest): Promise<VenueOrder> {
    checkOrder(await this.market(r.symbol), r.qty, [r.price, r.stopPrice]);
    const swap = this.marketType === 'swap';
    const params: Record<string, unknown> = { clientOrderId: r.clientOrderId };
    if (swap && r.reduceOnly) params.reduceOnly = true;
    let type: 'limit' | 'market' = 'market';
    let price: number | undefined;
    if (r.type === 'limit') {
      if (r.price === undefined) throw new VenueError('rejected', 'a limit order needs a price');
      type = 'limit';
      price = Number(r.price);
    } else if (r.type === 'stop-market') {
      if (r.stopPrice === undefined) throw new VenueError('rejected', 'a stop-market order needs a stop price');
      // Binance spot: STOP_LOSS with stopPrice; USDⓈ-M: STOP_MARKET; Bybit/OKX: a conditional market order
      params.triggerPrice = r.stopPrice;
    }
    const cs = this.contractSize(r.symbol);
    const amount = Number(cs === '1' ? r.qty : divDecimal(r.qty, cs));
    const o = await this.call(`place order ${r.clientOrderId}`, () =>
      this.client.createOrder(r.symbol, type, r.side, amount, price, params),
    );
    const v = this.toOrder(o, r.symbol);
    if (r.type === 'stop-market' && this.triggerList) this.triggerIds.add(v.id);
    // Binance answers ACK-like fields only for some types: fill what the request said
    return {
      ...v,
      clientOrderId: v.clientOrderId ?? r.clientOrderId,
      qty: v.qty === '0' ? r.qty : v.qty,
      type: v.type === 'other' ? r.type : v.type,
      stopPrice: v.stopPrice ?? r.stopPrice ?? null,
      reduceOnly: v.reduceOnly || (swap && r.reduceOnly === true),
    };
  }

  /** @inheritdoc */
  async placeOco(r: VenueOcoRequest): Promise<{ listId: string; stop: VenueOrder; target: VenueOrder }> {
    if (!this.capabilities.oco)
      throw new VenueError('rejected', `${this.exchange} ${this.marketType} has no exchange-side OCO`);
    const m = await this.market(r.symbol);
    checkOrder(m, r.qty, [r.targetPrice, r.stopPrice]);
    const target = { Type: 'LIMIT_MAKER', Price: r.targetPrice, ClientOrderId: r.targetClientOrderId };
    const stop = { Type: 'STOP_LOSS', StopPrice: r.stopPrice, ClientOrderId: r.stopClientOrderId };
    // exit sell: the target above the price, the stop below; exit buy the other way round
    const [above, below] = r.side === 'sell' ? [target, stop] : [stop, target];
    const request: Record<string, string> = {
      symbol: m.id,
      side: r.side.toUpperCase(),
      quantity: r.qty,
      listClientOrderId: r.listClientId,
      newOrderRespType: 'FULL',
    };
    for (const [k, v] of Object.entries(above)) request[`above${k}`] = v;
    for (const [k, v] of Object.entries(below)) request[`below${k}`] = v;
    const api = this.client as unknown as Record<string, (p: Record<string, string>) => Promise<unknown>>;
    const res = (await this.call(`place OCO ${r.listClientId}`, () =>
      api.privatePostOrderListOco!.call(this.client, request),
    )) as Record<string, unknown>;
    const listId = String(res.orderListId);
    const reports = (Array.isArray(res.orderReports) ? res.orderReports : []) as Record<string, unknown>[];
    const parse = (cid: string, type: 'limit' | 'stop-market', price: string): VenueOrder => {
      const rep = reports.find((x) => x.clientOrderId === cid);
      const ref = ((res.orders ?? []) as Record<string, unknown>[]).find((x) => x.clientOrderId === cid);
      const o = rep
        ? this.toOrder(this.client.parseOrder(rep, this.client.market(r.symbol)), r.symbol)
        : {
            id: String(ref?.orderId ?? ''),
            clientOrderId: cid,
            symbol: r.symbol,
            side: r.side,
            type,
            status: 'open' as const,
            qty: r.qty,
            filled: '0',
            price: type === 'limit' ? price : null,
            stopPrice: type === 'stop-market' ? price : null,
            average: null,
            reduceOnly: false,
            listId,
            updatedAt: Date.now(),
          };
      if (o.id) this.clientIds.set(o.id, cid);
      return { ...o, listId, clientOrderId: cid };
    };
    return {
      listId,
      stop: parse(r.stopClientOrderId, 'stop-market', r.stopPrice),
      target: parse(r.targetClientOrderId, 'limit', r.targetPrice),
    };
  }

  /** @inheritdoc */
  async cancelOrder(symbol: string, id: string): Promise<VenueOrder | null> {
    await this.market(symbol);
    const cancel = (trigger: boolean): Promise<Order> =>
      this.call(`cancel order ${id}`, () => this.client.cancelOrder(id, symbol, trigger ? { trigger: true } : {}));
    return this.eitherList(this.triggerIds.has(id), async (trigger) => this.toOrder(await cancel(trigger), symbol));
  }

  /**
   * Runs `fn` on the list where the order is expected (`trigger`), then — on venues with a separate stop-order list
   * and when the order was not found — on the other list.
   * @returns null when neither list has the order
   */
  private async eitherList<T>(trigger: boolean, fn: (trigger: boolean) => Promise<T>): Promise<T | null> {
    const tries = this.triggerList ? [trigger, !trigger] : [false];
    for (const t of tries) {
      try {
        return await fn(t);
      } catch (e) {
        if (!(e instanceof VenueError && e.code === 'order-not-found')) throw e;
      }
    }
    return null;
  }

  /** @inheritdoc */
  async cancelOco(symbol: string, listId: string): Promise<boolean> {
    if (!this.capabilities.oco)
      throw new VenueError('rejected', `${this.exchange} ${this.marketType} has no exchange-side OCO`);
    const m = await this.market(symbol);
    const api = this.client as unknown as Record<string, (p: Record<string, string>) => Promise<unknown>>;
    try {
      await this.call(`cancel OCO ${listId}`, () =>
        api.privateDeleteOrderList!.call(this.client, { symbol: m.id, orderListId: listId }),
      );
      return true;
    } catch (e) {
      if (e instanceof VenueError && e.code === 'order-not-found') return false;
      throw e;
    }
  }

  /** @inheritdoc */
  async fetchOrder(symbol: string, ref: { id?: string; clientOrderId?: string }): Promise<VenueOrder | null> {
    await this.market(symbol);
    if (ref.id === undefined && ref.clientOrderId === undefined)
      throw new VenueError('order-not-found', 'fetchOrder needs an order id or a client order id');
    const base: Record<string, unknown> = {};
    if (ref.id === undefined) base.clientOrderId = ref.clientOrderId;
    if (this.client.id === 'bybit') base.acknowledged = true;
    const trigger = ref.id !== undefined && this.triggerIds.has(ref.id);
    return this.eitherList(trigger, async (t) => {
      const params = t ? { ...base, trigger: true } : base;
      const o = await this.call(`fetch order ${ref.id ?? ref.clientOrderId}`, () =>
        this.client.fetchOrder(ref.id ?? '', symbol, params),
      );
      return this.toOrder(o, symbol);
    });
  }

  /** @inheritdoc */
  async openOrders(symbol?: string): Promise<VenueOrder[]> {
    if (symbol !== undefined) await this.market(symbol);
    else await this.markets();
    const what = `open orders ${symbol ?? ''}`.trim();
    const os = await this.call(what, () => this.client.fetchOpenOrders(symbol));
    if (this.triggerList) {
      const ids = new Set(os.map((o) => o.id));
      const stops = await this.call(what, () =>
        this.client.fetchOpenOrders(symbol, undefined, undefined, { trigger: true }),
      );
      for (const o of stops) {
        if (ids.has(o.id)) continue;
        this.triggerIds.add(String(o.id));
        os.push(o);
      }
    }
    return os.map((o) => this.toOrder(o, symbol));
  }

  /**
   * @inheritdoc
   *
   * Binance (and the gateway) answer a start time with the 24 hours after it only, so there the history is walked a
   * day at a time (explicit `endTime`) up to the first fill, and from there by trade id (`fromId`, no time limit) to
   * the end. Elsewhere pages of {@link FILLS_PAGE} from the last time seen.
   */
  async fills(symbol: string, since: number): Promise<VenueFill[]> {
    await this.market(symbol);
    const trades =
      this.client.id === 'binance' ? await this.binanceTrades(symbol, since) : await this.pagedTrades(symbol, since);
    const byId = new Map<string, VenueFill>();
    for (const t of trades)
      if (t.timestamp === undefined || t.timestamp >= since) byId.set(String(t.id), this.toFill(t));
    return [...byId.values()].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id, undefined, { numeric: true }));
  }

  /**
   * Binance's trades of `symbol` since `since`. One request from trade id 0 first: when the whole history fits a
   * page (the usual account, and every symbol never traded) that is the answer. Otherwise day windows from `since`
   * (at most {@link BINANCE_DAYS} days back) to the first trade, then by id from the last one seen until a short page.
   */
  private async binanceTrades(symbol: string, since: number): Promise<Trade[]> {
    const what = `fills ${symbol}`;
    const byId = (fromId: bigint): Promise<Trade[]> =>
      this.call(what, () => this.client.fetchMyTrades(symbol, undefined, this.fillsPage, { fromId: String(fromId) }));
    const out: Trade[] = await byId(0n);
    if (out.length < this.fillsPage) return out;
    if (out[0]!.timestamp !== undefined && out[0]!.timestamp > since) {
      // the whole history is after `since`: page on by id
    } else {
      out.length = 0;
      let from = Math.max(since, Date.now() - BINANCE_DAYS * DAY_MS);
      while (out.length === 0 && from <= Date.now()) {
        const until = from + DAY_MS;
        out.push(...(await this.call(what, () => this.client.fetchMyTrades(symbol, from, this.fillsPage, { until }))));
        from = until + 1;
      }
    }
    while (out.length > 0) {
      const lastId = out.reduce((m, t) => (BigInt(String(t.id)) > m ? BigInt(String(t.id)) : m), 0n);
      const next = await byId(lastId + 1n);
      out.push(...next);
      if (next.length < this.fillsPage) break;
    }
    return out;
  }

  /** Trades of `symbol` since `since`, a page at a time from the last time seen (duplicates dropped by the caller). */
  private async pagedTrades(symbol: string, since: number): Promise<Trade[]> {
    const out: Trade[] = [];
    const seen = new Set<string>();
    let from = since;
    for (let page = 0; page < 10_000; page++) {
      const ts = await this.call(`fills ${symbol}`, () => this.client.fetchMyTrades(symbol, from, this.fillsPage));
      let fresh = 0;
      let last = from;
      for (const t of ts) {
        if (t.timestamp !== undefined && t.timestamp > last) last = t.timestamp;
        if (!seen.has(String(t.id))) {
          seen.add(String(t.id));
          fresh++;
          out.push(t);
        }
      }
      if (ts.length < this.fillsPage) break;
      // the next page starts at the last time seen (inclusive), or after it when nothing was new
      from = fresh === 0 ? last + 1 : last;
    }
    return out;
  }

  // ── streams ────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * @inheritdoc
   *
   * One WebSocket stream pair (`watchOrders`, `watchMyTrades`) per venue serves every watcher (a restart with more
   * symbols starts the new watcher before stopping the old one: the stream stays up). Each watcher drops repeats of
   * its own and polls REST (open orders, then the orders that left the open list, then fills since the last seen,
   * for `symbols` and the symbols of the orders it saw) every `pollMs` while the stream is down. The stream is
   * retried every 5 × `pollMs` (1 s … 30 s) and counts as up again once it delivers.
   */
  watch(h: VenueWatchHandlers, o: { symbols?: string[]; pollMs?: number } = {}): () => Promise<void> {
    const pollMs = o.pollMs ?? 2000;
    const timers = new Timers();
    const delivered = new Set<string>();
    const fillIds = new Set<string>();
    const knownOpen = new Map<string, VenueOrder>();
    const startedAt = Date.now() - 5000;
    const lastFill = new Map<string, number>();
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch {
        // a handler's failure must not end the stream
      }
    };
    const sub: Watcher = {
      pollMs,
      stopped: false,
      order: (v) => {
        if (sub.stopped || !remember(delivered, `${v.id}:${v.status}:${v.filled}`)) return;
        if (v.status === 'open') knownOpen.set(v.id, v);
        else knownOpen.delete(v.id);
        guarded(() => h.onOrder(v));
      },
      fill: (f) => {
        if (sub.stopped || !remember(fillIds, f.id)) return;
        if (f.time > (lastFill.get(f.symbol) ?? 0)) lastFill.set(f.symbol, f.time);
        guarded(() => h.onFill(f));
      },
      error: (e) => {
        if (!sub.stopped) guarded(() => h.onError?.(e));
      },
    };

    const pollOnce = async (): Promise<void> => {
      const symbols = new Set(o.symbols ?? []);
      for (const v of knownOpen.values()) symbols.add(v.symbol);
      const open = await this.openOrders(o.symbols?.length === 1 ? o.symbols[0] : undefined);
      const stillOpen = new Set(open.map((x) => x.id));
      for (const v of open) {
        symbols.add(v.symbol);
        sub.order(v);
      }
      for (const v of [...knownOpen.values()]) {
        if (stillOpen.has(v.id) || sub.stopped) continue;
        const now = await this.fetchOrder(v.symbol, { id: v.id });
        if (now) sub.order(now);
        else knownOpen.delete(v.id);
      }
      for (const s of symbols) {
        if (sub.stopped) return;
        for (const f of await this.fills(s, lastFill.get(s) ?? startedAt)) sub.fill(f);
      }
    };
    const pollLoop = async (): Promise<void> => {
      while (!sub.stopped) {
        if (this.stream.down || !this.capabilities.watch) {
          try {
            await pollOnce();
          } catch (e) {
            sub.error(toVenueError(e, `${this.exchange} poll`, this.secrets));
          }
        }
        await timers.sleep(pollMs);
      }
    };

    this.stream.watchers.add(sub);
    const polling = pollLoop();
    if (this.capabilities.watch) this.startStream();

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        sub.stopped = true;
        timers.wake();
        this.stream.watchers.delete(sub);
        this.stops.delete(stop);
        await polling;
        if (this.stream.watchers.size === 0) await this.stopStream();
      })();
      return stopping;
    };
    this.stops.add(stop);
    return stop;
  }

  /** Starts the shared stream loops unless running (after a stop in progress has finished). */
  private startStream(): void {
    const st = this.stream;
    if (st.run) return;
    const run: StreamRun = { ending: false, timers: new Timers(), loops: Promise.resolve() };
    const after = st.closing;
    const retryMs = (): number =>
      Math.min(30_000, Math.max(1000, 5 * Math.min(...[...st.watchers].map((w) => w.pollMs), 6000)));
    const loop = async (what: string, next: () => Promise<void>): Promise<void> => {
      await after;
      while (st.watchers.size > 0 && !run.ending) {
        try {
          await next();
          st.down = false;
        } catch (e) {
          if (run.ending || st.watchers.size === 0) return;
          if (!st.down) {
            st.down = true;
            const ve = toVenueError(e, `${this.exchange} ${what} stream`, this.secrets);
            for (const w of st.watchers) w.error(ve);
          }
          await run.timers.sleep(retryMs());
        }
      }
    };
    run.loops = Promise.allSettled([
      loop('orders', async () => {
        const os = await this.client.watchOrders();
        for (const x of os) {
          const v = this.toOrder(x);
          for (const w of st.watchers) w.order(v);
        }
      }),
      loop('fills', async () => {
        const ts = await this.client.watchMyTrades();
        for (const t of ts) {
          const f = this.toFill(t);
          for (const w of st.watchers) w.fill(f);
        }
      }),
    ]).then(() => undefined);
    st.run = run;
  }

  /** Ends the shared stream loops and closes the WebSocket clients. */
  private async stopStream(): Promise<void> {
    const st = this.stream;
    const run = st.run;
    if (!run) return st.closing;
    st.run = undefined;
    run.ending = true;
    run.timers.wake();
    const closing = (async () => {
      await this.client.close().catch(() => undefined);
      await run.loops;
      run.timers.wake();
    })();
    st.closing = closing;
    st.down = false;
    await closing;
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    for (const s of [...this.stops]) await s();
    await this.stopStream();
    await this.client.close().catch(() => undefined);
    this.agent?.destroy();
  }
}

/** One start of the shared stream: its loops, and how to end them. */
interface StreamRun {
  ending: boolean;
  timers: Timers;
  loops: Promise<void>;
}

/** One {@link CcxtVenue.watch} caller. */
interface Watcher {
  pollMs: number;
  stopped: boolean;
  order(v: VenueOrder): void;
  fill(f: VenueFill): void;
  error(e: VenueError): void;
}

/** Sleeps that can all be ended at once (on stop), so no loop outlives its watcher and no timer is left behind. */
class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private woken = false;

  /** Resolves after `ms`, or at once once woken (then every later sleep returns at once too). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.woken) return resolve();
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      this.pending.set(t, resolve);
    });
  }

  /** Ends every pending sleep now. */
  wake(): void {
    this.woken = true;
    for (const [t, resolve] of this.pending) {
      clearTimeout(t);
      resolve();
    }
    this.pending.clear();
  }
}
