import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundTrips, symbolAssets, type RoundTripFill, type RoundTripResult } from './round-trips.ts';

const D = Decimal.clone({ precision: 60 });
const USDT = { base: 'BTC', quote: 'USDT' };
let seq = 0;
const fill = (side: 'buy' | 'sell', qty: string, price: string, fee = '0', feeCurrency: string | null = 'USDT') => ({
  id: `f${++seq}`,
  side,
  qty,
  price,
  fee,
  feeCurrency,
  time: 1_700_000_000_000 + seq * 1000,
});

describe('roundTrips', () => {
  it('turns a long scaled in and out into one trade with VWAP prices, fees and P&L', () => {
    const fills = [
      fill('buy', '1', '100', '0.1'),
      fill('buy', '1', '110', '0.11'),
      fill('sell', '0.5', '118', '0.059'),
      fill('sell', '1.5', '120.4', '0.1806'),
    ];
    const { trades, open, unmatched } = roundTrips(fills, USDT);
    expect(open).toBeNull();
    expect(unmatched).toEqual([]);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({
      side: 'buy',
      qty: '2',
      entryPrice: '105',
      exitPrice: '119.8', // (59 + 180.6) ÷ 2
      openedAt: fills[0]!.time,
      closedAt: fills[3]!.time,
      entryFee: '0.21',
      exitFee: '0.2396',
      fees: '0.4496',
      grossPnl: '29.6', // 239.6 − 210
      netPnl: '29.1504',
      feesUnknown: false,
      stopPrice: null,
      initialRisk: null,
      r: null,
    });
    expect(trades[0]!.parts.map((p) => [p.id, p.role, p.qty])).toEqual([
      [fills[0]!.id, 'entry', '1'],
      [fills[1]!.id, 'entry', '1'],
      [fills[2]!.id, 'exit', '0.5'],
      [fills[3]!.id, 'exit', '1.5'],
    ]);
  });

  it('splits a fill that flips the position: closes the long, opens a short with the rest and the fee pro rata', () => {
    const fills = [fill('buy', '1', '100'), fill('sell', '3', '110', '0.3'), fill('buy', '2', '105', '0.21')];
    const { trades, open } = roundTrips(fills, USDT);
    expect(open).toBeNull();
    expect(trades.map((t) => [t.side, t.qty, t.entryPrice, t.exitPrice, t.grossPnl, t.fees, t.netPnl])).toEqual([
      ['buy', '1', '100', '110', '10', '0.1', '9.9'],
      ['sell', '2', '110', '105', '10', '0.41', '9.59'],
    ]);
    expect(trades[1]!.openedAt).toBe(fills[1]!.time);
    expect(trades[0]!.parts.at(-1)).toEqual({ id: fills[1]!.id, role: 'exit', qty: '1', fee: '0.1' });
    expect(trades[1]!.parts[0]).toEqual({ id: fills[1]!.id, role: 'entry', qty: '2', fee: '0.2' });
  });

  it('converts a fee in the base asset at the fill price and flags a fee in another currency as unknown', () => {
    const { trades } = roundTrips(
      [fill('buy', '2', '100.5', '0.002', 'BTC'), fill('sell', '2', '101', '0.01', 'BNB')],
      USDT,
    );
    expect(trades[0]).toMatchObject({ entryFee: '0.201', exitFee: '0', fees: '0.201', grossPnl: '1', netPnl: '0.799' });
    expect(trades[0]!.feesUnknown).toBe(true);
  });

  it('measures R from a known stop: net P&L ÷ (|entry − stop| × qty)', () => {
    const fills = [fill('sell', '2', '100', '0.2'), fill('buy', '2', '90', '0.18')];
    const { trades } = roundTrips(fills, {
      ...USDT,
      stopOf: (t) => (t.side === 'sell' && t.fillIds[0] === fills[0]!.id ? '105' : null),
    });
    expect(trades[0]).toMatchObject({ side: 'sell', grossPnl: '20', netPnl: '19.62', stopPrice: '105' });
    expect(trades[0]!.initialRisk).toBe('10');
    expect(trades[0]!.r).toBeCloseTo(1.962, 9);
    // a stop on the wrong side of the entry gives no R
    const wrong = roundTrips(fills, { ...USDT, stopOf: () => '99' }).trades[0]!;
    expect([wrong.initialRisk, wrong.r]).toEqual([null, null]);
  });

  it('leaves a position that is still open as the remainder, not a trade', () => {
    const fills = [fill('buy', '1', '100'), fill('buy', '1', '102'), fill('sell', '0.4', '103')];
    const { trades, open } = roundTrips(fills, USDT);
    expect(trades).toEqual([]);
    expect(open).toMatchObject({ side: 'buy', qty: '1.6', entryPrice: '101', openedAt: fills[0]!.time });
    expect(open!.parts).toHaveLength(3);
  });

  it('on spot, reports sells of coins held before the history as unmatched instead of shorts', () => {
    const fills = [fill('sell', '1', '100'), fill('buy', '1', '90'), fill('sell', '1.5', '95')];
    const { trades, open, unmatched } = roundTrips(fills, { ...USDT, spot: true });
    expect(unmatched).toEqual([
      { id: fills[0]!.id, qty: '1' },
      { id: fills[2]!.id, qty: '0.5' },
    ]);
    expect(trades.map((t) => [t.side, t.qty, t.grossPnl])).toEqual([['buy', '1', '5']]);
    expect(open).toBeNull();
  });

  it('orders fills by time, keeping the given order for equal times', () => {
    const a = { ...fill('sell', '1', '110'), time: 2000 };
    const b = { ...fill('buy', '1', '100'), time: 1000 };
    expect(roundTrips([a, b], USDT).trades[0]).toMatchObject({ side: 'buy', grossPnl: '10' });
  });

  it('refuses a fill without a positive price or quantity', () => {
    expect(() => roundTrips([fill('buy', '0', '100')], USDT)).toThrow(RangeError);
    expect(() => roundTrips([fill('buy', '1', '-1')], USDT)).toThrow(RangeError);
  });
});

describe('symbolAssets', () => {
  it('reads base and quote, and a swap settle currency', () => {
    expect(symbolAssets('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(symbolAssets('ETH/USDC:USDC')).toEqual({ base: 'ETH', quote: 'USDC' });
    expect(symbolAssets('BTC-USD')).toEqual({ base: 'BTC', quote: 'USD' });
  });
});

// Random histories that end flat: lots of 0.1, ticks of 0.01, fees in USDT (4 dp) or BTC (6 dp).
const arbFill = fc.record({
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  lots: fc.integer({ min: 1, max: 50 }),
  ticks: fc.integer({ min: 1, max: 2_000_000 }),
  fee: fc.integer({ min: 0, max: 100_000 }),
  inBase: fc.boolean(),
});
const arbHistory = fc.array(arbFill, { minLength: 1, maxLength: 30 }).map((xs) => {
  let pos = 0;
  const fills: RoundTripFill[] = xs.map((x, i) => {
    pos += x.side === 'buy' ? x.lots : -x.lots;
    return {
      id: `r${i}`,
      side: x.side,
      qty: new D(x.lots).div(10).toFixed(),
      price: new D(x.ticks).div(100).toFixed(),
      fee: new D(x.fee).div(x.inBase ? 1e6 : 1e4).toFixed(),
      feeCurrency: x.inBase ? 'BTC' : 'USDT',
      time: 1000 * (i + 1),
    };
  });
  if (pos !== 0)
    fills.push({
      id: 'flat',
      side: pos > 0 ? 'sell' : 'buy',
      qty: new D(Math.abs(pos)).div(10).toFixed(),
      price: '123.45',
      fee: '0.5',
      feeCurrency: 'USDT',
      time: 1000 * (fills.length + 1),
    });
  return fills;
});

const sum = (xs: readonly string[]): Decimal => xs.reduce((a, x) => a.plus(x), new D(0));
const feeQuote = (f: RoundTripFill): Decimal => (f.feeCurrency === 'BTC' ? new D(f.fee).times(f.price) : new D(f.fee));

describe('roundTrips properties', () => {
  it("closed trades' quantities balance, and P&L and fees equal the fills' cash flow", () => {
    fc.assert(
      fc.property(arbHistory, (fills) => {
        const res: RoundTripResult = roundTrips(fills, USDT);
        expect(res.open).toBeNull();
        for (const t of res.trades) {
          const entry = sum(t.parts.filter((p) => p.role === 'entry').map((p) => p.qty));
          const exit = sum(t.parts.filter((p) => p.role === 'exit').map((p) => p.qty));
          expect(entry.toFixed()).toBe(t.qty);
          expect(exit.toFixed()).toBe(t.qty);
          expect(new D(t.grossPnl).minus(t.fees).toFixed()).toBe(new D(t.netPnl).toFixed());
        }
        expect(
          sum(res.trades.map((t) => t.qty))
            .times(2)
            .toFixed(),
        ).toBe(sum(fills.map((f) => f.qty)).toFixed());
        const cash = fills.reduce(
          (a, f) => a.plus(new D(f.price).times(f.qty).times(f.side === 'sell' ? 1 : -1)),
          new D(0),
        );
        expect(sum(res.trades.map((t) => t.grossPnl)).toFixed()).toBe(cash.toFixed());
        expect(sum(res.trades.map((t) => t.fees)).toFixed()).toBe(
          fills.reduce((a, f) => a.plus(feeQuote(f)), new D(0)).toFixed(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('on spot, never opens a short, and every quantity is in a trade, the open remainder or unmatched', () => {
    fc.assert(
      fc.property(arbHistory, (fills) => {
        const res = roundTrips(fills, { ...USDT, spot: true });
        expect(res.trades.every((t) => t.side === 'buy')).toBe(true);
        const open = res.open ? sum(res.open.parts.map((p) => p.qty)) : new D(0);
        const inTrades = sum(res.trades.flatMap((t) => t.parts.map((p) => p.qty)));
        expect(
          inTrades
            .plus(open)
            .plus(sum(res.unmatched.map((u) => u.qty)))
            .toFixed(),
        ).toBe(sum(fills.map((f) => f.qty)).toFixed());
      }),
      { numRuns: 300 },
    );
  });

  it('splitting a fill in two keeps every trade and the totals', () => {
    fc.assert(
      fc.property(arbHistory, fc.nat(), fc.integer({ min: 1, max: 999 }), (fills, at, cut) => {
        const i = at % fills.length;
        const f = fills[i]!;
        const lots = new D(f.qty).times(10).toNumber();
        if (lots < 2) return;
        const a = Math.max(1, Math.min(lots - 1, Math.round((lots * cut) / 1000)));
        const feeA = new D(f.fee).times(a).div(lots).toDecimalPlaces(8).toFixed();
        const split: RoundTripFill[] = [
          ...fills.slice(0, i),
          { ...f, id: `${f.id}a`, qty: new D(a).div(10).toFixed(), fee: feeA },
          { ...f, id: `${f.id}b`, qty: new D(lots - a).div(10).toFixed(), fee: new D(f.fee).minus(feeA).toFixed() },
          ...fills.slice(i + 1),
        ];
        const x = roundTrips(fills, USDT);
        const y = roundTrips(split, USDT);
        const shape = (r: RoundTripResult) =>
          r.trades.map((t) => [t.side, t.qty, t.entryPrice, t.exitPrice, t.grossPnl, t.openedAt, t.closedAt]);
        expect(shape(y)).toEqual(shape(x));
        expect(sum(y.trades.map((t) => t.fees)).toFixed()).toBe(sum(x.trades.map((t) => t.fees)).toFixed());
        expect(sum(y.trades.map((t) => t.netPnl)).toFixed()).toBe(sum(x.trades.map((t) => t.netPnl)).toFixed());
      }),
      { numRuns: 300 },
    );
  });
});
