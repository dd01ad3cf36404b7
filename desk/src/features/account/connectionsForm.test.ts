import { describe, expect, it } from 'vitest';
import {
  EMPTY_FORM,
  connectionBody,
  credentialFields,
  formErrors,
  importLine,
  venueName,
  type ConnectionForm,
} from './connectionsForm';

const form = (patch: Partial<ConnectionForm>): ConnectionForm => ({ ...EMPTY_FORM, ...patch });

describe('the exchange connection form', () => {
  it('asks each venue for its own credentials, secrets as password inputs', () => {
    expect(credentialFields({ venue: 'sim', exchange: 'binance' }).map((f) => [f.key, f.secret])).toEqual([
      ['apiKey', false],
      ['secret', true],
    ]);
    expect(credentialFields({ venue: 'ccxt', exchange: 'binance' }).map((f) => f.key)).toEqual(['apiKey', 'secret']);
    expect(credentialFields({ venue: 'ccxt', exchange: 'okx' }).map((f) => [f.key, f.secret])).toEqual([
      ['apiKey', false],
      ['secret', true],
      ['password', true],
    ]);
    expect(credentialFields({ venue: 'hyperliquid', exchange: 'binance' }).map((f) => [f.key, f.secret])).toEqual([
      ['walletAddress', false],
      ['privateKey', true],
    ]);
  });

  it('sends only the credentials of the chosen venue, trimmed, and leaves implied fields to the server', () => {
    const sim = form({
      venue: 'sim',
      label: ' main ',
      credentials: { apiKey: ' k ', secret: 's', privateKey: 'left over from another venue' },
    });
    expect(connectionBody(sim)).toEqual({
      venue: 'sim',
      label: 'main',
      credentials: { apiKey: 'k', secret: 's' },
      import: true,
    });
    const okx = form({
      venue: 'ccxt',
      exchange: 'okx',
      label: 'okx perps',
      marketType: 'swap',
      sandbox: true,
      importHistory: false,
      credentials: { apiKey: 'k', secret: 's', password: 'p' },
    });
    expect(connectionBody(okx)).toEqual({
      venue: 'ccxt',
      exchange: 'okx',
      label: 'okx perps',
      marketType: 'swap',
      sandbox: true,
      credentials: { apiKey: 'k', secret: 's', password: 'p' },
      import: false,
    });
    const hl = form({ venue: 'hyperliquid', label: 'hl', credentials: { walletAddress: '0xa', privateKey: '0xb' } });
    expect(connectionBody(hl)).toMatchObject({ venue: 'hyperliquid', marketType: 'swap', sandbox: false });
    expect(connectionBody(hl).credentials).toEqual({ walletAddress: '0xa', privateKey: '0xb' });
  });

  it('names the missing label and credentials before anything is sent', () => {
    expect(formErrors(form({ venue: 'sim' }))).toEqual({
      label: 'is required',
      apiKey: 'is required',
      secret: 'is required',
    });
    expect(
      formErrors(form({ venue: 'sim', label: 'x'.repeat(65), credentials: { apiKey: 'k', secret: ' ' } })),
    ).toEqual({ label: 'must be at most 64 characters', secret: 'is required' });
    expect(formErrors(form({ venue: 'sim', label: 'a', credentials: { apiKey: 'k', secret: 's' } }))).toEqual({});
  });

  it('names venues as a trader reads them', () => {
    expect(venueName({ venue: 'sim', exchange: 'testudo' })).toBe('Simulated exchange');
    expect(venueName({ venue: 'ccxt', exchange: 'bybit' })).toBe('Bybit (CCXT)');
    expect(venueName({ venue: 'ccxt', exchange: 'okx' })).toBe('OKX (CCXT)');
    expect(venueName({ venue: 'hyperliquid', exchange: 'hyperliquid' })).toBe('Hyperliquid');
  });
});

describe('the history import line', () => {
  it('counts fills and trades while running, and says done or failed at the end', () => {
    const ev = { connectionId: 3, importId: 9, fillsSeen: 1, fillsNew: 1, tradesCreated: 0 };
    expect(importLine(ev, false)).toMatchObject({
      connectionId: 3,
      state: 'running',
      text: 'Importing: 1 fill read, 1 new, 0 trades added to the journal…',
    });
    expect(importLine({ ...ev, fillsSeen: 40, fillsNew: 12, tradesCreated: 1, status: 'done' }, true)).toMatchObject({
      state: 'done',
      text: 'Import done: 40 fills read, 12 new, 1 trade added to the journal',
    });
    expect(importLine({ ...ev, fillsSeen: 3, symbolsDone: 1, symbols: 4 }, false)?.text).toBe(
      'Importing: 3 fills read, 1 new, 0 trades added to the journal, symbol 1 of 4…',
    );
    expect(importLine({ ...ev, status: 'done', error: 'skipped X/USD: refused' }, true)?.text).toBe(
      'Import done: 1 fill read, 1 new, 0 trades added to the journal (skipped X/USD: refused)',
    );
    expect(importLine({ ...ev, status: 'failed', error: 'venue down' }, true)).toMatchObject({
      state: 'failed',
      text: 'Import failed: venue down (1 fill read, 1 new, 0 trades added to the journal)',
    });
  });

  it('ignores the candle import, which shares the event type but names no connection', () => {
    expect(importLine({ id: 'job', rows: 10, bytes: 5, total: 10 }, false)).toBeNull();
  });
});
