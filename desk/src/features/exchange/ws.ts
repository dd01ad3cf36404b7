/**
 * A small typed client of the exchange WebSocket `/ws/exchange` (see `src/server/exchange-ws.ts`): requests carry a
 * `request_id` and get exactly one answer; a subscription answers with a `snapshot`, then the server pushes
 * `{ channel, update }`. The client reconnects with capped exponential back-off and, once connected again,
 * re-subscribes every channel that still has listeners: each listener then receives a fresh snapshot, which replaces
 * whatever it held (resynchronisation: updates missed while disconnected are covered by the snapshot).
 * The session cookie authenticates the socket (same origin).
 */
import type { Fill, Market, MarketWithBook, Order, Portfolio, Trade, Transfer } from './types';

/** What each channel sends: its snapshot and one update. */
export interface ChannelData {
  markets: { snapshot: Market[]; update: Market };
  book: { snapshot: MarketWithBook; update: MarketWithBook };
  trades: { snapshot: Trade[]; update: Omit<Trade, 'id' | 'at'> & Partial<Pick<Trade, 'id' | 'at'>> };
  orders: { snapshot: Order[]; update: Order };
  fills: { snapshot: Fill[]; update: Fill };
  portfolio: { snapshot: Portfolio; update: Portfolio };
  transfers: { snapshot: Transfer[]; update: Transfer };
}

/** A channel name: `markets`, `orders`, `fills`, `transfers`, `book:<marketId>`, `trades:<marketId>`, `portfolio:<accountId>`. */
export type ChannelName =
  'markets' | 'orders' | 'fills' | 'transfers' | `book:${number}` | `trades:${number}` | `portfolio:${number}`;

/** The kind of a channel name (`book:3` → `book`). */
export type KindOf<C extends ChannelName> = C extends `${infer K}:${number}`
  ? K & keyof ChannelData
  : C & keyof ChannelData;

/** The error object of a failed request, as the server sends it. */
export interface WsErrorBody {
  code: string;
  message: string;
  status: number;
  fields?: { field: string; code: string; message: string }[];
  retryAfter?: number;
}

/** A failed request (or the socket closing before its answer: code `socket-closed`). */
export class WsRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields: { field: string; code: string; message: string }[];
  constructor(body: WsErrorBody) {
    super(body.message);
    this.name = 'WsRequestError';
    this.code = body.code;
    this.status = body.status;
    this.fields = body.fields ?? [];
  }
}

/** Listener of one channel. */
export interface ChannelListener<K extends keyof ChannelData> {
  snapshot(data: ChannelData[K]['snapshot']): void;
  update(data: ChannelData[K]['update']): void;
  /** The subscription failed or was ended by the server (e.g. no longer an owner of the account). */
  error?(e: WsRequestError): void;
}

/** Connection state of the socket. */
export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The subset of the browser's WebSocket the client uses (so tests can pass Node's `ws`). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

/** Options of {@link ExchangeSocket}. */
export interface ExchangeSocketOptions {
  /** `ws://host/ws/exchange`. */
  url: string;
  /** Creates the socket; default `new WebSocket(url)`. */
  connect?: (url: string) => SocketLike;
  /** Delay (ms) before reconnect attempt `n` (0-based); default 500 × 2^n capped at 10 s, ±25 % jitter. */
  backoff?: (n: number) => number;
}

interface Sub {
  levels: number | undefined;
  listeners: Set<ChannelListener<keyof ChannelData>>;
}

const OPEN = 1;

/** The exchange WebSocket client. */
export class ExchangeSocket {
  private socket: SocketLike | null = null;
  private readonly subs = new Map<string, Sub>();
  private readonly pending = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly stateListeners = new Set<(s: SocketState) => void>();
  private nextId = 1;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private everOpened = false;
  private wanted = true;
  private current: SocketState = 'connecting';

  constructor(private readonly opts: ExchangeSocketOptions) {
    this.open();
  }

  /** The URL of `/ws/exchange` on the page's own host. */
  static defaultUrl(): string {
    const { protocol, host } = globalThis.location;
    return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws/exchange`;
  }

  /** The connection state. */
  get state(): SocketState {
    return this.current;
  }

  /** Calls `fn` on every state change; returns the unsubscribe function. */
  onState(fn: (s: SocketState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: SocketState): void {
    if (s === this.current) return;
    this.current = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private open(): void {
    if (!this.wanted || this.socket) return;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    const ws = this.opts.connect ? this.opts.connect(this.opts.url) : (new WebSocket(this.opts.url) as SocketLike);
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.everOpened = true;
      this.setState('open');
      for (const [name, s] of this.subs) this.sendSubscribe(name, s);
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onerror = () => {
      // onclose follows and schedules the retry
    };
    ws.onclose = () => {
      this.socket = null;
      for (const [, p] of this.pending)
        p.reject(new WsRequestError({ code: 'socket-closed', message: 'the connection closed', status: 0 }));
      this.pending.clear();
      if (!this.wanted) {
        this.setState('closed');
        return;
      }
      this.setState('reconnecting');
      const delay =
        this.opts.backoff?.(this.attempt) ?? Math.min(10_000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt++;
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private receive(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const rid = msg.request_id;
    if (typeof rid === 'string' && this.pending.has(rid)) {
      const p = this.pending.get(rid)!;
      this.pending.delete(rid);
      if (msg.ok === true) p.resolve(msg);
      else p.reject(new WsRequestError(msg.error as WsErrorBody));
      return;
    }
    const channel = typeof msg.channel === 'string' ? msg.channel : null;
    if (!channel) return;
    const sub = this.subs.get(channel);
    if (!sub) return;
    if ('update' in msg) for (const l of sub.listeners) l.update(msg.update as never);
    else if ('error' in msg) {
      const e = new WsRequestError(msg.error as WsErrorBody);
      for (const l of sub.listeners) l.error?.(e);
      if (msg.unsubscribed === true) this.subs.delete(channel);
    }
  }

  private sendSubscribe(name: string, s: Sub): void {
    this.request('subscribe', { channel: name, ...(s.levels ? { levels: s.levels } : {}) }).then(
      (r) => {
        const cur = this.subs.get(name);
        if (cur !== s) return;
        for (const l of s.listeners) l.snapshot((r as { snapshot: never }).snapshot);
      },
      (e: unknown) => {
        if (e instanceof WsRequestError && e.code === 'socket-closed') return; // re-subscribed on reconnect
        for (const l of s.listeners) l.error?.(e as WsRequestError);
      },
    );
  }

  /**
   * Sends `op` with `body` and resolves with the answer (`{ request_id, ok: true, ... }`).
   * @throws WsRequestError with the server's code and field errors, or `socket-closed` / `not-connected`.
   */
  request<T = Record<string, unknown>>(op: string, body: Record<string, unknown> = {}): Promise<T> {
    const ws = this.socket;
    if (!ws || ws.readyState !== OPEN)
      return Promise.reject(new WsRequestError({ code: 'not-connected', message: 'not connected', status: 0 }));
    const id = `r${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ ...body, op, request_id: id }));
    });
  }

  /**
   * Subscribes `listener` to `channel` (optionally with `levels` of depth for `book:` channels). The listener gets a
   * snapshot now (or once connected) and after every reconnect, and each update in between. Returns the function
   * that removes it (the channel is unsubscribed when its last listener leaves).
   */
  subscribe<C extends ChannelName>(channel: C, listener: ChannelListener<KindOf<C>>, levels?: number): () => void {
    const l = listener as unknown as ChannelListener<keyof ChannelData>;
    let s = this.subs.get(channel);
    if (!s) {
      s = { levels, listeners: new Set() };
      this.subs.set(channel, s);
    }
    s.listeners.add(l);
    // A new listener needs a snapshot of its own: (re-)subscribing answers with one for every listener.
    if (this.socket?.readyState === OPEN) this.sendSubscribe(channel, s);
    return () => {
      const cur = this.subs.get(channel);
      if (!cur) return;
      cur.listeners.delete(l);
      if (cur.listeners.size > 0) return;
      this.subs.delete(channel);
      if (this.socket?.readyState === OPEN) this.request('unsubscribe', { channel }).catch(() => undefined);
    };
  }

  /** Closes the socket for good (no reconnect). */
  close(): void {
    this.wanted = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    if (!this.socket) this.setState('closed');
  }
}
