import { describe, expect, it } from 'vitest';
import { compareText, fits, mulText, parseDec, percentOf, subText } from '@/lib/decimal';
import {
  aboveCeiling,
  consequence,
  coolingOffText,
  DEFAULT_PROFILE,
  direction,
  inputProblem,
  protocolSummary,
} from './riskText';
import { describeAudit } from './audit';

const ctx = { equity: '10000', profile: { ...DEFAULT_PROFILE } };

describe('exact decimal arithmetic for display', () => {
  it('takes a percent of an amount without floats', () => {
    expect(percentOf('10000', '1')).toBe('100');
    expect(percentOf('10000.000000000001', '0.1')).toBe('10.000000000000001');
    expect(percentOf('0.3', '10')).toBe('0.03');
    expect(mulText('0.1', '0.2')).toBe('0.02');
    expect(subText('10000', '1000.5')).toBe('8999.5');
    expect(subText('1', '2.25')).toBe('-1.25');
  });
  it('compares and counts', () => {
    expect(compareText('2.0', '2')).toBe(0);
    expect(compareText('2.01', '2')).toBe(1);
    expect(compareText('-1', '0.5')).toBe(-1);
    expect(fits('6', '1')).toBe(6n);
    expect(fits('6', '4')).toBe(1n);
    expect(fits('6', '0')).toBe(0n);
    expect(() => parseDec('1e3')).toThrow(RangeError);
  });
});

describe('consequence texts with the account equity', () => {
  it('says what a stop-out costs at the risk per trade', () => {
    expect(consequence('riskPerTradePct', '1', ctx)).toContain('about 100.00 USDT (1% of 10,000.00 USDT)');
    expect(consequence('riskPerTradePct', '0.5', ctx)).toContain('about 50.00 USDT');
  });
  it('explains the daily limit, the drawdown halt from the peak and open risk in trades', () => {
    expect(consequence('dailyLossLimitPct', '3', ctx)).toContain('After losing 300.00 USDT in one UTC day');
    expect(consequence('maxDrawdownPct', '10', { ...ctx, peakEquity: '12000' })).toContain(
      '1,200.00 USDT below its peak of 12,000.00 USDT (to 10,800.00 USDT)',
    );
    expect(consequence('maxOpenRiskPct', '6', ctx)).toContain('at most 600.00 USDT: about 6 trades at 1% each');
    expect(consequence('minRewardRisk', '2', ctx)).toContain(
      'risking 100.00 USDT, the target must aim for 200.00 USDT',
    );
    expect(consequence('maxLeverage', '3', ctx)).toContain('30,000.00 USDT');
    expect(consequence('lossStreakLimit', 3, ctx)).toContain('pauses trading for 4 hours');
    expect(consequence('requireTakeProfit', false, ctx)).toMatch(/without a take-profit/);
  });
  it('stays neutral while the typed value is not a number', () => {
    expect(consequence('riskPerTradePct', 'abc', ctx)).toMatch(/Enter a number/);
  });
  it('summarises the protocol for the onboarding', () => {
    const s = protocolSummary('10000', DEFAULT_PROFILE);
    expect(s[0]).toBe('With 10,000.00 USDT and 1% risk per trade, a stop-out costs you about 100.00 USDT.');
    expect(s[1]).toContain('3% daily loss (300.00 USDT)');
    expect(s[2]).toContain('10% drawdown from your peak (1,000.00 USDT)');
  });
});

describe('tighten or loosen, as the server classifies it', () => {
  it('classifies higher-is-looser fields', () => {
    expect(direction('riskPerTradePct', '1', '0.5')).toBe('tighten');
    expect(direction('riskPerTradePct', '1', '1.5')).toBe('loosen');
    expect(direction('riskPerTradePct', '1', '1.000')).toBe('same');
    expect(direction('maxOpenPositions', 5, '6')).toBe('loosen');
  });
  it('classifies lower-is-looser fields and the take-profit switch', () => {
    expect(direction('minRewardRisk', '2', '1.5')).toBe('loosen');
    expect(direction('cooldownMinutes', 240, '300')).toBe('tighten');
    expect(direction('requireTakeProfit', true, false)).toBe('loosen');
    expect(direction('requireTakeProfit', false, true)).toBe('tighten');
  });
  it('marks values that are not numbers, or not whole where they must be', () => {
    expect(direction('riskPerTradePct', '1', 'x')).toBe('invalid');
    expect(direction('maxOpenPositions', 5, '2.5')).toBe('invalid');
  });
  it('compares with the hard ceiling exactly', () => {
    expect(aboveCeiling('2.0000001', '2')).toBe(true);
    expect(aboveCeiling('2', '2')).toBe(false);
    expect(aboveCeiling('5', null)).toBe(false);
  });
  it('checks the typed shape before sending: decimals, whole numbers, nothing empty', () => {
    expect(inputProblem('riskPerTradePct', ' 0.75 ')).toBeUndefined();
    expect(inputProblem('riskPerTradePct', '1,5')).toBe('Enter a number such as 1.5');
    expect(inputProblem('riskPerTradePct', '-1')).toBe('Enter a number such as 1.5');
    expect(inputProblem('maxOpenPositions', '2.5')).toBe('Enter a whole number');
    expect(inputProblem('cooldownMinutes', '')).toBe('Enter a value');
    expect(inputProblem('requireTakeProfit', false)).toBeUndefined();
  });
  it('says the cooling-off period in words', () => {
    expect(coolingOffText(86400)).toBe('24 hours');
    expect(coolingOffText(90 * 60)).toBe('1 h 30 min');
    expect(coolingOffText(0)).toBe('no waiting');
  });
});

describe('audit entries in plain words', () => {
  const base = { id: 1, at: '2026-12-02T07:00:00Z', actorUserId: 1, subjectUserId: 1 };
  it('describes tightening, scheduled loosening, cancellation and halt reset', () => {
    expect(
      describeAudit({
        ...base,
        action: 'risk-profile-changed',
        details: { changes: { riskPerTradePct: { from: '1', to: '0.5' } } },
      }),
    ).toBe('Tightened at once: Risk per trade 1% → 0.5%');
    expect(
      describeAudit({
        ...base,
        action: 'risk-profile-change-scheduled',
        details: { changes: { riskPerTradePct: { from: '0.5', to: '1.5' } }, effectiveAt: '2026-12-03T07:00:00Z' },
      }),
    ).toBe('Loosening requested: Risk per trade 0.5% → 1.5%, effective 2026-12-03 07:00 UTC');
    expect(
      describeAudit({
        ...base,
        action: 'risk-profile-change-cancelled',
        details: { field: 'riskPerTradePct', value: '1.5', reason: 'owner' },
      }),
    ).toBe('Pending change cancelled (cancelled by you): Risk per trade → 1.5%');
    expect(describeAudit({ ...base, action: 'halt-reset', details: { balance: '8900' } })).toContain('8,900.00 USDT');
    expect(
      describeAudit({
        ...base,
        action: 'candles-import',
        details: { symbol: 'TEST-USD', timeframe: '1h', bytes: 2048 },
      }),
    ).toBe('Candle file uploaded for import: TEST-USD 1h, 2,048 bytes');
    expect(describeAudit({ ...base, action: 'something-new', details: {} })).toBe('something-new');
  });
});
