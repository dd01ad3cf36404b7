/**
 * The Hyperliquid venue: one account's USDC-margined perpetuals (`swap` markets only) through CCXT's `hyperliquid`
 * class, signing with an agent wallet (API wallet) key on behalf of the account's main address.
 *
 * Sources: Hyperliquid API docs (hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api — info and exchange
 * endpoints, "Tick and lot size", "Nonces and API wallets"), CCXT 4.5.84 node_modules/ccxt/js/src/hyperliquid.js
 * (request building, L1 action signing: EIP-712 phantom `Agent` with `connectionId = keccak256(msgpack(action) ‖
 * nonce ‖ vault)`).
 *
 * Credentials: `walletAddress` (the account, 0x…) and `privateKey` (the approved agent's key, or the account's own).
 * Info requests name the account; every `/exchange` action is signed by the key and Hyperliquid acts for the
 * account the signer is an agent of.
 *
 * Market rules (put into {@link VenueMarket.instrument}):
 * - lot = 10^-szDecimals (also the minimum quantity); minimum order value 10 USDC; fees are the base tier (maker
 *   0.015 %, taker 0.045 %, CCXT's figures).
 * - Prices: at most 5 significant figures and at most 6 − szDecimals decimals (integers always allowed). The allowed
 *   step therefore grows with the price's magnitude, while an {@link Instrument} has one tick. The tick chosen is the
 *   step allowed at the next power of ten above the mark price when the markets load ({@link perpTickSize}): every
 *   multiple of it is a valid Hyperliquid price at any level below 10 × that power of ten (over 10 × the mark; at
 *   any level once the tick is 1, integers being always valid), so a grid price stays valid if the market moves up
 *   through a decade (BTC at 95 000 → 1; ETH at 3 500 → 1; SOL at 150 → 0.1; a coin at
 *   0.31 with szDecimals 0 → 0.0001). Markets (and ticks) reload hourly.
 * - A price or quantity off these rules is refused here (`precision`) before anything is sent: CCXT would otherwise
 *   round it silently, moving a stop.
 *
 * Client order ids: Hyperliquid's `cloid` is 16 bytes of hex. {@link toCloid} packs Testudo's ids reversibly (≤ 16
 * characters as ASCII; `tdo<decision><kind><n>` packed as numbers; anything else hashed and remembered by this
 * venue object only).
 *
 * Capabilities: no OCO; reduce-only; stop-market as trigger orders (`tpsl: 'sl'`, `isMarket`, the limit 5 % beyond
 * the trigger — CCXT's default slippage); no WebSocket here: {@link Venue.watch} polls open orders and fills.
 * Market orders are IOC limits 5 % through the mark price (Hyperliquid has no unbounded market order).
 *
 * Invariants: every method throws {@link VenueError} only; messages carry Hyperliquid's reason, never the key.
 */
import { createHash } from 'node:crypto';
import ccxt, { type Market } from 'ccxt';
import { Decimal } from 'decimal.js';
import type { Instrument } from '../../core/instruments/instrument.ts';
import { TIMEFRAMES, isTimeframe, type Candle } from '../../core/marketdata/candle.ts';
import {
  VenueError,
  type Venue,
  type VenueBalance,
  type VenueCapabilities,
  type VenueConfig,
  type VenueFill,
  type VenueMarket,
  type VenueOcoRequest,
  type VenueOrder,
  type VenueOrderRequest,
  type VenueOrderStatus,
  type VenuePosition,
  type VenueTicker,
  type VenueWatchHandlers,
} from './types.ts';

/** Hyperliquid's MAX_DECIMALS for perpetual prices. */
const MAX_PERP_DECIMALS = 6;
/** Minimum order value, USDC. */
export const HYPERLIQUID_MIN_NOTIONAL = '10';
/** How long cached markets are used before {@link HyperliquidVenue.markets} reloads them, ms. */
const MARKETS_TTL_MS = 3_600_000;
/** Hyperliquid answers at most this many fills per `userFillsByTime` request. */
const FILLS_PAGE = 2000;

/** CCXT's hyperliquid class with no builder-fee approval and no referrer action (neither is Testudo's to sign). */
class TestudoHyperliquid extends ccxt.hyperliquid {
  override async handleBuilderFeeApproval(): Promise<boolean> {
    return Promise.resolve(true);
  }

  override async setRef(): Promise<true> {
    return Promise.resolve(true);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Price rules.

/**
 * Whether `px` (decimal text) is a valid Hyperliquid perpetual price for an asset of `szDecimals`: positive, and an
 * integer or at most 5 significant figures with at most 6 − szDecimals decimals (docs: "Tick and lot size").
 */
export function validPerpPrice(px: string, szDecimals: number): boolean {
  if (!/^\d+(\.\d+)?$/.test(px)) return false;
  const d = new Decimal(px);
  if (d.lte(0)) return false;
  if (d.isInteger()) return true;
  if (d.decimalPlaces() > MAX_PERP_DECIMALS - szDecimals) return false;
  return d.precision(true) <= 5;
}

/**
 * The tick of a perpetual whose mark price is `markPx` (decimal text): the price step Hyperliquid allows at the next
 * power of ten above the mark (see the module comment), as decimal text ("1", "0.1", "0.0001"). "1" when the mark is
 * unknown or not positive.
 */
export function perpTickSize(markPx: string | undefined, szDecimals: number): string {
  if (markPx === undefined || !/^\d+(\.\d+)?$/.test(markPx) || new Decimal(markPx).lte(0)) return '1';
  const e = new Decimal(markPx).e; // floor(log10(markPx))
  const q = e + 1; // the next power of ten is 10^q
  const decimals =
    q >= 0
      ? Math.max(0, Math.min(MAX_PERP_DECIMALS - szDecimals, 5 - (q + 1)))
      : Math.min(MAX_PERP_DECIMALS - szDecimals, 4 - q);
  return new Decimal(10).pow(-decimals).toFixed();
}

// ---------------------------------------------------------------------------------------------------------------
// Client order ids ↔ cloid.

const ASCII_ID = /^[A-Za-z0-9_-]{1,16}$/;
const TDO_ID = /^tdo(\d{1,19})([a-z])(\d{0,14})$/;
const PACKED = 0xff;
const HASHED = 0xfe;

/**
 * Hyperliquid `cloid` (0x + 32 hex) of a client order id: an id of ≤ 16 characters `[A-Za-z0-9_-]` as its ASCII
 * bytes (zero-padded); `tdo<decisionId><kind><n>` as 0xff ‖ decisionId u64 ‖ kind ‖ (n + 1, or 0 without n) u48;
 * anything else 0xfe ‖ the first 15 bytes of its SHA-256 (not reversible: {@link fromCloid} needs `remembered`).
 */
export function toCloid(clientOrderId: string): string {
  const b = Buffer.alloc(16);
  const m = TDO_ID.exec(clientOrderId);
  if (ASCII_ID.test(clientOrderId)) b.write(clientOrderId, 'ascii');
  else if (m && BigInt(m[1]!) < 2n ** 64n && (m[3] === '' || Number(m[3]) < 2 ** 48 - 1)) {
    b[0] = PACKED;
    b.writeBigUInt64BE(BigInt(m[1]!), 1);
    b[9] = m[2]!.charCodeAt(0);
    b.writeUIntBE(m[3] === '' ? 0 : Number(m[3]) + 1, 10, 6);
  } else {
    b[0] = HASHED;
    createHash('sha256').update(clientOrderId).digest().copy(b, 1, 0, 15);
  }
  return '0x' + b.toString('hex');
}

/** The client order id of a `cloid` made by {@link toCloid}; null for a cloid it did not make (or a hashed one not in `remembered`). */
export function fromCloid(cloid: string | null | undefined, remembered?: ReadonlyMap<string, string>): string | null {
  if (typeof cloid !== 'string' || !/^0x[0-9a-fA-F]{32}$/.test(cloid)) return null;
  const key = cloid.toLowerCase();
  const b = Buffer.from(key.slice(2), 'hex');
  if (b[0] === PACKED) {
    const n = b.readUIntBE(10, 6);
    return `tdo${b.readBigUInt64BE(1)}${String.fromCharCode(b[9]!)}${n === 0 ? '' : n - 1}`;
  }
  if (b[0] === HASHED) return remembered?.get(key) ?? null;
  let end = 16;
  while (end > 0 && b[end - 1] === 0) end--;
  const s = b.subarray(0, end).toString('ascii');
  return ASCII_ID.test(s) ? s : (remembered?.get(key) ?? null);
}

// ---------------------------------------------------------------------------------------------------------------
// Errors.

/** Hyperliquid's own reason inside a CCXT message (`hyperliquid {"status":"err","response":"…"}`). */
function reasonOf(message: string): string {
  const at = message.indexOf('{');
  if (at >= 0) {
    try {
      const j = JSON.parse(message.slice(at)) as Record<string, unknown>;
      if (j.status === 'err' && typeof j.response === 'string') return j.response;
      const statuses = (
        (j.response as Record<string, unknown> | undefined)?.data as Record<string, unknown> | undefined
      )?.statuses;
      if (Array.isArray(statuses))
        for (const s of statuses)
          if (s && typeof s === 'object' && typeof (s as { error?: unknown }).error === 'string')
            return (s as { error: string }).error;
      if (j.status === 'unknownOid') return 'unknown order';
    } catch {
      // not JSON: use the message
    }
  }
  return message.replace(/^hyperliquid\s*/, '');
}

/**
 * Maps what a CCXT hyperliquid call threw to a {@link VenueError}: a signer that is no account's agent →
 * `invalid-credentials`; margin → `insufficient-balance`; the $10 minimum → `min-notional`; tick, size, TP/SL price
 * → `precision`; unknown order → `order-not-found`; a repeated cloid → `duplicate-order`; network, timeout, 5xx →
 * `unavailable`; rate limits → `rate-limited`; any other refusal → `rejected`. `secret` is removed from the message.
 */
export function hyperliquidError(e: unknown, secret?: string): VenueError {
  if (e instanceof VenueError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  let reason = reasonOf(raw);
  if (secret && secret.length >= 8)
    reason = reason.split(secret).join('***').split(secret.replace(/^0x/, '')).join('***');
  const say = (code: ConstructorParameters<typeof VenueError>[0]): VenueError =>
    new VenueError(code, `Hyperliquid: ${reason}`);
  if (/User or API Wallet .* does not exist/i.test(reason)) return say('invalid-credentials');
  if (/too many cumulative requests|rate limit/i.test(reason) || e instanceof ccxt.RateLimitExceeded)
    return say('rate-limited');
  if (e instanceof ccxt.NetworkError) return say('unavailable');
  if (e instanceof ccxt.AuthenticationError) return say('invalid-credentials');
  if (/insufficient margin|insufficient spot balance|insufficient balance/i.test(reason))
    return say('insufficient-balance');
  if (/minimum value of \$10/i.test(reason)) return say('min-notional');
  if (/tick size|invalid size|invalid price|zero size|Invalid TP\/SL price|away from the reference price/i.test(reason))
    return say('precision');
  if (/duplicate/i.test(reason)) return say('duplicate-order');
  if (e instanceof ccxt.OrderNotFound || /never placed, already canceled, or filled|unknown order/i.test(reason))
    return say('order-not-found');
  if (e instanceof ccxt.BadSymbol) return say('unknown-symbol');
  if (e instanceof ccxt.ExchangeError) return say('rejected');
  return say('unavailable');
}

// ---------------------------------------------------------------------------------------------------------------
// Raw shapes (Hyperliquid's, as the info endpoint answers them).

interface RawOrder {
  coin: string;
  oid: number;
  side: 'A' | 'B';
  limitPx: string;
  sz: string;
  origSz?: string;
  timestamp: number;
  cloid?: string | null;
  isTrigger?: boolean;
  triggerPx?: string;
  orderType?: string;
  reduceOnly?: boolean;
}

interface RawFill {
  coin: string;
  px: string;
  sz: string;
  side: 'A' | 'B';
  time: number;
  oid: number;
  tid: number | string;
  fee: string;
  feeToken?: string;
  builderFee?: string;
  crossed: boolean;
  cloid?: string | null;
}

function orderStatusOf(s: string | undefined): VenueOrderStatus {
  if (s === undefined || s === 'open' || s === 'triggered') return 'open';
  if (s === 'filled') return 'closed';
  if (s.endsWith('Rejected') || s === 'rejected') return 'rejected';
  return 'canceled';
}

/** The symbol of a coin (`BTC` → `BTC/USDC:USDC`). */
const symbolOf = (coin: string): string => `${coin}/USDC:USDC`;

// ---------------------------------------------------------------------------------------------------------------

/** The Hyperliquid venue (kind `hyperliquid`, exchange `hyperliquid`, market type `swap`). */
export class HyperliquidVenue implements Venue {
  readonly kind = 'hyperliquid' as const;
  readonly exchange = 'hyperliquid';
  readonly marketType = 'swap' as const;
  readonly capabilities: VenueCapabilities = {
    oco: false,
    reduceOnly: true,
    stopMarket: true,
    watch: false,
    positions: true,
  };

  private readonly ex: TestudoHyperliquid;
  private readonly wallet: string;
  private readonly key: string;
  private cache: { at: number; markets: VenueMarket[] } | null = null;
  /** symbol → szDecimals of the loaded markets. */
  private readonly szDecimals = new Map<string, number>();
  /** cloid (lowercase) → client order id, for hashed ids and for fills. */
  private readonly cloids = new Map<string, string>();
  /** oid → client order id (null: the order has none). */
  private readonly oidClient = new Map<string, string | null>();
  private readonly watchers = new Set<() => Promise<void>>();

  /**
   * @param config `kind` `hyperliquid`; `credentials.walletAddress` and `.privateKey`; `baseUrl` replaces
   *   `https://api.hyperliquid.xyz` (REST `/info` and `/exchange`); `sandbox` uses the testnet.
   * @param o `rateLimit: false` turns CCXT's client-side limiter off (Hyperliquid's 1200 weight/min: an info request
   *   weighs 2–20); for local test servers only.
   */
  constructor(config: VenueConfig, o: { rateLimit?: boolean } = {}) {
    this.wallet = (config.credentials.walletAddress ?? '').toLowerCase();
    this.key = config.credentials.privateKey ?? '';
    this.ex = new TestudoHyperliquid({
      walletAddress: this.wallet,
      privateKey: this.key,
      enableRateLimit: o.rateLimit ?? true,
      options: {
        defaultType: 'swap',
        fetchMarkets: { types: ['swap'] },
        builderFee: false,
        refSet: true,
      },
    });
    if (config.sandbox) this.ex.setSandboxMode(true);
    if (config.baseUrl) {
      const base = config.baseUrl.replace(/\/+$/, '');
      this.ex.urls.api = { public: base, private: base };
    }
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw hyperliquidError(e, this.key);
    }
  }

  private requireCredentials(): void {
    if (!/^0x[0-9a-fA-F]{40}$/.test(this.wallet))
      throw new VenueError('invalid-credentials', 'Hyperliquid: walletAddress must be a 0x address (40 hex digits)');
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(this.key))
      throw new VenueError('invalid-credentials', 'Hyperliquid: privateKey must be 32 bytes of hex');
  }

  private async info(req: Record<string, unknown>): Promise<unknown> {
    return this.call(() => this.ex.publicPostInfo(req));
  }

  /** Swap markets from `metaAndAssetCtxs` (through CCXT's loadMarkets), cached for an hour. */
  async markets(refresh = false): Promise<VenueMarket[]> {
    if (!refresh && this.cache && Date.now() - this.cache.at < MARKETS_TTL_MS) return this.cache.markets;
    const loaded = await this.call(() => this.ex.loadMarkets(true));
    const markets = Object.values(loaded)
      .filter((m): m is Market & object => m !== undefined && m.swap === true && m.info?.hip3 !== true)
      .map((m) => this.toMarket(m));
    this.cache = { at: Date.now(), markets };
    return markets;
  }

  private toMarket(m: Market & object): VenueMarket {
    const info = m.info as { name: string; szDecimals: string | number; markPx?: string };
    const szDecimals = Number(info.szDecimals);
    this.szDecimals.set(m.symbol, szDecimals);
    const lot = new Decimal(10).pow(-szDecimals).toFixed();
    const instrument: Instrument = {
      symbol: m.symbol,
      base: m.base,
      quote: m.quote,
      tickSize: perpTickSize(info.markPx, szDecimals),
      lotSize: lot,
      minQty: lot,
      minNotional: HYPERLIQUID_MIN_NOTIONAL,
      makerFee: this.ex.numberToString(m.maker ?? 0.00015),
      takerFee: this.ex.numberToString(m.taker ?? 0.00045),
    };
    return { symbol: m.symbol, id: info.name, type: 'swap', instrument, active: m.active !== false };
  }

  /** @throws VenueError `unknown-symbol`. */
  async market(symbol: string): Promise<VenueMarket> {
    const all = await this.markets();
    const m = all.find((x) => x.symbol === symbol || x.id === symbol);
    if (!m) throw new VenueError('unknown-symbol', `Hyperliquid: no perpetual ${symbol}`);
    return m;
  }

  /** Mark price as `last`, impact prices as bid/ask (from `metaAndAssetCtxs`). */
  async ticker(symbol: string): Promise<VenueTicker> {
    const m = await this.market(symbol);
    const r = (await this.info({ type: 'metaAndAssetCtxs' })) as [{ universe: { name: string }[] }, unknown[]];
    const i = r[0].universe.findIndex((u) => u.name === m.id);
    const ctx = (r[1][i] ?? {}) as { markPx?: string; midPx?: string | null; impactPxs?: string[] | null };
    return {
      symbol: m.symbol,
      last: ctx.markPx ?? null,
      bid: ctx.impactPxs?.[0] ?? ctx.midPx ?? null,
      ask: ctx.impactPxs?.[1] ?? ctx.midPx ?? null,
      time: Date.now(),
    };
  }

  /**
   * Checks the credentials: the key's address must be the account or one of its agents (`userRole`), and a signed
   * no-op (cancelling order 0) must be accepted by Hyperliquid's signature check.
   * @throws VenueError `invalid-credentials` otherwise.
   */
  async test(): Promise<{ balances: VenueBalance[] }> {
    this.requireCredentials();
    const signer = this.ex.ethGetAddressFromPrivateKey(this.key.startsWith('0x') ? this.key : `0x${this.key}`);
    if (signer.toLowerCase() !== this.wallet) {
      const role = (await this.info({ type: 'userRole', user: signer })) as { role?: string; data?: { user?: string } };
      if (role.role !== 'agent' || role.data?.user?.toLowerCase() !== this.wallet)
        throw new VenueError(
          'invalid-credentials',
          `Hyperliquid: the key's address ${signer} is not an API wallet of ${this.wallet} (role ${role.role ?? 'unknown'})`,
        );
    }
    const [first] = await this.markets();
    if (first) {
      try {
        await this.call(() => this.ex.cancelOrder('0', first.symbol));
      } catch (e) {
        if (!(e instanceof VenueError) || e.code !== 'order-not-found') throw e;
      }
    }
    return { balances: await this.balances() };
  }

  /** USDC: total = account value, used = margin in use, free = withdrawable (`clearinghouseState`). */
  async balances(): Promise<VenueBalance[]> {
    this.requireCredentials();
    const r = (await this.info({ type: 'clearinghouseState', user: this.wallet })) as {
      marginSummary: { accountValue: string; totalMarginUsed: string };
      withdrawable: string;
    };
    return [
      {
        asset: 'USDC',
        total: r.marginSummary.accountValue,
        used: r.marginSummary.totalMarginUsed,
        free: r.withdrawable,
      },
    ];
  }

  /** Open positions from `clearinghouseState` (signed size `szi`). */
  async positions(): Promise<VenuePosition[]> {
    this.requireCredentials();
    const r = (await this.info({ type: 'clearinghouseState', user: this.wallet })) as {
      assetPositions: { position: { coin: string; szi: string; entryPx: string | null } }[];
    };
    return r.assetPositions
      .map((a) => a.position)
      .filter((p) => !new Decimal(p.szi).isZero())
      .map((p) => ({
        symbol: symbolOf(p.coin),
        side: p.szi.startsWith('-') ? ('short' as const) : ('long' as const),
        qty: new Decimal(p.szi).abs().toFixed(),
        entryPrice: p.entryPx,
      }));
  }

  /**
   * Places one order (`order` action, grouping `na`): limit GTC, market (IOC 5 % through the mark), stop-market
   * (trigger `sl`, market on trigger). The price and quantity must already obey the market's rules. Hyperliquid
   * answers `resting` (→ `open`, filled 0: a partial fill at placement reaches {@link fills} and {@link watch}) or
   * `filled` with its size and average (→ `closed`, or `canceled` for the unfilled rest of an IOC).
   * @throws VenueError `precision` before sending when they do not; the venue's refusals otherwise.
   */
  async placeOrder(r: VenueOrderRequest): Promise<VenueOrder> {
    this.requireCredentials();
    const m = await this.market(r.symbol);
    const szDecimals = this.szDecimals.get(m.symbol) ?? 0;
    if (!/^\d+(\.\d+)?$/.test(r.qty) || new Decimal(r.qty).decimalPlaces() > szDecimals || new Decimal(r.qty).lte(0))
      throw new VenueError(
        'precision',
        `Hyperliquid: quantity ${r.qty} is not a positive multiple of ${m.instrument.lotSize}`,
      );
    const cloid = toCloid(r.clientOrderId);
    this.cloids.set(cloid, r.clientOrderId);
    const params: Record<string, unknown> = { clientOrderId: cloid, reduceOnly: r.reduceOnly === true };
    let ccxtType: 'limit' | 'market';
    let price: string;
    if (r.type === 'limit') {
      if (r.price === undefined || !validPerpPrice(r.price, szDecimals))
        throw new VenueError('precision', `Hyperliquid: limit price ${String(r.price)} is not a valid price`);
      ccxtType = 'limit';
      price = r.price;
    } else if (r.type === 'stop-market') {
      if (r.stopPrice === undefined || !validPerpPrice(r.stopPrice, szDecimals))
        throw new VenueError('precision', `Hyperliquid: stop price ${String(r.stopPrice)} is not a valid price`);
      ccxtType = 'market';
      price = r.stopPrice;
      params.triggerPrice = r.stopPrice;
    } else {
      const t = await this.ticker(r.symbol);
      if (t.last === null) throw new VenueError('rejected', `Hyperliquid: no mark price for ${r.symbol}`);
      ccxtType = 'market';
      price = t.last;
    }
    // decimal text, not floats: CCXT's hyperliquid reads amount and price with safeString / Precise
    const [amount, limit] = [r.qty, price] as unknown as [number, number];
    const o = await this.call(() => this.ex.createOrder(m.symbol, ccxtType, r.side, amount, limit, params));
    const info = (o.info ?? {}) as {
      resting?: { oid: number };
      filled?: { oid: number; totalSz: string; avgPx: string };
    };
    const oid = String(info.resting?.oid ?? info.filled?.oid ?? o.id);
    this.oidClient.set(oid, r.clientOrderId);
    const filled = info.filled?.totalSz ?? '0';
    const status: VenueOrderStatus = info.filled ? (new Decimal(filled).eq(r.qty) ? 'closed' : 'canceled') : 'open';
    return {
      id: oid,
      clientOrderId: r.clientOrderId,
      symbol: m.symbol,
      side: r.side,
      type: r.type,
      status,
      qty: r.qty,
      filled,
      price: r.type === 'limit' ? (r.price ?? null) : null,
      stopPrice: r.type === 'stop-market' ? (r.stopPrice ?? null) : null,
      average: info.filled?.avgPx ?? null,
      reduceOnly: r.reduceOnly === true,
      listId: null,
      updatedAt: Date.now(),
    };
  }

  /** @throws VenueError `rejected`: Hyperliquid has no OCO orders (Testudo cancels the survivor itself). */
  placeOco(r: VenueOcoRequest): Promise<{ listId: string; stop: VenueOrder; target: VenueOrder }> {
    return Promise.reject(new VenueError('rejected', `Hyperliquid has no OCO orders (${r.listClientId})`));
  }

  /** @throws VenueError `rejected`: Hyperliquid has no OCO orders. */
  cancelOco(_symbol: string, listId: string): Promise<boolean> {
    return Promise.reject(new VenueError('rejected', `Hyperliquid has no OCO orders (${listId})`));
  }

  /** Cancels by order id (`cancel` action); null when Hyperliquid says it was never placed, cancelled or filled. */
  async cancelOrder(symbol: string, id: string): Promise<VenueOrder | null> {
    this.requireCredentials();
    const m = await this.market(symbol);
    try {
      await this.call(() => this.ex.cancelOrder(id, m.symbol));
    } catch (e) {
      if (e instanceof VenueError && e.code === 'order-not-found') return null;
      throw e;
    }
    return this.fetchOrder(symbol, { id });
  }

  /** `orderStatus` by oid or by cloid; null for `unknownOid`. `average` is null (Hyperliquid's order has none). */
  async fetchOrder(symbol: string, ref: { id?: string; clientOrderId?: string }): Promise<VenueOrder | null> {
    this.requireCredentials();
    const m = await this.market(symbol);
    let oid: number | string;
    if (ref.id !== undefined) oid = Number(ref.id);
    else if (ref.clientOrderId !== undefined) {
      oid = toCloid(ref.clientOrderId);
      this.cloids.set(oid, ref.clientOrderId);
    } else return null;
    const r = await this.orderStatus(oid);
    if (!r) return null;
    const o = this.toOrder(r.order, r.status, r.statusTimestamp);
    return o.symbol === m.symbol ? o : null;
  }

  /** `orderStatus` of an oid or cloid; null for `unknownOid`. */
  private async orderStatus(
    oid: number | string,
  ): Promise<{ order: RawOrder; status: string; statusTimestamp: number } | null> {
    try {
      const r = (await this.info({ type: 'orderStatus', user: this.wallet, oid })) as {
        status: string;
        order?: { order: RawOrder; status: string; statusTimestamp: number };
      };
      return r.status === 'order' && r.order ? r.order : null;
    } catch (e) {
      if (e instanceof VenueError && e.code === 'order-not-found') return null;
      throw e;
    }
  }

  private toOrder(o: RawOrder, status: string | undefined, at?: number): VenueOrder {
    const clientOrderId = fromCloid(o.cloid, this.cloids);
    this.oidClient.set(String(o.oid), clientOrderId);
    const orig = o.origSz ?? o.sz;
    const kind = (o.orderType ?? 'Limit').toLowerCase();
    const type: VenueOrder['type'] =
      kind === 'limit' ? 'limit' : kind === 'stop market' ? 'stop-market' : kind === 'market' ? 'market' : 'other';
    return {
      id: String(o.oid),
      clientOrderId,
      symbol: symbolOf(o.coin),
      side: o.side === 'B' ? 'buy' : 'sell',
      type,
      status: orderStatusOf(status),
      qty: orig,
      filled: new Decimal(orig).minus(o.sz).toFixed(),
      price: type === 'stop-market' ? null : o.limitPx,
      stopPrice: o.isTrigger ? (o.triggerPx ?? null) : null,
      average: null,
      reduceOnly: o.reduceOnly === true,
      listId: null,
      updatedAt: at ?? o.timestamp,
    };
  }

  /** Open orders, triggers included (`frontendOpenOrders`). */
  async openOrders(symbol?: string): Promise<VenueOrder[]> {
    this.requireCredentials();
    const want = symbol === undefined ? undefined : (await this.market(symbol)).symbol;
    const r = (await this.info({ type: 'frontendOpenOrders', user: this.wallet })) as RawOrder[];
    return r.map((o) => this.toOrder(o, 'open')).filter((o) => want === undefined || o.symbol === want);
  }

  /** Fills since `since`, all coins or those of `symbols`, oldest first, every page of `userFillsByTime`. */
  private async rawFills(since: number, symbols?: ReadonlySet<string>): Promise<RawFill[]> {
    const seen = new Set<string>();
    const out: RawFill[] = [];
    let start = since;
    for (;;) {
      const page = (await this.info({ type: 'userFillsByTime', user: this.wallet, startTime: start })) as RawFill[];
      let fresh = 0;
      for (const f of page) {
        const id = String(f.tid);
        if (seen.has(id)) continue;
        seen.add(id);
        fresh++;
        if (!symbols || symbols.has(symbolOf(f.coin))) out.push(f);
      }
      if (page.length < FILLS_PAGE || fresh === 0) break;
      start = Math.max(...page.map((f) => f.time));
    }
    return out.sort((a, b) => a.time - b.time || Number(a.tid) - Number(b.tid));
  }

  private async toFill(f: RawFill): Promise<VenueFill> {
    const oid = String(f.oid);
    let clientOrderId: string | null | undefined = f.cloid !== undefined ? fromCloid(f.cloid, this.cloids) : undefined;
    clientOrderId ??= this.oidClient.get(oid);
    if (clientOrderId === undefined) {
      const r = await this.orderStatus(f.oid);
      clientOrderId = r ? fromCloid(r.order.cloid, this.cloids) : null;
      this.oidClient.set(oid, clientOrderId);
    }
    const fee = f.builderFee ? new Decimal(f.fee).plus(f.builderFee).toFixed() : f.fee;
    return {
      id: String(f.tid),
      orderId: oid,
      clientOrderId,
      symbol: symbolOf(f.coin),
      side: f.side === 'B' ? 'buy' : 'sell',
      price: f.px,
      qty: f.sz,
      fee,
      feeCurrency: f.feeToken ?? 'USDC',
      liquidity: f.crossed ? 'taker' : 'maker',
      time: f.time,
    };
  }

  /**
   * The account's fills on `symbol` since `since` (ms UTC), oldest first, every page of `userFillsByTime` (2000 a
   * page; Hyperliquid keeps the 10 000 most recent fills of an account there).
   */
  async fills(symbol: string, since: number): Promise<VenueFill[]> {
    this.requireCredentials();
    const m = await this.market(symbol);
    const raw = await this.rawFills(since, new Set([m.symbol]));
    const out: VenueFill[] = [];
    for (const f of raw) out.push(await this.toFill(f));
    return out;
  }

  /**
   * Polls open orders and fills every `pollMs` (default 5000: `userFillsByTime` and `frontendOpenOrders` weigh 20
   * each of Hyperliquid's 1200 per minute): each new or changed open order and each order that left the open list
   * (its final state from `orderStatus`) → `onOrder`; each new fill → `onFill`; failures → `onError` and the next
   * poll.
   */
  watch(h: VenueWatchHandlers, o: { symbols?: string[]; pollMs?: number } = {}): () => Promise<void> {
    const pollMs = o.pollMs ?? 5000;
    const symbols = o.symbols ? new Set(o.symbols) : undefined;
    const last = new Map<string, string>();
    const seenFills = new Set<string>();
    let since = Date.now() - 1000;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const want = (s: string): boolean => !symbols || symbols.has(s);
    const poll = async (): Promise<void> => {
      try {
        const fills = await this.rawFills(since, symbols);
        for (const f of fills) {
          const id = String(f.tid);
          if (seenFills.has(id)) continue;
          seenFills.add(id);
          since = Math.max(since, f.time - 1000);
          h.onFill(await this.toFill(f));
        }
        const open = (await this.openOrders()).filter((x) => want(x.symbol));
        const now = new Set<string>();
        for (const x of open) {
          now.add(x.id);
          const key = `${x.status}|${x.filled}|${x.qty}|${x.price}|${x.stopPrice}`;
          if (last.get(x.id) !== key) {
            last.set(x.id, key);
            h.onOrder(x);
          }
        }
        for (const [id] of last) {
          if (now.has(id)) continue;
          last.delete(id);
          const r = await this.orderStatus(Number(id));
          if (r) h.onOrder(this.toOrder(r.order, r.status, r.statusTimestamp));
        }
      } catch (e) {
        h.onError?.(hyperliquidError(e, this.key));
      }
    };
    const loop = (): void => {
      if (stopped) return;
      running = poll().finally(() => {
        if (!stopped) timer = setTimeout(loop, pollMs);
      });
    };
    loop();
    const stop = async (): Promise<void> => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.watchers.delete(stop);
      await running;
    };
    this.watchers.add(stop);
    return stop;
  }

  /** Candles from `candleSnapshot`, oldest first. */
  async ohlcv(symbol: string, timeframe: string, since: number, limit = 500): Promise<Candle[]> {
    const m = await this.market(symbol);
    const step = isTimeframe(timeframe) ? TIMEFRAMES[timeframe] : this.ex.parseTimeframe(timeframe) * 1000;
    const r = (await this.info({
      type: 'candleSnapshot',
      req: { coin: m.id, interval: timeframe, startTime: since, endTime: since + step * limit },
    })) as { t: number; o: string; h: string; l: string; c: string; v: string }[];
    return (Array.isArray(r) ? r : [])
      .map((c) => ({ time: c.t, open: c.o, high: c.h, low: c.l, close: c.c, volume: c.v }))
      .sort((a, b) => a.time - b.time)
      .slice(0, limit);
  }

  /** Stops every watch loop. */
  async close(): Promise<void> {
    await Promise.all([...this.watchers].map((s) => s()));
  }
}

/** Opens the Hyperliquid venue of a connection (`config.kind` `hyperliquid`). */
export function createHyperliquidVenue(config: VenueConfig): HyperliquidVenue {
  return new HyperliquidVenue(config);
}
