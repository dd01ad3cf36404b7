import { describe, expect, it } from 'vitest';
import { bracketResult, fillMarketEntry, newBracket, stepBracket } from '../execution/bracket.ts';
import { toSpec } from '../instruments/instrument.ts';
import { toAtoms } from '../money/decimal.ts';
import { runBacktest } from './run.ts';
import { bars, scripted } from './testing.ts';
import { BacktestError } from './types.ts';

const FEES = { maker: '0.001', taker: '0.002' };
const DAY = 86_400_000;
const T0 = 1_704_067_200_000;

function errorOf(f: () => unknown): BacktestError {
  try {
    f();
  } catch (e) {
    if (e instanceof BacktestError) return e;
    throw e;
  }
  throw new Error('expected a BacktestError');
}

describe('runBacktest maker/taker fees (the paper exchange’s)', () => {
  const entryRows = [
    [100, 101, 99, 100],
    [100, 111, 99, 110], // bar 1: buy at the close, 110 (tradeOnClose)
    [110, 115, 105, 112],
  ];

  it('charges a market entry the taker fee and a take-profit the maker fee, as a paper bracket does', () => {
    const rows = [...entryRows, [112, 125, 111, 120]]; // bar 3 reaches the 120 target
    const r = runBacktest(
      bars(rows),
      scripted({ 1: (c) => c.buy({ size: 10, sl: 100, tp: 120 }) }),
      {},
      { tradeOnClose: true, fees: FEES },
    );
    const t = r.trades[0]!;
    expect([t.entryPrice, t.exitPrice, t.exitReason]).toEqual(['110', '120', 'target']);
    // entry 10 × 110 × 0.2% = 2.2 (taker), target 10 × 120 × 0.1% = 1.2 (maker)
    expect(t.commission).toBe('3.4');
    expect(t.pnl).toBe('96.6');
    // initial risk: 10 × (110 − 100) + entry fee 2.2 + taker fee at the stop 10 × 100 × 0.2% = 2 → 104.2
    expect(t.rMultiple).toBeCloseTo(96.6 / 104.2, 12);

    // The same trade on the paper exchange's bracket.
    const spec = toSpec({
      symbol: 'X',
      base: 'X',
      quote: 'Y',
      tickSize: '1',
      lotSize: '1',
      minQty: '1',
      minNotional: '0',
      makerFee: FEES.maker,
      takerFee: FEES.taker,
    });
    const b = newBracket({
      side: 'buy',
      lots: 10n,
      entryIsMarket: true,
      entryTicks: 110n,
      stopTicks: 100n,
      targetTicks: 120n,
    });
    fillMarketEntry(b, spec, 110n, T0 + DAY);
    for (const k of [2, 3]) {
      const [o, h, l, c] = rows[k]!.map(BigInt) as [bigint, bigint, bigint, bigint];
      stepBracket(b, spec, { time: T0 + k * DAY, open: o, high: h, low: l, close: c });
    }
    const paper = bracketResult(b, spec);
    expect(paper.fees).toBe(toAtoms(t.commission));
    expect(paper.netPnl).toBe(toAtoms(t.pnl));
    expect(paper.initialRisk).toBe(toAtoms('104.2'));
  });

  it('charges a stop-loss the taker fee, so a stop-out at the stop is exactly −1R', () => {
    const r = runBacktest(
      bars([...entryRows, [112, 113, 95, 100]]),
      scripted({ 1: (c) => c.buy({ size: 10, sl: 100, tp: 120 }) }),
      {},
      { tradeOnClose: true, fees: FEES },
    );
    const t = r.trades[0]!;
    expect([t.exitPrice, t.exitReason, t.commission, t.pnl]).toEqual(['100', 'stop', '4.2', '-104.2']);
    expect(t.rMultiple).toBe(-1);
  });

  it('charges a resting limit entry the maker fee and a market close the taker fee', () => {
    const r = runBacktest(
      bars([
        [100, 101, 99, 100],
        [100, 101, 99, 100], // bar 1: buy limit 105 → rests
        [110, 111, 104, 108], // bar 2: trades through 105, fills at the limit; closePosition
        [112, 113, 111, 112], // bar 3: the close fills at the open
      ]),
      scripted({ 1: (c) => c.buy({ size: 10, limit: 105 }), 2: (c) => c.closePosition() }),
      {},
      { fees: FEES },
    );
    const t = r.trades[0]!;
    expect([t.entryPrice, t.exitPrice]).toEqual(['105', '112']);
    expect(t.commission).toBe('3.29'); // 10 × 105 × 0.1% + 10 × 112 × 0.2%
    expect(t.pnl).toBe('66.71');
  });

  it('rounds each fee up to the money atom (feeAtoms), where commission rounds half-up', () => {
    const rows = Array.from({ length: 4 }, () => Array<string>(4).fill('1.23456789'));
    const script = scripted({ 1: (c) => c.buy({ size: 1 }), 2: (c) => c.closePosition() });
    // 1 × 1.23456789 × 3·10⁻⁸ = 37,037.0367 atoms per fill
    const withFees = runBacktest(
      bars(rows),
      script,
      {},
      {
        tradeOnClose: true,
        fees: { maker: '0.00000003', taker: '0.00000003' },
      },
    );
    expect(withFees.trades[0]!.commission).toBe('0.000000074076');
    const withCommission = runBacktest(bars(rows), script, {}, { tradeOnClose: true, commission: '0.00000003' });
    expect(withCommission.trades[0]!.commission).toBe('0.000000074074');
  });

  it('sizes in Testudo mode with the taker fees of the entry and the stop, as the trading service', () => {
    const flat = bars(Array.from({ length: 4 }, () => [100, 101, 99, 100]));
    const script = scripted({ 1: (c) => c.buy({ sl: 95, tp: 110 }) });
    const opts = { testudo: {}, tradeOnClose: true, finalizeTrades: true };
    // 1% of 10,000 = 100 at risk; per unit 5 + 100 × 0.2% + 95 × 0.2% = 5.39 → 18 units (20 without fees)
    expect(runBacktest(flat, script, {}, { ...opts, fees: FEES }).trades[0]!.size).toBe('18');
    expect(runBacktest(flat, script, {}, opts).trades[0]!.size).toBe('20');
  });

  it('gives the same result with zero fees as without any', () => {
    const rows = [...entryRows, [112, 125, 111, 120], [120, 121, 119, 120]];
    const script = scripted({ 1: (c) => c.buy({ size: 10, sl: 100, tp: 120 }), 4: (c) => c.buy({ size: 2 }) });
    const plain = runBacktest(bars(rows), script, {}, { finalizeTrades: true });
    const zero = runBacktest(bars(rows), script, {}, { finalizeTrades: true, fees: { maker: '0', taker: '0' } });
    expect(zero.trades).toEqual(plain.trades);
    expect(Array.from(zero.equity)).toEqual(Array.from(plain.equity));
    expect(zero.stats).toEqual(plain.stats);
  });

  it('refuses commission and fees together, and negative or malformed fees, as bad-option', () => {
    const b = bars(entryRows);
    const s = scripted({});
    expect(errorOf(() => runBacktest(b, s, {}, { commission: '0.001', fees: FEES })).code).toBe('bad-option');
    expect(errorOf(() => runBacktest(b, s, {}, { fees: { maker: '-0.001', taker: '0.001' } })).code).toBe('bad-option');
    expect(errorOf(() => runBacktest(b, s, {}, { fees: { maker: '0.001', taker: 'x' } })).details.option).toBe(
      'taker fee',
    );
  });
});
