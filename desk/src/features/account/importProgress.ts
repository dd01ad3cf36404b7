/**
 * The candle import's progress as one bar: the upload (bytes the browser has sent) is the first 40 %, the server's
 * work on the file (bytes parsed, then candles stored) the remaining 60 %. Pure, for the progress bar and its
 * label.
 */
import type { ImportJob } from './api';

/** What the import section shows: a percentage 0–100 and a label. */
export interface ImportProgress {
  pct: number;
  label: string;
  state: 'idle' | 'uploading' | 'working' | 'done' | 'failed';
}

/** An `import-progress` event's data. */
export interface ProgressEvent {
  id: string;
  phase?: string;
  rows: number;
  rowsTotal?: number | null;
  bytes: number;
  total: number;
}

const UPLOAD_SHARE = 40;

const ratio = (a: number, b: number | null | undefined): number => (b && b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);

/**
 * The bar for an upload of `sent`/`size` bytes and the server's latest view of the job (an `import-progress` event
 * or the job itself). Parsing counts bytes read, storing counts rows stored of rowsTotal.
 */
export function importProgress(
  upload: { sent: number; size: number } | null,
  job: (Partial<ImportJob> & ProgressEvent) | null,
): ImportProgress {
  if (!upload && !job) return { pct: 0, label: '', state: 'idle' };
  if (job?.status === 'done' || job?.phase === 'done')
    return { pct: 100, label: `Done: ${job.rows} candles stored`, state: 'done' };
  if (job?.status === 'failed' || job?.phase === 'failed') return { pct: 100, label: 'Failed', state: 'failed' };
  if (!job) {
    const r = ratio(upload!.sent, upload!.size);
    return { pct: Math.floor(r * UPLOAD_SHARE), label: `Uploading ${Math.floor(r * 100)}%`, state: 'uploading' };
  }
  const rest = 100 - UPLOAD_SHARE;
  if (job.phase === 'storing') {
    const r = ratio(job.rows, job.rowsTotal);
    return {
      pct: UPLOAD_SHARE + Math.floor(rest / 2 + (r * rest) / 2),
      label: `Storing ${job.rows}${job.rowsTotal ? ` of ${job.rowsTotal}` : ''} candles`,
      state: 'working',
    };
  }
  const r = ratio(job.bytes, job.total);
  return {
    pct: UPLOAD_SHARE + Math.floor((r * rest) / 2),
    label: job.phase === 'queued' ? 'Queued on the server' : `Reading the file ${Math.floor(r * 100)}%`,
    state: 'working',
  };
}

const PHASE_RANK: Record<string, number> = { queued: 0, parsing: 1, storing: 2, done: 3, failed: 3 };

/**
 * Whether `next` is an older view of the job than `prev` (a read-back answered after a newer `import-progress`
 * event): an earlier phase, or the same phase with fewer bytes read or rows stored. Such a view is dropped so that
 * the bar only moves forward.
 */
export function isOlderView(
  prev: Pick<ProgressEvent, 'phase' | 'bytes' | 'rows'> | null,
  next: Pick<ProgressEvent, 'phase' | 'bytes' | 'rows'>,
): boolean {
  if (!prev) return false;
  const a = PHASE_RANK[prev.phase ?? ''] ?? -1;
  const b = PHASE_RANK[next.phase ?? ''] ?? -1;
  if (a !== b) return b < a;
  return (next.bytes ?? 0) < (prev.bytes ?? 0) || (next.rows ?? 0) < (prev.rows ?? 0);
}

/** A failed job's error as one sentence, with the file line when the server named one. */
export function importErrorText(job: Pick<ImportJob, 'error'>): string {
  const e = job.error;
  if (!e) return 'The import failed.';
  const f = e.fields?.find((x) => x.line !== undefined) ?? e.fields?.[0];
  if (!f) return e.message;
  const named = f.line !== undefined && !new RegExp(`^line ${f.line}\\b`, 'i').test(f.message);
  return `${named ? `Line ${f.line}: ` : ''}${f.message.replace(/^line (\d+)/, 'Line $1')}${f.code ? ` (${f.code})` : ''}`;
}
