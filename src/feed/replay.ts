/**
 * Replay feed: plays a recorded candle series for one symbol as if it were live, at a chosen number of bars per
 * second, with pause/resume, single-stepping and seeking.
 *
 * Model: a cursor `index` points at the next bar to emit. Everything before the cursor counts as history (emitted or
 * skipped by `seek`/`startIndex`): `lastPrice` is the close of the bar just before the cursor and `now()` its close
 * time (open time + timeframe length), or the first bar's open time when the cursor is at 0.
 */
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import type { CandleListener, MarketFeed } from './feed.ts';

/** Timer functions the feed uses; injectable so tests can drive time. Defaults to the global timers. */
export interface ReplayTimers {
  /** Calls `callback` every `ms` milliseconds; returns a handle for {@link ReplayTimers.clearInterval}. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Cancels a timer returned by {@link ReplayTimers.setInterval}. */
  clearInterval(handle: unknown): void;
}

/** Options of {@link ReplayFeed}. */
export interface ReplayFeedOptions {
  /** Platform symbol the candles belong to, e.g. `BTC-USD`. */
  symbol: string;
  /** Bar length of `candles`; `now()` adds it to a bar's open time to get its close time. */
  timeframe: Timeframe;
  /** The series to play: non-empty, sorted strictly ascending by `time` (as `parseCandles` returns it). */
  candles: readonly Candle[];
  /** Bars per second (positive, may be fractional), default 1. */
  speed?: number;
  /** Index of the first bar to emit (bars before it count as history), default 0. */
  startIndex?: number;
  /** Timer functions, default the global `setInterval`/`clearInterval` (looked up when used). */
  timers?: ReplayTimers;
  /** Feed name, default `replay:<symbol>`. */
  name?: string;
}

/** Snapshot returned by {@link ReplayFeed.state}. */
export interface ReplayState {
  symbol: string;
  /** Index of the next bar to emit (`total` when done). */
  index: number;
  /** Number of bars in the series. */
  total: number;
  /** True after `pause()` until `resume()` (a feed that is merely not started is not "paused"). */
  paused: boolean;
  /** Bars per second. */
  speed: number;
  /** The feed's `now()`, ms UTC. */
  time: number;
  /** True when every bar has been emitted or skipped. */
  done: boolean;
}

/** Above this many bars per second the feed ticks at this rate and emits several bars per tick. */
const MAX_TICKS_PER_SECOND = 50;
/** Longest interval a Node timer accepts. */
const MAX_TIMER_MS = 2_147_483_647;

const defaultTimers: ReplayTimers = {
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof globalThis.setInterval>),
};

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0 || 1000 / speed > MAX_TIMER_MS) {
    throw new RangeError(`speed must be a positive number of bars per second, got ${speed}`);
  }
  return speed;
}

/**
 * A {@link MarketFeed} replaying `candles` for one symbol. Listeners receive `(symbol, candle)` in time order,
 * synchronously from the timer callback or from `step()`; an exception thrown by a listener propagates out of that
 * call (the bar still counts as emitted).
 */
export class ReplayFeed implements MarketFeed {
  /** Feed name, `replay:<symbol>` unless given. */
  readonly name: string;
  readonly timeframe: Timeframe;
  private readonly symbol: string;
  private readonly candles: readonly Candle[];
  private readonly timers: ReplayTimers;
  private readonly listeners = new Set<CandleListener>();
  private readonly endListeners = new Set<() => void>();
  private index: number;
  private speed: number;
  private started = false;
  private paused = false;
  private endSignalled = false;
  private timer: unknown = undefined;
  /** Fractional bars owed by the timer at high speeds. */
  private credit = 0;

  /**
   * @throws RangeError when `candles` is empty or not strictly ascending by time, `speed` is not a positive finite
   *   number (or so slow its interval exceeds ~24.8 days), or `startIndex` is not an integer in `0..candles.length`.
   */
  constructor(opts: ReplayFeedOptions) {
    const { candles } = opts;
    if (candles.length === 0) throw new RangeError('ReplayFeed needs at least one candle');
    for (let i = 1; i < candles.length; i++) {
      if ((candles[i] as Candle).time <= (candles[i - 1] as Candle).time) {
        throw new RangeError(`candles must be strictly ascending by time (index ${i})`);
      }
    }
    const start = opts.startIndex ?? 0;
    if (!Number.isInteger(start) || start < 0 || start > candles.length) {
      throw new RangeError(`startIndex must be an integer in 0..${candles.length}, got ${start}`);
    }
    this.symbol = opts.symbol;
    this.timeframe = opts.timeframe;
    this.candles = candles;
    this.speed = checkSpeed(opts.speed ?? 1);
    this.timers = opts.timers ?? defaultTimers;
    this.name = opts.name ?? `replay:${opts.symbol}`;
    this.index = start;
  }

  /** The single symbol this feed serves. */
  symbols(): string[] {
    return [this.symbol];
  }

  /** Close (decimal text) of the bar before the cursor; undefined before any bar or for another symbol. */
  lastPrice(symbol: string): string | undefined {
    if (symbol !== this.symbol || this.index === 0) return undefined;
    return (this.candles[this.index - 1] as Candle).close;
  }

  /** Close time (ms UTC) of the last emitted (or skipped-to) bar; the first bar's open time before any. */
  now(): number {
    if (this.index === 0) return (this.candles[0] as Candle).time;
    return (this.candles[this.index - 1] as Candle).time + TIMEFRAMES[this.timeframe];
  }

  /** Registers a closed-bar listener; returns a function that removes it (idempotent). */
  onCandle(listener: CandleListener): () => void {
    const wrapped: CandleListener = (s, c) => listener(s, c);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /**
   * Registers a listener called once each time the replay reaches its end (after the last bar is emitted, or when
   * `seek` jumps past the last bar). Seeking back and playing to the end again signals again. Returns a remover.
   */
  onEnd(listener: () => void): () => void {
    const wrapped = () => listener();
    this.endListeners.add(wrapped);
    return () => {
      this.endListeners.delete(wrapped);
    };
  }

  /**
   * Starts the timer (unless paused). Idempotent; a stopped feed can be started again and continues. Starting a
   * feed that has nothing left to emit signals the end (once).
   */
  async start(): Promise<void> {
    this.started = true;
    if (this.index >= this.candles.length) this.finish();
    else this.schedule();
  }

  /** Stops the timer. The position is kept. */
  async stop(): Promise<void> {
    this.started = false;
    this.clearTimer();
  }

  /** Stops timed emission until {@link ReplayFeed.resume}; `step` and `seek` still work. */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  /** Undoes {@link ReplayFeed.pause}; emission restarts if the feed is started and not done. */
  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /**
   * Emits the next `n` bars synchronously (fewer when the series ends), whether started, paused or not.
   * @returns the number of bars emitted.
   * @throws RangeError when `n` is not a non-negative integer.
   */
  step(n = 1): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`step count must be a non-negative integer, got ${n}`);
    let emitted = 0;
    while (emitted < n && this.index < this.candles.length) {
      this.emitNext();
      emitted++;
    }
    return emitted;
  }

  /**
   * Moves the cursor so the next bar emitted is the first with `time >= timeMs`, without emitting the bars in
   * between (forwards or backwards). `lastPrice` becomes the close of the bar before it. Seeking past the last bar
   * ends the replay (end listeners are called if not yet for this run).
   * @returns the new index.
   */
  seek(timeMs: number): number {
    const lo = this.indexAt(timeMs);
    this.index = lo;
    this.credit = 0;
    if (lo < this.candles.length) {
      this.endSignalled = false;
      this.schedule();
    } else {
      this.finish();
    }
    return lo;
  }

  /**
   * Changes the replay speed (bars per second); a running timer restarts at the new rate.
   * @throws RangeError when `barsPerSecond` is not a positive finite number.
   */
  setSpeed(barsPerSecond: number): void {
    this.speed = checkSpeed(barsPerSecond);
    if (this.timer !== undefined) {
      this.clearTimer();
      this.schedule();
    }
  }

  /**
   * The replay's history: the bars before the cursor (emitted, or skipped by `seek`/`startIndex`) with open time in
   * `[from, to)` (ms UTC; open ends allowed), oldest first — the newest `limit` of them when `limit` is given. Never
   * a bar at or after the cursor, so a chart built from it cannot see the replay's future. Empty for another symbol.
   */
  history(symbol: string, range: { from?: number; to?: number; limit?: number } = {}): Candle[] {
    if (symbol !== this.symbol) return [];
    const lo = range.from === undefined ? 0 : this.indexAt(range.from);
    const hi = range.to === undefined ? this.index : Math.min(this.index, this.indexAt(range.to));
    const start = range.limit === undefined ? lo : Math.max(lo, hi - range.limit);
    return hi > start ? this.candles.slice(start, hi) : [];
  }

  /** A snapshot of the replay position and settings. */
  state(): ReplayState {
    return {
      symbol: this.symbol,
      index: this.index,
      total: this.candles.length,
      paused: this.paused,
      speed: this.speed,
      time: this.now(),
      done: this.index >= this.candles.length,
    };
  }

  /** Index of the first bar with `time >= timeMs` (binary search; `candles.length` when none). */
  private indexAt(timeMs: number): number {
    let lo = 0;
    let hi = this.candles.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.candles[mid] as Candle).time < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private schedule(): void {
    if (!this.started || this.paused || this.timer !== undefined || this.index >= this.candles.length) return;
    this.credit = 0;
    const fast = this.speed > MAX_TICKS_PER_SECOND;
    const periodMs = fast ? 1000 / MAX_TICKS_PER_SECOND : 1000 / this.speed;
    const perTick = fast ? this.speed / MAX_TICKS_PER_SECOND : 1;
    this.timer = this.timers.setInterval(() => this.tick(perTick), periodMs);
  }

  private tick(perTick: number): void {
    this.credit += perTick;
    const n = Math.floor(this.credit + 1e-9);
    this.credit -= n;
    this.step(n);
  }

  private emitNext(): void {
    const candle = this.candles[this.index] as Candle;
    this.index++;
    try {
      for (const l of [...this.listeners]) if (this.listeners.has(l)) l(this.symbol, candle);
    } finally {
      if (this.index >= this.candles.length) this.finish();
    }
  }

  private finish(): void {
    this.clearTimer();
    if (this.endSignalled) return;
    this.endSignalled = true;
    for (const l of [...this.endListeners]) if (this.endListeners.has(l)) l();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
  }
}
