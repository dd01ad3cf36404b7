import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultBackoff, RunStream, streamUrl, type SocketLike, type StreamState } from './stream';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code?: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void {
    this.closed = true;
  }
}

describe('RunStream', () => {
  let sockets: FakeSocket[];
  let states: StreamState[];
  let messages: string[];
  let reopened: number;
  const open = (extra: { renew?: () => Promise<unknown> } = {}) =>
    new RunStream({
      url: 'ws://h/ws/strategies/3',
      connect: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      backoff: (n) => 100 * 2 ** n,
      onMessage: (t) => messages.push(t),
      onState: (s) => states.push(s),
      onReopen: () => reopened++,
      ...extra,
    });
  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    states = [];
    messages = [];
    reopened = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes messages on, reconnects with growing delays after drops and says when it is back', () => {
    const s = open();
    expect(sockets[0]!.url).toBe('ws://h/ws/strategies/3');
    sockets[0]!.onopen!({});
    sockets[0]!.onmessage!({ data: '{"type":"run"}' });
    expect(messages).toEqual(['{"type":"run"}']);
    sockets[0]!.onclose!({ code: 1006 });
    expect(s.state).toBe('reconnecting');
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.onclose!({ code: 1006 }); // second failure: 200 ms
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]!.onopen!({});
    expect(reopened).toBe(1);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    s.close();
    expect(sockets[2]!.closed).toBe(true);
    expect(s.state).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(3);
  });

  it('stops for good when the server refuses the run (4403, 4404)', () => {
    const s = open();
    sockets[0]!.onclose!({ code: 4403 });
    expect(s.state).toBe('refused');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('renews the session before reconnecting after 4401', async () => {
    const renew = vi.fn(() => Promise.resolve('renewed'));
    open({ renew });
    sockets[0]!.onclose!({ code: 4401 });
    await vi.advanceTimersByTimeAsync(100);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(2);
  });
});

describe('stream helpers', () => {
  it('builds the URL on the page host and caps the back-off at 10 s with jitter', () => {
    expect(streamUrl(7, { protocol: 'https:', host: 'desk.example' })).toBe('wss://desk.example/ws/strategies/7');
    expect(streamUrl(7, { protocol: 'http:', host: '127.0.0.1:3000' })).toBe('ws://127.0.0.1:3000/ws/strategies/7');
    expect(defaultBackoff(0, () => 0.5)).toBe(500);
    expect(defaultBackoff(10, () => 1)).toBe(12_500);
    expect(defaultBackoff(10, () => 0)).toBe(7_500);
  });
});
