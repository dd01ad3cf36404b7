import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FRACTION_SCALE, percentToFraction, toAtoms, toScaled, FRACTION_DP } from '../money/decimal.ts';
import { priceToTicks, toSpec, type Instrument, type InstrumentSpec } from '../instruments/instrument.ts';
import { rewardRiskRatio, sizePosition, sizingCosts, type Side, type SizingCap, type SizingInput } from './size.ts';

/** A test instrument: tick 0.01, lot 1 unit, no minimums, no fees unless overridden. */
function spec(over: Partial<Instrument> = {}): InstrumentSpec {
  return toSpec({
    symbol: 'TEST',
    base: 'B',
    quote: 'Q',
    tickSize: '0.01',
    lotSize: '1',
    minQty: '0',
    minNotional: '0',
    makerFee: '0',
    takerFee: '0',
    ...over,
  });
}

function ticks(s: InstrumentSpec, price: string): bigint {
  const r = priceToTicks(s, price);
  if (!r.ok) throw new Error(`bad price ${price}: ${r.reason}`);
  return r.value;
}

interface Row {
  name: string;
  inst?: Partial<Instrument>;
  side?: Side;
  entry: string;
  stop: string;
  market?: boolean;
  equity: string;
  /** Defaults to the equity. */
  available?: string;
  riskPct?: string;
  leverage?: string;
  expected:
    | { ok: true; lots: bigint; risk: string; cappedBy: SizingCap }
    | { ok: false; code: string; lots: bigint; cappedBy: SizingCap | null };
}

function input(r: Row): SizingInput {
  const s = spec(r.inst);
  return {
    spec: s,
    side: r.side ?? 'buy',
    entryTicks: ticks(s, r.entry),
    stopTicks: ticks(s, r.stop),
    entryIsMarket: r.market ?? true,
    equity: toAtoms(r.equity),
    available: toAtoms(r.available ?? r.equity),
    riskFraction: percentToFraction(r.riskPct ?? '1'),
    maxLeverage: toScaled(r.leverage ?? '1', FRACTION_DP),
  };
}

const FEES_01 = { makerFee: '0.0005', takerFee: '0.001' };

const TABLE: Row[] = [
  {
    // budget 10000 × 1% = 100; loss per unit 100 − 95 = 5 → 100 / 5 = 20 units, risk 20 × 5 = 100
    name: 'classic Van Tharp example, lot 1 unit: 20 units risking 100',
    entry: '100',
    stop: '95',
    equity: '10000',
    expected: { ok: true, lots: 20n, risk: '100', cappedBy: 'risk' },
  },
  {
    // same, lot 0.00001: 20 units = 2,000,000 lots, risk exactly 100
    name: 'classic Van Tharp example, lot 0.00001: 2,000,000 lots (20 units) risking 100',
    inst: { lotSize: '0.00001' },
    entry: '100',
    stop: '95',
    equity: '10000',
    expected: { ok: true, lots: 2_000_000n, risk: '100', cappedBy: 'risk' },
  },
  {
    // 100 / (100 − 97) = 33.33 → rounded DOWN to 33 units, risk 33 × 3 = 99
    name: 'rounds the quantity down to the lot: 33 units risking 99',
    entry: '100',
    stop: '97',
    equity: '10000',
    expected: { ok: true, lots: 33n, risk: '99', cappedBy: 'risk' },
  },
  {
    // taker 0.1%: loss per unit = 5 + 100 × 0.001 + 95 × 0.001 = 5 + 0.1 + 0.095 = 5.195
    // 100 / 5.195 = 19.25 → 19 units, risk 19 × 5.195 = 98.705
    name: 'includes the entry and stop fees in the loss per unit (taker 0.1%)',
    inst: { takerFee: '0.001' },
    entry: '100',
    stop: '95',
    equity: '10000',
    expected: { ok: true, lots: 19n, risk: '98.705', cappedBy: 'risk' },
  },
  {
    // lot 0.01: loss per lot = 0.01 × 5.195 = 0.05195; 100 / 0.05195 = 1924.9 → 1924, risk 99.9518
    name: 'market entry pays the taker fee on entry (lot 0.01)',
    inst: { lotSize: '0.01', ...FEES_01 },
    entry: '100',
    stop: '95',
    market: true,
    equity: '10000',
    expected: { ok: true, lots: 1924n, risk: '99.9518', cappedBy: 'risk' },
  },
  {
    // maker 0.05% on entry: per unit 5 + 0.05 + 0.095 = 5.145 → per lot 0.05145;
    // 100 / 0.05145 = 1943.6 → 1943, risk 1943 × 0.05145 = 99.96735
    name: 'limit entry pays the maker fee on entry (lot 0.01), so it sizes larger',
    inst: { lotSize: '0.01', ...FEES_01 },
    entry: '100',
    stop: '95',
    market: false,
    equity: '10000',
    expected: { ok: true, lots: 1943n, risk: '99.96735', cappedBy: 'risk' },
  },
  {
    // short: loss per unit = 105 − 100 + 0.1 + 0.105 = 5.205; 100 / 5.205 = 19.2 → 19, risk 98.895
    name: 'sizes a short with its stop above entry',
    inst: { takerFee: '0.001' },
    side: 'sell',
    entry: '100',
    stop: '105',
    equity: '10000',
    expected: { ok: true, lots: 19n, risk: '98.895', cappedBy: 'risk' },
  },
  {
    // risk: 100 / 0.1 = 1000 units (notional 100,000); leverage 1×: 10,000 / 100 = 100 units, risk 100 × 0.1 = 10
    name: 'caps a tight stop by the maximum leverage (1×)',
    entry: '100',
    stop: '99.9',
    equity: '10000',
    expected: { ok: true, lots: 100n, risk: '10', cappedBy: 'leverage' },
  },
  {
    // leverage 2×: 20,000 / 100 = 200 units, risk 20; balance 10,000 × 2 / 100 = 200 is not tighter
    name: 'caps a tight stop by the maximum leverage (2×)',
    entry: '100',
    stop: '99.9',
    equity: '10000',
    leverage: '2',
    expected: { ok: true, lots: 200n, risk: '20', cappedBy: 'leverage' },
  },
  {
    // risk: 100 / 1 = 100 units; leverage: 100 units; balance: 5000 / 100 = 50 units, risk 50
    name: 'caps by the available balance when it is below equity',
    entry: '100',
    stop: '99',
    equity: '10000',
    available: '5000',
    expected: { ok: true, lots: 50n, risk: '50', cappedBy: 'balance' },
  },
  {
    // loss per unit 1 + 0.1 + 0.099 = 1.199 → risk 83 units; leverage 100; balance: margin per unit
    // 100 + 0.1 entry fee = 100.1 → 5000 / 100.1 = 49.95 → 49 units, risk 49 × 1.199 = 58.751
    name: 'caps by the available balance net of the entry fee',
    inst: { takerFee: '0.001' },
    entry: '100',
    stop: '99',
    equity: '10000',
    available: '5000',
    expected: { ok: true, lots: 49n, risk: '58.751', cappedBy: 'balance' },
  },
  {
    // budget 100 × 1% = 1 < loss per unit 5 → 0 units
    name: 'rejects a size that rounds to zero (quantity-zero)',
    entry: '100',
    stop: '95',
    equity: '100',
    expected: { ok: false, code: 'quantity-zero', lots: 0n, cappedBy: 'risk' },
  },
  {
    name: 'rejects any size at zero leverage (quantity-zero capped by leverage)',
    entry: '100',
    stop: '95',
    equity: '10000',
    leverage: '0',
    expected: { ok: false, code: 'quantity-zero', lots: 0n, cappedBy: 'leverage' },
  },
  {
    // budget 2000 × 1% = 20 → 4 units < minimum 5
    name: 'rejects a size below the minimum quantity (quantity-below-minimum)',
    inst: { minQty: '5' },
    entry: '100',
    stop: '95',
    equity: '2000',
    expected: { ok: false, code: 'quantity-below-minimum', lots: 4n, cappedBy: 'risk' },
  },
  {
    // 4 units × 100 = 400 < minimum notional 1000
    name: 'rejects a notional below the minimum (notional-below-minimum)',
    inst: { minQty: '1', minNotional: '1000' },
    entry: '100',
    stop: '95',
    equity: '2000',
    expected: { ok: false, code: 'notional-below-minimum', lots: 4n, cappedBy: 'risk' },
  },
  {
    name: 'rejects a stop equal to the entry (stop-equals-entry)',
    entry: '100',
    stop: '100',
    equity: '10000',
    expected: { ok: false, code: 'stop-equals-entry', lots: 0n, cappedBy: null },
  },
];

describe('sizePosition: sizing table', () => {
  it.each(TABLE)('$name', (row) => {
    const r = sizePosition(input(row));
    const e = row.expected;
    expect(r.ok).toBe(e.ok);
    expect(r.lots).toBe(e.lots);
    expect(r.cappedBy).toBe(e.cappedBy);
    if (r.ok && e.ok) {
      expect(r.risk).toBe(toAtoms(e.risk));
      expect(r.risk).toBe(r.lots * r.lossPerLot);
    }
    if (!r.ok && !e.ok) expect(r.code).toBe(e.code);
  });

  it('reports the full breakdown of the Van Tharp example', () => {
    const r = sizePosition(input(TABLE[0]!));
    if (!r.ok) throw new Error(`expected a size, got ${r.code}`);
    expect(r.budget).toBe(toAtoms('100'));
    expect(r.lossPerLot).toBe(toAtoms('5'));
    expect(r.notional).toBe(toAtoms('2000')); // 20 × 100
    const c = sizingCosts(input(TABLE[0]!), r);
    expect(c.entryFee).toBe(0n);
    expect(c.stopFee).toBe(0n);
    expect(c.riskFraction).toBe(1_000_000n); // exactly 1%
    expect(c.margin).toBe(toAtoms('2000')); // notional ÷ 1× + no fee
  });

  it('reports fees and margin of a sized trade with fees', () => {
    // 19 units, taker 0.1%: entry fee 19 × 100 × 0.001 = 1.9, stop fee 19 × 95 × 0.001 = 1.805
    const r = sizePosition(input(TABLE[3]!));
    if (!r.ok) throw new Error(`expected a size, got ${r.code}`);
    expect(r.notional).toBe(toAtoms('1900'));
    const c = sizingCosts(input(TABLE[3]!), r);
    expect(c.entryFee).toBe(toAtoms('1.9'));
    expect(c.stopFee).toBe(toAtoms('1.805'));
    expect(r.lossPerLot).toBe(toAtoms('5.195'));
    // risk 98.705 / 10000 = 0.0098705 = 987,050 fraction units
    expect(c.riskFraction).toBe(987_050n);
    expect(c.margin).toBe(toAtoms('1901.9')); // 1900 + 1.9
  });

  it('reports the budget and loss per lot on a rejection', () => {
    const r = sizePosition(input(TABLE.find((x) => x.name.includes('(quantity-zero)'))!));
    expect(r.ok).toBe(false);
    expect(r.budget).toBe(toAtoms('1'));
    expect(r.lossPerLot).toBe(toAtoms('5'));
  });
});

describe('sizePosition: properties', () => {
  const specs = [
    spec(),
    spec({ lotSize: '0.00001', makerFee: '0.001', takerFee: '0.002' }),
    spec({ tickSize: '0.5', lotSize: '0.01', takerFee: '0.001', makerFee: '0.0002' }),
    spec({ tickSize: '0.0001', lotSize: '10', takerFee: '0.0075', makerFee: '0.0075' }),
  ];
  const inputArb = fc
    .record({
      specIdx: fc.integer({ min: 0, max: specs.length - 1 }),
      side: fc.constantFrom<Side>('buy', 'sell'),
      entry: fc.bigInt({ min: 2n, max: 10_000_000n }),
      // tight stops often, so the leverage and balance caps bind
      distPermille: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 999 })),
      market: fc.boolean(),
      equity: fc.bigInt({ min: 0n, max: 10n ** 22n }), // up to 10^10 quote
      // all of equity available often (then only the leverage cap can bind on a fee-free instrument)
      availablePermille: fc.oneof(fc.constant(1000), fc.integer({ min: 0, max: 1000 })),
      riskFraction: fc.bigInt({ min: 0n, max: 5_000_000n }), // up to 5%
      leverage: fc.bigInt({ min: 0n, max: 20n * FRACTION_SCALE }),
    })
    .map((x): SizingInput => {
      const dist = (x.entry * BigInt(x.distPermille)) / 1000n || 1n;
      return {
        spec: specs[x.specIdx]!,
        side: x.side,
        entryTicks: x.entry,
        stopTicks: x.side === 'buy' ? x.entry - dist : x.entry + dist,
        entryIsMarket: x.market,
        equity: x.equity,
        available: (x.equity * BigInt(x.availablePermille)) / 1000n,
        riskFraction: x.riskFraction,
        maxLeverage: x.leverage,
      };
    });

  it('never risks more than the budget', () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const r = sizePosition(inp);
        expect(r.budget).toBe((inp.equity * inp.riskFraction) / FRACTION_SCALE);
        if (r.ok) {
          expect(r.lots).toBeGreaterThan(0n);
          expect(r.risk).toBe(r.lots * r.lossPerLot);
          expect(r.risk).toBeLessThanOrEqual(r.budget);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never exceeds equity × maximum leverage in notional at the entry', () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const r = sizePosition(inp);
        if (r.ok) {
          const notional = r.lots * inp.entryTicks * inp.spec.atomsPerTickLot;
          expect(r.notional).toBe(notional);
          // notional ≤ equity × leverage / 10^8  ⇔  notional × 10^8 ≤ equity × leverage
          expect(notional * FRACTION_SCALE).toBeLessThanOrEqual(inp.equity * inp.maxLeverage);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is maximal: one more lot would exceed the budget (risk cap) or the binding cap', () => {
    const seen: Record<string, number> = {};
    fc.assert(
      fc.property(inputArb, (inp) => {
        const r = sizePosition(inp);
        seen[r.ok ? r.cappedBy : r.code] = (seen[r.ok ? r.cappedBy : r.code] ?? 0) + 1;
        if (!r.ok) return;
        const more = r.lots + 1n;
        const notionalPerLot = inp.entryTicks * inp.spec.atomsPerTickLot;
        if (r.cappedBy === 'risk') {
          expect(more * r.lossPerLot).toBeGreaterThan(r.budget);
        } else if (r.cappedBy === 'leverage') {
          expect(more * notionalPerLot * FRACTION_SCALE).toBeGreaterThan(inp.equity * inp.maxLeverage);
          // and the risk budget alone would have allowed it
          expect(r.lots * r.lossPerLot).toBeLessThanOrEqual(r.budget);
        } else {
          // margin of one more lot: notional ÷ leverage + entry fee, compared exactly (× leverage × 10^8)
          const rate = inp.entryIsMarket ? inp.spec.takerFee : inp.spec.makerFee;
          const n = more * notionalPerLot;
          expect(n * FRACTION_SCALE * FRACTION_SCALE + n * rate * inp.maxLeverage).toBeGreaterThan(
            inp.available * inp.maxLeverage * FRACTION_SCALE,
          );
        }
      }),
      { numRuns: 500 },
    );
    // the property was exercised under every cap, not vacuously
    expect(Object.keys(seen)).toEqual(expect.arrayContaining(['risk', 'leverage', 'balance']));
  });
});

describe('rewardRiskRatio', () => {
  it('divides the distance to the target by the distance to the stop', () => {
    // |110 − 100| / |100 − 95| = 2
    expect(rewardRiskRatio(10_000n, 9_500n, 11_000n)).toBe(2);
    // short: |90 − 100| / |105 − 100| = 2
    expect(rewardRiskRatio(10_000n, 10_500n, 9_000n)).toBe(2);
    // 500 / 300 = 1.666666 (6 decimals, truncated)
    expect(rewardRiskRatio(10_000n, 9_700n, 10_500n)).toBe(1.666666);
  });

  it('returns 0 when the stop equals the entry', () => {
    expect(rewardRiskRatio(10_000n, 10_000n, 11_000n)).toBe(0);
  });
});
