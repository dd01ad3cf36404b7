/**
 * Recording a feed's closed bars into the candle store (`src/db/candles.ts`) as they close, so MAE/MFE, the Desk's
 * history and later backtests read the bars the live feed saw.
 *
 * Bars are queued per symbol and written in batches (every `flushMs`, or at once when a symbol has `maxBatch`
 * queued) through the store's idempotent ingest (`ingestCandles`: identical rows left alone, changed rows updated,
 * new rows inserted, the higher timeframes rolled up for the touched buckets; one transaction per batch). A failed
 * write never reaches the feed: it is counted (`errorCount`, `lastError`, `onError`) and the batch stays queued for the
 * next flush (at most `maxPending` bars per symbol are kept, the oldest dropped first and counted in `dropped`); a
 * batch the store refuses as malformed (`CandleSeriesError`) is dropped at once instead of retried forever.
 */
import type { Candle, Timeframe } from '../core/marketdata/candle.ts';
import { CandleSeriesError } from '../core/marketdata/resample.ts';
import { ingestCandles } from '../db/candles.ts';
import type { Sql } from '../db/sql.ts';
import type { MarketFeed } from './feed.ts';

/** Options of {@link CandleRecorder}. */
export interface CandleRecorderOptions {
  /** Timeframe the bars are stored as (the feed's). */
  timeframe: Timeframe;
  /** Delay (ms) between a bar's arrival and the write of its batch; default 1,000. */
  flushMs?: number;
  /** A symbol with this many bars queued is written at once; default 500. */
  maxBatch?: number;
  /** Most bars kept queued per symbol while writes fail (oldest dropped first); default 100,000. */
  maxPending?: number;
  /** The store symbol of a feed symbol; default: the same text (e.g. `BTC-USDT`). */
  storeSymbol?: (feedSymbol: string) => string;
  /** Called after every failed write, with the store symbol; its own exceptions are swallowed. */
  onError?: (error: Error, symbol: string) => void;
}

/** Writes closed bars into the candle store in batches; see the module comment. */
export class CandleRecorder {
  private readonly sql: Sql;
  private readonly opts: CandleRecorderOptions;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  /** Queued bars by store symbol, keyed by open time (a repeated bar replaces the queued one). */
  private readonly queue = new Map<string, Map<number, Candle>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private written = 0;
  private errors = 0;
  private lost = 0;
  private lastErr: Error | undefined;

  /** @throws RangeError when `flushMs`, `maxBatch` or `maxPending` is not positive. */
  constructor(sql: Sql, opts: CandleRecorderOptions) {
    this.sql = sql;
    this.opts = opts;
    this.flushMs = opts.flushMs ?? 1000;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxPending = opts.maxPending ?? 100_000;
    if (!(this.flushMs >= 0) || !(this.maxBatch > 0) || !(this.maxPending > 0))
      throw new RangeError('flushMs must be ≥ 0, maxBatch and maxPending positive');
  }

  /** Records every bar `feed` emits from now on; returns a function that stops recording (queued bars stay queued). */
  attach(feed: MarketFeed): () => void {
    return feed.onCandle((symbol, candle) => this.add(symbol, candle));
  }

  /** Queues one closed bar of `symbol` (a feed symbol). Ignored after {@link close}. */
  add(symbol: string, candle: Candle): void {
    if (this.closed) return;
    const key = this.opts.storeSymbol ? this.opts.storeSymbol(symbol) : symbol;
    let q = this.queue.get(key);
    if (!q) this.queue.set(key, (q = new Map()));
    q.set(candle.time, { ...candle });
    this.trim(q);
    if (q.size >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /**
   * Writes every queued bar now (after any write in progress). Never rejects: failures are counted and the bars stay
   * queued.
   */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.chain.then(() => this.writeAll());
    this.chain = p;
    return p;
  }

  /** Stops accepting bars and writes what is queued (one attempt). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Bars written (inserted or changed in the store) so far. */
  get stored(): number {
    return this.written;
  }

  /** Failed writes so far. */
  get errorCount(): number {
    return this.errors;
  }

  /** The most recent failed write's error. */
  get lastError(): Error | undefined {
    return this.lastErr;
  }

  /** Bars given up: dropped from a full queue, or refused by the store as malformed. */
  get dropped(): number {
    return this.lost;
  }

  /** Bars queued and not yet written. */
  get pending(): number {
    let n = 0;
    for (const q of this.queue.values()) n += q.size;
    return n;
  }

  private trim(q: Map<number, Candle>): void {
    if (q.size <= this.maxPending) return;
    const times = [...q.keys()].sort((a, b) => a - b);
    for (const t of times.slice(0, q.size - this.maxPending)) {
      q.delete(t);
      this.lost += 1;
    }
  }

  private async writeAll(): Promise<void> {
    for (const [symbol, q] of [...this.queue]) {
      if (q.size === 0) continue;
      const batch = [...q.values()].sort((a, b) => a.time - b.time);
      this.queue.set(symbol, new Map());
      try {
        const r = await ingestCandles(this.sql, symbol, this.opts.timeframe, batch);
        this.written += r.inserted + r.updated;
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        this.errors += 1;
        this.lastErr = err;
        if (err instanceof CandleSeriesError) this.lost += batch.length;
        else {
          // back in the queue (bars that came meanwhile win: they are newer readings of the same bar)
          const now = this.queue.get(symbol) ?? new Map<number, Candle>();
          const merged = new Map<number, Candle>(batch.map((c) => [c.time, c]));
          for (const [t, c] of now) merged.set(t, c);
          this.trim(merged);
          this.queue.set(symbol, merged);
          if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), Math.max(this.flushMs, 1000));
        }
        try {
          this.opts.onError?.(err, symbol);
        } catch {
          // the hook must not break recording
        }
      }
    }
  }
}
