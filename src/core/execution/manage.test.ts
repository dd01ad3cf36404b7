import { describe, expect, it } from 'vitest';
import { priceToTicks, qtyToLots, toSpec } from '../instruments/instrument.ts';
import type { Side } from '../sizing/size.ts';
import {
  bracketResult,
  closeManually,
  closePartially,
  fillMarketEntry,
  initialRisk,
  newBracket,
  stepBracket,
  type Bracket,
} from './bracket.ts';
import {
  checkBreakeven,
  checkClose,
  checkInactive,
  checkPartialClose,
  checkStopMove,
  checkTargetMove,
  type ManageCheck,
} from './manage.ts';

/*
 * Test instrument: tick 0.01, lot 1 unit (minimum 2), maker 0.1%, taker 0.2%. One tick × one lot = 10^10 atoms.
 * Trades are 10 units entered at market at 100 (entry fee 1000 × 0.2% = 2 quote).
 */
const SPEC = toSpec({
  symbol: 'TEST',
  base: 'B',
  quote: 'Q',
  tickSize: '0.01',
  lotSize: '1',
  minQty: '2',
  minNotional: '0',
  makerFee: '0.001',
  takerFee: '0.002',
});
const Q = 10n ** 12n; // atoms per quote unit
const T0 = 1_704_067_200_000;

const px = (p: string): bigint => {
  const r = priceToTicks(SPEC, p);
  if (!r.ok) throw new Error(p);
  return r.value;
};
const grid = (p: string) => priceToTicks(SPEC, p);

function open(side: Side): Bracket {
  const long = side === 'buy';
  const b = newBracket({
    side,
    lots: 10n,
    entryIsMarket: true,
    entryTicks: px('100'),
    stopTicks: px(long ? '95' : '105'),
    targetTicks: px(long ? '110' : '90'),
  });
  fillMarketEntry(b, SPEC, px('100'), T0);
  return b;
}

const codes = (c: ManageCheck): string[] => c.verdicts.map((v) => v.code);

describe('moving the stop', () => {
  it('lets a long stop move up below the market and a short stop move down above it', () => {
    const long = checkStopMove(open('buy'), SPEC, grid('99'), px('101'));
    expect(long).toMatchObject({ approved: true, value: px('99') });
    expect(codes(long)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(checkStopMove(open('sell'), SPEC, grid('101'), px('99'))).toMatchObject({
      approved: true,
      value: px('101'),
    });
  });

  it('refuses a move that adds risk (stop-adds-risk) on either side', () => {
    expect(codes(checkStopMove(open('buy'), SPEC, grid('94.99'), px('101')))).toEqual([
      'pass',
      'pass',
      'stop-adds-risk',
      'pass',
    ]);
    expect(codes(checkStopMove(open('sell'), SPEC, grid('105.01'), px('99')))).toContain('stop-adds-risk');
  });

  it('refuses a stop at or through the market (stop-through-market), which would fill at once', () => {
    expect(codes(checkStopMove(open('buy'), SPEC, grid('101'), px('101')))).toEqual([
      'pass',
      'pass',
      'pass',
      'stop-through-market',
    ]);
    expect(codes(checkStopMove(open('sell'), SPEC, grid('98'), px('99')))).toContain('stop-through-market');
  });

  it('refuses an off-grid price (price-off-tick) and a pending entry (trade-not-open) without comparing', () => {
    const off = checkStopMove(open('buy'), SPEC, grid('99.005'), px('101'));
    expect(off).toMatchObject({ approved: false, value: null });
    expect(codes(off)).toEqual(['pass', 'price-off-tick']);
    const pending = newBracket({
      side: 'buy',
      lots: 10n,
      entryIsMarket: false,
      entryTicks: px('100'),
      stopTicks: px('95'),
      targetTicks: null,
    });
    expect(codes(checkStopMove(pending, SPEC, grid('96'), px('101')))).toEqual(['trade-not-open', 'pass']);
  });
});

describe('moving the target', () => {
  it('keeps the target beyond the entry fill and the market', () => {
    expect(checkTargetMove(open('buy'), SPEC, grid('120'), px('101'))).toMatchObject({ approved: true });
    expect(codes(checkTargetMove(open('buy'), SPEC, grid('100'), px('99')))).toEqual([
      'pass',
      'pass',
      'target-wrong-side',
      'pass',
    ]);
    expect(codes(checkTargetMove(open('buy'), SPEC, grid('102'), px('103')))).toEqual([
      'pass',
      'pass',
      'pass',
      'target-through-market',
    ]);
    expect(codes(checkTargetMove(open('sell'), SPEC, grid('101'), px('100.5')))).toEqual([
      'pass',
      'pass',
      'target-wrong-side',
      'target-through-market',
    ]);
  });
});

describe('stop to breakeven', () => {
  it('moves the stop to the entry fill when the market is beyond it', () => {
    expect(checkBreakeven(open('buy'), SPEC, px('100.01'))).toMatchObject({ approved: true, value: px('100') });
    expect(checkBreakeven(open('sell'), SPEC, px('99.99'))).toMatchObject({ approved: true, value: px('100') });
  });

  it('refuses when the market is not in profit, or the stop is already at the entry', () => {
    expect(codes(checkBreakeven(open('buy'), SPEC, px('100')))).toEqual(['pass', 'breakeven-not-in-profit', 'pass']);
    const b = open('sell');
    b.stopTicks = px('100');
    expect(codes(checkBreakeven(b, SPEC, px('98')))).toEqual(['pass', 'pass', 'stop-already-at-breakeven']);
  });
});

describe('partial closes', () => {
  it('accepts 0 < quantity < open size leaving at least the minimum open', () => {
    expect(checkPartialClose(open('buy'), SPEC, qtyToLots(SPEC, '4'))).toMatchObject({ approved: true, value: 4n });
    expect(codes(checkPartialClose(open('buy'), SPEC, qtyToLots(SPEC, '9')))).toEqual([
      'pass',
      'pass',
      'pass',
      'remaining-below-minimum',
    ]);
    expect(codes(checkPartialClose(open('buy'), SPEC, qtyToLots(SPEC, '11')))).toEqual([
      'pass',
      'pass',
      'quantity-exceeds-position',
    ]);
    expect(codes(checkPartialClose(open('buy'), SPEC, qtyToLots(SPEC, '1.5')))).toEqual(['pass', 'quantity-off-lot']);
  });

  it('refuses every change to a closed or cancelled trade, and closes a pending one by cancelling', () => {
    expect(codes(checkInactive('closed'))).toEqual(['trade-not-open']);
    expect(checkClose({ status: 'pending', entry: null }).approved).toBe(true);
    expect(checkClose({ status: 'cancelled', entry: null }).approved).toBe(false);
  });

  it('counts every partial exit in P&L and R, with initial risk from the initial stop and size', () => {
    // Long 10 at 100 (entry fee 2), stop 95. Stop moved to 98, 4 closed at 104 (fee 416 × 0.2% = 0.832),
    // the other 6 stopped at 98 by a bar (fee 588 × 0.2% = 1.176).
    const b = open('buy');
    const risk = initialRisk(b, SPEC); // 5 × 10 + 2 + 950 × 0.2% (1.9) = 53.9
    expect(risk).toBe((539n * Q) / 10n);
    b.stopTicks = px('98');
    const p = closePartially(b, SPEC, 4n, px('104'), T0 + 1);
    expect(p).toMatchObject({ leg: 'partial', lots: 4n, fee: (832n * Q) / 1000n, liquidity: 'taker' });
    expect(b.lots).toBe(6n);
    expect(initialRisk(b, SPEC)).toBe(risk);
    const fills = stepBracket(b, SPEC, {
      time: T0 + 2,
      open: px('101'),
      high: px('101'),
      low: px('97'),
      close: px('97'),
    });
    expect(fills).toEqual([expect.objectContaining({ leg: 'stop', price: px('98'), lots: 6n })]);
    const res = bracketResult(b, SPEC);
    // gross: 4 × 4 − 6 × 2 = 4; fees: 2 + 0.832 + 1.176 = 4.008; net −0.008
    expect(res.grossPnl).toBe(4n * Q);
    expect(res.fees).toBe((4008n * Q) / 1000n);
    expect(res.netPnl).toBe((-8n * Q) / 1000n);
    expect(res.initialRisk).toBe(risk);
    expect(res.r).toBe(Number((-8n * Q * 100_000_000n) / 1000n / risk) / 1e8);
    // MAE 3 (to 97... clamped at the stop 98: 2) and MFE 4 (the partial at 104), on the entry size of 10
    expect(b.maeTicks).toBe(px('2'));
    expect(b.mfeTicks).toBe(px('4'));
    expect(res.maeR).toBe(-Number((2n * 10n * Q * 100_000_000n) / risk) / 1e8);
  });

  it('refuses partial quantities outside 0 < q < open size and closes the rest by hand', () => {
    const b = open('sell');
    expect(closePartially(b, SPEC, 10n, px('99'), T0)).toBeNull();
    expect(closePartially(b, SPEC, 0n, px('99'), T0)).toBeNull();
    expect(closePartially(b, SPEC, 3n, px('99'), T0)).not.toBeNull();
    const f = closeManually(b, SPEC, px('98'), T0 + 1);
    expect(f).toMatchObject({ leg: 'manual', lots: 7n });
    // short: 3 × 1 + 7 × 2 = 17 gross
    expect(bracketResult(b, SPEC).grossPnl).toBe(17n * Q);
  });
});
