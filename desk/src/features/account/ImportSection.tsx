/**
 * Candle data import (admins only): upload a CSV/JSON/gzip candle file with its symbol, timeframe and format; one
 * progress bar moves with the upload's own progress (XMLHttpRequest upload events) and then with the server's
 * `import-progress` events on `/ws` (the job is also read back once a second, in case an event was missed); then the
 * result, or the error with its file line. Non-admins see why they cannot.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@/api/client';
import { useLiveEvent } from '@/api/live';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { utc } from '@/lib/format';
import { cn } from '@/lib/cn';
import { fetchImportJob, type ImportJob } from './api';
import { importErrorText, importProgress, isOlderView, type ProgressEvent } from './importProgress';
import { uploadCandles } from './upload';

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d', '1w'];
const FORMATS = ['csv', 'yahoo', 'cryptodatadownload', 'json', 'trades'];

type JobView = Partial<ImportJob> & ProgressEvent;

/** Props of {@link ImportSection}. */
export interface ImportSectionProps {
  isAdmin: boolean;
}

/** The data import section. */
export function ImportSection({ isAdmin }: ImportSectionProps) {
  return (
    <Card>
      <CardHeader title="Data import" />
      {isAdmin ? (
        <ImportForm />
      ) : (
        <p className="p-3 text-sm text-muted">
          Only admins can import candle files: imported bars go into the shared candle store that every chart and
          backtest on this server reads. Ask an admin of this Testudo server to import the data you need.
        </p>
      )}
    </Card>
  );
}

function ImportForm() {
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [symbol, setSymbol] = useState('');
  const [timeframe, setTimeframe] = useState('');
  const [format, setFormat] = useState('');
  const [upload, setUpload] = useState<{ sent: number; size: number } | null>(null);
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [local, setLocal] = useState<Record<string, string>>({});
  const early = useRef(new Map<string, JobView>());
  const jobId = job?.id ?? null;
  const finished = job?.status === 'done' || job?.status === 'failed';

  const take = (data: JobView) => {
    setJob((j) => {
      if (j && j.id !== data.id) return j;
      if (j && (j.status === 'done' || j.status === 'failed')) return j;
      if (isOlderView(j, data)) return j;
      return { ...(j ?? {}), ...data };
    });
  };
  useLiveEvent(['import-progress', 'import-done', 'import-failed'], (e) => {
    const data = { ...(e.data as unknown as JobView) };
    if (typeof data.id !== 'string') return;
    if (e.type !== 'import-progress') data.status = e.type === 'import-done' ? 'done' : 'failed';
    if (!jobId) early.current.set(data.id, { ...(early.current.get(data.id) ?? {}), ...data });
    else if (data.id === jobId) take(data);
  });

  // The job is read back while it runs: events may have gone out before the upload's answer arrived.
  useEffect(() => {
    if (!jobId || finished) return;
    let stop = false;
    const tick = async () => {
      try {
        const j = await fetchImportJob(jobId);
        if (!stop) take(j as JobView);
      } catch {
        // the next tick or an event will tell
      }
    };
    const t = setInterval(() => void tick(), 1000);
    void tick();
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [jobId, finished]);

  useEffect(() => {
    if (job?.status === 'done' || job?.status === 'failed')
      void qc.invalidateQueries({
        predicate: (q) => /candle|market|symbol|audit/i.test(String(q.queryKey[0] ?? '')),
      });
  }, [job?.status, qc]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!file) problems.file = 'Choose a candle file';
    if (!symbol.trim()) problems.symbol = 'Enter the symbol, e.g. BTC-USD';
    setLocal(problems);
    if (!file || Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    setJob(null);
    early.current.clear();
    setUpload({ sent: 0, size: file.size });
    try {
      const j = await uploadCandles(file, { symbol, timeframe, format }, (sent, size) => setUpload({ sent, size }));
      const seen = early.current.get(j.id);
      setJob({ ...(j as JobView), ...(seen ?? {}) });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'upload-failed', String(err), [], [], null));
      setUpload(null);
    } finally {
      setBusy(false);
    }
  };

  const p = importProgress(upload, job);
  const fieldErr = (f: string) => local[f] ?? error?.fieldError(f);
  const general = error && error.fields.length === 0 ? `${error.message} (${error.code})` : null;
  const running = busy || (job !== null && !finished);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="flex flex-col gap-3 p-3">
      <p className="text-sm text-muted">
        Upload OHLCV bars (CSV, JSON, or either gzipped; trades files become 1m bars) into the shared candle store. Bars
        already stored are updated; higher timeframes are rolled up. Leave timeframe and format empty to let the server
        detect them.
      </p>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Candle file" error={fieldErr('file')} className="sm:col-span-2 lg:col-span-1">
          {(ids) => (
            <Input
              {...ids}
              type="file"
              accept=".csv,.json,.gz,.txt,text/csv,application/json,application/gzip"
              className="h-auto py-1 text-xs"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          )}
        </Field>
        <Field label="Symbol" error={fieldErr('symbol')}>
          {(ids) => <Input {...ids} value={symbol} placeholder="BTC-USD" onChange={(e) => setSymbol(e.target.value)} />}
        </Field>
        <Field label="Timeframe" error={fieldErr('timeframe')}>
          {(ids) => (
            <Select {...ids} value={timeframe} onChange={(e) => setTimeframe(e.target.value)}>
              <option value="">Detect</option>
              {TIMEFRAMES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Format" error={fieldErr('format')}>
          {(ids) => (
            <Select {...ids} value={format} onChange={(e) => setFormat(e.target.value)}>
              <option value="">Detect</option>
              {FORMATS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={running}>
          {running ? 'Importing…' : 'Upload and import'}
        </Button>
        {file ? (
          <span className="num text-xs text-muted">
            {file.name} · {file.size.toLocaleString('en')} bytes
          </span>
        ) : null}
      </div>
      {general ? (
        <p role="alert" className="text-sm text-loss">
          {general}
        </p>
      ) : null}
      {p.state !== 'idle' ? (
        <div className="flex flex-col gap-1">
          <div
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={p.pct}
            aria-valuetext={p.label}
            className="h-2 overflow-hidden rounded bg-panel-2"
          >
            <div
              className={cn(
                'h-full transition-[width] duration-200',
                p.state === 'failed' ? 'bg-loss' : p.state === 'done' ? 'bg-profit' : 'bg-accent',
              )}
              style={{ width: `${p.pct}%` }}
            />
          </div>
          <p className="num text-xs text-muted" data-testid="import-status">
            {p.label}
          </p>
        </div>
      ) : null}
      {job?.status === 'done' && job.result ? (
        <p role="status" className="text-sm text-profit">
          Imported {job.result.candles} {job.result.timeframe} candles of {job.symbol} ({job.result.inserted} new,{' '}
          {job.result.updated} updated, {job.result.unchanged} unchanged)
          {job.result.first ? `, ${utc(job.result.first)} to ${utc(job.result.last)} UTC` : ''}.
          {job.result.outOfOrder
            ? ` ${job.result.outOfOrder.rows} rows were out of time order (first at line ${job.result.outOfOrder.firstLine}) and were sorted.`
            : ''}
        </p>
      ) : null}
      {job?.status === 'failed' ? (
        <p role="alert" className="text-sm text-loss">
          Import failed. {importErrorText(job as ImportJob)}
        </p>
      ) : null}
    </form>
  );
}
