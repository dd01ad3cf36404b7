/**
 * A local HTTP server answering Hyperliquid's documented `/info` and `/exchange` shapes, for tests only (the
 * Hyperliquid venue, src/app/venues/hyperliquid.ts, driven by CCXT's real `hyperliquid` class, is pointed at it).
 *
 * Sources: Hyperliquid API docs (hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api: info endpoint —
 * `meta`, `metaAndAssetCtxs`, `allMids`, `clearinghouseState`, `openOrders`, `frontendOpenOrders`, `userFills`,
 * `userFillsByTime`, `orderStatus`, `userRole`, `candleSnapshot`; exchange endpoint — `order`, `cancel`,
 * `cancelByCloid`; signing — L1 actions are signed as the EIP-712 `Agent { string source; bytes32 connectionId }`
 * of domain `Exchange`/`1`/chain 1337/zero address, `connectionId = keccak256(msgpack(action) ‖ nonce as u64 BE ‖
 * 0x00 (no vault))`, `source = 'a'` on mainnet, `'b'` on testnet), and the reference SDK
 * (github.com/hyperliquid-dex/hyperliquid-python-sdk, `utils/signing.py`: `action_hash`, `sign_l1_action`).
 *
 * What it models (a small in-memory venue, not Hyperliquid's matching engine):
 * - Perpetual assets with `szDecimals` and a mark price the test sets ({@link HyperliquidServer.setMark}).
 * - Accounts (USDC, cross margin at min(20, maxLeverage)×), agent wallets approved for an account, positions with a
 *   volume-weighted entry, realized P&L and fees (taker 0.045 %, maker 0.015 %) into the USDC balance.
 * - Orders: limit GTC/IOC/ALO, trigger orders (`tpsl` `sl`/`tp`, `isMarket`), reduce-only, 128-bit hex `cloid`.
 *   An incoming order matches resting orders of other accounts (price-time, at the maker's price); with
 *   `houseLiquidity` (default) its marketable remainder then fills at the mark price. Moving the mark fills resting
 *   limit orders it crosses (at their limit, as maker) and fires trigger orders (as market orders bounded by their
 *   limit price). Rules checked as Hyperliquid does: price ≤ 5 significant figures and ≤ 6 − szDecimals decimals
 *   (integers always allowed), size ≤ szDecimals decimals, $10 minimum value (not for reduce-only), margin,
 *   reduce-only direction.
 * - Signature verification on every `/exchange` request: the signer is recovered from the signature (secp256k1,
 *   @noble/curves, as CCXT ships it) over the digest built here independently of CCXT (own msgpack and EIP-712
 *   encoders); a signer that is not an approved agent (or the account itself) gets `{status:'err', response:'User or
 *   API Wallet 0x… does not exist.'}` as Hyperliquid answers. Every check is recorded in
 *   {@link HyperliquidServer.signatures}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Decimal } from 'decimal.js';
import { HyperliquidVenue, validPerpPrice } from './hyperliquid.ts';
import type { VenueConfig } from './types.ts';

/** A perpetual asset of the server (index = asset id, as in `meta.universe`). */
export interface HyperliquidAssetSpec {
  /** Coin name (`BTC`). */
  name: string;
  /** Size decimals (lot = 10^-szDecimals). */
  szDecimals: number;
  /** Maximum leverage (default 50). */
  maxLeverage?: number;
  /** Initial mark price, decimal text. */
  markPx: string;
}

/** An account with a main wallet and one approved agent wallet (keys are 0x-prefixed 32-byte hex). */
export interface HyperliquidTestAccount {
  walletAddress: string;
  walletKey: string;
  agentAddress: string;
  agentKey: string;
}

/** One `/exchange` signature check. */
export interface SignatureCheck {
  action: string;
  /** The recovered signer (lowercase 0x address), null when the signature could not be parsed. */
  signer: string | null;
  /** The account the signer acts for, null when refused. */
  user: string | null;
  ok: boolean;
}

/** The running server. */
export interface HyperliquidServer {
  /** `http://127.0.0.1:port` — CCXT's `urls.api.public` / `private`. */
  url: string;
  /** Creates an account funded with `usdc` (decimal text) and an approved agent wallet (fresh random keys). */
  addAccount(usdc: string): HyperliquidTestAccount;
  /** Approves `agentAddress` to sign for `walletAddress`. */
  approveAgent(walletAddress: string, agentAddress: string): void;
  /** Sets a coin's mark price; fills crossed resting orders and fires triggers. */
  setMark(coin: string, px: string): void;
  /** Every `/exchange` signature check, in order. */
  readonly signatures: SignatureCheck[];
  /** Number of `/exchange` requests answered. */
  readonly exchangeRequests: number;
  close(): Promise<void>;
}

/** Options of {@link startHyperliquidServer}. */
export interface HyperliquidServerOptions {
  assets?: HyperliquidAssetSpec[];
  /** Fill the marketable remainder of an order at the mark price (default true). */
  houseLiquidity?: boolean;
  /** Testnet (phantom agent source `'b'`) instead of mainnet (`'a'`). */
  testnet?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Crypto: msgpack (the subset actions use), EIP-712 digest of the phantom agent, signer recovery.

const enc = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function be(n: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = n;
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function hexToBytes(h: string): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  if (!/^[0-9a-fA-F]*$/.test(s) || s.length % 2 !== 0) throw new Error('bad hex');
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** MessagePack encoding (spec: github.com/msgpack/msgpack/blob/master/spec.md) of JSON values, smallest forms. */
export function msgpack(v: unknown): Uint8Array {
  if (v === null || v === undefined) return Uint8Array.of(0xc0);
  if (v === false) return Uint8Array.of(0xc2);
  if (v === true) return Uint8Array.of(0xc3);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) {
      const b = new Uint8Array(9);
      b[0] = 0xcb;
      new DataView(b.buffer).setFloat64(1, v);
      return b;
    }
    const n = BigInt(v);
    if (n >= 0n) {
      if (n < 128n) return Uint8Array.of(Number(n));
      if (n < 256n) return Uint8Array.of(0xcc, Number(n));
      if (n < 65536n) return concat([Uint8Array.of(0xcd), be(n, 2)]);
      if (n < 4294967296n) return concat([Uint8Array.of(0xce), be(n, 4)]);
      return concat([Uint8Array.of(0xcf), be(n, 8)]);
    }
    if (n >= -32n) return Uint8Array.of(Number(n) & 0xff);
    if (n >= -128n) return Uint8Array.of(0xd0, Number(n) & 0xff);
    if (n >= -32768n) return concat([Uint8Array.of(0xd1), be(BigInt.asUintN(16, n), 2)]);
    if (n >= -2147483648n) return concat([Uint8Array.of(0xd2), be(BigInt.asUintN(32, n), 4)]);
    return concat([Uint8Array.of(0xd3), be(BigInt.asUintN(64, n), 8)]);
  }
  if (typeof v === 'string') {
    const b = enc.encode(v);
    const l = b.length;
    const head =
      l < 32
        ? Uint8Array.of(0xa0 | l)
        : l < 256
          ? Uint8Array.of(0xd9, l)
          : l < 65536
            ? concat([Uint8Array.of(0xda), be(BigInt(l), 2)])
            : concat([Uint8Array.of(0xdb), be(BigInt(l), 4)]);
    return concat([head, b]);
  }
  if (Array.isArray(v)) {
    const l = v.length;
    const head =
      l < 16
        ? Uint8Array.of(0x90 | l)
        : l < 65536
          ? concat([Uint8Array.of(0xdc), be(BigInt(l), 2)])
          : concat([Uint8Array.of(0xdd), be(BigInt(l), 4)]);
    return concat([head, ...v.map(msgpack)]);
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    const l = entries.length;
    const head =
      l < 16
        ? Uint8Array.of(0x80 | l)
        : l < 65536
          ? concat([Uint8Array.of(0xde), be(BigInt(l), 2)])
          : concat([Uint8Array.of(0xdf), be(BigInt(l), 4)]);
    return concat([head, ...entries.flatMap(([k, x]) => [msgpack(k), msgpack(x)])]);
  }
  throw new Error(`msgpack: unsupported ${typeof v}`);
}

/** `keccak256(msgpack(action) ‖ nonce u64 BE ‖ vault flag [‖ vault] [‖ 0x00 ‖ expiresAfter u64 BE])`. */
export function actionHash(action: unknown, nonce: number, vault?: string, expiresAfter?: number): Uint8Array {
  const parts = [msgpack(action), be(BigInt(nonce), 8)];
  parts.push(vault === undefined ? Uint8Array.of(0) : concat([Uint8Array.of(1), hexToBytes(vault)]));
  if (expiresAfter !== undefined) parts.push(Uint8Array.of(0), be(BigInt(expiresAfter), 8));
  return keccak_256(concat(parts));
}

const kec = (s: string): Uint8Array => keccak_256(enc.encode(s));

/** The EIP-712 digest of `Agent { source, connectionId }` in domain Exchange/1/1337/0x0. */
export function agentDigest(source: string, connectionId: Uint8Array): Uint8Array {
  const domainType = kec('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)');
  const domain = keccak_256(concat([domainType, kec('Exchange'), kec('1'), be(1337n, 32), new Uint8Array(32)]));
  const agentType = kec('Agent(string source,bytes32 connectionId)');
  const struct = keccak_256(concat([agentType, kec(source), connectionId]));
  return keccak_256(concat([Uint8Array.of(0x19, 0x01), domain, struct]));
}

/** The lowercase 0x address of a public key (uncompressed, 65 bytes). */
function addressOf(pub: Uint8Array): string {
  return '0x' + hex(keccak_256(pub.slice(1)).slice(-20));
}

/** The lowercase 0x address of a private key (0x hex). */
export function addressOfKey(privateKey: string): string {
  return addressOf(secp256k1.getPublicKey(hexToBytes(privateKey), false));
}

/** Recovers the signer of `digest` from `{r, s, v}` (v 27/28); null when the signature is malformed. */
export function recoverSigner(digest: Uint8Array, sig: unknown): string | null {
  try {
    const { r, s, v } = sig as { r: string; s: string; v: number };
    const pad = (x: string): string => x.replace(/^0x/, '').padStart(64, '0');
    if (typeof r !== 'string' || typeof s !== 'string' || (v !== 27 && v !== 28)) return null;
    const compact = hexToBytes(pad(r) + pad(s));
    const point = secp256k1.Signature.fromBytes(compact, 'compact')
      .addRecoveryBit(v - 27)
      .recoverPublicKey(digest);
    return addressOf(point.toBytes(false));
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// State.

type Side = 'B' | 'A';

interface Asset {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  markPx: Decimal;
  prevDayPx: Decimal;
}

interface Order {
  oid: number;
  user: string;
  asset: number;
  side: Side;
  limitPx: Decimal;
  origSz: Decimal;
  sz: Decimal;
  cloid: string | null;
  tif: 'Gtc' | 'Ioc' | 'Alo' | null;
  reduceOnly: boolean;
  trigger: { triggerPx: Decimal; tpsl: 'tp' | 'sl'; isMarket: boolean } | null;
  status: string;
  timestamp: number;
  statusTimestamp: number;
}

interface Fill {
  closedPnl: string;
  coin: string;
  crossed: boolean;
  dir: string;
  fee: string;
  feeToken: string;
  hash: string;
  oid: number;
  px: string;
  side: Side;
  startPosition: string;
  sz: string;
  tid: number;
  time: number;
}

interface Position {
  szi: Decimal;
  entryPx: Decimal;
}

interface Account {
  usdc: Decimal;
  positions: Map<number, Position>;
  fills: Fill[];
  nonces: Set<number>;
}

const TAKER = new Decimal('0.00045');
const MAKER = new Decimal('0.00015');
const MAX_DECIMALS = 6;

const txt = (d: Decimal): string => d.toFixed();

class Venue {
  readonly assets: Asset[] = [];
  readonly accounts = new Map<string, Account>();
  /** agent address → account address. */
  readonly agents = new Map<string, string>();
  readonly orders = new Map<number, Order>();
  readonly signatures: SignatureCheck[] = [];
  exchangeRequests = 0;
  private nextOid = 1000;
  private nextTid = 500_000;

  constructor(
    specs: HyperliquidAssetSpec[],
    private readonly house: boolean,
    readonly source: string,
  ) {
    for (const s of specs)
      this.assets.push({
        name: s.name,
        szDecimals: s.szDecimals,
        maxLeverage: s.maxLeverage ?? 50,
        markPx: new Decimal(s.markPx),
        prevDayPx: new Decimal(s.markPx),
      });
  }

  account(user: string): Account {
    const key = user.toLowerCase();
    let a = this.accounts.get(key);
    if (!a) {
      a = { usdc: new Decimal(0), positions: new Map(), fills: [], nonces: new Set() };
      this.accounts.set(key, a);
    }
    return a;
  }

  leverage(asset: number): Decimal {
    return new Decimal(Math.min(20, this.assets[asset]!.maxLeverage));
  }

  position(user: string, asset: number): Position {
    const acc = this.account(user);
    let p = acc.positions.get(asset);
    if (!p) {
      p = { szi: new Decimal(0), entryPx: new Decimal(0) };
      acc.positions.set(asset, p);
    }
    return p;
  }

  summary(user: string): { accountValue: Decimal; marginUsed: Decimal; ntl: Decimal } {
    const acc = this.account(user);
    let upnl = new Decimal(0);
    let marginUsed = new Decimal(0);
    let ntl = new Decimal(0);
    for (const [asset, p] of acc.positions) {
      if (p.szi.isZero()) continue;
      const mark = this.assets[asset]!.markPx;
      upnl = upnl.plus(p.szi.times(mark.minus(p.entryPx)));
      ntl = ntl.plus(p.szi.abs().times(mark));
      marginUsed = marginUsed.plus(p.szi.abs().times(mark).div(this.leverage(asset)));
    }
    return { accountValue: acc.usdc.plus(upnl), marginUsed, ntl };
  }

  clearinghouseState(user: string): unknown {
    const acc = this.account(user);
    const s = this.summary(user);
    const assetPositions = [...acc.positions.entries()]
      .filter(([, p]) => !p.szi.isZero())
      .map(([asset, p]) => {
        const a = this.assets[asset]!;
        const value = p.szi.abs().times(a.markPx);
        const upnl = p.szi.times(a.markPx.minus(p.entryPx));
        const margin = value.div(this.leverage(asset));
        return {
          position: {
            coin: a.name,
            cumFunding: { allTime: '0.0', sinceChange: '0.0', sinceOpen: '0.0' },
            entryPx: txt(p.entryPx),
            leverage: { type: 'cross', value: this.leverage(asset).toNumber() },
            liquidationPx: null,
            marginUsed: txt(margin.toDecimalPlaces(6)),
            maxLeverage: a.maxLeverage,
            positionValue: txt(value.toDecimalPlaces(6)),
            returnOnEquity: txt(margin.isZero() ? new Decimal(0) : upnl.div(margin).toDecimalPlaces(8)),
            szi: txt(p.szi),
            unrealizedPnl: txt(upnl.toDecimalPlaces(6)),
          },
          type: 'oneWay',
        };
      });
    const ms = {
      accountValue: txt(s.accountValue.toDecimalPlaces(6)),
      totalMarginUsed: txt(s.marginUsed.toDecimalPlaces(6)),
      totalNtlPos: txt(s.ntl.toDecimalPlaces(6)),
      totalRawUsd: txt(acc.usdc.toDecimalPlaces(6)),
    };
    return {
      assetPositions,
      crossMaintenanceMarginUsed: txt(s.marginUsed.div(2).toDecimalPlaces(6)),
      crossMarginSummary: ms,
      marginSummary: ms,
      time: Date.now(),
      withdrawable: txt(Decimal.max(0, s.accountValue.minus(s.marginUsed)).toDecimalPlaces(6)),
    };
  }

  orderType(o: Order): string {
    if (!o.trigger) return 'Limit';
    const kind = o.trigger.tpsl === 'sl' ? 'Stop' : 'Take Profit';
    return `${kind} ${o.trigger.isMarket ? 'Market' : 'Limit'}`;
  }

  triggerAbove(o: Order): boolean {
    // a stop buys above / sells below its trigger; a take-profit the reverse
    return (o.trigger!.tpsl === 'sl') === (o.side === 'B');
  }

  frontendOrder(o: Order): Record<string, unknown> {
    return {
      children: [],
      cloid: o.cloid,
      coin: this.assets[o.asset]!.name,
      isPositionTpsl: false,
      isTrigger: o.trigger !== null,
      limitPx: txt(o.limitPx),
      oid: o.oid,
      orderType: this.orderType(o),
      origSz: txt(o.origSz),
      reduceOnly: o.reduceOnly,
      side: o.side,
      sz: txt(o.sz),
      tif: o.tif,
      timestamp: o.timestamp,
      triggerCondition: o.trigger
        ? `Price ${this.triggerAbove(o) ? 'above' : 'below'} ${txt(o.trigger.triggerPx)}`
        : 'N/A',
      triggerPx: o.trigger ? txt(o.trigger.triggerPx) : '0.0',
    };
  }

  openOrdersOf(user: string): Order[] {
    const u = user.toLowerCase();
    return [...this.orders.values()].filter((o) => o.user === u && o.status === 'open').reverse();
  }

  // --- matching -------------------------------------------------------------------------------------------------

  /** Applies one fill to `user`'s account; returns the stored fill. */
  applyFill(o: Order, px: Decimal, sz: Decimal, crossed: boolean, time: number): void {
    const acc = this.account(o.user);
    const p = this.position(o.user, o.asset);
    const signed = o.side === 'B' ? sz : sz.neg();
    const start = p.szi;
    let closedPnl = new Decimal(0);
    let dir: string;
    if (start.isZero() || start.gt(0) === signed.gt(0)) {
      const total = start.plus(signed);
      p.entryPx = start.abs().times(p.entryPx).plus(sz.times(px)).div(total.abs());
      p.szi = total;
      dir = signed.gt(0) ? 'Open Long' : 'Open Short';
    } else {
      const closing = Decimal.min(sz, start.abs());
      closedPnl = closing.times(px.minus(p.entryPx)).times(start.gt(0) ? 1 : -1);
      const total = start.plus(signed);
      if (!total.isZero() && total.gt(0) !== start.gt(0)) p.entryPx = px;
      p.szi = total;
      dir = start.gt(0) ? 'Close Long' : 'Close Short';
      if (total.isZero()) p.entryPx = new Decimal(0);
    }
    const fee = px
      .times(sz)
      .times(crossed ? TAKER : MAKER)
      .toDecimalPlaces(6, Decimal.ROUND_UP);
    acc.usdc = acc.usdc.plus(closedPnl).minus(fee);
    const tid = this.nextTid++;
    acc.fills.push({
      closedPnl: txt(closedPnl.toDecimalPlaces(6)),
      coin: this.assets[o.asset]!.name,
      crossed,
      dir,
      fee: txt(fee),
      feeToken: 'USDC',
      hash: '0x' + hex(kec(`fill-${tid}`)),
      oid: o.oid,
      px: txt(px),
      side: o.side,
      startPosition: txt(start),
      sz: txt(sz),
      tid,
      time,
    });
  }

  /** Clamps a reduce-only order to the position it may reduce; returns false (and cancels) when nothing to reduce. */
  clampReduceOnly(o: Order, now: number): boolean {
    if (!o.reduceOnly) return true;
    const p = this.position(o.user, o.asset);
    const reducible = (o.side === 'B' && p.szi.lt(0)) || (o.side === 'A' && p.szi.gt(0));
    if (!reducible) {
      o.status = 'reduceOnlyCanceled';
      o.statusTimestamp = now;
      return false;
    }
    if (o.sz.gt(p.szi.abs())) o.sz = p.szi.abs();
    return true;
  }

  /** Matches `o` as a taker against the book, then the house at the mark; returns the filled size and notional. */
  take(o: Order, now: number): { filled: Decimal; notional: Decimal } {
    let filled = new Decimal(0);
    let notional = new Decimal(0);
    const crosses = (px: Decimal): boolean => (o.side === 'B' ? px.lte(o.limitPx) : px.gte(o.limitPx));
    const makers = [...this.orders.values()]
      .filter((m) => m.status === 'open' && !m.trigger && m.asset === o.asset && m.side !== o.side)
      .filter((m) => m.user !== o.user && crosses(m.limitPx))
      .sort((a, b) => (o.side === 'B' ? a.limitPx.cmp(b.limitPx) : b.limitPx.cmp(a.limitPx)) || a.oid - b.oid);
    for (const m of makers) {
      if (o.sz.isZero()) break;
      if (!this.clampReduceOnly(o, now)) break;
      if (!this.clampReduceOnly(m, now)) continue;
      const q = Decimal.min(o.sz, m.sz);
      this.applyFill(m, m.limitPx, q, false, now);
      this.applyFill(o, m.limitPx, q, true, now);
      m.sz = m.sz.minus(q);
      o.sz = o.sz.minus(q);
      filled = filled.plus(q);
      notional = notional.plus(q.times(m.limitPx));
      m.statusTimestamp = now;
      if (m.sz.isZero()) m.status = 'filled';
    }
    const mark = this.assets[o.asset]!.markPx;
    if (this.house && o.sz.gt(0) && crosses(mark) && this.clampReduceOnly(o, now)) {
      const q = o.sz;
      this.applyFill(o, mark, q, true, now);
      o.sz = new Decimal(0);
      filled = filled.plus(q);
      notional = notional.plus(q.times(mark));
    }
    o.statusTimestamp = now;
    return { filled, notional };
  }

  /** After a mark change: resting limits the mark crossed fill at their price (maker), triggers fire. */
  markMoved(asset: number, now: number): void {
    const mark = this.assets[asset]!.markPx;
    for (const o of [...this.orders.values()]) {
      if (o.status !== 'open' || o.asset !== asset) continue;
      if (o.trigger) {
        const fire = this.triggerAbove(o) ? mark.gte(o.trigger.triggerPx) : mark.lte(o.trigger.triggerPx);
        if (!fire) continue;
        o.status = 'triggered';
        if (!o.trigger.isMarket) {
          o.status = 'open';
          o.trigger = null;
          o.tif = 'Gtc';
          continue;
        }
        this.take(o, now);
        o.status = o.sz.isZero() ? 'filled' : o.status === 'reduceOnlyCanceled' ? o.status : 'canceled';
        continue;
      }
      if (!this.house) continue;
      const crossed = o.side === 'B' ? mark.lte(o.limitPx) : mark.gte(o.limitPx);
      if (!crossed || !this.clampReduceOnly(o, now)) continue;
      this.applyFill(o, o.limitPx, o.sz, false, now);
      o.sz = new Decimal(0);
      o.status = 'filled';
      o.statusTimestamp = now;
    }
  }

  // --- exchange actions ----------------------------------------------------------------------------------------

  placeOne(user: string, w: Record<string, unknown>, now: number): unknown {
    const asset = w.a;
    if (typeof asset !== 'number' || !this.assets[asset]) return { error: 'Invalid asset.' };
    const a = this.assets[asset];
    const px = String(w.p);
    const sz = String(w.s);
    if (!validPerpPrice(px, a.szDecimals)) return { error: `Price must be divisible by tick size. asset=${asset}` };
    if (!/^\d+(\.\d+)?$/.test(sz) || new Decimal(sz).decimalPlaces() > a.szDecimals)
      return { error: `Order has invalid size. asset=${asset}` };
    if (new Decimal(sz).isZero()) return { error: `Order has zero size. asset=${asset}` };
    const t = (w.t ?? {}) as { limit?: { tif?: string }; trigger?: Record<string, unknown> };
    const cloid = typeof w.c === 'string' ? w.c.toLowerCase() : null;
    if (cloid !== null && !/^0x[0-9a-f]{32}$/.test(cloid)) return { error: 'Invalid cloid.' };
    if (cloid !== null && [...this.orders.values()].some((o) => o.user === user && o.cloid === cloid))
      return { error: `Duplicate cloid. asset=${asset}` };
    const o: Order = {
      oid: this.nextOid++,
      user,
      asset,
      side: w.b === true ? 'B' : 'A',
      limitPx: new Decimal(px),
      origSz: new Decimal(sz),
      sz: new Decimal(sz),
      cloid,
      tif: null,
      reduceOnly: w.r === true,
      trigger: null,
      status: 'open',
      timestamp: now,
      statusTimestamp: now,
    };
    if (t.trigger) {
      const tp = String(t.trigger.triggerPx);
      if (!validPerpPrice(tp, a.szDecimals)) return { error: `Invalid TP/SL price. asset=${asset}` };
      o.trigger = {
        triggerPx: new Decimal(tp),
        tpsl: t.trigger.tpsl === 'tp' ? 'tp' : 'sl',
        isMarket: t.trigger.isMarket === true,
      };
    } else {
      const tif = t.limit?.tif;
      if (tif !== 'Gtc' && tif !== 'Ioc' && tif !== 'Alo') return { error: 'Invalid order type.' };
      o.tif = tif;
    }
    const valuePx = o.trigger ? o.trigger.triggerPx : o.limitPx;
    if (!o.reduceOnly && valuePx.times(o.sz).lt(10))
      return { error: `Order must have minimum value of $10. asset=${asset}` };
    if (o.reduceOnly && !o.trigger) {
      const p = this.position(user, asset);
      const reduces = (o.side === 'B' && p.szi.lt(0)) || (o.side === 'A' && p.szi.gt(0));
      if (!reduces) return { error: `Reduce only order would increase position. asset=${asset}` };
    }
    if (!o.reduceOnly) {
      const s = this.summary(user);
      const pending = this.openOrdersOf(user)
        .filter((x) => !x.reduceOnly)
        .reduce((n, x) => n.plus(x.sz.times(x.limitPx).div(this.leverage(x.asset))), new Decimal(0));
      const need = s.marginUsed.plus(pending).plus(o.sz.times(valuePx).div(this.leverage(asset)));
      if (need.gt(s.accountValue)) return { error: `Insufficient margin to place order. asset=${asset}` };
    }
    if (o.tif === 'Alo') {
      const m = a.markPx;
      const crossesBook = [...this.orders.values()].some(
        (x) =>
          x.status === 'open' &&
          !x.trigger &&
          x.asset === asset &&
          x.side !== o.side &&
          x.user !== user &&
          (o.side === 'B' ? x.limitPx.lte(o.limitPx) : x.limitPx.gte(o.limitPx)),
      );
      if (crossesBook || (this.house && (o.side === 'B' ? m.lte(o.limitPx) : m.gte(o.limitPx))))
        return { error: `Post only order would have immediately matched, bbo was ${txt(m)}. asset=${asset}` };
    }
    this.orders.set(o.oid, o);
    const withCloid = (x: Record<string, unknown>): Record<string, unknown> => (cloid ? { ...x, cloid } : x);
    if (o.trigger) return { resting: withCloid({ oid: o.oid }) };
    const { filled, notional } = this.take(o, now);
    if (o.sz.isZero()) {
      o.status = 'filled';
      return { filled: withCloid({ totalSz: txt(filled), avgPx: txt(notional.div(filled)), oid: o.oid }) };
    }
    if (o.tif === 'Ioc') {
      o.status = 'canceled';
      if (filled.isZero()) {
        this.orders.delete(o.oid);
        return { error: `Order could not immediately match against any resting orders. asset=${asset}` };
      }
      return { filled: withCloid({ totalSz: txt(filled), avgPx: txt(notional.div(filled)), oid: o.oid }) };
    }
    return { resting: withCloid({ oid: o.oid }) };
  }

  cancelOne(user: string, find: (o: Order) => boolean, asset: unknown, now: number): unknown {
    const o = [...this.orders.values()].find((x) => x.user === user && find(x));
    if (!o || o.status !== 'open' || o.asset !== asset)
      return { error: `Order was never placed, already canceled, or filled. asset=${String(asset)}` };
    o.status = 'canceled';
    o.statusTimestamp = now;
    return 'success';
  }

  exchange(body: Record<string, unknown>): unknown {
    this.exchangeRequests++;
    const action = body.action as Record<string, unknown> | undefined;
    const nonce = body.nonce;
    if (!action || typeof action.type !== 'string' || typeof nonce !== 'number')
      return { status: 'err', response: 'Failed to deserialize the JSON body into the target type' };
    const vault = typeof body.vaultAddress === 'string' ? body.vaultAddress : undefined;
    const expires = typeof body.expiresAfter === 'number' ? body.expiresAfter : undefined;
    const digest = agentDigest(this.source, actionHash(action, nonce, vault, expires));
    const signer = recoverSigner(digest, body.signature);
    const user =
      signer === null ? undefined : (this.agents.get(signer) ?? (this.accounts.has(signer) ? signer : undefined));
    this.signatures.push({ action: action.type, signer, user: user ?? null, ok: user !== undefined });
    if (user === undefined) return { status: 'err', response: `User or API Wallet ${signer ?? '0x0'} does not exist.` };
    if (vault !== undefined) return { status: 'err', response: 'Vault not registered' };
    const acc = this.account(user);
    const now = Date.now();
    if (acc.nonces.has(nonce) || nonce < now - 2 * 86_400_000 || nonce > now + 86_400_000)
      return { status: 'err', response: `Invalid nonce: duplicate nonce ${nonce}` };
    acc.nonces.add(nonce);
    if (action.type === 'order') {
      const orders = Array.isArray(action.orders) ? (action.orders as Record<string, unknown>[]) : [];
      if (action.grouping !== 'na') return { status: 'err', response: 'Only grouping "na" is supported here.' };
      const statuses = orders.map((w) => this.placeOne(user, w, now));
      return { status: 'ok', response: { type: 'order', data: { statuses } } };
    }
    if (action.type === 'cancel' || action.type === 'cancelByCloid') {
      const cancels = Array.isArray(action.cancels) ? (action.cancels as Record<string, unknown>[]) : [];
      const statuses = cancels.map((c) =>
        action.type === 'cancel'
          ? this.cancelOne(user, (o) => o.oid === c.o, c.a, now)
          : this.cancelOne(user, (o) => o.cloid === String(c.cloid).toLowerCase(), c.asset, now),
      );
      return { status: 'ok', response: { type: 'cancel', data: { statuses } } };
    }
    return { status: 'err', response: `Unsupported action type ${action.type}` };
  }

  // --- info ----------------------------------------------------------------------------------------------------

  info(q: Record<string, unknown>): { code: number; body: unknown } {
    const ok = (body: unknown): { code: number; body: unknown } => ({ code: 200, body });
    const user = typeof q.user === 'string' ? q.user.toLowerCase() : '';
    const meta = {
      universe: this.assets.map((a) => ({ name: a.name, szDecimals: a.szDecimals, maxLeverage: a.maxLeverage })),
    };
    switch (q.type) {
      case 'meta':
        return ok(meta);
      case 'metaAndAssetCtxs':
        return ok([
          meta,
          this.assets.map((a) => {
            const tick = new Decimal(10).pow(-Math.min(MAX_DECIMALS - a.szDecimals, 2));
            return {
              dayNtlVlm: '0.0',
              funding: '0.0',
              impactPxs: [txt(a.markPx.minus(tick)), txt(a.markPx.plus(tick))],
              markPx: txt(a.markPx),
              midPx: txt(a.markPx),
              openInterest: '0.0',
              oraclePx: txt(a.markPx),
              premium: '0.0',
              prevDayPx: txt(a.prevDayPx),
            };
          }),
        ]);
      case 'spotMeta':
        return ok({
          tokens: [
            {
              name: 'USDC',
              szDecimals: 8,
              weiDecimals: 8,
              index: 0,
              tokenId: '0x6d1e7cde53ba9467b783cb7c530ce054',
              isCanonical: true,
              evmContract: null,
              fullName: null,
            },
          ],
          universe: [],
        });
      case 'allMids':
        return ok(Object.fromEntries(this.assets.map((a) => [a.name, txt(a.markPx)])));
      case 'clearinghouseState':
        return ok(this.clearinghouseState(user));
      case 'userAbstraction':
        return ok('default');
      case 'userRole': {
        const master = this.agents.get(user);
        if (master) return ok({ role: 'agent', data: { user: master } });
        return ok({ role: this.accounts.has(user) ? 'user' : 'missing' });
      }
      case 'openOrders':
        return ok(
          this.openOrdersOf(user).map((o) => ({
            coin: this.assets[o.asset]!.name,
            limitPx: txt(o.limitPx),
            oid: o.oid,
            side: o.side,
            sz: txt(o.sz),
            timestamp: o.timestamp,
            origSz: txt(o.origSz),
            ...(o.cloid ? { cloid: o.cloid } : {}),
          })),
        );
      case 'frontendOpenOrders':
        return ok(this.openOrdersOf(user).map((o) => this.frontendOrder(o)));
      case 'userFills':
        return ok([...this.account(user).fills].reverse().slice(0, 2000));
      case 'userFillsByTime': {
        const start = Number(q.startTime ?? 0);
        const end = q.endTime === undefined || q.endTime === null ? Infinity : Number(q.endTime);
        return ok(
          this.account(user)
            .fills.filter((f) => f.time >= start && f.time <= end)
            .slice(0, 2000),
        );
      }
      case 'orderStatus': {
        const oid = q.oid;
        const o = [...this.orders.values()].find(
          (x) =>
            x.user === user &&
            (typeof oid === 'number' ? x.oid === oid : typeof oid === 'string' && x.cloid === oid.toLowerCase()),
        );
        if (!o) return ok({ status: 'unknownOid' });
        return ok({
          status: 'order',
          order: { order: this.frontendOrder(o), status: o.status, statusTimestamp: o.statusTimestamp },
        });
      }
      case 'candleSnapshot':
        return ok([]);
      default:
        return { code: 422, body: 'Failed to deserialize the JSON body into the target type' };
    }
  }
}

function randomKey(): string {
  return '0x' + hex(secp256k1.utils.randomSecretKey());
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' && code !== 200 ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': code === 200 ? 'application/json' : 'text/plain' });
  res.end(text);
}

/** Default assets: BTC (szDecimals 5, 40×), ETH (4, 25×), DOGE (0, 10×). */
export const DEFAULT_HYPERLIQUID_ASSETS: HyperliquidAssetSpec[] = [
  { name: 'BTC', szDecimals: 5, maxLeverage: 40, markPx: '95000' },
  { name: 'ETH', szDecimals: 4, maxLeverage: 25, markPx: '3500.5' },
  { name: 'DOGE', szDecimals: 0, maxLeverage: 10, markPx: '0.31234' },
];

/**
 * Starts the server on 127.0.0.1 (a free port). `POST /info` and `POST /exchange` with JSON bodies, as Hyperliquid.
 * Close it with {@link HyperliquidServer.close}.
 */
export async function startHyperliquidServer(o: HyperliquidServerOptions = {}): Promise<HyperliquidServer> {
  const venue = new Venue(o.assets ?? DEFAULT_HYPERLIQUID_ASSETS, o.houseLiquidity ?? true, o.testnet ? 'b' : 'a');
  const server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (!body) return send(res, 422, 'Failed to deserialize the JSON body into the target type');
      if (req.url === '/info') {
        const r = venue.info(body);
        return send(res, r.code, r.body);
      }
      if (req.url === '/exchange') return send(res, 200, venue.exchange(body));
      send(res, 404, 'Not found');
    })().catch(() => send(res, 500, 'internal error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addAccount(usdc) {
      const walletKey = randomKey();
      const agentKey = randomKey();
      const walletAddress = addressOfKey(walletKey);
      const agentAddress = addressOfKey(agentKey);
      venue.account(walletAddress).usdc = new Decimal(usdc);
      venue.agents.set(agentAddress, walletAddress);
      return { walletAddress, walletKey, agentAddress, agentKey };
    },
    approveAgent(walletAddress, agentAddress) {
      venue.account(walletAddress);
      venue.agents.set(agentAddress.toLowerCase(), walletAddress.toLowerCase());
    },
    setMark(coin, px) {
      const i = venue.assets.findIndex((a) => a.name === coin);
      if (i < 0) throw new Error(`unknown coin ${coin}`);
      venue.assets[i]!.markPx = new Decimal(px);
      venue.markMoved(i, Date.now());
    },
    get signatures() {
      return venue.signatures;
    },
    get exchangeRequests() {
      return venue.exchangeRequests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** The venue config of `account` on `server` (agent key as `privateKey`). */
export function hyperliquidTestConfig(server: HyperliquidServer, account: HyperliquidTestAccount): VenueConfig {
  return {
    kind: 'hyperliquid',
    exchange: 'hyperliquid',
    marketType: 'swap',
    sandbox: false,
    baseUrl: server.url,
    credentials: { walletAddress: account.walletAddress, privateKey: account.agentKey },
  };
}

/** A {@link HyperliquidVenue} of `account` on `server`, CCXT's rate limiter off (close it after use). */
export function hyperliquidTestVenue(server: HyperliquidServer, account: HyperliquidTestAccount): HyperliquidVenue {
  return new HyperliquidVenue(hyperliquidTestConfig(server, account), { rateLimit: false });
}
