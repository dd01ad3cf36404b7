/**
 * The two {@link DataSource}s: candles from a file on disk ({@link FileDataSource}) and from the PostgreSQL candle
 * store ({@link PgDataSource}). Both yield ascending, non-empty batches of one (symbol, timeframe) within
 * `[from, to)`, with prices and volume as the exact decimal text of the file or the store.
 */
import type { Candle, Timeframe } from '../core/marketdata/candle.ts';
import type { CandleFormat, ParsedCandles } from '../core/marketdata/importers.ts';
import type { CandleRange, DataSource } from '../core/marketdata/source.ts';
import { streamStoredCandles } from '../db/candles.ts';
import type { Sql } from '../db/sql.ts';
import { loadCandleFile } from '../feed/load.ts';

/** Options of {@link FileDataSource}. */
export interface FileSourceOptions {
  /** File format; detected from the content when omitted. */
  format?: CandleFormat;
  /**
   * The symbol the file holds. When given, a range asking for another symbol yields nothing; when omitted, the
   * range's symbol is not checked (a file holds one series, whatever it is called).
   */
  symbol?: string;
  /** The file's timeframe. When given, a range asking for another timeframe yields nothing; when omitted, ignored. */
  timeframe?: Timeframe;
  /** Candles per batch (default 10,000). */
  batchSize?: number;
}

/**
 * Candles of one OHLCV file (any format `loadCandleFile` reads, `.gz` included). The file is read and parsed once,
 * on the first `stream`, and kept in memory.
 */
export class FileDataSource implements DataSource {
  readonly name: string;
  private parsed: Promise<ParsedCandles> | undefined;

  /**
   * @param path the file.
   * @param opts see {@link FileSourceOptions}.
   */
  constructor(
    readonly path: string,
    private readonly opts: FileSourceOptions = {},
  ) {
    this.name = `file:${path}`;
  }

  /** Every candle of the file (parsed once). @throws like `loadCandleFile` (fs errors, CandleFormatError). */
  async candles(): Promise<readonly Candle[]> {
    this.parsed ??= loadCandleFile(this.path, this.opts.format);
    return (await this.parsed).candles;
  }

  /**
   * What the file's parse reported besides its candles: rows out of the file's time order that were sorted into
   * place (count and first line), or null. @throws like {@link FileDataSource.candles}.
   */
  async outOfOrder(): Promise<ParsedCandles['outOfOrder']> {
    await this.candles();
    return (await this.parsed!).outOfOrder;
  }

  /**
   * Yields the file's candles within `[range.from, range.to)` in batches; nothing when the range names a symbol or
   * timeframe other than the ones given to the constructor.
   * @throws like {@link FileDataSource.candles}.
   */
  async *stream(range: CandleRange): AsyncIterable<readonly Candle[]> {
    if (this.opts.symbol !== undefined && range.symbol !== this.opts.symbol) return;
    if (this.opts.timeframe !== undefined && range.timeframe !== this.opts.timeframe) return;
    const all = await this.candles();
    const batch = this.opts.batchSize ?? 10_000;
    const start = range.from === undefined ? 0 : lowerBound(all, range.from);
    const end = range.to === undefined ? all.length : lowerBound(all, range.to);
    for (let i = start; i < end; i += batch) yield all.slice(i, Math.min(end, i + batch));
  }
}

/** First index whose time is ≥ `t` (binary search over ascending candles). */
function lowerBound(candles: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options of {@link PgDataSource}. */
export interface PgSourceOptions {
  /** Candles per batch, i.e. per query (default 10,000). */
  batchSize?: number;
  /** Leave out an incomplete last bucket of a resampled timeframe (default false: every stored row). */
  completeOnly?: boolean;
}

/**
 * Candles from the candle store (`candles` table), read in ascending keyset pages of `batchSize` rows, so a long
 * range streams in constant memory. An unknown symbol or timeframe yields nothing.
 */
export class PgDataSource implements DataSource {
  readonly name = 'postgres:candles';

  /**
   * @param sql an open database (PGlite or PostgreSQL) with the migrations applied.
   * @param opts see {@link PgSourceOptions}.
   */
  constructor(
    private readonly sql: Sql,
    private readonly opts: PgSourceOptions = {},
  ) {}

  /** Yields the stored candles of `range`, ascending. @throws the database error. */
  async *stream(range: CandleRange): AsyncIterable<readonly Candle[]> {
    for await (const page of streamStoredCandles(this.sql, range, this.opts.batchSize ?? 10_000)) {
      const rows = this.opts.completeOnly ? page.filter((c) => c.complete) : page;
      if (rows.length > 0)
        yield rows.map((c) => ({
          time: c.time,
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          volume: c.volume,
        }));
    }
  }
}
