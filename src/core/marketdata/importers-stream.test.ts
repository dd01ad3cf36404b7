/**
 * The streaming candle parser against the whole-text one: any split of the text into pieces gives the same candles,
 * format, out-of-order report and errors (line numbers included). Real files from ../shared/data when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CandleFormatError, CandleStreamParser, parseCandles, type ParsedCandles } from './importers.ts';

/** Parses `text` given in pieces of `size` characters; the candles sorted ascending as the whole parse gives them. */
function streamed(text: string, size: number): ParsedCandles {
  const p = new CandleStreamParser();
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  out.push(...p.end());
  out.sort((a, b) => a.time - b.time);
  return { format: p.format!, candles: out, outOfOrder: p.outOfOrder };
}

function error(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const FILES = ['coinbase-btcusd-1h.csv', 'GOOG.csv', 'orcl-1995-2014.csv', 'freqtrade-unittest-btc-1m.json'];
const have = existsSync(DATA);
if (!have) console.warn(`skipping the real-file streaming tests: ${DATA} is absent`);

describe('CandleStreamParser', () => {
  it.skipIf(!have)(
    'parses real files in pieces exactly as a whole',
    () => {
      for (const f of FILES) {
        const text = readFileSync(DATA + f, 'utf8');
        const whole = parseCandles(text);
        for (const size of [13, 4096, 65_536]) expect(streamed(text, size), `${f} in ${size}`).toEqual(whole);
      }
    },
    180_000,
  ); // deep-compares ~0.5M candles: about 35 s in CI, more on a loaded machine

  it('handles a BOM, CRLF split between pieces, blank lines and a last line without a newline', () => {
    const text =
      '\uFEFFtime,open,high,low,close,volume\r\n\r\n2024-01-01T00:00Z,1,2,1,2,3\r\n2024-01-01T01:00Z,2,3,1,2,4';
    for (let size = 1; size <= text.length; size++) expect(streamed(text, size)).toEqual(parseCandles(text));
  });

  it('reports the same errors with the same line numbers, whatever the pieces', () => {
    const cases = [
      '',
      '\n\n',
      'time,open,high,low,close\n',
      'nonsense\nmore\n',
      'time,open,high,low,close\n2024-01-01,1,2,1,2\n2024-01-01,1,2,1,2\n',
      'time,open,high,low,close\n\n2024-01-01,1,0.5,1,1\n',
      'Timestamps are UTC,https://www.CryptoDataDownload.com\n',
      '[[1,"1","2","1","2"],[2,"1"]]',
    ];
    for (const text of cases) {
      const whole = error(() => parseCandles(text));
      expect(whole).toBeInstanceOf(CandleFormatError);
      for (const size of [1, 5, 1000]) {
        const e = error(() => streamed(text, size));
        expect(e, JSON.stringify(text)).toBeInstanceOf(CandleFormatError);
        expect([(e as CandleFormatError).code, (e as CandleFormatError).line]).toEqual([
          (whole as CandleFormatError).code,
          (whole as CandleFormatError).line,
        ]);
      }
    }
  });

  it('gives the candles of each piece as its lines complete, in file order, and tracks rows and range', () => {
    const p = new CandleStreamParser();
    expect(p.push('time,open,high,low,close\n2024-01-02,1,2,1,2\n2024-01-')).toHaveLength(1);
    expect(p.format).toBe('csv');
    expect(p.push('01,1,2,1,2\n')).toEqual([
      { time: Date.UTC(2024, 0, 1), open: '1', high: '2', low: '1', close: '2', volume: '0' },
    ]);
    expect(p.end()).toEqual([]);
    expect([p.rows, p.range]).toEqual([2, { first: Date.UTC(2024, 0, 1), last: Date.UTC(2024, 0, 2) }]);
    expect(p.outOfOrder).toBeNull(); // newest first is an order, not a disorder
  });
});
