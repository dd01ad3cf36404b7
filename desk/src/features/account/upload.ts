/**
 * Candle file upload (`POST /api/v1/candles/import?symbol&timeframe&format`, raw file as the body) over
 * XMLHttpRequest, because fetch reports no upload progress. The server answers 202 with the import job; its own
 * progress then comes as `import-progress` events on `/ws`.
 */
import { ApiError, CSRF_HEADER, csrfToken, toApiError } from '@/api/client';
import { useConnection } from '@/store/connection';
import type { ImportJob } from './api';

/** The import request's fields. Empty strings mean "let the server infer it". */
export interface ImportParams {
  symbol: string;
  timeframe: string;
  format: string;
}

/** The query string of an import: symbol always, timeframe and format only when chosen. */
export function importQuery(p: ImportParams): string {
  const q = new URLSearchParams({ symbol: p.symbol.trim() });
  if (p.timeframe) q.set('timeframe', p.timeframe);
  if (p.format) q.set('format', p.format);
  return q.toString();
}

/** The content type sent for a file: gzip, JSON or CSV by its name, else bytes (the server sniffs gzip anyway). */
export function contentTypeOf(name: string): string {
  const n = name.toLowerCase();
  if (n.endsWith('.gz')) return 'application/gzip';
  if (n.endsWith('.json')) return 'application/json';
  if (n.endsWith('.csv') || n.endsWith('.txt')) return 'text/csv';
  return 'application/octet-stream';
}

/**
 * Uploads `file`, calling `onProgress(sentBytes, totalBytes)` as the browser sends it.
 * Resolves to the job (202); rejects with {@link ApiError} (field errors for a bad symbol or timeframe,
 * `forbidden` for a non-admin, `server-unreachable` when the connection failed).
 */
export function uploadCandles(
  file: Blob & { name?: string },
  p: ImportParams,
  onProgress: (sent: number, total: number) => void,
): Promise<ImportJob> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/candles/import?${importQuery(p)}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', contentTypeOf(file.name ?? ''));
    xhr.setRequestHeader(CSRF_HEADER, csrfToken() ?? ''); // a cookie-authenticated write needs the session's token
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      useConnection.getState().setServer('up');
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(body as ImportJob);
      } else reject(toApiError(xhr.status, body));
    };
    xhr.onerror = () => {
      useConnection.getState().setServer('down');
      reject(new ApiError(0, 'server-unreachable', 'The Testudo server cannot be reached', [], [], null));
    };
    xhr.send(file);
  });
}
