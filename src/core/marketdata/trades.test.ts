import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareDecimalText } from './importers.ts';
import { DecimalSum } from './resample.ts';
import { candlesFromTrades, isFreqtradeTrades, parseFreqtradeTrades, TradeFormatError } from './trades.ts';

const FILE = new URL('../../../../shared/data/freqtrade-xrp-eth-trades.json.gz', import.meta.url);
const haveData = existsSync(FILE);
if (!haveData) console.warn(`skipping real-data trades tests: ${FILE.pathname} is absent`);

const T0 = Date.UTC(2019, 9, 11, 0, 0);

describe('parseFreqtradeTrades', () => {
  it('keeps the exact number text of prices and amounts, expanding exponents by string arithmetic', () => {
    const text = `[[${T0 + 1},"1",null,"buy",0.00141342,23.0,0.03],[${T0 + 2},"2",null,"sell",1.5e-7,1E2,1]]`;
    expect(parseFreqtradeTrades(text)).toEqual([
      { time: T0 + 1, id: '1', side: 'buy', price: '0.00141342', amount: '23.0' },
      { time: T0 + 2, id: '2', side: 'sell', price: '0.00000015', amount: '100' },
    ]);
  });

  it('detects the format from the first row', () => {
    expect(isFreqtradeTrades(`[[${T0},"1",null,"buy",1,2,2]]`)).toBe(true);
    expect(isFreqtradeTrades(`[[${T0},1,2,0.5,1,2]]`)).toBe(false);
    expect(isFreqtradeTrades('time,open,high,low,close\n')).toBe(false);
  });

  it.each([
    ['[', 'bad-json', 1],
    ['[]', 'empty-file', 1],
    [`[[${T0},"1",null,"buy",1,2,2],[${T0},"2",null,"buy",1]]`, 'wrong-column-count', 2],
    [`[[${T0},"1",null,"buy",0,2,2]]`, 'non-positive-price', 1],
    [`[[${T0},"1",null,"buy",1,-2,2]]`, 'negative-amount', 1],
    [`[[${T0},"1",null,"hold",1,2,2]]`, 'bad-side', 1],
    [`[[1.5,"1",null,"buy",1,2,2]]`, 'bad-time', 1],
    [`[[${T0 + 5},"1",null,"buy",1,2,2],[${T0},"2",null,"buy",1,2,2]]`, 'unsorted', 2],
  ] as const)('rejects %s as %s naming trade %i', (text, code, element) => {
    let err: unknown;
    try {
      parseFreqtradeTrades(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TradeFormatError);
    expect(err).toMatchObject({ code, element });
    expect((err as Error).message).toMatch(new RegExp(`^trade ${element}: `));
  });
});

describe('candlesFromTrades', () => {
  it('builds UTC minute candles: first, max, min, last price and the exact amount sum', () => {
    const trades = parseFreqtradeTrades(
      `[[${T0 + 100},"1",null,"buy",0.1,0.1,0],[${T0 + 200},"2",null,"sell",0.3,0.2,0],` +
        `[${T0 + 59_999},"3",null,"buy",0.05,1.000,0],[${T0 + 60_000},"4",null,"buy",0.2,5,0]]`,
    );
    expect(candlesFromTrades(trades)).toEqual([
      { time: T0, open: '0.1', high: '0.3', low: '0.05', close: '0.05', volume: '1.300' },
      { time: T0 + 60_000, open: '0.2', high: '0.2', low: '0.2', close: '0.2', volume: '5' },
    ]);
  });

  it.skipIf(!haveData)('turns the real XRP/ETH file (12,477 trades) into consistent 1m candles', () => {
    const trades = parseFreqtradeTrades(gunzipSync(readFileSync(FILE)).toString('utf8'));
    expect(trades).toHaveLength(12_477);
    const candles = candlesFromTrades(trades);
    expect(candles.length).toBe(new Set(trades.map((t) => Math.floor(t.time / 60_000))).size);
    expect(candles[0]!.time).toBe(Date.UTC(2019, 9, 11, 0, 0));
    // every candle satisfies low <= open/close <= high
    for (const c of candles) {
      expect(compareDecimalText(c.low, c.high)).toBeLessThanOrEqual(0);
      expect(compareDecimalText(c.low, c.open)).toBeLessThanOrEqual(0);
      expect(compareDecimalText(c.high, c.close)).toBeGreaterThanOrEqual(0);
    }
    // total volume = exact sum of all amounts (no float drift)
    const total = new DecimalSum();
    for (const t of trades) total.add(t.amount);
    const fromCandles = new DecimalSum();
    for (const c of candles) fromCandles.add(c.volume);
    expect(fromCandles.toString()).toBe(total.toString());
    // the first minute, by hand from the file's first trades
    const first = trades.filter((t) => t.time < candles[0]!.time + 60_000);
    expect(candles[0]).toMatchObject({ open: first[0]!.price, close: first.at(-1)!.price });
  });
});
