import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INSTRUMENTS,
  InstrumentError,
  feeAtoms,
  lotsToQty,
  notionalAtoms,
  priceToNearestTicks,
  priceToTicks,
  qtyToLots,
  ticksToPrice,
  toSpec,
  type Instrument,
  type InstrumentSpec,
} from './instrument.ts';

function instrument(over: Partial<Instrument> = {}): Instrument {
  return {
    symbol: 'TEST',
    base: 'B',
    quote: 'Q',
    tickSize: '0.01',
    lotSize: '0.001',
    minQty: '0.001',
    minNotional: '1',
    makerFee: '0.001',
    takerFee: '0.002',
    ...over,
  };
}

function defaultSpec(symbol: string): InstrumentSpec {
  const i = DEFAULT_INSTRUMENTS.find((x) => x.symbol === symbol);
  if (!i) throw new Error(`no default instrument ${symbol}`);
  return toSpec(i);
}

describe('toSpec', () => {
  it('compiles BTC-USD: tick 0.01 × lot 0.00001 = 10^-7 quote = 100000 atoms', () => {
    // 10^-2 × 10^-5 = 10^-7 quote; one atom is 10^-12, so 10^5 atoms
    expect(defaultSpec('BTC-USD')).toEqual({
      symbol: 'BTC-USD',
      tickDp: 2,
      lotDp: 5,
      tickUnits: 1n,
      lotUnits: 1n,
      atomsPerTickLot: 100_000n,
      minQtyLots: 1n,
      minNotionalAtoms: 1_000_000_000_000n, // 1 quote
      makerFee: 100_000n, // 0.001 = 0.1% = 10^5 × 10^-8
      takerFee: 200_000n, // 0.2%
    });
  });

  it('compiles BTC-USDT with a 5 quote minimum notional and 0.1% fees', () => {
    const s = defaultSpec('BTC-USDT');
    expect(s.atomsPerTickLot).toBe(100_000n);
    expect(s.minQtyLots).toBe(1n);
    expect(s.minNotionalAtoms).toBe(5_000_000_000_000n);
    expect(s.makerFee).toBe(100_000n);
    expect(s.takerFee).toBe(100_000n);
  });

  it('compiles ETH-USDT: tick 0.01 × lot 0.0001 = 10^-6 quote = 10^6 atoms', () => {
    const s = defaultSpec('ETH-USDT');
    expect(s.tickDp).toBe(2);
    expect(s.lotDp).toBe(4);
    expect(s.atomsPerTickLot).toBe(1_000_000n);
    expect(s.minQtyLots).toBe(1n);
  });

  it('compiles every default instrument without error', () => {
    for (const i of DEFAULT_INSTRUMENTS) expect(toSpec(i).atomsPerTickLot).toBeGreaterThanOrEqual(1n);
  });

  it('keeps non-unit tick sizes as multiples of their last decimal', () => {
    // tick 0.05 = 5 × 10^-2; lot 0.001 → atoms = 5 × 1 × 10^(12-2-3) = 5 × 10^7
    const s = toSpec(instrument({ tickSize: '0.05' }));
    expect(s.tickDp).toBe(2);
    expect(s.tickUnits).toBe(5n);
    expect(s.atomsPerTickLot).toBe(50_000_000n);
  });

  it('ignores trailing zeros in the tick and lot sizes', () => {
    const s = toSpec(instrument({ tickSize: '0.50', lotSize: '1.000' }));
    expect(s.tickDp).toBe(1);
    expect(s.tickUnits).toBe(5n);
    expect(s.lotDp).toBe(0);
    expect(s.lotUnits).toBe(1n);
    // 0.5 quote per tick-lot = 5 × 10^11 atoms
    expect(s.atomsPerTickLot).toBe(500_000_000_000n);
  });

  it('accepts tick × lot of exactly one atom (12 decimals in total)', () => {
    const s = toSpec(instrument({ tickSize: '0.000001', lotSize: '0.000001', minQty: '0' }));
    expect(s.atomsPerTickLot).toBe(1n);
  });

  it('rejects an instrument whose tick × lot is finer than one money atom', () => {
    // 6 + 7 = 13 decimals > 12
    const tooFine = instrument({ tickSize: '0.000001', lotSize: '0.0000001', minQty: '0' });
    expect(() => toSpec(tooFine)).toThrow(InstrumentError);
    expect(() => toSpec(tooFine)).toThrow(/finer than 10\^-12/);
  });

  it('rejects a zero tick or lot size', () => {
    expect(() => toSpec(instrument({ tickSize: '0' }))).toThrow(/must be positive/);
    expect(() => toSpec(instrument({ lotSize: '0.000' }))).toThrow(InstrumentError);
  });

  it('rejects negative or non-decimal fields', () => {
    expect(() => toSpec(instrument({ takerFee: '-0.001' }))).toThrow(/takerFee must be non-negative decimal text/);
    expect(() => toSpec(instrument({ minNotional: 'ten' }))).toThrow(InstrumentError);
    expect(() => toSpec(instrument({ tickSize: '1e-2' }))).toThrow(InstrumentError);
  });

  it('rounds a minimum quantity that is not a whole number of lots up to the next lot', () => {
    // lot 0.001, minQty 0.0025 = 2.5 lots → 3 lots
    expect(toSpec(instrument({ minQty: '0.0025' })).minQtyLots).toBe(3n);
    // minQty 0.005 = exactly 5 lots
    expect(toSpec(instrument({ minQty: '0.005' })).minQtyLots).toBe(5n);
    expect(toSpec(instrument({ minQty: '0' })).minQtyLots).toBe(0n);
  });
});

describe('price and quantity grid', () => {
  const btc = defaultSpec('BTC-USD');
  const nickel = toSpec(instrument({ tickSize: '0.05' }));

  it('converts an on-grid price to whole ticks', () => {
    expect(priceToTicks(btc, '100')).toEqual({ ok: true, value: 10_000n });
    expect(priceToTicks(btc, '8267.88')).toEqual({ ok: true, value: 826_788n });
    // 100.05 / 0.05 = 2001
    expect(priceToTicks(nickel, '100.05')).toEqual({ ok: true, value: 2001n });
    // trailing zeros do not count as extra decimals
    expect(priceToTicks(nickel, '100.0500')).toEqual({ ok: true, value: 2001n });
  });

  it('rejects an off-grid price', () => {
    expect(priceToTicks(btc, '100.001')).toEqual({ ok: false, reason: 'off-grid' });
    // 100.03 is a whole cent but not a multiple of 0.05
    expect(priceToTicks(nickel, '100.03')).toEqual({ ok: false, reason: 'off-grid' });
  });

  it('rejects a zero or negative price, and text that is not a number', () => {
    expect(priceToTicks(btc, '0')).toEqual({ ok: false, reason: 'not-positive' });
    expect(priceToTicks(btc, '-5')).toEqual({ ok: false, reason: 'not-positive' });
    expect(priceToTicks(btc, 'abc')).toEqual({ ok: false, reason: 'not-a-number' });
    expect(priceToTicks(btc, '1e3')).toEqual({ ok: false, reason: 'not-a-number' });
  });

  it('converts quantities to lots with the same rules', () => {
    expect(qtyToLots(btc, '1')).toEqual({ ok: true, value: 100_000n });
    expect(qtyToLots(btc, '0.00001')).toEqual({ ok: true, value: 1n });
    expect(qtyToLots(btc, '0.000015')).toEqual({ ok: false, reason: 'off-grid' });
    expect(qtyToLots(btc, '0')).toEqual({ ok: false, reason: 'not-positive' });
  });

  it('formats ticks and lots back to decimal text', () => {
    expect(ticksToPrice(btc, 826_788n)).toBe('8267.88');
    expect(ticksToPrice(btc, 10_000n)).toBe('100');
    expect(ticksToPrice(nickel, 2001n)).toBe('100.05');
    expect(lotsToQty(btc, 1n)).toBe('0.00001');
    expect(lotsToQty(btc, 150_000n)).toBe('1.5');
  });

  it.each([
    // price, BTC-USD ticks (0.01): nearest, halves away from zero
    ['100', 10_000n],
    ['100.004', 10_000n], // 10000.4 → 10000
    ['100.0049999', 10_000n],
    ['100.005', 10_001n], // 10000.5 → 10001
    ['100.006', 10_001n],
    ['0.004', 0n],
    ['-0.004', 0n], // -0.4 → 0
    ['-0.005', -1n], // -0.5 → -1 (half away from zero)
    ['-0.006', -1n], // -0.6 → -1
  ])('rounds %j to the nearest tick (%s)', (price, ticks) => {
    expect(priceToNearestTicks(btc, price)).toBe(ticks);
  });

  it('rounds to the nearest multiple of a non-unit tick', () => {
    // 100.024 / 0.05 = 2000.48 → 2000; 100.025 / 0.05 = 2000.5 → 2001
    expect(priceToNearestTicks(nickel, '100.024')).toBe(2000n);
    expect(priceToNearestTicks(nickel, '100.025')).toBe(2001n);
    expect(() => priceToNearestTicks(nickel, 'x')).toThrow(RangeError);
  });
});

describe('notional and fees', () => {
  const btc = defaultSpec('BTC-USD');

  it('computes the notional exactly in atoms', () => {
    // 100.00 × 1 BTC = 100 quote = 10^14 atoms: 10^4 ticks × 10^5 lots × 10^5 atoms
    expect(notionalAtoms(btc, 10_000n, 100_000n)).toBe(100_000_000_000_000n);
  });

  it('charges an exact fee when the notional divides evenly', () => {
    // 100 quote × 0.1% = 0.1 quote = 10^11 atoms
    expect(feeAtoms(100_000_000_000_000n, 100_000n)).toBe(100_000_000_000n);
  });

  it('rounds a fractional fee up to the next atom', () => {
    // 1 atom × 0.1% = 0.001 atom → 1
    expect(feeAtoms(1n, 100_000n)).toBe(1n);
    // 999 atoms × 0.1% = 0.999 → 1
    expect(feeAtoms(999n, 100_000n)).toBe(1n);
    // 1000 atoms × 0.1% = 1 exactly
    expect(feeAtoms(1000n, 100_000n)).toBe(1n);
    // 1001 atoms × 0.1% = 1.001 → 2
    expect(feeAtoms(1001n, 100_000n)).toBe(2n);
  });

  it('charges nothing on a zero notional or a zero rate', () => {
    expect(feeAtoms(0n, 100_000n)).toBe(0n);
    expect(feeAtoms(123_456n, 0n)).toBe(0n);
  });
});
