/**
 * Candle file imports uploaded through the API, run as in-process jobs with progress events: the bytes of a CSV,
 * JSON or freqtrade trades file (gzipped or not) go through the same importers and store path as
 * `testudo candles import` (`parseCandles` / `parseFreqtradeTrades` + `candlesFromTrades`, then `ingestCandles`: COPY
 * in one transaction, higher timeframes rolled up). A rejected file writes nothing.
 *
 * Jobs run one at a time in upload order; their state lives in this process (the last {@link KEEP_JOBS} are kept).
 * Events to the uploader only: `import-progress {id, phase, rows, rowsTotal, bytes, total}` (at most every 100 ms
 * and at each phase change), then `import-done` or `import-failed` with the job's view.
 */
import { randomUUID } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { TIMEFRAMES, isTimeframe, timeframeOfLength, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { medianSpacing } from '../core/marketdata/gaps.ts';
import { CandleFormatError, formatTimeUtc, parseCandles, type CandleFormat } from '../core/marketdata/importers.ts';
import { CandleSeriesError } from '../core/marketdata/resample.ts';
import {
  TradeFormatError,
  candlesFromTrades,
  isFreqtradeTrades,
  parseFreqtradeTrades,
} from '../core/marketdata/trades.ts';
import { ingestCandles } from '../db/candles.ts';
import type { Sql } from '../db/sql.ts';
import { UnavailableError, ValidationError, type FieldIssue } from './errors.ts';
import type { EventBus } from './events.ts';

/** Finished jobs kept for `GET /candles/imports/:id`. */
const KEEP_JOBS = 200;
/** Jobs queued or running at most; more uploads are refused with `import-busy`. */
const MAX_PENDING = 4;
/** Least time between two progress events of a job, ms. */
const PROGRESS_EVERY_MS = 100;

/** Formats an upload may declare: the candle formats, or `trades` (freqtrade trades → 1m candles). */
export type UploadFormat = CandleFormat | 'trades';

/** What an upload asks for. */
export interface ImportRequest {
  /** Uploader (admin); events go to this user. */
  userId: number;
  symbol: string;
  /** Bar length; inferred from the bars' median spacing when absent (always 1m for trades). */
  timeframe?: Timeframe | undefined;
  /** Detected from the content when absent. */
  format?: UploadFormat | undefined;
  /** The raw file (gzip detected by its magic bytes). */
  bytes: Buffer;
}

/** A field issue of a rejected file, with the 1-based line (CSV) or element (JSON) when known. */
export interface ImportFieldIssue extends FieldIssue {
  line?: number;
}

/** What a finished import did. */
export interface ImportResult {
  format: string;
  timeframe: Timeframe;
  /** Trades read, for a trades file; null otherwise. */
  trades: number | null;
  candles: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** First and last bar open time, ISO 8601 UTC. */
  first: string | null;
  last: string | null;
  /** Buckets written per higher timeframe. */
  rolledUp: Record<string, number>;
  /** Rows out of the file's time order (sorted into place): count and first line; null when in order. */
  outOfOrder: { rows: number; firstLine: number } | null;
}

/** The state of one import job (`GET /api/v1/candles/imports/:id`, `import-done`, `import-failed`). */
export interface ImportJobView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** `queued`, `parsing` (decompressing and reading the file), `storing` (COPY and rollups), `done`, `failed`. */
  phase: 'queued' | 'parsing' | 'storing' | 'done' | 'failed';
  symbol: string;
  /** As asked, or as inferred once parsed; null until known. */
  timeframe: Timeframe | null;
  /** As asked, or as detected once parsed; null until known. */
  format: string | null;
  /** Bytes of the upload read so far, and its size (bytes as sent, gzipped or not). */
  bytes: number;
  total: number;
  /** Rows (candles) sent to the store so far, and how many there are (null until parsed). */
  rows: number;
  rowsTotal: number | null;
  /** ISO 8601 UTC. */
  createdAt: string;
  finishedAt: string | null;
  result: ImportResult | null;
  error: { code: string; message: string; fields?: ImportFieldIssue[] } | null;
}

interface Job {
  view: ImportJobView;
  userId: number;
  req: ImportRequest | null;
  lastProgress: number;
}

/** Options of {@link CandleImports}. */
export interface CandleImportsOptions {
  sql: Sql;
  events: EventBus;
  /** Called when an import stores candles (e.g. to refresh caches). */
  onImported?: (symbol: string) => void;
  /** Where unexpected errors go (the server's log). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** Clock, ms UTC; default `Date.now`. */
  clock?: () => number;
}

/** Rejects a file: a `validation-failed` error with one field issue. */
function reject(field: string, code: string, message: string, line?: number): ValidationError {
  const issue: ImportFieldIssue = { field, code, message, ...(line !== undefined ? { line } : {}) };
  return new ValidationError([issue]);
}

/** Decompresses gzip (by magic bytes) in chunks, reporting the input bytes consumed; plain bytes pass through. */
async function decode(bytes: Buffer, onBytes: (n: number) => void): Promise<string> {
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    onBytes(bytes.length);
    return bytes.toString('utf8');
  }
  const gz = createGunzip();
  const out: Buffer[] = [];
  gz.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject_) => {
    gz.once('end', resolve);
    gz.once('error', reject_);
  });
  const CHUNK = 1 << 20;
  try {
    for (let i = 0; i < bytes.length; i += CHUNK) {
      const chunk = bytes.subarray(i, i + CHUNK);
      if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
      onBytes(Math.min(bytes.length, i + CHUNK));
    }
    gz.end();
    await done;
  } catch (e) {
    throw reject('file', 'bad-gzip', `the file is not valid gzip: ${(e as Error).message}`);
  }
  return Buffer.concat(out).toString('utf8');
}

/** The candles of an uploaded file, its format, timeframe and trade count, checked as the CLI checks them. */
function readFile(
  text: string,
  format: UploadFormat | undefined,
  timeframe: Timeframe | undefined,
): Omit<ImportResult, 'inserted' | 'updated' | 'unchanged' | 'rolledUp' | 'first' | 'last'> & { list: Candle[] } {
  const trades = format === 'trades' || (format === undefined && isFreqtradeTrades(text));
  try {
    if (trades) {
      if (timeframe !== undefined && timeframe !== '1m')
        throw reject(
          'timeframe',
          'invalid-timeframe',
          'candles from trades are built as 1m (higher ones are rolled up)',
        );
      const list = parseFreqtradeTrades(text);
      const candles = candlesFromTrades(list, '1m');
      return {
        format: 'freqtrade-trades',
        timeframe: '1m',
        trades: list.length,
        candles: candles.length,
        outOfOrder: null,
        list: candles,
      };
    }
    const parsed = parseCandles(text, format ? { format } : {});
    const spacing = medianSpacing(parsed.candles.map((c) => c.time));
    let tf = timeframe;
    if (tf === undefined) {
      tf = timeframeOfLength(spacing);
      if (!tf)
        throw reject(
          'timeframe',
          'required',
          `give the timeframe: the file's bars are ${spacing === null ? 'too few to tell' : `${spacing / 60_000} minutes apart (median)`}`,
        );
    } else if (spacing !== null && spacing !== TIMEFRAMES[tf])
      throw reject(
        'timeframe',
        'timeframe-mismatch',
        `${tf} does not match the file: its bars are ${spacing / 60_000} minutes apart (median)`,
      );
    return {
      format: parsed.format,
      timeframe: tf,
      trades: null,
      candles: parsed.candles.length,
      outOfOrder: parsed.outOfOrder,
      list: parsed.candles,
    };
  } catch (e) {
    if (e instanceof CandleFormatError) throw reject('file', e.code, e.message, e.line);
    if (e instanceof TradeFormatError) throw reject('file', e.code, e.message, e.element);
    throw e;
  }
}

/** Uploaded candle files imported as jobs, one at a time, with progress events to the uploader. */
export class CandleImports {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: () => number;

  constructor(private readonly o: CandleImportsOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /**
   * Queues an import and returns its view (status `queued`); the work runs after the jobs before it.
   * @throws ValidationError `symbol`/`timeframe` for a bad symbol or timeframe, `file` `empty-file` for no bytes;
   *   UnavailableError `import-busy` when {@link MAX_PENDING} imports are queued or running.
   */
  submit(req: ImportRequest): ImportJobView {
    if (req.timeframe !== undefined && !isTimeframe(req.timeframe))
      throw reject('timeframe', 'invalid-timeframe', `use ${Object.keys(TIMEFRAMES).join(' ')}`);
    if (req.bytes.length === 0) throw reject('file', 'empty-file', 'the request body is empty: send the file');
    const pending = [...this.jobs.values()].filter((j) => j.view.status === 'queued' || j.view.status === 'running');
    if (pending.length >= MAX_PENDING)
      throw new UnavailableError('import-busy', `${pending.length} imports are queued or running: retry later`);
    const view: ImportJobView = {
      id: randomUUID(),
      status: 'queued',
      phase: 'queued',
      symbol: req.symbol,
      timeframe: req.timeframe ?? null,
      format: req.format ?? null,
      bytes: 0,
      total: req.bytes.length,
      rows: 0,
      rowsTotal: null,
      createdAt: new Date(this.clock()).toISOString(),
      finishedAt: null,
      result: null,
      error: null,
    };
    const job: Job = { view, userId: req.userId, req, lastProgress: 0 };
    this.jobs.set(view.id, job);
    this.trim();
    // started from a fresh macrotask, so the 202 reply goes out before the work begins
    this.queue = this.queue.then(() => new Promise<void>((r) => setImmediate(r))).then(() => this.run(job));
    return { ...view };
  }

  /** The view of job `id` when `userId` submitted it, else undefined (another user's job is not theirs to see). */
  get(id: string, userId: number): ImportJobView | undefined {
    const j = this.jobs.get(id);
    return j && j.userId === userId ? structuredClone(j.view) : undefined;
  }

  /** Resolves when every queued job has finished. */
  async drain(): Promise<void> {
    await this.queue;
  }

  private async run(job: Job): Promise<void> {
    const v = job.view;
    const req = job.req!;
    v.status = 'running';
    v.phase = 'parsing';
    this.progress(job, true);
    try {
      const text = await decode(req.bytes, (n) => {
        v.bytes = n;
        this.progress(job);
      });
      const file = readFile(text, req.format, req.timeframe);
      v.format = file.format;
      v.timeframe = file.timeframe;
      v.rowsTotal = file.list.length;
      v.phase = 'storing';
      this.progress(job, true);
      const r = await ingestCandles(this.o.sql, req.symbol, file.timeframe, file.list, {
        onProgress: (done) => {
          v.rows = done;
          this.progress(job);
        },
      });
      const { list, ...rest } = file;
      v.result = {
        ...rest,
        inserted: r.inserted,
        updated: r.updated,
        unchanged: r.unchanged,
        first: list.length > 0 ? formatTimeUtc(list[0]!.time) : null,
        last: list.length > 0 ? formatTimeUtc(list[list.length - 1]!.time) : null,
        rolledUp: { ...r.rolledUp } as Record<string, number>,
      };
      v.rows = list.length;
      v.status = 'done';
      v.phase = 'done';
      this.o.onImported?.(req.symbol);
    } catch (e) {
      v.status = 'failed';
      v.phase = 'failed';
      v.rows = 0;
      if (e instanceof ValidationError) v.error = { code: e.code, message: e.message, fields: e.issues };
      else if (e instanceof CandleSeriesError)
        v.error = {
          code: 'validation-failed',
          message: `file: ${e.message}`,
          fields: [{ field: 'file', code: e.code, message: e.message }],
        };
      else {
        this.o.onError?.(e, { where: 'candle import', id: v.id, symbol: req.symbol });
        v.error = { code: 'internal-error', message: 'the import failed unexpectedly; it has been logged' };
      }
    }
    v.finishedAt = new Date(this.clock()).toISOString();
    job.req = null; // the bytes can go
    this.o.events.publish({
      type: v.status === 'done' ? 'import-done' : 'import-failed',
      userId: job.userId,
      data: structuredClone(v) as unknown as Record<string, unknown>,
    });
  }

  /** Publishes `import-progress` (always when `force`, else at most every {@link PROGRESS_EVERY_MS}). */
  private progress(job: Job, force = false): void {
    const now = this.clock();
    if (!force && now - job.lastProgress < PROGRESS_EVERY_MS) return;
    job.lastProgress = now;
    const v = job.view;
    this.o.events.publish({
      type: 'import-progress',
      userId: job.userId,
      data: { id: v.id, phase: v.phase, rows: v.rows, rowsTotal: v.rowsTotal, bytes: v.bytes, total: v.total },
    });
  }

  /** Forgets the oldest finished jobs beyond {@link KEEP_JOBS}. */
  private trim(): void {
    if (this.jobs.size <= KEEP_JOBS) return;
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= KEEP_JOBS) break;
      if (j.view.status === 'done' || j.view.status === 'failed') this.jobs.delete(id);
    }
  }
}
