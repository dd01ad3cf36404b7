import { describe, expect, it } from 'vitest';
import { ExchangeSocket, WsRequestError, type SocketLike } from './ws';

/**
 * An in-memory stand-in for `/ws/exchange` speaking its protocol (request_id answers, subscribe → snapshot, pushed
 * updates), whose connections can be dropped, so the client's reconnect and resubscribe logic runs without a network.
 */
class FakeExchange {
  sockets: FakeSocket[] = [];
  subscribes: string[] = [];
  book = { bids: [{ price: '0.4', size: '5', orders: 1 }], asks: [] as unknown[] };
  accept = true;
  connect = (_url: string): SocketLike => {
    const s = new FakeSocket(this);
    this.sockets.push(s);
    queueMicrotask(() => (this.accept ? s.open() : s.drop()));
    return s;
  };
  get live(): FakeSocket | undefined {
    return this.sockets.filter((s) => s.readyState === 1).at(-1);
  }
  push(channel: string, update: unknown): void {
    this.live?.deliver({ channel, update });
  }
}

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(private readonly server: FakeExchange) {}
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(msg: unknown): void {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  send(data: string): void {
    const m = JSON.parse(data) as Record<string, unknown>;
    const rid = m.request_id;
    queueMicrotask(() => {
      if (m.op === 'subscribe') {
        this.server.subscribes.push(String(m.channel));
        this.deliver({ request_id: rid, ok: true, channel: m.channel, snapshot: { book: this.server.book } });
      } else if (m.op === 'place_order')
        this.deliver({
          request_id: rid,
          ok: false,
          error: {
            code: 'validation-failed',
            message: 'bad',
            status: 400,
            fields: [{ field: 'size', code: 'x', message: 'bad size' }],
          },
        });
      else if (m.op === 'hang') return;
      else this.deliver({ request_id: rid, ok: true });
    });
  }
  close(): void {
    this.drop();
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await tick();
  expect(check()).toBe(true);
}

describe('ExchangeSocket', () => {
  it('delivers a snapshot, then updates, to a channel listener', async () => {
    const server = new FakeExchange();
    const s = new ExchangeSocket({ url: 'ws://x/ws/exchange', connect: server.connect, backoff: () => 1 });
    const seen: unknown[] = [];
    s.subscribe('book:1', { snapshot: (d) => seen.push(['snap', d]), update: (d) => seen.push(['upd', d]) }, 20);
    await until(() => seen.length === 1);
    server.push('book:1', { id: 1 });
    server.push('book:2', { id: 2 }); // not subscribed: ignored
    await until(() => seen.length === 2);
    expect(seen).toEqual([
      ['snap', { book: server.book }],
      ['upd', { id: 1 }],
    ]);
    expect(s.state).toBe('open');
    s.close();
    expect(s.state).toBe('closed');
  });

  it('reconnects after a drop and re-subscribes, so the listener resyncs from a fresh snapshot', async () => {
    const server = new FakeExchange();
    const s = new ExchangeSocket({ url: 'ws://x/ws/exchange', connect: server.connect, backoff: () => 1 });
    const states: string[] = [];
    s.onState((st) => states.push(st));
    const snaps: unknown[] = [];
    s.subscribe('book:1', { snapshot: (d) => snaps.push(d), update: () => undefined });
    s.subscribe('orders', { snapshot: () => undefined, update: () => undefined });
    await until(() => snaps.length === 1);
    server.accept = false; // the first retry fails too
    server.book = { bids: [], asks: [] }; // what changed while the client was away
    server.live!.drop();
    await until(() => server.sockets.length >= 3);
    server.accept = true;
    await until(() => snaps.length === 2);
    expect(snaps[1]).toEqual({ book: { bids: [], asks: [] } });
    expect(server.subscribes.filter((c) => c === 'book:1')).toHaveLength(2);
    expect(server.subscribes.filter((c) => c === 'orders')).toHaveLength(2);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('open');
    s.close();
  });

  it('stops re-subscribing a channel once its last listener leaves', async () => {
    const server = new FakeExchange();
    const s = new ExchangeSocket({ url: 'ws://x/ws/exchange', connect: server.connect, backoff: () => 1 });
    const off = s.subscribe('trades:3', { snapshot: () => undefined, update: () => undefined });
    await until(() => server.subscribes.length === 1);
    off();
    server.live!.drop();
    await until(() => s.state === 'open' && server.sockets.length === 2);
    await tick();
    expect(server.subscribes).toEqual(['trades:3']);
    s.close();
  });

  it('rejects a failed request with its code and field errors, and pending ones with socket-closed on a drop', async () => {
    const server = new FakeExchange();
    const s = new ExchangeSocket({ url: 'ws://x/ws/exchange', connect: server.connect, backoff: () => 1 });
    await expect(s.request('ping')).rejects.toMatchObject({ code: 'not-connected' });
    await until(() => s.state === 'open');
    const e = await s.request('place_order', { size: 'x' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(WsRequestError);
    expect(e).toMatchObject({
      code: 'validation-failed',
      status: 400,
      fields: [{ field: 'size', message: 'bad size' }],
    });
    const pending = s.request('hang');
    await tick();
    server.live!.drop();
    await expect(pending).rejects.toMatchObject({ code: 'socket-closed' });
    s.close();
  });
});
