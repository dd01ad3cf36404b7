import { describe, expect, it } from 'vitest';
import { toAtoms } from '../money/decimal.ts';
import { DEFAULT_INSTRUMENTS, toSpec, type Instrument, type InstrumentSpec } from '../instruments/instrument.ts';
import {
  RULES,
  decide,
  formatDuration,
  type AccountRiskState,
  type Decision,
  type RuleId,
  type Setup,
} from './decide.ts';
import { DEFAULT_RISK_PROFILE, compileProfile, type CompiledProfile } from './profile.ts';

const HOUR = 3_600_000;
const NOW = 1_704_103_200_000; // 2024-01-01T10:00Z

const BTC_USDT: Instrument = DEFAULT_INSTRUMENTS.find((i) => i.symbol === 'BTC-USDT')!;
const SPEC = toSpec(BTC_USDT); // tick 0.01, lot 0.00001 BTC, 100000 atoms per tick-lot, fees 0.1% / 0.1%, min 5 USDT
const PROFILE = compileProfile(DEFAULT_RISK_PROFILE);

/** A long at 100 with its stop at 95 and target at 110 (reward:risk 2), market entry, default 1% risk. */
const SETUP: Setup = {
  side: 'buy',
  entryTicks: 10_000n,
  entryIsMarket: true,
  stopTicks: 9_500n,
  targetTicks: 11_000n,
  riskFraction: null,
};

/** A healthy account: equity 10,000 at its peak, nothing open, no losses today. */
const STATE: AccountRiskState = {
  equity: toAtoms('10000'),
  available: toAtoms('10000'),
  realizedPnlToday: 0n,
  peakEquity: toAtoms('10000'),
  haltedAt: null,
  openRisk: 0n,
  openPositions: 0,
  consecutiveLosses: 0,
  lastLossAt: null,
  breaker: 'closed',
  now: NOW,
};

/*
 * Baseline sizing by hand (atoms per tick-lot 10^5):
 * - budget = 10,000 × 1% = 100 quote = 10^14 atoms
 * - loss per lot = 500 ticks × 10^5 + ceil((10000 + 9500) ticks × 10^5 × 0.1%) = 50,000,000 + 1,950,000 = 51,950,000
 * - lots = floor(10^14 / 51,950,000) = 1,924,927 (19.24927 BTC); risk = 1,924,927 × 51,950,000 = 99,999,957,650,000
 */
const BASE_LOTS = 1_924_927n;
const BASE_RISK = 99_999_957_650_000n;

interface Case {
  setup?: Partial<Setup>;
  state?: Partial<AccountRiskState>;
  profile?: Partial<CompiledProfile>;
  spec?: Partial<Instrument>;
}

function run(c: Case = {}): Decision {
  const spec: InstrumentSpec = c.spec ? toSpec({ ...BTC_USDT, ...c.spec }) : SPEC;
  return decide(spec, { ...SETUP, ...c.setup }, { ...PROFILE, ...c.profile }, { ...STATE, ...c.state });
}

function verdict(d: Decision, rule: RuleId) {
  const v = d.verdicts.find((x) => x.rule === rule);
  if (!v) throw new Error(`no verdict for ${rule}`);
  return v;
}

const failed = (d: Decision): string[] => d.verdicts.filter((v) => !v.passed).map((v) => `${v.rule}:${v.code}`);

interface RuleCase extends Case {
  name: string;
  rule: RuleId;
  /** 'pass', or the failure code of `rule`. */
  code: string;
  /** Every failure of the decision as `rule:code`; defaults to just this rule's failure (or none on a pass). */
  failures?: string[];
}

const CASES: RuleCase[] = [
  // 1. stop-side
  { name: 'passes a long with its stop below entry', rule: 'stop-side', code: 'pass' },
  {
    name: 'rejects a long with its stop above entry',
    rule: 'stop-side',
    code: 'stop-wrong-side',
    setup: { stopTicks: 10_500n }, // reward 10 / risk 5 = 2 still passes reward-risk
  },
  {
    name: 'rejects a short with its stop below entry',
    rule: 'stop-side',
    code: 'stop-wrong-side',
    setup: { side: 'sell', stopTicks: 9_500n, targetTicks: 9_000n },
  },
  {
    name: 'passes a short with its stop above entry',
    rule: 'stop-side',
    code: 'pass',
    setup: { side: 'sell', stopTicks: 10_500n, targetTicks: 9_000n },
  },
  // 2. target-side
  { name: 'passes a long with its take-profit above entry', rule: 'target-side', code: 'pass' },
  {
    name: 'rejects a long with its take-profit below entry',
    rule: 'target-side',
    code: 'target-wrong-side',
    setup: { targetTicks: 9_000n }, // |90 − 100| / 5 = 2: only the side is wrong
  },
  {
    name: 'rejects a short with its take-profit above entry',
    rule: 'target-side',
    code: 'target-wrong-side',
    setup: { side: 'sell', stopTicks: 10_500n, targetTicks: 11_000n },
  },
  // 3. risk-per-trade
  {
    name: 'passes a risk override exactly at the 2% maximum',
    rule: 'risk-per-trade',
    code: 'pass',
    setup: { riskFraction: 2_000_000n },
  },
  {
    name: 'rejects a risk override above the 2% maximum',
    rule: 'risk-per-trade',
    code: 'risk-per-trade-exceeded',
    setup: { riskFraction: 2_000_001n },
  },
  {
    name: 'rejects a zero risk override (and the size rounds to zero)',
    rule: 'risk-per-trade',
    code: 'risk-per-trade-exceeded',
    setup: { riskFraction: 0n },
    failures: ['risk-per-trade:risk-per-trade-exceeded', 'position-size:quantity-zero'],
  },
  // 4. reward-risk
  { name: 'passes a reward:risk of exactly 2', rule: 'reward-risk', code: 'pass' },
  {
    name: 'rejects a reward:risk just below 2',
    rule: 'reward-risk',
    code: 'reward-risk-too-low',
    setup: { targetTicks: 10_999n }, // 9.99 / 5 = 1.998
  },
  {
    name: 'rejects a setup without take-profit when the profile requires one',
    rule: 'reward-risk',
    code: 'take-profit-required',
    setup: { targetTicks: null },
  },
  {
    name: 'passes a setup without take-profit when the profile does not require one',
    rule: 'reward-risk',
    code: 'pass',
    setup: { targetTicks: null },
    profile: { requireTakeProfit: false },
  },
  // 5. position-size
  { name: 'passes a setup that sizes to a positive quantity', rule: 'position-size', code: 'pass' },
  {
    name: 'rejects a stop equal to the entry (also wrong side and no reward:risk)',
    rule: 'position-size',
    code: 'stop-equals-entry',
    setup: { stopTicks: 10_000n },
    failures: ['stop-side:stop-wrong-side', 'reward-risk:reward-risk-too-low', 'position-size:stop-equals-entry'],
  },
  {
    // budget 0.0005 × 1% = 0.000005 quote = 5,000,000 atoms < 51,950,000 per lot
    name: 'rejects a size that rounds to zero lots',
    rule: 'position-size',
    code: 'quantity-zero',
    state: { equity: toAtoms('0.0005'), available: toAtoms('0.0005'), peakEquity: toAtoms('0.0005') },
  },
  {
    // minimum 20 BTC = 2,000,000 lots > 1,924,927
    name: 'rejects a size below the instrument minimum quantity',
    rule: 'position-size',
    code: 'quantity-below-minimum',
    spec: { minQty: '20' },
  },
  {
    // notional 19.24927 × 100 = 1924.93 < 5000
    name: 'rejects a notional below the instrument minimum',
    rule: 'position-size',
    code: 'notional-below-minimum',
    spec: { minNotional: '5000' },
  },
  // 6. daily-loss-limit: start of day 9,700 + 300 = 10,000, limit 3% = 300
  {
    name: 'rejects when today’s realized loss reaches the daily limit',
    rule: 'daily-loss-limit',
    code: 'daily-loss-limit-hit',
    state: { equity: toAtoms('9700'), available: toAtoms('9700'), realizedPnlToday: toAtoms('-300') },
  },
  {
    name: 'passes when today’s realized loss is just under the daily limit',
    rule: 'daily-loss-limit',
    code: 'pass',
    state: { equity: toAtoms('9700.01'), available: toAtoms('9700.01'), realizedPnlToday: toAtoms('-299.99') },
  },
  {
    name: 'passes on a fresh day (realized P&L reset to 0) after yesterday’s limit hit',
    rule: 'daily-loss-limit',
    code: 'pass',
    state: { equity: toAtoms('9700'), available: toAtoms('9700'), realizedPnlToday: 0n },
  },
  // 7. max-drawdown: 10% of the 10,000 peak = 1,000
  {
    name: 'halts when the drawdown from the peak reaches 10%',
    rule: 'max-drawdown',
    code: 'max-drawdown-halt',
    state: { equity: toAtoms('9000'), available: toAtoms('9000') },
  },
  {
    name: 'passes when the drawdown is just under 10%',
    rule: 'max-drawdown',
    code: 'pass',
    state: { equity: toAtoms('9000.01'), available: toAtoms('9000.01') },
  },
  {
    name: 'stays halted (sticky) after equity recovers until the owner resets it',
    rule: 'max-drawdown',
    code: 'max-drawdown-halt',
    state: { haltedAt: NOW - 24 * HOUR },
  },
  // 8. open-risk: heat limit 6% of 10,000 = 600
  {
    name: 'passes when open risk plus this trade is exactly at the 6% limit',
    rule: 'open-risk',
    code: 'pass',
    state: { openRisk: toAtoms('600') - BASE_RISK },
  },
  {
    name: 'rejects when open risk plus this trade exceeds the 6% limit by one atom',
    rule: 'open-risk',
    code: 'open-risk-exceeded',
    state: { openRisk: toAtoms('600') - BASE_RISK + 1n },
  },
  // 9. open-positions: max 5
  {
    name: 'passes with 4 positions open',
    rule: 'open-positions',
    code: 'pass',
    state: { openPositions: 4 },
  },
  {
    name: 'rejects with 5 positions open',
    rule: 'open-positions',
    code: 'max-open-positions',
    state: { openPositions: 5 },
  },
  // 10. loss-streak-cooldown: 3 losses → 4 h
  {
    name: 'rejects during the 4h cooldown after 3 losses in a row',
    rule: 'loss-streak-cooldown',
    code: 'loss-streak-cooldown',
    state: { consecutiveLosses: 3, lastLossAt: NOW - HOUR },
  },
  {
    name: 'rejects one millisecond before the cooldown ends',
    rule: 'loss-streak-cooldown',
    code: 'loss-streak-cooldown',
    state: { consecutiveLosses: 3, lastLossAt: NOW - 4 * HOUR + 1 },
  },
  {
    name: 'passes once the 4h cooldown has elapsed',
    rule: 'loss-streak-cooldown',
    code: 'pass',
    state: { consecutiveLosses: 3, lastLossAt: NOW - 4 * HOUR },
  },
  {
    name: 'passes after only 2 losses in a row',
    rule: 'loss-streak-cooldown',
    code: 'pass',
    state: { consecutiveLosses: 2, lastLossAt: NOW - 60_000 },
  },
  // 11. circuit-breaker
  { name: 'passes while the breaker is closed', rule: 'circuit-breaker', code: 'pass' },
  {
    name: 'rejects while the breaker is half-open, until its probe succeeds',
    rule: 'circuit-breaker',
    code: 'circuit-breaker-open',
    state: { breaker: 'half-open' },
  },
  {
    name: 'rejects while the breaker is open',
    rule: 'circuit-breaker',
    code: 'circuit-breaker-open',
    state: { breaker: 'open' },
  },
];

describe('decide: every rule passes and fails with its stable code', () => {
  it('covers every rule in RULES with a passing and a failing case', () => {
    for (const rule of RULES) {
      expect(
        CASES.some((c) => c.rule === rule && c.code === 'pass'),
        `${rule} pass`,
      ).toBe(true);
      expect(
        CASES.some((c) => c.rule === rule && c.code !== 'pass'),
        `${rule} fail`,
      ).toBe(true);
    }
  });

  it.each(CASES)('$rule: $name', (c) => {
    const d = run(c);
    const v = verdict(d, c.rule);
    expect(v.code).toBe(c.code);
    expect(v.passed).toBe(c.code === 'pass');
    expect(v.message.length).toBeGreaterThan(0);
    const expectedFailures = c.failures ?? (c.code === 'pass' ? [] : [`${c.rule}:${c.code}`]);
    expect(failed(d)).toEqual(expectedFailures);
    expect(d.approved).toBe(expectedFailures.length === 0);
  });
});

describe('decide', () => {
  it('approves the baseline setup with the hand-computed size', () => {
    const d = run();
    expect(d.approved).toBe(true);
    expect(d.riskFraction).toBe(1_000_000n); // profile default 1%
    expect(d.sizing.ok).toBe(true);
    expect(d.sizing.lots).toBe(BASE_LOTS);
    if (d.sizing.ok) {
      expect(d.sizing.risk).toBe(BASE_RISK);
      expect(d.sizing.cappedBy).toBe('risk');
    }
  });

  it('evaluates every rule, in RULES order, without short-circuiting', () => {
    const d = run({ state: { breaker: 'open' }, setup: { stopTicks: 10_500n } });
    expect(d.verdicts.map((v) => v.rule)).toEqual([...RULES]);
  });

  it('lists every failed rule in a rejection (two failures at once)', () => {
    const d = run({ state: { openPositions: 5, breaker: 'open' } });
    expect(d.approved).toBe(false);
    expect(failed(d)).toEqual(['open-positions:max-open-positions', 'circuit-breaker:circuit-breaker-open']);
    expect(d.verdicts).toHaveLength(RULES.length);
  });

  it('lists many failures at once when the account is in trouble', () => {
    const d = run({
      setup: { targetTicks: null },
      state: {
        equity: toAtoms('8900'),
        available: toAtoms('8900'),
        realizedPnlToday: toAtoms('-500'), // start of day 9,400, limit 282
        consecutiveLosses: 4,
        lastLossAt: NOW - HOUR,
      },
    });
    expect(failed(d)).toEqual([
      'reward-risk:take-profit-required',
      'daily-loss-limit:daily-loss-limit-hit',
      'max-drawdown:max-drawdown-halt', // 1,100 from the 10,000 peak ≥ 10%
      'loss-streak-cooldown:loss-streak-cooldown',
    ]);
  });

  it('uses the setup’s risk override instead of the profile default', () => {
    const d = run({ setup: { riskFraction: 500_000n } }); // 0.5%: budget 50 → floor(5×10^13 / 51,950,000) lots
    expect(d.approved).toBe(true);
    expect(d.riskFraction).toBe(500_000n);
    expect(d.sizing.lots).toBe(962_463n); // 5×10^13 / 51,950,000 = 962,463.9
  });

  it('reports the remaining cooldown in the message', () => {
    // last loss 1h ago → 3h left
    const d = run({ state: { consecutiveLosses: 3, lastLossAt: NOW - HOUR } });
    expect(verdict(d, 'loss-streak-cooldown').message).toContain('3h 0m');
  });

  it('reports the daily limit in quote currency in the message', () => {
    const d = run({
      state: { equity: toAtoms('9700'), available: toAtoms('9700'), realizedPnlToday: toAtoms('-300') },
    });
    expect(verdict(d, 'daily-loss-limit').message).toContain('300.00');
    expect(verdict(d, 'daily-loss-limit').message).toContain('3%');
  });
});

describe('formatDuration', () => {
  it.each([
    [3 * HOUR + 12 * 60_000, '3h 12m'],
    [45 * 60_000, '45m'],
    [30_000, '30s'],
    [1, '1s'], // rounds up to the next second
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('compileProfile', () => {
  it('compiles the default Testudo Protocol to the documented integers', () => {
    expect(compileProfile(DEFAULT_RISK_PROFILE)).toEqual({
      riskPerTrade: 1_000_000n, // 1%
      maxRiskPerTrade: 2_000_000n, // 2%
      minRewardRisk: 200_000_000n, // 2.0 × 10^8
      requireTakeProfit: true,
      dailyLossLimit: 3_000_000n, // 3%
      maxDrawdown: 10_000_000n, // 10%
      maxOpenRisk: 6_000_000n, // 6%
      maxOpenPositions: 5,
      lossStreakLimit: 3,
      cooldownMs: 14_400_000, // 240 min = 4 h
      maxLeverage: 100_000_000n, // 1×
    });
  });

  it('rejects a percent with too many decimals', () => {
    expect(() => compileProfile({ ...DEFAULT_RISK_PROFILE, riskPerTradePct: '0.0000001' })).toThrow(RangeError);
  });
});
