/**
 * Binance-compatible WebSocket market streams of the simulated exchange (the spot "WebSocket Streams" of
 * https://github.com/binance/binance-spot-api-docs/blob/master/web-socket-streams.md), mounted under `/binance`:
 *
 * - `/binance/ws` and `/binance/ws/<anything>`: raw streams. When `<anything>` is a stream name it is subscribed at
 *   once; when it is a listenKey the socket is a legacy user-data stream (see `./user-stream.ts`); any other name is
 *   ignored (CCXT connects to `/ws/0`, `/ws/1`, … and subscribes by message).
 * - `/binance/stream?streams=<a>/<b>`: combined streams, every event wrapped as `{"stream":<name>,"data":<event>}`.
 * - Messages `{"method":"SUBSCRIBE"|"UNSUBSCRIBE","params":[names],"id":…}`, `LIST_SUBSCRIPTIONS`,
 *   `SET_PROPERTY ["combined", bool]`, `GET_PROPERTY ["combined"]`, answered `{"result":…,"id":…}` or
 *   `{"error":{"code":n,"msg":"…"},"id":…}` with Binance's codes (0 unknown property, 1 invalid value type, 2 invalid
 *   request, 3 invalid JSON). A bad message never closes the socket; more than {@link MAX_STREAMS} streams per socket
 *   are refused; a socket sending faster than 5 messages/s on average (bursts of 20) is closed (1008), as is a socket
 *   whose unsent output exceeds {@link MAX_BUFFERED} bytes (slow consumer).
 *
 * Streams (symbols lower-case): `<s>@trade`, `<s>@aggTrade` (one trade per aggregate), `<s>@bookTicker` (real time),
 * `<s>@ticker` / `<s>@miniTicker` (24 h rolling window from the trades, every second when changed),
 * `<s>@depth` / `<s>@depth@100ms` (diff events with first/final update ids `U`/`u`), `<s>@depth5|10|20[@100ms]`
 * (partial book with `lastUpdateId`), `<s>@kline_<1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M>` (pushed every
 * 1 s for 1s, every 2 s otherwise, when changed; a closed kline once with `x: true`).
 *
 * Update ids: every market counts its `book` events (`./depth-seq.ts`, ids keep increasing across restarts); the depth of a market being watched is read from the exchange
 * every 100 ms when it changed and stored as the published book with an update id (strictly increasing). Diff events
 * say how the published book changed (`U` = previous event's `u` + 1), and {@link MarketDataHub.depthSnapshot} — what
 * the REST `/api/v3/depth` serves — returns that same published book with its id, so a client following Binance's
 * "How to manage a local order book correctly" stays in sync. Levels beyond {@link DEPTH_LEVELS} per side are not
 * tracked (a level leaving that window shows as quantity 0, as on Binance).
 *
 * Security: market streams are public (no authentication, as on Binance), so markets restricted to some accounts are
 * never streamed here: their symbols behave like unknown symbols (the subscription is accepted, nothing is sent).
 *
 * Performance: each event is serialised once, its UTF-8 bytes encoded once per form (raw/combined) and the same
 * buffer written to every subscriber.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { TradingEvent } from '../../app/events.ts';
import { decimalPlaces, formatAtoms, fromScaled, MONEY_SCALE, toAtoms, tryScaled } from '../../core/money/decimal.ts';
import { bucketEnd, bucketStart, INTERVALS, publicTrades, stats24h } from './market-data.ts';
import { depthSeqOf, type DepthSeq } from './depth-seq.ts';
import { userDataRoutes, type UserStreams } from './user-stream.ts';

/** Most streams one socket may subscribe to (Binance: 1024). */
export const MAX_STREAMS = 1024;
/** Unsent bytes after which a socket is closed as a slow consumer. */
export const MAX_BUFFERED = 8 * 1024 * 1024;
/** Price levels per side tracked for diff depth and served by {@link MarketDataHub.depthSnapshot}. */
export const DEPTH_LEVELS = 5000;
/** How long (ms) a market's published book is kept up to date after the last REST snapshot, without subscribers. */
export const SNAPSHOT_LINGER_MS = 30_000;
/** Most trades read from the history to start a kline stream (the current interval's, oldest first). */
export const KLINE_SEED_TRADES = 100_000;
/** Least time (ms) between two writes of market data to the sockets; see `flusher`. */
export const FLUSH_INTERVAL_MS = 5;
/** Largest accepted control message, in characters. */
const MAX_MESSAGE_CHARS = 64 * 1024;
const OPEN = 1;

/** The part of a `ws` WebSocket used here. */
export interface WsLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer, opts?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
}

/** A market as the streams see it. */
export interface StreamMarket {
  id: number;
  /** Gateway symbol, upper-case (`TUDOUSD`). */
  symbol: string;
  tickSize: string;
  lotSize: string;
}

/** A parsed stream name. */
export type StreamSpec =
  | { kind: 'trade' | 'aggTrade' | 'bookTicker' | 'ticker' | 'miniTicker'; symbol: string }
  | { kind: 'depth'; symbol: string; ms: 100 | 1000 }
  | { kind: 'partial'; symbol: string; levels: 5 | 10 | 20; ms: 100 | 1000 }
  | { kind: 'kline'; symbol: string; interval: string };

const STREAM_RE =
  /^([a-z0-9]{2,20})@(trade|aggTrade|bookTicker|ticker|miniTicker|depth(5|10|20)?(@100ms|@1000ms)?|kline_([0-9]{1,2}[smhdwM]))$/;

/** Parses a stream name such as `tudousd@depth@100ms`; null when it is not one this gateway serves. */
export function parseStream(name: string): StreamSpec | null {
  const m = STREAM_RE.exec(name);
  if (!m) return null;
  const symbol = m[1]!;
  const what = m[2]!;
  if (what === 'trade' || what === 'aggTrade' || what === 'bookTicker' || what === 'ticker' || what === 'miniTicker')
    return { kind: what, symbol };
  if (what.startsWith('kline_')) {
    const interval = m[5]!;
    return Object.hasOwn(INTERVALS, interval) ? { kind: 'kline', symbol, interval } : null;
  }
  const ms = m[4] === '@100ms' ? 100 : 1000;
  if (m[3] === undefined) return { kind: 'depth', symbol, ms };
  return { kind: 'partial', symbol, levels: Number(m[3]) as 5 | 10 | 20, ms };
}

/** The gateway symbol of a market view: its `symbol`, or (before markets had one) derived from its name. */
export function symbolOf(view: Record<string, unknown>): string {
  if (typeof view.symbol === 'string' && view.symbol !== '') return view.symbol;
  const s = String(view.name ?? '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(0, 20);
  return s.length >= 2 ? s : `M${String(view.id)}`;
}

/** A complete unmasked WebSocket text frame (FIN, opcode 1) carrying `payload` (RFC 6455 §5.2). */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const f = Buffer.allocUnsafe(head + n);
  f[0] = 0x81;
  if (n < 126) f[1] = n;
  else if (n < 65536) {
    f[1] = 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = 127;
    f.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(f, head);
  return f;
}

/** One serialised event, framed at most once per form (raw/combined) and written as is to every subscriber. */
class Outgoing {
  private rawFrame: Buffer | undefined;
  private combinedFrame: Buffer | undefined;
  constructor(
    readonly stream: string,
    readonly raw: string,
  ) {}
  /** The frame of the raw event. */
  forRaw(): Buffer {
    return (this.rawFrame ??= textFrame(Buffer.from(this.raw)));
  }
  /** The frame of `{"stream":…,"data":…}`. */
  forCombined(): Buffer {
    return (this.combinedFrame ??= textFrame(
      Buffer.from(`{"stream":${JSON.stringify(this.stream)},"data":${this.raw}}`),
    ));
  }
}

/** The TCP socket under a `ws` WebSocket (`_socket`, stable in ws 8), for writing pre-built frames. */
interface RawSocket {
  write(b: Buffer): boolean;
  readonly destroyed: boolean;
}

/**
 * Frames delivered to a socket are queued and written together, at most once per {@link FLUSH_INTERVAL_MS} (at the
 * end of the loop turn when the last write is older): under load one write carries many events, which is what keeps
 * 500 subscribers × 100,000 messages/s within reach (the cost per socket is the write system call, not the bytes).
 */
const flusher = {
  pending: new Set<StreamClient>(),
  scheduled: false,
  last: 0,
  add(c: StreamClient): void {
    this.pending.add(c);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.last + FLUSH_INTERVAL_MS - Date.now();
    if (wait > 0) setTimeout(() => this.run(), wait);
    else setImmediate(() => this.run());
  },
  run(): void {
    this.scheduled = false;
    this.last = Date.now();
    const list = [...this.pending];
    this.pending.clear();
    for (const x of list) x.flush();
  },
};

/** One socket's subscriptions. */
export class StreamClient {
  readonly streams = new Set<string>();
  private readonly tcp: RawSocket | null;
  private queue: Buffer[] | null = null;
  constructor(
    readonly socket: WsLike,
    public combined: boolean,
  ) {
    const t = (socket as unknown as { _socket?: RawSocket })._socket;
    this.tcp = t && typeof t.write === 'function' ? t : null;
  }
  /** Queues an event (raw or combined as the socket asked) for the end of this turn of the event loop. */
  deliver(msg: Outgoing): void {
    if (this.socket.readyState !== OPEN) return;
    if (this.queue === null) {
      this.queue = [];
      flusher.add(this);
    }
    this.queue.push(this.combined ? msg.forCombined() : msg.forRaw());
  }
  /** Writes the queued frames; closes a slow consumer instead. */
  flush(): void {
    const q = this.queue;
    this.queue = null;
    const s = this.socket;
    if (!q || s.readyState !== OPEN) return;
    if (s.bufferedAmount > MAX_BUFFERED) {
      s.close(1008, 'slow consumer');
      return;
    }
    if (this.tcp && !this.tcp.destroyed) this.tcp.write(q.length === 1 ? q[0]! : Buffer.concat(q));
    else for (const f of q) s.send(f.subarray(frameHead(f)), { binary: false });
  }
  /** Sends a control reply. */
  reply(body: Record<string, unknown>): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(body));
  }
}

/** Length of the header of a frame made by {@link textFrame}. */
function frameHead(f: Buffer): number {
  return f[1] === 126 ? 4 : f[1] === 127 ? 10 : 2;
}

type Level = [string, string];

/** The published book of one market and its update id; see the module comment. */
class DepthTracker {
  active = false;
  dirty = false;
  /** Update id of the published book. */
  id = 0;
  bids: Level[] = [];
  asks: Level[] = [];
  bidMap = new Map<string, string>();
  askMap = new Map<string, string>();
  lastSnapshotAt = 0;
  /** Changes since the last 1000 ms diff event: first `U`, and the latest quantity of each changed level. */
  merged: { U: number; u: number; b: Map<string, string>; a: Map<string, string> } | null = null;
  /** Last partial-depth payload sent per stream name. */
  lastPartial = new Map<string, string>();
  private chain: Promise<unknown> = Promise.resolve();
  constructor(readonly market: StreamMarket) {}
  /** Runs `fn` after every job queued before it; errors are swallowed (logged by the caller). */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** The candle being built for one market and interval; volumes are scaled integers. */
interface Candle {
  t: number;
  T: number;
  o: string;
  h: string;
  l: string;
  c: string;
  hS: bigint;
  lS: bigint;
  v: bigint;
  q: bigint;
  V: bigint;
  Q: bigint;
  n: number;
  f: number;
  L: number;
}

/** A trade as the streams use it. */
interface StreamTrade {
  id: number;
  price: string;
  size: string;
  /** ms UTC */
  time: number;
  takerSide: 'buy' | 'sell';
}

/** Kline aggregation of one market and interval. */
class KlineAgg {
  cur: Candle | null = null;
  lastClose: string | null = null;
  lastSent = '';
  /** Live trades that arrived while the current kline was being loaded from the trade history. */
  buffer: StreamTrade[] | null = [];
  readonly pdp: number;
  readonly sdp: number;
  constructor(
    readonly market: StreamMarket,
    readonly interval: string,
  ) {
    this.pdp = decimalPlaces(market.tickSize);
    this.sdp = decimalPlaces(market.lotSize);
  }

  /** Adds a trade; returns a closed candle when the trade starts a new interval. */
  add(tr: StreamTrade): Candle | null {
    const p = tryScaled(tr.price, this.pdp);
    const s = tryScaled(tr.size, this.sdp);
    if (p === undefined || s === undefined) return null;
    let closed: Candle | null = null;
    if (this.cur && tr.time > this.cur.T) {
      closed = this.cur;
      this.cur = null;
    }
    if (this.cur && tr.time < this.cur.t) return closed; // older than the kline being built
    if (!this.cur) {
      const t = bucketStart(this.interval, tr.time);
      this.cur = this.empty(t, tr.price);
      this.cur.hS = p;
      this.cur.lS = p;
      this.cur.f = tr.id;
    }
    const c = this.cur;
    if (c.n === 0) {
      c.o = tr.price;
      c.h = tr.price;
      c.l = tr.price;
      c.hS = p;
      c.lS = p;
      c.f = tr.id;
    }
    if (p > c.hS) {
      c.hS = p;
      c.h = tr.price;
    }
    if (p < c.lS) {
      c.lS = p;
      c.l = tr.price;
    }
    c.c = tr.price;
    this.lastClose = tr.price;
    c.v += s;
    c.q += p * s;
    if (tr.takerSide === 'buy') {
      c.V += s;
      c.Q += p * s;
    }
    c.n += 1;
    c.L = tr.id;
    return closed;
  }

  /** An empty candle starting at `t` whose prices are `price`. */
  empty(t: number, price: string): Candle {
    const ps = tryScaled(price, this.pdp) ?? 0n;
    return {
      t,
      T: bucketEnd(this.interval, t),
      o: price,
      h: price,
      l: price,
      c: price,
      hS: ps,
      lS: ps,
      v: 0n,
      q: 0n,
      V: 0n,
      Q: 0n,
      n: 0,
      f: -1,
      L: -1,
    };
  }

  /** The Binance kline event of `c`. */
  event(c: Candle, closed: boolean): string {
    const qdp = this.pdp + this.sdp;
    return JSON.stringify({
      e: 'kline',
      E: Date.now(),
      s: this.market.symbol,
      k: {
        t: c.t,
        T: c.T,
        s: this.market.symbol,
        i: this.interval,
        f: c.f,
        L: c.L,
        o: c.o,
        c: c.c,
        h: c.h,
        l: c.l,
        v: fromScaled(c.v, this.sdp),
        n: c.n,
        x: closed,
        q: fromScaled(c.q, qdp),
        V: fromScaled(c.V, this.sdp),
        Q: fromScaled(c.Q, qdp),
        B: '0',
      },
    });
  }
}

/** A Binance stream error reply. */
function errorReply(code: number, msg: string, id: unknown): Record<string, unknown> {
  return { error: { code, msg }, id: id ?? null };
}

/** The trade of a `trade` event, or null when the event lacks what a stream needs. */
function tradeOf(d: Record<string, unknown>, fallbackId: () => number): StreamTrade | null {
  if (typeof d.price !== 'string' || typeof d.size !== 'string') return null;
  const at = d.at ?? d.time;
  const time =
    typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at instanceof Date ? at.getTime() : NaN;
  return {
    id: typeof d.id === 'number' ? d.id : typeof d.tradeId === 'number' ? d.tradeId : fallbackId(),
    price: d.price,
    size: d.size,
    time: Number.isFinite(time) ? time : Date.now(),
    takerSide: d.takerSide === 'sell' ? 'sell' : 'buy',
  };
}

/**
 * The market-data side of the gateway: stream subscriptions, the published books with their update ids, klines and
 * book tickers. One per {@link AppContext} ({@link marketDataHub}); the REST gateway takes depth snapshots from it.
 */
export class MarketDataHub {
  private readonly subs = new Map<string, Set<StreamClient>>();
  private readonly bySymbol = new Map<string, StreamMarket>();
  private readonly byId = new Map<number, StreamMarket>();
  private readonly trackers = new Map<number, DepthTracker>();
  private readonly seq: DepthSeq;
  private readonly klines = new Map<string, KlineAgg>();
  /** The kline aggregations of each market (what a trade updates). */
  private readonly klinesOf = new Map<number, KlineAgg[]>();
  private readonly tickerDue = new Set<number>();
  private readonly lastTicker = new Map<number, string>();
  private readonly lastStats = new Map<string, string>();
  private statsRunning = false;
  private readonly ready: Promise<void>;
  private readonly off: () => void;
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;
  private syntheticTradeId = 0;
  private closed = false;

  /** Where unexpected errors go (the server's log once the streams are registered). */
  log: (err: unknown, what: string) => void = () => undefined;

  constructor(private readonly ctx: AppContext) {
    this.seq = depthSeqOf(ctx);
    this.off = ctx.events.subscribe(-1, (e) => this.onEvent(e));
    this.ready = this.loadMarkets().catch((err: unknown) => this.log(err, 'loading markets'));
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
  }

  /** Stops the timer and the event subscription. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.off();
  }

  /** Resolves once the market list is loaded. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private async loadMarkets(): Promise<void> {
    for (const v of await this.ctx.exchange.listMarkets(null)) this.upsertMarket(v);
  }

  private upsertMarket(v: Record<string, unknown>): void {
    const id = Number(v.id);
    const old = this.byId.get(id);
    if (old) {
      this.byId.delete(id);
      this.bySymbol.delete(old.symbol.toLowerCase());
    }
    if (v.restricted === true) return; // never streamed publicly
    const m: StreamMarket = { id, symbol: symbolOf(v), tickSize: String(v.tickSize), lotSize: String(v.lotSize) };
    this.byId.set(id, m);
    const lower = m.symbol.toLowerCase();
    this.bySymbol.set(lower, m);
    if (old) return;
    // a market that became public (new, or no longer restricted): start the streams already asked for
    for (const [name, set] of this.subs) {
      const spec = parseStream(name);
      if (spec?.symbol === lower) for (const c of set) this.start(c, name, spec);
    }
  }

  /** The public market of a gateway symbol (any case), or null (unknown or restricted). */
  marketOfSymbol(symbol: string): StreamMarket | null {
    return this.bySymbol.get(symbol.toLowerCase()) ?? null;
  }

  /** The public market of an id, or null (unknown or restricted). */
  marketOfId(id: number): StreamMarket | null {
    return this.byId.get(id) ?? null;
  }

  // ------------------------------------------------------------------ subscriptions

  /** Subscribes a socket to a (valid) stream name and starts what the stream needs. */
  subscribe(c: StreamClient, name: string): void {
    let set = this.subs.get(name);
    if (!set) this.subs.set(name, (set = new Set()));
    set.add(c);
    c.streams.add(name);
    const spec = parseStream(name);
    if (!spec) return;
    void this.ready.then(() => this.start(c, name, spec));
  }

  /** Ends one subscription. */
  unsubscribe(c: StreamClient, name: string): void {
    c.streams.delete(name);
    const set = this.subs.get(name);
    if (!set) return;
    set.delete(c);
    if (set.size === 0) this.subs.delete(name);
  }

  /** Ends every subscription of a closed socket. */
  drop(c: StreamClient): void {
    for (const name of [...c.streams]) this.unsubscribe(c, name);
  }

  private has(name: string): boolean {
    return this.subs.has(name);
  }

  private publish(name: string, raw: string): void {
    const set = this.subs.get(name);
    if (!set) return;
    const msg = new Outgoing(name, raw);
    for (const c of set) c.deliver(msg);
  }

  /** What a new subscription needs: an active published book, a kline aggregation, a first message. */
  private start(c: StreamClient, name: string, spec: StreamSpec): void {
    if (this.closed) return;
    const m = this.bySymbol.get(spec.symbol);
    if (!m) return;
    if (spec.kind === 'depth' || spec.kind === 'partial') {
      const tr = this.tracker(m);
      void tr
        .enqueue(async () => {
          if (!tr.active) await this.activate(tr);
          if (spec.kind === 'partial' && c.streams.has(name))
            c.deliver(new Outgoing(name, this.partial(tr, spec.levels)));
        })
        .catch((err: unknown) => this.log(err, `depth of ${m.symbol}`));
    } else if (spec.kind === 'kline') {
      const key = `${m.id}:${spec.interval}`;
      if (!this.klines.has(key)) {
        const agg = new KlineAgg(m, spec.interval);
        this.klines.set(key, agg);
        const list = this.klinesOf.get(m.id);
        if (list) list.push(agg);
        else this.klinesOf.set(m.id, [agg]);
        void this.seedKline(agg).catch((err: unknown) => this.log(err, `klines of ${m.symbol}`));
      }
    } else if (spec.kind === 'bookTicker') {
      this.lastTicker.delete(m.id);
      this.scheduleTicker(m.id);
    } else if (spec.kind === 'ticker' || spec.kind === 'miniTicker') {
      this.lastStats.delete(name); // the next second's statistics go to the new subscriber too
    }
  }

  // ------------------------------------------------------------------ events

  private onEvent(e: TradingEvent): void {
    if (this.closed) return;
    if (e.type === 'market') {
      this.upsertMarket(e.data);
      return;
    }
    const marketId = typeof e.data.marketId === 'number' ? e.data.marketId : null;
    if (marketId === null) return;
    if (e.type === 'book') {
      const tr = this.trackers.get(marketId);
      if (tr) tr.dirty = true;
      this.scheduleTicker(marketId);
      return;
    }
    if (e.type !== 'trade') return;
    const m = this.byId.get(marketId);
    if (!m) return;
    const lower = m.symbol.toLowerCase();
    const wantTrade = this.has(`${lower}@trade`);
    const wantAgg = this.has(`${lower}@aggTrade`);
    const aggs = this.klinesOf.get(m.id);
    if (!wantTrade && !wantAgg && !aggs) return;
    const tr = tradeOf(e.data, () => --this.syntheticTradeId);
    if (!tr) return;
    const now = Date.now();
    if (wantTrade)
      this.publish(
        `${lower}@trade`,
        JSON.stringify({
          e: 'trade',
          E: now,
          s: m.symbol,
          t: tr.id,
          p: tr.price,
          q: tr.size,
          T: tr.time,
          m: tr.takerSide === 'sell',
          M: true,
        }),
      );
    if (wantAgg)
      this.publish(
        `${lower}@aggTrade`,
        JSON.stringify({
          e: 'aggTrade',
          E: now,
          s: m.symbol,
          a: tr.id,
          p: tr.price,
          q: tr.size,
          f: tr.id,
          l: tr.id,
          T: tr.time,
          m: tr.takerSide === 'sell',
          M: true,
        }),
      );
    if (aggs)
      for (const agg of aggs) {
        if (agg.buffer) agg.buffer.push(tr);
        else this.addKlineTrade(agg, tr);
      }
  }

  // ------------------------------------------------------------------ depth

  private tracker(m: StreamMarket): DepthTracker {
    let tr = this.trackers.get(m.id);
    if (!tr) {
      tr = new DepthTracker(m);
      this.trackers.set(m.id, tr);
    }
    return tr;
  }

  /** Reads the market's depth from the exchange: `[price, size]` per level, best first. */
  private async readDepth(m: StreamMarket): Promise<{ bids: Level[]; asks: Level[] }> {
    const v = await this.ctx.exchange.market(null, m.id, DEPTH_LEVELS);
    const book = v.book as { bids: { price: string; size: string }[]; asks: { price: string; size: string }[] };
    return {
      bids: book.bids.map((l) => [l.price, l.size]),
      asks: book.asks.map((l) => [l.price, l.size]),
    };
  }

  private store(tr: DepthTracker, d: { bids: Level[]; asks: Level[] }): void {
    tr.bids = d.bids;
    tr.asks = d.asks;
    tr.bidMap = new Map(d.bids);
    tr.askMap = new Map(d.asks);
  }

  /** Starts publishing a market's book: reads it and gives it an id above every id served before. */
  private async activate(tr: DepthTracker): Promise<void> {
    tr.dirty = false;
    const d = await this.readDepth(tr.market);
    this.store(tr, d);
    tr.id = Math.max(this.seq.current(tr.market.id), tr.id + 1);
    tr.merged = null;
    tr.lastPartial.clear();
    tr.active = true;
  }

  /** Re-reads a changed book and publishes the 100 ms diff event (and records it for the 1000 ms one). */
  private async flush(tr: DepthTracker): Promise<void> {
    if (!tr.dirty) return;
    tr.dirty = false;
    const d = await this.readDepth(tr.market);
    const b = diffSide(tr.bidMap, d.bids);
    const a = diffSide(tr.askMap, d.asks);
    if (b.length === 0 && a.length === 0) return;
    this.store(tr, d);
    const U = tr.id + 1;
    const u = Math.max(this.seq.current(tr.market.id), U);
    tr.id = u;
    const lower = tr.market.symbol.toLowerCase();
    if (this.has(`${lower}@depth@100ms`))
      this.publish(
        `${lower}@depth@100ms`,
        JSON.stringify({ e: 'depthUpdate', E: Date.now(), s: tr.market.symbol, U, u, b, a }),
      );
    const mg = (tr.merged ??= { U, u, b: new Map(), a: new Map() });
    mg.u = u;
    for (const [p, q] of b) mg.b.set(p, q);
    for (const [p, q] of a) mg.a.set(p, q);
  }

  /** The 1000 ms diff event: every level changed since the previous one, with its latest quantity. */
  private flushMerged(tr: DepthTracker): void {
    const mg = tr.merged;
    if (!mg) return;
    tr.merged = null;
    const lower = tr.market.symbol.toLowerCase();
    if (!this.has(`${lower}@depth`)) return;
    this.publish(
      `${lower}@depth`,
      JSON.stringify({
        e: 'depthUpdate',
        E: Date.now(),
        s: tr.market.symbol,
        U: mg.U,
        u: mg.u,
        b: [...mg.b],
        a: [...mg.a],
      }),
    );
  }

  private partial(tr: DepthTracker, levels: number): string {
    return JSON.stringify({ lastUpdateId: tr.id, bids: tr.bids.slice(0, levels), asks: tr.asks.slice(0, levels) });
  }

  /** Sends partial-book events of one cadence to the streams that have subscribers, when changed. */
  private sendPartials(tr: DepthTracker, ms: 100 | 1000): void {
    const lower = tr.market.symbol.toLowerCase();
    for (const levels of [5, 10, 20] as const) {
      const name = `${lower}@depth${levels}${ms === 100 ? '@100ms' : ''}`;
      if (!this.has(name)) continue;
      const body = JSON.stringify({ bids: tr.bids.slice(0, levels), asks: tr.asks.slice(0, levels) });
      if (tr.lastPartial.get(name) === body) continue;
      tr.lastPartial.set(name, body);
      this.publish(name, this.partial(tr, levels));
    }
  }

  private watched(tr: DepthTracker): boolean {
    const lower = tr.market.symbol.toLowerCase();
    if (this.has(`${lower}@depth`) || this.has(`${lower}@depth@100ms`)) return true;
    for (const l of [5, 10, 20])
      if (this.has(`${lower}@depth${l}`) || this.has(`${lower}@depth${l}@100ms`)) return true;
    return false;
  }

  /**
   * The published book of a public market, best levels first, at most `limit` per side, with its update id (the
   * REST `/api/v3/depth` answer: `lastUpdateId` is consistent with the `U`/`u` of the diff streams). Keeps the book
   * published for {@link SNAPSHOT_LINGER_MS} so a client can subscribe after taking the snapshot. Null for an unknown
   * or restricted market.
   */
  async depthSnapshot(
    marketId: number,
    limit: number,
  ): Promise<{ lastUpdateId: number; bids: Level[]; asks: Level[] } | null> {
    await this.ready;
    const m = this.byId.get(marketId);
    if (!m) return null;
    const tr = this.tracker(m);
    tr.lastSnapshotAt = Date.now();
    return tr.enqueue(async () => {
      if (!tr.active) await this.activate(tr);
      else await this.flush(tr);
      const n = Math.max(0, Math.min(limit, DEPTH_LEVELS));
      return { lastUpdateId: tr.id, bids: tr.bids.slice(0, n), asks: tr.asks.slice(0, n) };
    });
  }

  // ------------------------------------------------------------------ book ticker

  private scheduleTicker(marketId: number): void {
    const m = this.byId.get(marketId);
    if (!m || !this.has(`${m.symbol.toLowerCase()}@bookTicker`) || this.tickerDue.has(marketId)) return;
    this.tickerDue.add(marketId);
    setImmediate(() => {
      this.tickerDue.delete(marketId);
      void this.sendTicker(m).catch((err: unknown) => this.log(err, `book ticker of ${m.symbol}`));
    });
  }

  private async sendTicker(m: StreamMarket): Promise<void> {
    const v = await this.ctx.exchange.market(null, m.id, 1);
    const book = v.book as { bids: { price: string; size: string }[]; asks: { price: string; size: string }[] };
    const bid = book.bids[0];
    const ask = book.asks[0];
    const body = [bid?.price ?? null, bid?.size ?? null, ask?.price ?? null, ask?.size ?? null];
    const key = JSON.stringify(body);
    if (this.lastTicker.get(m.id) === key) return;
    this.lastTicker.set(m.id, key);
    this.publish(
      `${m.symbol.toLowerCase()}@bookTicker`,
      JSON.stringify({ u: this.seq.current(m.id), s: m.symbol, b: body[0], B: body[1], a: body[2], A: body[3] }),
    );
  }

  // ------------------------------------------------------------------ 24 h tickers

  /** Pushes the `@ticker` and `@miniTicker` events (24 h rolling window from the trades) that changed. */
  private async sendStats(): Promise<void> {
    const bySymbol = new Map<string, { full: boolean; mini: boolean }>();
    for (const name of this.subs.keys()) {
      const spec = parseStream(name);
      if (!spec || (spec.kind !== 'ticker' && spec.kind !== 'miniTicker')) continue;
      const w = bySymbol.get(spec.symbol) ?? { full: false, mini: false };
      if (spec.kind === 'ticker') w.full = true;
      else w.mini = true;
      bySymbol.set(spec.symbol, w);
    }
    for (const [lower, want] of bySymbol) {
      const m = this.bySymbol.get(lower);
      if (!m) continue;
      const now = Date.now();
      const st = await stats24h(this.ctx.sql, m, now);
      const last = st.last ?? '0';
      const open = st.open ?? last;
      const low = st.low ?? last;
      const high = st.high ?? last;
      const mini = { s: m.symbol, c: last, o: open, h: high, l: low, v: st.volume, q: st.quoteVolume };
      if (want.mini) this.sendStat(`${lower}@miniTicker`, { e: '24hrMiniTicker', E: now, ...mini });
      if (!want.full) continue;
      const v = await this.ctx.exchange.market(null, m.id, 1);
      const book = v.book as { bids: { price: string; size: string }[]; asks: { price: string; size: string }[] };
      const change = formatAtoms(toAtoms(last) - toAtoms(open));
      const o = toAtoms(open);
      const vol = toAtoms(st.volume);
      this.sendStat(`${lower}@ticker`, {
        e: '24hrTicker',
        E: now,
        s: m.symbol,
        p: change,
        P: o === 0n ? '0' : (Number((toAtoms(change) * 10_000n) / o) / 100).toFixed(2),
        w: vol === 0n ? '0' : formatAtoms((toAtoms(st.quoteVolume) * MONEY_SCALE) / vol),
        x: open,
        c: last,
        Q: st.lastQty,
        b: book.bids[0]?.price ?? '0',
        B: book.bids[0]?.size ?? '0',
        a: book.asks[0]?.price ?? '0',
        A: book.asks[0]?.size ?? '0',
        o: open,
        h: high,
        l: low,
        v: st.volume,
        q: st.quoteVolume,
        O: now - 86_400_000,
        C: now,
        F: st.firstId,
        L: st.lastId,
        n: st.count,
      });
    }
  }

  /** Publishes a ticker event when it differs from the last one sent on that stream (event time aside). */
  private sendStat(name: string, ev: Record<string, unknown>): void {
    const { E: _e, O: _o, C: _c, ...rest } = ev;
    const key = JSON.stringify(rest);
    if (this.lastStats.get(name) === key) return;
    this.lastStats.set(name, key);
    this.publish(name, JSON.stringify(ev));
  }

  // ------------------------------------------------------------------ klines

  /**
   * Loads the trades of the current kline from the trade history (at most {@link KLINE_SEED_TRADES}) and the price
   * of the trade before it, then the live trades that arrived meanwhile (by trade id, none twice).
   */
  private async seedKline(agg: KlineAgg): Promise<void> {
    const start = bucketStart(agg.interval, Date.now());
    let maxId = -Infinity;
    try {
      const [before] = await publicTrades(this.ctx.sql, agg.market, { endTime: start - 1, limit: 1 });
      if (before) agg.lastClose = before.price;
      const rows = await publicTrades(this.ctx.sql, agg.market, { startTime: start, limit: KLINE_SEED_TRADES });
      for (const r of rows) {
        maxId = Math.max(maxId, r.id);
        agg.add({ id: r.id, price: r.price, size: r.qty, time: r.time, takerSide: r.isBuyerMaker ? 'sell' : 'buy' });
      }
    } finally {
      const buffered = agg.buffer ?? [];
      agg.buffer = null;
      for (const tr of buffered) if (!(tr.id > 0 && tr.id <= maxId)) this.addKlineTrade(agg, tr);
    }
  }

  private addKlineTrade(agg: KlineAgg, tr: StreamTrade): void {
    const closed = agg.add(tr);
    if (closed) this.publishKline(agg, closed, true);
  }

  private publishKline(agg: KlineAgg, c: Candle, closed: boolean): void {
    const name = `${agg.market.symbol.toLowerCase()}@kline_${agg.interval}`;
    const raw = agg.event(c, closed);
    agg.lastSent = closed ? '' : klineKey(c);
    this.publish(name, raw);
  }

  /** Pushes each kline of the given cadence that changed; closes klines whose interval ended. */
  private tickKlines(oneSecond: boolean): void {
    const now = Date.now();
    for (const [key, agg] of this.klines) {
      if ((agg.interval === '1s') !== oneSecond || agg.buffer) continue;
      const name = `${agg.market.symbol.toLowerCase()}@kline_${agg.interval}`;
      if (!this.has(name) || !this.byId.has(agg.market.id)) {
        this.klines.delete(key);
        const rest = (this.klinesOf.get(agg.market.id) ?? []).filter((a) => a !== agg);
        if (rest.length) this.klinesOf.set(agg.market.id, rest);
        else this.klinesOf.delete(agg.market.id);
        continue;
      }
      if (agg.cur && now > agg.cur.T) {
        this.publishKline(agg, agg.cur, true);
        agg.cur = null;
      }
      if (!agg.cur) {
        if (agg.lastClose === null) continue; // no trade yet: nothing to show
        agg.cur = agg.empty(bucketStart(agg.interval, now), agg.lastClose);
      }
      if (klineKey(agg.cur) !== agg.lastSent) this.publishKline(agg, agg.cur, false);
    }
  }

  // ------------------------------------------------------------------ timer

  private tick(): void {
    if (this.closed) return;
    this.ticks += 1;
    const second = this.ticks % 10 === 0;
    const now = Date.now();
    for (const tr of this.trackers.values()) {
      if (!tr.active) continue;
      const watched = this.watched(tr);
      const gone = !this.byId.has(tr.market.id); // restricted since: no longer public
      if (gone || (!watched && now - tr.lastSnapshotAt > SNAPSHOT_LINGER_MS)) {
        tr.active = false;
        tr.bids = tr.asks = [];
        tr.bidMap = new Map();
        tr.askMap = new Map();
        tr.merged = null;
        continue;
      }
      void tr
        .enqueue(async () => {
          if (!tr.active) return;
          await this.flush(tr);
          this.sendPartials(tr, 100);
          if (second) {
            this.flushMerged(tr);
            this.sendPartials(tr, 1000);
          }
        })
        .catch((err: unknown) => this.log(err, `depth of ${tr.market.symbol}`));
    }
    if (second) {
      this.tickKlines(true);
      if (!this.statsRunning) {
        this.statsRunning = true;
        void this.sendStats()
          .catch((err: unknown) => this.log(err, '24h tickers'))
          .finally(() => (this.statsRunning = false));
      }
    }
    if (this.ticks % 20 === 0) this.tickKlines(false);
  }
}

function klineKey(c: Candle): string {
  return `${c.t}|${c.n}|${c.c}|${c.h}|${c.l}|${c.v}`;
}

/** Levels of `next` that differ from `prev`, then levels of `prev` gone from `next` (quantity "0"). */
function diffSide(prev: Map<string, string>, next: Level[]): Level[] {
  const out: Level[] = [];
  const seen = new Set<string>();
  for (const [p, q] of next) {
    seen.add(p);
    if (prev.get(p) !== q) out.push([p, q]);
  }
  for (const p of prev.keys()) if (!seen.has(p)) out.push([p, '0']);
  return out;
}

const hubs = new WeakMap<AppContext, MarketDataHub>();

/** The market-data hub of a context (created on first use; closed with the server that registered the streams). */
export function marketDataHub(ctx: AppContext): MarketDataHub {
  let h = hubs.get(ctx);
  if (!h) {
    h = new MarketDataHub(ctx);
    hubs.set(ctx, h);
  }
  return h;
}

const ID_RE = /^[A-Za-z0-9]{1,36}$/;
const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'];

/**
 * Serves one stream socket: the initial streams, then control messages. Token bucket: 20 messages, refilled at 5/s.
 */
export function serveStreams(hub: MarketDataHub, socket: WsLike, initial: string[], combined: boolean): StreamClient {
  const c = new StreamClient(socket, combined);
  for (const name of initial) hub.subscribe(c, name);
  let tokens = 20;
  let last = Date.now();
  socket.on('close', () => hub.drop(c));
  socket.on('message', (data, isBinary) => {
    const now = Date.now();
    tokens = Math.min(20, tokens + ((now - last) / 1000) * 5);
    last = now;
    if (tokens < 1) {
      socket.close(1008, 'too many messages');
      return;
    }
    tokens -= 1;
    const text = isBinary ? null : data.toString('utf8');
    if (text === null || text.length > MAX_MESSAGE_CHARS) {
      c.reply(errorReply(3, 'Invalid JSON: send one JSON object per text message', null));
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      c.reply(errorReply(3, `Invalid JSON: ${(err as Error).message}`, null));
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      c.reply(errorReply(2, 'Invalid request: expected a JSON object', null));
      return;
    }
    const m = msg as Record<string, unknown>;
    const id = m.id;
    const idOk =
      id === null || (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && ID_RE.test(id));
    if (!idOk) {
      c.reply(errorReply(2, 'Invalid request: request ID must be an unsigned integer', null));
      return;
    }
    if (m.method === undefined) {
      c.reply(errorReply(2, 'Invalid request: missing field `method`', id));
      return;
    }
    if (typeof m.method !== 'string' || !METHODS.includes(m.method)) {
      c.reply(
        errorReply(
          2,
          `Invalid request: unknown variant ${JSON.stringify(m.method)}, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
          id,
        ),
      );
      return;
    }
    const params = m.params;
    switch (m.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || params.length === 0) {
          c.reply(errorReply(2, 'Invalid request: params must be a non-empty array of stream names', id));
          return;
        }
        const names: string[] = [];
        for (const p of params) {
          if (typeof p !== 'string' || !parseStream(p)) {
            c.reply(errorReply(2, 'Invalid request: invalid stream', id));
            return;
          }
          names.push(p);
        }
        if (m.method === 'SUBSCRIBE') {
          const fresh = new Set(names.filter((n) => !c.streams.has(n)));
          if (c.streams.size + fresh.size > MAX_STREAMS) {
            c.reply(errorReply(2, `Invalid request: too many streams (at most ${MAX_STREAMS} per connection)`, id));
            return;
          }
          c.reply({ result: null, id });
          for (const n of fresh) hub.subscribe(c, n);
        } else {
          for (const n of names) hub.unsubscribe(c, n);
          c.reply({ result: null, id });
        }
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        c.reply({ result: [...c.streams], id });
        return;
      case 'SET_PROPERTY':
      case 'GET_PROPERTY': {
        if (!Array.isArray(params) || typeof params[0] !== 'string') {
          c.reply(errorReply(2, 'Invalid request: property name must be a string', id));
          return;
        }
        if (params[0] !== 'combined') {
          c.reply(errorReply(0, 'Unknown property', id));
          return;
        }
        if (m.method === 'GET_PROPERTY') {
          c.reply({ result: c.combined, id });
          return;
        }
        if (typeof params[1] !== 'boolean') {
          c.reply(errorReply(1, 'Invalid value type: expected Boolean', id));
          return;
        }
        c.combined = params[1];
        c.reply({ result: null, id });
        return;
      }
    }
  });
  return c;
}

/** Options of {@link binanceStreams}. */
export interface BinanceStreamsOptions {
  ctx: AppContext;
}

/**
 * Fastify plugin: the market streams (`/binance/ws`, `/binance/ws/:name`, `/binance/stream`) and the user-data
 * stream (`/binance/api/v3/userDataStream`, `/binance/ws/<listenKey>`, `/binance/ws-api/v3`, see `./user-stream.ts`).
 * Register at the root: `app.register(binanceStreams, { ctx })`.
 */
export async function binanceStreams(app: FastifyInstance, opts: BinanceStreamsOptions): Promise<void> {
  const { ctx } = opts;
  const hub = marketDataHub(ctx);
  hub.log = (err, what) => app.log.error({ err }, `binance streams: ${what}`);
  app.addHook('onClose', async () => {
    hub.close();
    hubs.delete(ctx);
  });
  const users: UserStreams = await userDataRoutes(app, ctx, hub);
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/binance/ws', { websocket: true, schema: { hide: true } }, (socket) => {
    serveStreams(hub, socket as unknown as WsLike, [], false);
  });
  r.get(
    '/binance/ws/:name',
    { websocket: true, schema: { hide: true, params: z.object({ name: z.string().max(200) }) } },
    (socket, req) => {
      const name = req.params.name;
      if (users.attachListenKey(socket as unknown as WsLike, name)) return;
      serveStreams(hub, socket as unknown as WsLike, parseStream(name) ? [name] : [], false);
    },
  );
  r.get(
    '/binance/stream',
    {
      websocket: true,
      schema: {
        hide: true,
        querystring: z.object({
          streams: z
            .string()
            .max(64 * 1024)
            .optional(),
          timeUnit: z.string().optional(),
        }),
      },
    },
    (socket, req) => {
      const names = (req.query.streams ?? '').split('/').filter((s) => s !== '');
      const ws = socket as unknown as WsLike;
      const bad = names.find((n) => !parseStream(n));
      if (bad !== undefined || names.length > MAX_STREAMS) {
        ws.send(JSON.stringify(errorReply(2, 'Invalid request: invalid stream', null)));
        ws.close(1008, 'invalid stream');
        return;
      }
      serveStreams(hub, ws, [...new Set(names)], true);
    },
  );
}
