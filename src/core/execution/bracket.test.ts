import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toAtoms } from '../money/decimal.ts';
import { priceToTicks, toSpec } from '../instruments/instrument.ts';
import type { Side } from '../sizing/size.ts';
import {
  bracketResult,
  cancelBracket,
  closeManually,
  fillMarketEntry,
  initialRisk,
  newBracket,
  stepBracket,
  type Bracket,
  type TickBar,
} from './bracket.ts';

/*
 * Test instrument: tick 0.01, lot 1 unit, maker 0.1%, taker 0.2%.
 * One tick × one lot = 0.01 quote = 10^10 atoms. All trades below are 10 units, so a 1.00 move = 10 quote.
 */
const SPEC = toSpec({
  symbol: 'TEST',
  base: 'B',
  quote: 'Q',
  tickSize: '0.01',
  lotSize: '1',
  minQty: '1',
  minNotional: '0',
  makerFee: '0.001',
  takerFee: '0.002',
});
const LOTS = 10n;
const T0 = 1_704_067_200_000; // 2024-01-01T00:00Z
const M15 = 900_000;
const H1 = 3_600_000;

function px(price: string): bigint {
  const r = priceToTicks(SPEC, price);
  if (!r.ok) throw new Error(`bad price ${price}`);
  return r.value;
}

function bar(time: number, open: string, high: string, low: string, close: string): TickBar {
  return { time, open: px(open), high: px(high), low: px(low), close: px(close) };
}

/** A bracket with entry 100, stop 95 / target 110 for a long, stop 105 / target 90 for a short. */
function bracket(side: Side, entryIsMarket: boolean): Bracket {
  const long = side === 'buy';
  return newBracket({
    side,
    lots: LOTS,
    entryIsMarket,
    entryTicks: px('100'),
    stopTicks: px(long ? '95' : '105'),
    targetTicks: px(long ? '110' : '90'),
  });
}

/** A long entered at market at 100 (taker fee 1000 × 0.2% = 2). */
function openLong(): Bracket {
  const b = bracket('buy', true);
  fillMarketEntry(b, SPEC, px('100'), T0);
  return b;
}

/** A short entered by a limit sell at 100 that filled mid-bar (maker fee 1000 × 0.1% = 1). */
function openShort(): Bracket {
  const b = bracket('sell', false);
  stepBracket(b, SPEC, bar(T0, '99', '100.5', '98', '99'));
  expect(b.status).toBe('open');
  return b;
}

describe('entries', () => {
  it('fills a market entry at the given price with the taker fee', () => {
    const b = bracket('buy', true);
    const f = fillMarketEntry(b, SPEC, px('100'), T0);
    // 100 × 10 = 1000 quote × 0.2% = 2 quote
    expect(f).toEqual({ leg: 'entry', price: px('100'), lots: LOTS, fee: toAtoms('2'), liquidity: 'taker', time: T0 });
    expect(b.status).toBe('open');
    expect(b.entry).toBe(f);
    expect(fillMarketEntry(b, SPEC, px('101'), T0 + H1)).toBeNull(); // already open
  });

  it('does not fill a market entry from a bar (it fills on submission)', () => {
    const b = bracket('buy', true);
    expect(stepBracket(b, SPEC, bar(T0, '100', '101', '90', '100'))).toEqual([]);
    expect(b.status).toBe('pending');
  });

  it('refuses to fill a limit entry as a market entry', () => {
    const b = bracket('buy', false);
    expect(fillMarketEntry(b, SPEC, px('100'), T0)).toBeNull();
    expect(b.status).toBe('pending');
  });

  it('fills a limit buy at the limit (maker) when the low trades down to it', () => {
    const b = bracket('buy', false);
    const fills = stepBracket(b, SPEC, bar(T0, '101', '102', '99.5', '101'));
    // maker fee 1000 × 0.1% = 1
    expect(fills).toEqual([
      { leg: 'entry', price: px('100'), lots: LOTS, fee: toAtoms('1'), liquidity: 'maker', time: T0 },
    ]);
    expect(b.status).toBe('open');
    // entry bar: adverse to the low (100 − 99.5), favourable only to the close (101 − 100)
    expect(b.maeTicks).toBe(50n);
    expect(b.mfeTicks).toBe(100n);
  });

  it('fills a limit buy when the low exactly touches the limit', () => {
    const b = bracket('buy', false);
    expect(stepBracket(b, SPEC, bar(T0, '101', '102', '100', '101'))).toHaveLength(1);
    expect(b.entry?.price).toBe(px('100'));
  });

  it('does not fill a limit buy while the low stays above the limit', () => {
    const b = bracket('buy', false);
    expect(stepBracket(b, SPEC, bar(T0, '101', '102', '100.01', '101'))).toEqual([]);
    expect(b.status).toBe('pending');
    expect(b.entry).toBeNull();
  });

  it('fills a limit buy at the open when the bar gaps below the limit', () => {
    const b = bracket('buy', false);
    const fills = stepBracket(b, SPEC, bar(T0, '99', '99.5', '98', '99'));
    // 99 × 10 = 990 × 0.1% = 0.99
    expect(fills).toEqual([
      { leg: 'entry', price: px('99'), lots: LOTS, fee: toAtoms('0.99'), liquidity: 'maker', time: T0 },
    ]);
    // the whole bar counts after a fill at the open: adverse 99 − 98, favourable 99.5 − 99
    expect(b.maeTicks).toBe(100n);
    expect(b.mfeTicks).toBe(50n);
  });

  it('fills a limit buy that gaps below its stop at the open, and stops it out at the same open', () => {
    const b = bracket('buy', false);
    const fills = stepBracket(b, SPEC, bar(T0, '94', '96', '93', '95'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([
      ['entry', px('94')],
      ['stop', px('94')],
    ]);
    expect(b.exitReason).toBe('stop');
  });
});

describe('exits of a long', () => {
  it('triggers the stop at the stop price with the taker fee', () => {
    const b = openLong();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '99', '99.5', '94', '96'));
    // 95 × 10 = 950 × 0.2% = 1.9
    expect(fills).toEqual([
      { leg: 'stop', price: px('95'), lots: LOTS, fee: toAtoms('1.9'), liquidity: 'taker', time: T0 + H1 },
    ]);
    expect(b.status).toBe('closed');
    expect(b.exitReason).toBe('stop');
    expect(b.maeTicks).toBe(500n); // clamped at the stop, not the low of 94
    expect(b.mfeTicks).toBe(0n);
  });

  it('fills the stop at the open when the bar gaps through it', () => {
    const b = openLong();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '94', '96', '93', '95'));
    expect(fills.map((f) => [f.leg, f.price, f.liquidity])).toEqual([['stop', px('94'), 'taker']]);
    expect(b.maeTicks).toBe(600n); // 100 − 94
  });

  it('fills the target at the target price with the maker fee', () => {
    const b = openLong();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '101', '110', '100.5', '109'));
    // 110 × 10 = 1100 × 0.1% = 1.1
    expect(fills).toEqual([
      { leg: 'target', price: px('110'), lots: LOTS, fee: toAtoms('1.1'), liquidity: 'maker', time: T0 + H1 },
    ]);
    expect(b.exitReason).toBe('target');
    expect(b.mfeTicks).toBe(1000n);
    expect(b.maeTicks).toBe(0n);
  });

  it('fills the target at the open when the bar gaps above it', () => {
    const b = openLong();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '112', '113', '111', '112'));
    expect(fills.map((f) => [f.leg, f.price, f.fee])).toEqual([['target', px('112'), toAtoms('1.12')]]);
  });

  it('stays open through a bar that touches neither exit and tracks the excursions', () => {
    const b = openLong();
    expect(stepBracket(b, SPEC, bar(T0 + H1, '100', '104', '97', '101'))).toEqual([]);
    expect(stepBracket(b, SPEC, bar(T0 + 2 * H1, '101', '102', '98', '99'))).toEqual([]);
    expect(b.status).toBe('open');
    expect(b.maeTicks).toBe(300n); // 100 − 97
    expect(b.mfeTicks).toBe(400n); // 104 − 100
  });

  it('assumes the stop filled first when one bar touches both (pessimistic convention)', () => {
    const b = openLong();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '100', '111', '94', '100'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([['stop', px('95')]]);
    expect(b.exitReason).toBe('stop');
    expect(b.maeTicks).toBe(500n);
    expect(b.mfeTicks).toBe(1000n); // clamped below the untaken target (not 111 − 100)
  });

  it('fills the target when lower-timeframe bars reach it before the stop', () => {
    const b = openLong();
    const parent = bar(T0 + H1, '100', '111', '94', '95');
    const sub = [
      bar(T0 + H1, '100', '110.5', '99', '110'),
      bar(T0 + H1 + M15, '110', '111', '94', '95'),
      bar(T0 + H1 + 2 * M15, '95', '96', '95', '95'),
    ];
    const fills = stepBracket(b, SPEC, parent, sub);
    expect(fills.map((f) => [f.leg, f.price, f.time])).toEqual([['target', px('110'), T0 + H1]]);
    expect(b.exitReason).toBe('target');
  });

  it('fills the stop when lower-timeframe bars reach it before the target', () => {
    const b = openLong();
    const parent = bar(T0 + H1, '100', '111', '94', '110');
    const sub = [bar(T0 + H1, '100', '101', '94.5', '95'), bar(T0 + H1 + M15, '95', '111', '95', '110')];
    const fills = stepBracket(b, SPEC, parent, sub);
    expect(fills.map((f) => [f.leg, f.price, f.time])).toEqual([['stop', px('95'), T0 + H1]]);
  });

  it('resolves a lower-timeframe bar that touches both again to the stop', () => {
    const b = openLong();
    const parent = bar(T0 + H1, '100', '111', '94', '100');
    const sub = [bar(T0 + H1, '100', '101', '99', '100'), bar(T0 + H1 + M15, '100', '111', '94', '100')];
    const fills = stepBracket(b, SPEC, parent, sub);
    expect(fills.map((f) => [f.leg, f.price, f.time])).toEqual([['stop', px('95'), T0 + H1 + M15]]);
  });

  it('falls back to the stop when the lower-timeframe bars touch neither exit', () => {
    const b = openLong();
    const parent = bar(T0 + H1, '100', '111', '94', '100');
    const fills = stepBracket(b, SPEC, parent, [bar(T0 + H1, '100', '101', '99', '100')]);
    expect(fills.map((f) => [f.leg, f.price, f.time])).toEqual([['stop', px('95'), T0 + H1]]);
  });

  it('checks only the stop on the bar in which a limit entry fills mid-bar', () => {
    const b = bracket('buy', false);
    // trades down to 99 (fills at 100) and up to 112: the target may have traded before the entry
    const fills = stepBracket(b, SPEC, bar(T0, '101', '112', '99', '105'));
    expect(fills.map((f) => f.leg)).toEqual(['entry']);
    expect(b.status).toBe('open');
    expect(b.mfeTicks).toBe(500n); // only to the close, 105 − 100
    // the next bar can take the target
    const next = stepBracket(b, SPEC, bar(T0 + H1, '105', '111', '104', '110'));
    expect(next.map((f) => [f.leg, f.price])).toEqual([['target', px('110')]]);
  });

  it('stops out on the entry bar when a mid-bar limit entry bar also reaches the stop', () => {
    const b = bracket('buy', false);
    const fills = stepBracket(b, SPEC, bar(T0, '101', '112', '94', '96'));
    expect(fills.map((f) => [f.leg, f.price, f.liquidity])).toEqual([
      ['entry', px('100'), 'maker'],
      ['stop', px('95'), 'taker'],
    ]);
    expect(b.exitReason).toBe('stop');
    expect(b.maeTicks).toBe(500n);
  });

  it('ignores bars after the bracket closed', () => {
    const b = openLong();
    stepBracket(b, SPEC, bar(T0 + H1, '99', '99.5', '94', '96'));
    const exitFill = b.exit;
    expect(stepBracket(b, SPEC, bar(T0 + 2 * H1, '120', '130', '80', '100'))).toEqual([]);
    expect(b.exit).toBe(exitFill);
    expect(b.status).toBe('closed');
  });
});

describe('exits of a short (mirror)', () => {
  it('fills a limit sell at the limit when the high trades up to it', () => {
    const b = openShort();
    expect(b.entry).toMatchObject({ price: px('100'), fee: toAtoms('1'), liquidity: 'maker' });
    // entry bar: adverse to the high (100.5 − 100), favourable only to the close (100 − 99)
    expect(b.maeTicks).toBe(50n);
    expect(b.mfeTicks).toBe(100n);
  });

  it('fills a limit sell at the open when the bar gaps above the limit', () => {
    const b = bracket('sell', false);
    const fills = stepBracket(b, SPEC, bar(T0, '101', '102', '100.5', '101'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([['entry', px('101')]]);
  });

  it('does not fill a limit sell while the high stays below the limit', () => {
    const b = bracket('sell', false);
    expect(stepBracket(b, SPEC, bar(T0, '99', '99.99', '98', '99'))).toEqual([]);
    expect(b.status).toBe('pending');
  });

  it('triggers the stop above entry at the stop price', () => {
    const b = openShort();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '101', '106', '100', '104'));
    // 105 × 10 = 1050 × 0.2% = 2.1
    expect(fills.map((f) => [f.leg, f.price, f.fee, f.liquidity])).toEqual([
      ['stop', px('105'), toAtoms('2.1'), 'taker'],
    ]);
    expect(b.maeTicks).toBe(500n);
  });

  it('fills the stop at the open when the bar gaps up through it', () => {
    const b = openShort();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '106', '107', '105.5', '106'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([['stop', px('106')]]);
  });

  it('fills the target below entry at the target price', () => {
    const b = openShort();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '95', '96', '89', '91'));
    // 90 × 10 = 900 × 0.1% = 0.9
    expect(fills.map((f) => [f.leg, f.price, f.fee, f.liquidity])).toEqual([
      ['target', px('90'), toAtoms('0.9'), 'maker'],
    ]);
    expect(b.mfeTicks).toBe(1000n);
  });

  it('fills the target at the open when the bar gaps down through it', () => {
    const b = openShort();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '89', '89.5', '88', '89'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([['target', px('89')]]);
  });

  it('assumes the stop filled first when one bar touches both', () => {
    const b = openShort();
    const fills = stepBracket(b, SPEC, bar(T0 + H1, '100', '106', '89', '100'));
    expect(fills.map((f) => [f.leg, f.price])).toEqual([['stop', px('105')]]);
    expect(b.mfeTicks).toBe(1000n); // clamped at the untaken target (100 − 90), not 100 − 89
  });
});

describe('manual close and cancel', () => {
  it('closes an open position manually at market (taker)', () => {
    const b = openLong();
    const f = closeManually(b, SPEC, px('103'), T0 + H1);
    // 103 × 10 = 1030 × 0.2% = 2.06
    expect(f).toEqual({
      leg: 'manual',
      price: px('103'),
      lots: LOTS,
      fee: toAtoms('2.06'),
      liquidity: 'taker',
      time: T0 + H1,
    });
    expect(b.status).toBe('closed');
    expect(b.exitReason).toBe('manual');
    expect(b.mfeTicks).toBe(300n);
    expect(closeManually(b, SPEC, px('104'), T0 + 2 * H1)).toBeNull(); // already closed
  });

  it('cannot close a pending bracket manually', () => {
    const b = bracket('buy', false);
    expect(closeManually(b, SPEC, px('100'), T0)).toBeNull();
    expect(b.status).toBe('pending');
  });

  it('cancels a pending bracket, which then never fills', () => {
    const b = bracket('buy', false);
    expect(cancelBracket(b)).toBe(true);
    expect(b.status).toBe('cancelled');
    expect(stepBracket(b, SPEC, bar(T0, '101', '102', '90', '95'))).toEqual([]);
    expect(b.entry).toBeNull();
    expect(cancelBracket(b)).toBe(false); // already cancelled
  });

  it('cannot cancel an open bracket or fill a cancelled market entry', () => {
    expect(cancelBracket(openLong())).toBe(false);
    const m = bracket('buy', true);
    cancelBracket(m);
    expect(fillMarketEntry(m, SPEC, px('100'), T0)).toBeNull();
  });
});

describe('bracketResult', () => {
  it('computes gross, fees and net exactly in atoms for a target exit', () => {
    const b = openLong();
    stepBracket(b, SPEC, bar(T0 + H1, '101', '110', '100.5', '109'));
    const r = bracketResult(b, SPEC);
    // gross (110 − 100) × 10 = 100; fees 2 (taker entry) + 1.1 (maker target) = 3.1; net 96.9
    expect(r.grossPnl).toBe(toAtoms('100'));
    expect(r.fees).toBe(toAtoms('3.1'));
    expect(r.netPnl).toBe(toAtoms('96.9'));
    // initial risk: (100 − 95) × 10 = 50 + entry fee 2 + taker fee at the stop 950 × 0.2% = 1.9 → 53.9
    expect(r.initialRisk).toBe(toAtoms('53.9'));
    expect(initialRisk(b, SPEC)).toBe(toAtoms('53.9'));
    expect(r.r).toBeCloseTo(96.9 / 53.9, 7);
    expect(r.maeR).toBeCloseTo(0, 12); // never went below the entry
    expect(r.mfeR).toBeCloseTo(100 / 53.9, 7); // favourable 10 × 10 = 100
  });

  it('gives R = −1 exactly for a stop-out at the stop (initial risk includes both fees)', () => {
    const b = openLong();
    stepBracket(b, SPEC, bar(T0 + H1, '99', '99.5', '94', '96'));
    const r = bracketResult(b, SPEC);
    // gross −50, fees 2 + 1.9 = 3.9, net −53.9 = −initial risk
    expect(r.grossPnl).toBe(toAtoms('-50'));
    expect(r.fees).toBe(toAtoms('3.9'));
    expect(r.netPnl).toBe(toAtoms('-53.9'));
    expect(r.initialRisk).toBe(toAtoms('53.9'));
    expect(r.r).toBe(-1);
    expect(r.maeR).toBeCloseTo(-50 / 53.9, 7);
  });

  it('gives R = −1 exactly for a limit-entry stop-out (maker entry fee in the risk)', () => {
    const b = bracket('buy', false);
    stepBracket(b, SPEC, bar(T0, '101', '102', '99', '101'));
    stepBracket(b, SPEC, bar(T0 + H1, '99', '99', '90', '92'));
    const r = bracketResult(b, SPEC);
    // initial risk 50 + 1 (maker) + 1.9 = 52.9
    expect(r.initialRisk).toBe(toAtoms('52.9'));
    expect(r.netPnl).toBe(toAtoms('-52.9'));
    expect(r.r).toBe(-1);
  });

  it('gives R = −1 exactly for a short stopped out at the stop', () => {
    const b = openShort();
    stepBracket(b, SPEC, bar(T0 + H1, '101', '106', '100', '104'));
    const r = bracketResult(b, SPEC);
    // gross −(105 − 100) × 10 = −50; fees 1 + 2.1 = 3.1; net −53.1; risk 50 + 1 + 2.1 = 53.1
    expect(r.grossPnl).toBe(toAtoms('-50'));
    expect(r.fees).toBe(toAtoms('3.1'));
    expect(r.netPnl).toBe(toAtoms('-53.1'));
    expect(r.initialRisk).toBe(toAtoms('53.1'));
    expect(r.r).toBe(-1);
  });

  it('gives R below −1 when the stop gaps', () => {
    const b = openLong();
    stepBracket(b, SPEC, bar(T0 + H1, '94', '96', '93', '95'));
    const r = bracketResult(b, SPEC);
    // gross −60, fees 2 + 940 × 0.2% = 1.88 → 3.88, net −63.88
    expect(r.netPnl).toBe(toAtoms('-63.88'));
    expect(r.r).toBeCloseTo(-63.88 / 53.9, 7);
    expect(r.r).toBeLessThan(-1);
  });

  it('expresses MAE and MFE in R', () => {
    const b = openLong();
    stepBracket(b, SPEC, bar(T0 + H1, '100', '104', '97', '101')); // mae 3, mfe 4
    stepBracket(b, SPEC, bar(T0 + 2 * H1, '101', '108', '100', '107')); // mfe 8
    closeManually(b, SPEC, px('106'), T0 + 3 * H1);
    const r = bracketResult(b, SPEC);
    // price moves × 10 units: MAE 30, MFE 80, over an initial risk of 53.9
    expect(r.maeR).toBeCloseTo(-30 / 53.9, 7);
    expect(r.mfeR).toBeCloseTo(80 / 53.9, 7);
    // gross 60, fees 2 + 1060 × 0.2% = 2.12 → 4.12, net 55.88
    expect(r.netPnl).toBe(toAtoms('55.88'));
  });

  it('throws for a bracket that is not closed', () => {
    expect(() => bracketResult(bracket('buy', false), SPEC)).toThrow(/not closed/);
    expect(() => bracketResult(openLong(), SPEC)).toThrow(/not closed/);
  });
});

describe('bracket properties', () => {
  // bars around 100 (10,000 ticks): open/close in [85, 125], wicks up to 3 beyond
  const barArb = fc
    .record({
      open: fc.integer({ min: 8_500, max: 12_500 }),
      close: fc.integer({ min: 8_500, max: 12_500 }),
      up: fc.integer({ min: 0, max: 300 }),
      down: fc.integer({ min: 0, max: 300 }),
    })
    .map(({ open, close, up, down }) => ({
      open: BigInt(open),
      close: BigInt(close),
      high: BigInt(Math.max(open, close) + up),
      low: BigInt(Math.min(open, close) - down),
    }));

  it('a closed long exits at its stop, its target or a bar open, and net = gross − fees', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.bigInt({ min: 1n, max: 1_000n }),
        fc.array(barArb, { minLength: 1, maxLength: 30 }),
        (market, lots, raw) => {
          const b = newBracket({
            side: 'buy',
            lots,
            entryIsMarket: market,
            entryTicks: 10_000n,
            stopTicks: 9_500n,
            targetTicks: 11_000n,
          });
          if (market) fillMarketEntry(b, SPEC, 10_000n, T0);
          const opens = new Set<bigint>();
          for (const [i, r] of raw.entries()) {
            if (b.status === 'closed') break;
            opens.add(r.open);
            const fills = stepBracket(b, SPEC, { time: T0 + (i + 1) * H1, ...r });
            for (const f of fills) expect(f.lots).toBe(lots); // reduce-only: exactly the entry size
          }
          expect(b.maeTicks).toBeGreaterThanOrEqual(0n);
          expect(b.mfeTicks).toBeGreaterThanOrEqual(0n);
          if (b.status !== 'closed') return;
          const entry = b.entry!;
          const exit = b.exit!;
          expect(exit.price === b.stopTicks || exit.price === b.targetTicks || opens.has(exit.price)).toBe(true);
          if (b.exitReason === 'stop') expect(exit.price).toBeLessThanOrEqual(b.stopTicks);
          if (b.exitReason === 'target') expect(exit.price).toBeGreaterThanOrEqual(b.targetTicks!);
          const res = bracketResult(b, SPEC);
          expect(res.grossPnl).toBe((exit.price - entry.price) * lots * SPEC.atomsPerTickLot);
          expect(res.fees).toBe(entry.fee + exit.fee);
          expect(res.netPnl).toBe(res.grossPnl - res.fees);
          if (b.exitReason === 'stop' && exit.price === b.stopTicks) expect(res.r).toBe(-1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
