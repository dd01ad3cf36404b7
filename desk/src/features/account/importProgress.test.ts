import { describe, expect, it } from 'vitest';
import { importErrorText, importProgress, isOlderView } from './importProgress';
import { contentTypeOf, importQuery } from './upload';

describe('the import progress bar', () => {
  it('moves through the upload, the server reading the file and storing the candles, to done', () => {
    expect(importProgress(null, null).state).toBe('idle');
    expect(importProgress({ sent: 50, size: 100 }, null)).toEqual({
      pct: 20,
      label: 'Uploading 50%',
      state: 'uploading',
    });
    const job = { id: 'j', rows: 0, bytes: 0, total: 100 };
    expect(importProgress({ sent: 100, size: 100 }, { ...job, phase: 'queued' }).label).toBe('Queued on the server');
    expect(importProgress(null, { ...job, phase: 'parsing', bytes: 50 })).toEqual({
      pct: 55,
      label: 'Reading the file 50%',
      state: 'working',
    });
    expect(importProgress(null, { ...job, phase: 'storing', rows: 25, rowsTotal: 100 })).toEqual({
      pct: 77,
      label: 'Storing 25 of 100 candles',
      state: 'working',
    });
    expect(importProgress(null, { ...job, rows: 100, phase: 'done', status: 'done' })).toEqual({
      pct: 100,
      label: 'Done: 100 candles stored',
      state: 'done',
    });
    expect(importProgress(null, { ...job, phase: 'failed', status: 'failed' }).state).toBe('failed');
  });
  it('never runs backwards past its ends on odd numbers', () => {
    expect(importProgress({ sent: 5, size: 0 }, null).pct).toBe(0);
    expect(importProgress({ sent: 500, size: 100 }, null).pct).toBe(40);
  });
  it('names the file line of a failed import', () => {
    expect(
      importErrorText({
        error: {
          code: 'validation-failed',
          message: 'bad',
          fields: [{ field: 'close', code: 'bad-number', message: 'close is not a number', line: 6 }],
        },
      }),
    ).toBe('Line 6: close is not a number (bad-number)');
    expect(
      importErrorText({
        error: {
          code: 'validation-failed',
          message: 'bad',
          fields: [{ field: 'close', code: 'bad-number', message: 'line 6: close "x" is not a number', line: 6 }],
        },
      }),
    ).toBe('Line 6: close "x" is not a number (bad-number)');
    expect(importErrorText({ error: { code: 'internal-error', message: 'the import failed unexpectedly' } })).toBe(
      'the import failed unexpectedly',
    );
  });
});

describe('the upload request', () => {
  it('sends only the chosen fields and a content type by file name', () => {
    expect(importQuery({ symbol: ' BTC-USD ', timeframe: '', format: '' })).toBe('symbol=BTC-USD');
    expect(importQuery({ symbol: 'X', timeframe: '1h', format: 'csv' })).toBe('symbol=X&timeframe=1h&format=csv');
    expect(contentTypeOf('a.CSV')).toBe('text/csv');
    expect(contentTypeOf('a.json.gz')).toBe('application/gzip');
    expect(contentTypeOf('a.json')).toBe('application/json');
    expect(contentTypeOf('a.bin')).toBe('application/octet-stream');
  });

  it('drops a read-back that is older than the last event, so the bar never moves back', () => {
    const storing = { phase: 'storing', bytes: 100, rows: 10 };
    expect(isOlderView(null, storing)).toBe(false);
    expect(isOlderView(storing, { phase: 'parsing', bytes: 100, rows: 0 })).toBe(true);
    expect(isOlderView(storing, { phase: 'storing', bytes: 100, rows: 5 })).toBe(true);
    expect(isOlderView(storing, { phase: 'storing', bytes: 100, rows: 20 })).toBe(false);
    expect(isOlderView(storing, { phase: 'done', bytes: 100, rows: 48 })).toBe(false);
    expect(isOlderView({ phase: 'parsing', bytes: 60, rows: 0 }, { phase: 'parsing', bytes: 30, rows: 0 })).toBe(true);
  });
});
