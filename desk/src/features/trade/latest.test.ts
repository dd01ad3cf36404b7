import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debouncedLatest } from './latest';

interface Pending {
  q: number;
  resolve(a: string): void;
  reject(e: unknown): void;
  signal: AbortSignal;
}

function harness(delay = 200) {
  const calls: Pending[] = [];
  const answers: [string, number][] = [];
  const errors: unknown[] = [];
  const pending: boolean[] = [];
  const d = debouncedLatest<number, string>({
    delay,
    run: (q, signal) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ q, resolve, reject, signal });
      }),
    onAnswer: (a, q) => answers.push([a, q]),
    onError: (e) => errors.push(e),
    onPending: (p) => pending.push(p),
  });
  return { d, calls, answers, errors, pending };
}

describe('debounced previews, latest answer wins', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends one request per quiet period, with the last query', async () => {
    const h = harness();
    h.d.request(1);
    vi.advanceTimersByTime(150);
    h.d.request(2);
    vi.advanceTimersByTime(150);
    h.d.request(3);
    expect(h.calls).toHaveLength(0);
    vi.advanceTimersByTime(200);
    expect(h.calls.map((c) => c.q)).toEqual([3]);
    h.calls[0]!.resolve('three');
    await vi.runAllTimersAsync();
    expect(h.answers).toEqual([['three', 3]]);
    expect(h.pending.at(-1)).toBe(false);
  });

  it('drops a stale answer that arrives after a newer request was sent', async () => {
    const h = harness();
    h.d.request(1);
    vi.advanceTimersByTime(200);
    h.d.request(2);
    vi.advanceTimersByTime(200);
    expect(h.calls.map((c) => c.q)).toEqual([1, 2]);
    expect(h.calls[0]!.signal.aborted).toBe(true);
    h.calls[1]!.resolve('two');
    await Promise.resolve();
    h.calls[0]!.resolve('one (stale)');
    await vi.runAllTimersAsync();
    expect(h.answers).toEqual([['two', 2]]);
  });

  it('drops a stale answer even while the newer request is only scheduled', async () => {
    const h = harness();
    h.d.request(1);
    vi.advanceTimersByTime(200);
    h.d.request(2); // scheduled, not sent yet
    h.calls[0]!.resolve('one');
    await vi.runAllTimersAsync();
    expect(h.answers.map((a) => a[1])).toEqual([]);
    h.calls[1]!.resolve('two');
    await vi.runAllTimersAsync();
    expect(h.answers).toEqual([['two', 2]]);
  });

  it('reports only the latest failure and ignores aborted ones', async () => {
    const h = harness();
    h.d.request(1);
    vi.advanceTimersByTime(200);
    h.d.request(2);
    vi.advanceTimersByTime(200);
    h.calls[0]!.reject(new Error('aborted'));
    h.calls[1]!.reject(new Error('422'));
    await vi.runAllTimersAsync();
    expect(h.errors).toEqual([new Error('422')]);
  });

  it('sends at once on flush, and ignores everything after cancel', async () => {
    const h = harness();
    h.d.request(7);
    h.d.flush();
    expect(h.calls.map((c) => c.q)).toEqual([7]);
    h.d.cancel();
    h.calls[0]!.resolve('late');
    h.d.request(8);
    h.d.cancel();
    await vi.runAllTimersAsync();
    expect(h.calls).toHaveLength(1);
    expect(h.answers).toEqual([]);
  });
});
