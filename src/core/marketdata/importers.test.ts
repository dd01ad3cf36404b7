import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Candle } from './candle.ts';
import {
  CandleFormatError,
  detectFormat,
  formatTimeUtc,
  parseCandles,
  parseTimeText,
  type CandleFormat,
  type CandleFormatErrorCode,
} from './importers.ts';

const dataDir = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const hasData = existsSync(dataDir);
if (!hasData) console.warn(`[importers.test] skipping real-data tests: ${dataDir} is absent`);

const iso = (ms: number) => new Date(ms).toISOString();

function expectError(
  text: string,
  code: CandleFormatErrorCode,
  line: number,
  format?: CandleFormat,
): CandleFormatError {
  try {
    parseCandles(text, format ? { format } : {});
  } catch (e) {
    expect(e).toBeInstanceOf(CandleFormatError);
    const err = e as CandleFormatError;
    expect({ code: err.code, line: err.line }).toEqual({ code, line });
    expect(err.message).toContain(`${err.unit} ${line}: `);
    return err;
  }
  throw new Error(`expected a ${code} error`);
}

describe.skipIf(!hasData)('parseCandles on the reference data files', () => {
  const cases: {
    file: string;
    format: CandleFormat;
    count: number;
    first: string;
    last: string;
    spot: Candle;
  }[] = [
    {
      file: 'coinbase-btcusd-1h.csv',
      format: 'cryptodatadownload',
      count: 20_111,
      first: '2017-07-01T11:00:00.000Z',
      last: '2019-10-17T09:00:00.000Z',
      // 2019-09-05 08-PM,BTCUSD,10536.12,10580.73,10510.27,10519.93,252.36,2663279.14
      spot: {
        time: Date.UTC(2019, 8, 5, 20),
        open: '10536.12',
        high: '10580.73',
        low: '10510.27',
        close: '10519.93',
        volume: '252.36',
      },
    },
    {
      file: 'coinbase-btcusd-1d.csv',
      format: 'cryptodatadownload',
      count: 1_770,
      first: '2014-12-01T00:00:00.000Z',
      last: '2019-10-17T00:00:00.000Z',
      spot: {
        time: Date.UTC(2018, 4, 26),
        open: '7459.11',
        high: '7640.46',
        low: '7287.23',
        close: '7337.95',
        volume: '4391.64',
      },
    },
    {
      file: 'GOOG.csv',
      format: 'csv',
      count: 2_148,
      first: '2004-08-19T00:00:00.000Z',
      last: '2013-03-01T00:00:00.000Z',
      spot: { time: Date.UTC(2008, 7, 7), open: '482', high: '484', low: '476.41', close: '479.12', volume: '2773800' },
    },
    {
      file: 'EURUSD.csv',
      format: 'csv',
      count: 5_000,
      first: '2017-04-19T09:00:00.000Z',
      last: '2018-02-07T15:00:00.000Z',
      spot: {
        time: Date.UTC(2017, 8, 12, 12),
        open: '1.19323',
        high: '1.19424',
        low: '1.1928',
        close: '1.19299',
        volume: '4306',
      },
    },
    {
      file: 'BTCUSD.csv',
      format: 'csv',
      count: 156,
      first: '2012-01-31T00:00:00.000Z',
      last: '2024-12-31T00:00:00.000Z',
      spot: {
        time: Date.UTC(2020, 2, 31),
        open: '8668.38',
        high: '9219.13',
        low: '3850.0',
        close: '6474.59',
        volume: '481627.36606521',
      },
    },
    {
      file: 'orcl-1995-2014.csv',
      format: 'yahoo',
      count: 5_036,
      first: '1995-01-03T00:00:00.000Z',
      last: '2014-12-31T00:00:00.000Z',
      // 2002-12-09,11.120000,11.290000,10.510000,10.530000,9.366334 (Adj Close, ignored),41361800
      spot: {
        time: Date.UTC(2002, 11, 9),
        open: '11.120000',
        high: '11.290000',
        low: '10.510000',
        close: '10.530000',
        volume: '41361800',
      },
    },
    {
      file: 'backtrader-2006-day-001.csv',
      format: 'csv',
      count: 255,
      first: '2006-01-02T00:00:00.000Z',
      last: '2006-12-29T00:00:00.000Z',
      spot: {
        time: Date.UTC(2006, 7, 1),
        open: '3687.82',
        high: '3696.52',
        low: '3632.51',
        close: '3640.60',
        volume: '0',
      },
    },
    {
      file: 'freqtrade-unittest-btc-1m.json',
      format: 'json',
      count: 13_681,
      first: '2017-11-04T23:02:00.000Z',
      last: '2017-11-14T22:59:00.000Z',
      // [1510113660000, 0.00189385, 0.00189385, 0.00189385, 0.00189385, 1e-08]: the exponent is expanded exactly
      spot: {
        time: 1510113660000,
        open: '0.00189385',
        high: '0.00189385',
        low: '0.00189385',
        close: '0.00189385',
        volume: '0.00000001',
      },
    },
  ];

  for (const c of cases) {
    it(`reads ${c.file} as ${c.format}: ${c.count} bars ${c.first} → ${c.last}`, () => {
      const text = readFileSync(dataDir + c.file, 'utf8');
      expect(detectFormat(text)).toBe(c.format);
      const { format, candles } = parseCandles(text);
      expect(format).toBe(c.format);
      expect(candles).toHaveLength(c.count);
      expect(iso(candles[0]!.time)).toBe(c.first);
      expect(iso(candles.at(-1)!.time)).toBe(c.last);
      expect(candles.find((k) => k.time === c.spot.time)).toEqual(c.spot);
      for (let i = 1; i < candles.length; i++) expect(candles[i]!.time > candles[i - 1]!.time).toBe(true);
    });
  }

  it('keeps the first JSON row exactly as written in the file', () => {
    const { candles } = parseCandles(readFileSync(dataDir + 'freqtrade-unittest-btc-1m.json', 'utf8'));
    expect(candles[0]).toEqual({
      time: 1509836520000,
      open: '0.00162008',
      high: '0.00162008',
      low: '0.00162008',
      close: '0.00162008',
      volume: '108.14853839',
    });
  });

  it('reads CryptoDataDownload 12-AM as 00:00 and 12-PM as 12:00 in the real hourly file', () => {
    const { candles } = parseCandles(readFileSync(dataDir + 'coinbase-btcusd-1h.csv', 'utf8'));
    // 2017-07-02 12-AM,BTCUSD,2423.63,... and 2017-07-02 12-PM,BTCUSD,2449.6,...
    expect(candles.find((k) => k.time === Date.UTC(2017, 6, 2, 0))?.open).toBe('2423.63');
    expect(candles.find((k) => k.time === Date.UTC(2017, 6, 2, 12))?.open).toBe('2449.6');
  });
});

describe('parseCandles format detection and parsing', () => {
  it('detects each format from its header', () => {
    expect(detectFormat('[[1,2,3,1,2,0]]')).toBe('json');
    expect(detectFormat('Date,Open,High,Low,Close,Adj Close,Volume\n')).toBe('yahoo');
    expect(detectFormat(',Open,High,Low,Close,Volume\n')).toBe('csv');
    expect(detectFormat('Timestamps are UTC timezone,https://www.CryptoDataDownload.com\n')).toBe('cryptodatadownload');
    expect(detectFormat('date,symbol,open,high,low,close,volume_btc,volume\n')).toBe('cryptodatadownload');
  });

  it('reads CryptoDataDownload hours: 12-AM is midnight, 12-PM is noon, rows come back ascending', () => {
    const text = [
      'Timestamps are UTC timezone,https://www.CryptoDataDownload.com',
      'date,symbol,open,high,low,close,volume_btc,volume',
      '2019-10-18 01-PM,BTCUSD,4,5,3,4,1.5,6',
      '2019-10-18 12-PM,BTCUSD,3,4,2,3,2.5,7',
      '2019-10-18 11-AM,BTCUSD,2,3,1,2,3.5,8',
      '2019-10-18 01-AM,BTCUSD,2,3,1,2,3.5,8',
      '2019-10-18 12-AM,BTCUSD,1,2,1,2,4.5,9',
      '',
    ].join('\r\n');
    const { format, candles } = parseCandles(text);
    expect(format).toBe('cryptodatadownload');
    expect(candles.map((c) => iso(c.time))).toEqual([
      '2019-10-18T00:00:00.000Z',
      '2019-10-18T01:00:00.000Z',
      '2019-10-18T11:00:00.000Z',
      '2019-10-18T12:00:00.000Z',
      '2019-10-18T13:00:00.000Z',
    ]);
    expect(candles[0]!.volume).toBe('4.5'); // volume_btc, the base volume
  });

  it('reads a generic CSV with a named time column, any case, extra columns and no volume', () => {
    const text = 'Timestamp,CLOSE,open,High,low,Note\n1700000000,2,1,3,0.5,x\n1700000060000,2.5,2,2.5,2,y\n\n\n';
    const { format, candles } = parseCandles(text);
    expect(format).toBe('csv');
    expect(candles).toEqual([
      { time: 1_700_000_000_000, open: '1', high: '3', low: '0.5', close: '2', volume: '0' },
      { time: 1_700_000_060_000, open: '2', high: '2.5', low: '2', close: '2.5', volume: '0' },
    ]);
  });

  it('uses the raw OHLC of a Yahoo file, not Adj Close', () => {
    const { candles } = parseCandles('Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,11,9,10.5,5.25,100\n');
    expect(candles).toEqual([
      { time: Date.UTC(2020, 0, 2), open: '10', high: '11', low: '9', close: '10.5', volume: '100' },
    ]);
  });

  it('reads JSON rows with numbers or strings, expanding exponents exactly', () => {
    const text = '[[1509836580000, "5e-8", 1e-7, 1E-8, "1e-7", 2.5e+3], ["1509836520000", 1, 1.5, 0.5, 1.25, 0]]';
    const { candles } = parseCandles(text);
    expect(candles).toEqual([
      { time: 1509836520000, open: '1', high: '1.5', low: '0.5', close: '1.25', volume: '0' },
      {
        time: 1509836580000,
        open: '0.00000005',
        high: '0.0000001',
        low: '0.00000001',
        close: '0.0000001',
        volume: '2500',
      },
    ]);
  });

  it('honours an explicit format', () => {
    const text = 'date,open,high,low,close\n2020-01-01,1,1,1,1\n';
    expect(parseCandles(text, { format: 'yahoo' }).format).toBe('yahoo');
  });
});

describe('parseCandles rejects malformed files with the line and a stable code', () => {
  const H = 'time,open,high,low,close,volume';

  it('empty-file: blank text, or a header without rows', () => {
    expectError('  \n\n', 'empty-file', 1);
    expectError(`\n${H}\n\n`, 'empty-file', 2);
    expectError('[]', 'empty-file', 1);
  });

  it('unknown-format: no OHLC header and not JSON', () => {
    expect(expectError('hello,world\n1,2\n', 'unknown-format', 1).message).toMatch(/unknown candle format/);
  });

  it('missing-column: a forced format whose header lacks a column', () => {
    const err = expectError('time,open,high,close\n1,1,1,1\n', 'missing-column', 1, 'csv');
    expect(err.message).toBe('line 1: the header has no low column');
    expectError('x,open,high,low,close\n1,1,1,1,1\n', 'missing-column', 1, 'csv');
  });

  it('wrong-column-count: a CSV row with too few fields, a JSON row with fewer than 5 values', () => {
    expectError(`${H}\n2020-01-01,1,1,1,1,0\n2020-01-02,1,1,1\n`, 'wrong-column-count', 3);
    expectError('[[1,1,1,1,1,0],[2,1,1]]', 'wrong-column-count', 2);
  });

  it('bad-number: a price that is not decimal text', () => {
    const err = expectError(`${H}\n2020-01-01,1,1,1,1,0\n\n2020-01-02,1,abc,1,1,0\n`, 'bad-number', 4);
    expect(err.message).toBe('line 4: high "abc" is not a number');
    expectError('[[1,1,1,1,1,0],[2,1,null,1,1,0]]', 'bad-number', 2);
  });

  it('bad-time: unparseable or impossible dates', () => {
    expectError(`${H}\n2020-01-01,1,1,1,1,0\n2020-02-30,1,1,1,1,0\n`, 'bad-time', 3);
    expectError(`${H}\nyesterday,1,1,1,1,0\n`, 'bad-time', 2);
    expectError(`${H}\n2020-01-01 24:00,1,1,1,1,0\n`, 'bad-time', 2);
    const cdd = 'date,symbol,open,high,low,close,volume_btc,volume\n2019-10-17 13-PM,BTCUSD,1,1,1,1,1,1\n';
    expectError(cdd, 'bad-time', 2);
  });

  it('non-positive-price: zero or negative prices', () => {
    expectError(`${H}\n2020-01-01,0,1,0,1,0\n`, 'non-positive-price', 2);
    expectError(`${H}\n2020-01-01,1,1,1,1,0\n2020-01-02,-1,1,-1,1,0\n`, 'non-positive-price', 3);
  });

  it('negative-volume', () => {
    expectError(`${H}\n2020-01-01,1,1,1,1,-5\n`, 'negative-volume', 2);
  });

  it('high-below-low, high-below-open-close, low-above-open-close', () => {
    const rows = Array.from({ length: 15 }, (_, i) => `2020-01-${String(i + 1).padStart(2, '0')},100,100,100,100,1`);
    const err = expectError(`${H}\n${rows.join('\n')}\n2020-02-01,100,99,100,100,1\n`, 'high-below-low', 17);
    expect(err.message).toBe('line 17: high 99 is below low 100');
    expect(expectError(`${H}\n2020-01-01,1,2,1,2.5,0\n`, 'high-below-open-close', 2).detail).toBe(
      'high 2 is below close 2.5',
    );
    expect(expectError(`${H}\n2020-01-01,1,2,1.5,2,0\n`, 'low-above-open-close', 2).detail).toBe(
      'low 1.5 is above open 1',
    );
    // exact decimal comparison, no floats: 0.30000000000000001 > 0.3
    expectError(`${H}\n2020-01-01,0.30000000000000001,0.3,0.3,0.3,0\n`, 'high-below-open-close', 2);
  });

  it('duplicate-time: the later row is reported, naming the earlier one', () => {
    const err = expectError(
      `${H}\n2020-01-02,1,1,1,1,0\n2020-01-01,1,1,1,1,0\n2020-01-02T00:00:00Z,1,1,1,1,0\n`,
      'duplicate-time',
      4,
    );
    expect(err.message).toBe('line 4: duplicate time 2020-01-02T00:00:00.000Z (also on line 2)');
    expectError('[[1509836520000,1,1,1,1,0],[1509836520000,1,1,1,1,0]]', 'duplicate-time', 2);
  });

  it('bad-json: malformed JSON names the element', () => {
    expectError('[[1,1,1,1,1,0],[2,1,1,1,1,0]', 'bad-json', 2);
    expectError('[[1,1,1,1,1,0], 5]', 'bad-json', 2);
  });
});

describe('parseTimeText and formatTimeUtc', () => {
  it('parses epochs, dates, datetimes and offsets as UTC', () => {
    expect(parseTimeText('1509836520')).toBe(1509836520000);
    expect(parseTimeText('1509836520000')).toBe(1509836520000);
    expect(parseTimeText('1.50983652e12')).toBe(1509836520000);
    expect(parseTimeText('2004-08-19')).toBe(Date.UTC(2004, 7, 19));
    expect(parseTimeText('20060102')).toBe(Date.UTC(2006, 0, 2));
    expect(parseTimeText('2017-04-19 09:00')).toBe(Date.UTC(2017, 3, 19, 9));
    expect(parseTimeText('2017-04-19T09:00:05.250Z')).toBe(Date.UTC(2017, 3, 19, 9, 0, 5, 250));
    expect(parseTimeText('2017-04-19T11:00:00+02:00')).toBe(Date.UTC(2017, 3, 19, 9));
    expect(parseTimeText('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTimeText('1900-02-29')).toBeUndefined();
    expect(parseTimeText('2019-10-17 12-AM')).toBe(Date.UTC(2019, 9, 17, 0));
    expect(parseTimeText('2019-10-17 12-PM')).toBe(Date.UTC(2019, 9, 17, 12));
    expect(parseTimeText('2019-10-17 09-pm')).toBe(Date.UTC(2019, 9, 17, 21));
  });

  it('agrees with Date over four centuries of days', () => {
    for (let ms = Date.UTC(1800, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86_400_000 * 7 + 3_723_004) {
      const text = new Date(ms).toISOString();
      expect(formatTimeUtc(ms)).toBe(text);
      expect(parseTimeText(text)).toBe(ms);
    }
  });
});
