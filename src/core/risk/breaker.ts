/**
 * Circuit breaker around an exchange (Nygard, "Release It!", ch. 5): closed → open → half-open → closed.
 *
 * Invariants:
 * - closed: requests pass; `failureThreshold` consecutive failures open the breaker.
 * - open: requests are refused until `openMs` has passed since it opened; then the next request is a probe
 *   (the breaker is half-open).
 * - half-open: at most `halfOpenProbes` requests pass; a success closes the breaker, a failure opens it again
 *   for another `openMs`.
 * - The clock is injected; the breaker never reads the time itself.
 */

/** The breaker's state. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of a {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** How long the breaker stays open before allowing a probe, ms. Default 30,000. */
  openMs?: number;
  /** Concurrent probes allowed while half-open. Default 1. */
  halfOpenProbes?: number;
}

/** A state change, for events and logs. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  at: number;
  failures: number;
}

/** Thrown by {@link CircuitBreaker.run} when the breaker refuses a request. */
export class BreakerOpenError extends Error {
  override name = 'BreakerOpenError';
  /** When a probe will be allowed, ms since epoch. */
  constructor(readonly retryAt: number) {
    super('circuit breaker is open: the exchange is failing, trading is paused until a probe succeeds');
  }
}

/** A circuit breaker with an injected clock (`now()` returns ms since epoch). */
export class CircuitBreaker {
  private st: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probes = 0;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly maxProbes: number;
  private readonly listeners = new Set<(t: BreakerTransition) => void>();

  constructor(
    private readonly now: () => number,
    opts: BreakerOptions = {},
  ) {
    this.threshold = opts.failureThreshold ?? 5;
    this.openMs = opts.openMs ?? 30_000;
    this.maxProbes = opts.halfOpenProbes ?? 1;
  }

  /** The current state; an open breaker whose wait is over reports `half-open`. */
  state(): BreakerState {
    if (this.st === 'open' && this.now() - this.openedAt >= this.openMs) this.move('half-open');
    return this.st;
  }

  /** Consecutive failures counted so far. */
  failureCount(): number {
    return this.failures;
  }

  /** When an open breaker will allow a probe (ms since epoch); undefined unless open. */
  retryAt(): number | undefined {
    return this.state() === 'open' ? this.openedAt + this.openMs : undefined;
  }

  /** Asks to send a request: true when it may go (a half-open breaker counts it as a probe). */
  tryAcquire(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.probes >= this.maxProbes) return false;
    this.probes++;
    return true;
  }

  /** Records a successful request. */
  onSuccess(): void {
    this.failures = 0;
    if (this.st !== 'closed') this.move('closed');
  }

  /** Records a failed request. */
  onFailure(): void {
    this.failures++;
    if (this.st === 'half-open' || (this.st === 'closed' && this.failures >= this.threshold)) {
      this.openedAt = this.now();
      this.move('open');
    }
  }

  /**
   * Runs `fn` through the breaker.
   * @throws BreakerOpenError when the breaker refuses; rethrows `fn`'s error after recording the failure.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.tryAcquire()) throw new BreakerOpenError(this.openedAt + this.openMs);
    try {
      const v = await fn();
      this.onSuccess();
      return v;
    } catch (e) {
      this.onFailure();
      throw e;
    }
  }

  /** Subscribes to transitions; returns an unsubscribe function. */
  onTransition(fn: (t: BreakerTransition) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private move(to: BreakerState): void {
    const from = this.st;
    if (from === to) return;
    this.st = to;
    this.probes = 0;
    const t = { from, to, at: this.now(), failures: this.failures };
    for (const l of this.listeners) l(t);
  }
}
