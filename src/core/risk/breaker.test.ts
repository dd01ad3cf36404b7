import { beforeEach, describe, expect, it } from 'vitest';
import { BreakerOpenError, CircuitBreaker, type BreakerOptions, type BreakerTransition } from './breaker.ts';

/** The injected fake clock: tests advance time by assigning `t`. */
let t = 0;
const now = (): number => t;
beforeEach(() => {
  t = 0;
});

/** A breaker on the fake clock that records every transition. */
function setup(opts: BreakerOptions = { failureThreshold: 3, openMs: 10_000 }) {
  const breaker = new CircuitBreaker(now, opts);
  const transitions: BreakerTransition[] = [];
  breaker.onTransition((tr) => transitions.push(tr));
  return { breaker, transitions };
}

const failing = (): Promise<never> => Promise.reject(new Error('exchange down'));
const ok = (): Promise<string> => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('starts closed and lets requests through', () => {
    const { breaker } = setup();
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.retryAt()).toBeUndefined();
  });

  it('opens after N consecutive failures', () => {
    const { breaker, transitions } = setup();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe('closed');
    expect(breaker.failureCount()).toBe(2);
    breaker.onFailure(); // third consecutive failure = threshold 3
    expect(breaker.state()).toBe('open');
    expect(transitions).toEqual([{ from: 'closed', to: 'open', at: 0, failures: 3 }]);
  });

  it('uses a default threshold of 5 failures and a 30 s open time', () => {
    const breaker = new CircuitBreaker(now);
    for (let i = 0; i < 4; i++) breaker.onFailure();
    expect(breaker.state()).toBe('closed');
    breaker.onFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.retryAt()).toBe(30_000);
    t = 29_999;
    expect(breaker.state()).toBe('open');
    t = 30_000;
    expect(breaker.state()).toBe('half-open');
  });

  it('resets the failure count on a success in between', () => {
    const { breaker, transitions } = setup();
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess(); // count back to 0
    expect(breaker.failureCount()).toBe(0);
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe('closed'); // only 2 consecutive failures
    breaker.onFailure();
    expect(breaker.state()).toBe('open');
    // a success while closed is not a transition
    expect(transitions.map((x) => `${x.from}→${x.to}`)).toEqual(['closed→open']);
  });

  it('refuses requests while open until openMs has elapsed', async () => {
    const { breaker } = setup();
    t = 1_000;
    for (let i = 0; i < 3; i++) breaker.onFailure();
    expect(breaker.retryAt()).toBe(11_000); // opened at 1,000 + 10,000

    t = 10_999; // 1 ms short of openMs
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.state()).toBe('open');
    let calls = 0;
    const err = await breaker
      .run(() => {
        calls++;
        return ok();
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BreakerOpenError);
    expect((err as BreakerOpenError).retryAt).toBe(11_000);
    expect((err as BreakerOpenError).name).toBe('BreakerOpenError');
    expect(calls).toBe(0); // the function was never called
  });

  it('goes half-open after openMs and allows exactly one probe', () => {
    const { breaker, transitions } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    t = 10_000;
    expect(breaker.state()).toBe('half-open');
    expect(breaker.retryAt()).toBeUndefined();
    expect(breaker.tryAcquire()).toBe(true); // the probe
    expect(breaker.tryAcquire()).toBe(false); // a second request while the probe is in flight
    expect(breaker.tryAcquire()).toBe(false);
    expect(transitions.map((x) => [x.from, x.to, x.at])).toEqual([
      ['closed', 'open', 0],
      ['open', 'half-open', 10_000],
    ]);
  });

  it('allows as many half-open probes as configured', () => {
    const { breaker } = setup({ failureThreshold: 1, openMs: 100, halfOpenProbes: 2 });
    breaker.onFailure();
    t = 100;
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('closes when the probe succeeds', async () => {
    const { breaker, transitions } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    t = 12_000;
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(breaker.failureCount()).toBe(0);
    expect(transitions.map((x) => `${x.from}→${x.to}@${x.at}`)).toEqual([
      'closed→open@0',
      'open→half-open@12000',
      'half-open→closed@12000',
    ]);
    // closed again: requests flow and it takes a full threshold to reopen
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe('closed');
  });

  it('reopens with a fresh timer when the probe fails', async () => {
    const { breaker, transitions } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    t = 15_000;
    await expect(breaker.run(failing)).rejects.toThrow('exchange down'); // fn's own error is rethrown
    expect(breaker.state()).toBe('open');
    expect(breaker.retryAt()).toBe(25_000); // 15,000 + 10,000, not 0 + 10,000

    t = 24_999;
    expect(breaker.tryAcquire()).toBe(false);
    t = 25_000;
    expect(breaker.state()).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true); // a new probe is allowed after the fresh wait

    expect(transitions.map((x) => `${x.from}→${x.to}@${x.at}`)).toEqual([
      'closed→open@0',
      'open→half-open@15000',
      'half-open→open@15000',
      'open→half-open@25000',
    ]);
  });

  it('counts failures through run and opens after the threshold', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 3; i++) await expect(breaker.run(failing)).rejects.toThrow('exchange down');
    expect(breaker.state()).toBe('open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(BreakerOpenError);
  });

  it('reports transitions to every listener until it unsubscribes', () => {
    const { breaker } = setup();
    const a: BreakerTransition[] = [];
    const b: BreakerTransition[] = [];
    const offA = breaker.onTransition((x) => a.push(x));
    breaker.onTransition((x) => b.push(x));
    for (let i = 0; i < 3; i++) breaker.onFailure();
    offA();
    t = 10_000;
    breaker.state();
    expect(a).toEqual([{ from: 'closed', to: 'open', at: 0, failures: 3 }]);
    expect(b).toEqual([
      { from: 'closed', to: 'open', at: 0, failures: 3 },
      { from: 'open', to: 'half-open', at: 10_000, failures: 3 },
    ]);
  });
});
