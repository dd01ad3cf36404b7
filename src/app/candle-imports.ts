/**
 * Candle file imports uploaded through the API, run as in-process jobs with progress events. The upload is spooled
 * to a temporary file as it arrives ({@link spoolUpload}: never held in memory), then imported exactly as
 * `testudo candles import FILE` imports it — `importCandleFile` of `src/cli/candles.ts`: format (and freqtrade trades)
 * detection, gzip by its magic bytes, timeframe inferred from the bar spacing or checked against it, the file parsed
 * and COPied in batches as it is read, all in ONE transaction, higher timeframes rolled up. A rejected file writes
 * nothing.
 *
 * Jobs run one at a time in upload order; their state lives in this process (the last {@link KEEP_JOBS} are kept).
 * Events go to the uploader only: `import-progress {id, phase, rows, rowsTotal, bytes, total}` (at each phase change
 * and at most every 100 ms in between, and once at the end), then `import-done` or `import-failed` with the job's
 * view.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { importCandleFile, type ImportSummary } from '../cli/candles.ts';
import { CliError } from '../cli/errors.ts';
import { TIMEFRAMES, isTimeframe, type Timeframe } from '../core/marketdata/candle.ts';
import { CandleFormatError } from '../core/marketdata/importers.ts';
import { CandleSeriesError } from '../core/marketdata/resample.ts';
import { TradeFormatError } from '../core/marketdata/trades.ts';
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
export type UploadFormat = 'csv' | 'yahoo' | 'cryptodatadownload' | 'json' | 'trades';

/** An upload spooled to disk by {@link spoolUpload}. */
export class UploadedFile {
  /** Set once a job owns the file (and deletes it when done). */
  claimed = false;
  constructor(
    /** Path of the temporary file (`.gz` when the bytes are gzip). */
    readonly path: string,
    /** Its size in bytes. */
    readonly bytes: number,
  ) {}

  /** Deletes the file unless a job claimed it. Never throws. */
  async discard(): Promise<void> {
    if (!this.claimed) await unlink(this.path).catch(() => undefined);
  }
}

/** Where uploads are spooled. */
const UPLOAD_DIR = join(tmpdir(), 'testudo-uploads');
/** Spooled files older than this are left over from a crashed process, and deleted. */
const STALE_UPLOAD_MS = 24 * 3600_000;

/** Deletes spooled uploads older than {@link STALE_UPLOAD_MS} (a crash's leftovers). Never throws. */
export async function sweepStaleUploads(now = Date.now()): Promise<void> {
  const names = await readdir(UPLOAD_DIR).catch(() => [] as string[]);
  for (const name of names) {
    const p = join(UPLOAD_DIR, name);
    const s = await stat(p).catch(() => undefined);
    if (s?.isFile() && now - s.mtimeMs > STALE_UPLOAD_MS) await unlink(p).catch(() => undefined);
  }
}

/** The request body exceeded the upload limit (mapped to `413 body-too-large` like fastify's own). */
class UploadTooLargeError extends Error {
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  readonly statusCode = 413;
}

/**
 * Writes a request body stream to a temporary file, counting bytes: the file is named `.gz` when it starts with the
 * gzip magic bytes (the importer gunzips by name).
 * @param declared the request's Content-Length, when sent: past `limit`, refused before reading anything.
 * @throws an error with code `FST_ERR_CTP_BODY_TOO_LARGE` (status 413) past `limit` bytes (the partial file is
 *   deleted), or the stream's error (an aborted upload).
 */
export async function spoolUpload(body: Readable, limit: number, declared?: number): Promise<UploadedFile> {
  if (declared !== undefined && declared > limit)
    throw new UploadTooLargeError(`the upload is larger than ${limit} bytes`);
  await mkdir(UPLOAD_DIR, { recursive: true });
  const base = join(UPLOAD_DIR, randomUUID());
  const out = createWriteStream(base);
  let bytes = 0;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limit) throw new UploadTooLargeError(`the upload is larger than ${limit} bytes`);
      if (head.length < 2) head = Buffer.concat([head, chunk.subarray(0, 2)]);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
  } catch (e) {
    // the file may still be opening: wait until it is closed, or the unlink could come before its creation
    out.destroy();
    if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
    await unlink(base).catch(() => undefined);
    throw e;
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const path = gzip ? `${base}.gz` : `${base}.upload`;
  await rename(base, path);
  return new UploadedFile(path, bytes);
}

/** What an upload asks for. */
export interface ImportRequest {
  /** Uploader (admin); events go to this user. */
  userId: number;
  symbol: string;
  /** Bar length; inferred from the bars' median spacing when absent (always 1m for trades). */
  timeframe?: Timeframe | undefined;
  /** Detected from the content when absent. */
  format?: UploadFormat | undefined;
  /** The spooled upload; the job claims it and deletes it when done. */
  file: UploadedFile;
}

/** A field issue of a rejected file, with the 1-based line (CSV), element (JSON) or trade row when known. */
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
  /** `queued`, `parsing` (until the first batch is stored), `storing` (batches and rollups), `done`, `failed`. */
  phase: 'queued' | 'parsing' | 'storing' | 'done' | 'failed';
  symbol: string;
  /** As asked, or as inferred once done; null until known. */
  timeframe: Timeframe | null;
  /** As asked, or as detected once done; null until known. */
  format: string | null;
  /** Bytes of the upload read so far, and its size (bytes as sent, gzipped or not). */
  bytes: number;
  total: number;
  /** Candles stored so far (the count is known when the import ends), and how many there are (null until then). */
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
  /** Where unexpected errors go (the server's log). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** Clock, ms UTC; default `Date.now`. */
  clock?: () => number;
}

/** A `validation-failed` error with one field issue. */
function reject(field: string, code: string, message: string, line?: number): ValidationError {
  const issue: ImportFieldIssue = { field, code, message, ...(line !== undefined ? { line } : {}) };
  return new ValidationError([issue]);
}

/** The field issue of a file the importer refused, or undefined for an unexpected error. */
function issueOf(e: unknown): ImportFieldIssue | undefined {
  if (e instanceof CandleFormatError)
    return { field: 'file', code: e.code, message: `${e.unit} ${e.line}: ${e.detail}`, line: e.line };
  if (e instanceof TradeFormatError)
    return { field: 'file', code: e.code, message: `trade ${e.element}: ${e.detail}`, line: e.element };
  if (e instanceof CandleSeriesError) return { field: 'file', code: e.code, message: e.message };
  if (e instanceof CliError && (e.code === 'missing-option' || e.code === 'invalid-option')) {
    // the importer's only option errors are about the timeframe (missing, or not the file's bar spacing)
    const message = e.message.replace(/--timeframe/g, 'timeframe');
    return e.code === 'missing-option'
      ? { field: 'timeframe', code: 'required', message }
      : { field: 'timeframe', code: 'timeframe-mismatch', message };
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_'))
    return { field: 'file', code: 'bad-gzip', message: `the file is not valid gzip: ${(e as Error).message}` };
  return undefined;
}

/** The job's result from the importer's summary. */
function resultOf(s: ImportSummary): ImportResult {
  return {
    format: s.format,
    timeframe: s.timeframe,
    trades: s.trades ?? null,
    candles: s.candles,
    inserted: s.inserted,
    updated: s.updated,
    unchanged: s.candles - s.inserted - s.updated,
    first: s.first,
    last: s.last,
    rolledUp: { ...s.rolledUp } as Record<string, number>,
    outOfOrder: s.outOfOrder,
  };
}

/** Uploaded candle files imported as jobs, one at a time, with progress events to the uploader. */
export class CandleImports {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: () => number;

  constructor(private readonly o: CandleImportsOptions) {
    this.clock = o.clock ?? Date.now;
    void sweepStaleUploads();
  }

  /**
   * Queues an import of a spooled upload and returns its view (status `queued`); the job claims the file. The work
   * runs after the jobs before it, from a fresh macrotask (so the caller's reply goes out first).
   * @throws ValidationError `timeframe` `invalid-timeframe`, or `file` `empty-file` for no bytes; UnavailableError
   *   `import-busy` when {@link MAX_PENDING} imports are queued or running. The file is not claimed then.
   */
  submit(req: ImportRequest): ImportJobView {
    if (req.timeframe !== undefined && !isTimeframe(req.timeframe))
      throw reject('timeframe', 'invalid-timeframe', `use ${Object.keys(TIMEFRAMES).join(' ')}`);
    if (req.file.bytes === 0) throw reject('file', 'empty-file', 'the request body is empty: send the file');
    const pending = [...this.jobs.values()].filter((j) => j.view.status === 'queued' || j.view.status === 'running');
    if (pending.length >= MAX_PENDING)
      throw new UnavailableError('import-busy', `${pending.length} imports are queued or running: retry later`);
    req.file.claimed = true;
    const view: ImportJobView = {
      id: randomUUID(),
      status: 'queued',
      phase: 'queued',
      symbol: req.symbol,
      timeframe: req.timeframe ?? null,
      format: req.format ?? null,
      bytes: 0,
      total: req.file.bytes,
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
      const summary = await importCandleFile(this.o.sql, req.file.path, {
        symbol: req.symbol,
        timeframe: req.timeframe,
        format: req.format,
        // called after each stored batch; a row count, when the importer passes one, is shown as it grows
        onProgress: (bytesRead: number, _total: number, rows?: number) => {
          const first = v.phase === 'parsing';
          v.phase = 'storing';
          v.bytes = bytesRead;
          if (rows !== undefined) v.rows = rows;
          this.progress(job, first);
        },
      });
      v.result = resultOf(summary);
      v.format = summary.format;
      v.timeframe = summary.timeframe;
      v.bytes = v.total;
      v.rows = summary.candles;
      v.rowsTotal = summary.candles;
      this.progress(job, true);
      v.status = 'done';
      v.phase = 'done';
    } catch (e) {
      v.status = 'failed';
      v.phase = 'failed';
      v.rows = 0;
      const issue = issueOf(e);
      if (issue) v.error = { code: 'validation-failed', message: `${issue.field}: ${issue.message}`, fields: [issue] };
      else {
        this.o.onError?.(e, { where: 'candle import', id: v.id, symbol: req.symbol });
        v.error = { code: 'internal-error', message: 'the import failed unexpectedly; it has been logged' };
      }
    } finally {
      await unlink(req.file.path).catch(() => undefined);
      job.req = null;
    }
    v.finishedAt = new Date(this.clock()).toISOString();
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
