import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CEILINGS,
  DEFAULT_RISK_PROFILE,
  applyDueChanges,
  changeDirection,
  clampToCeilings,
  compileProfile,
  planProfileChange,
  riskLimits,
  type PendingChange,
  type RiskProfile,
} from './profile.ts';

const P: RiskProfile = { ...DEFAULT_RISK_PROFILE };
const U = 10n ** 12n;
const H = 3_600_000;

describe('changeDirection', () => {
  it('knows which way each field loosens', () => {
    expect(changeDirection('riskPerTradePct', '1', '1.5')).toBe('loosen');
    expect(changeDirection('riskPerTradePct', '1', '0.5')).toBe('tighten');
    expect(changeDirection('riskPerTradePct', '1', '1.000')).toBe('same');
    expect(changeDirection('minRewardRisk', '2', '1.5')).toBe('loosen');
    expect(changeDirection('minRewardRisk', '2', '3')).toBe('tighten');
    expect(changeDirection('cooldownMinutes', 240, 60)).toBe('loosen');
    expect(changeDirection('lossStreakLimit', 3, 4)).toBe('loosen');
    expect(changeDirection('maxOpenPositions', 5, 1)).toBe('tighten');
    expect(changeDirection('requireTakeProfit', true, false)).toBe('loosen');
    expect(changeDirection('requireTakeProfit', false, true)).toBe('tighten');
    expect(changeDirection('maxLeverage', '1', '2')).toBe('loosen');
  });
});

describe('planProfileChange', () => {
  it('applies tightening at once and schedules loosening', () => {
    const plan = planProfileChange(
      P,
      {},
      { maxOpenPositions: 2, dailyLossLimitPct: '5', minRewardRisk: '2' },
      DEFAULT_CEILINGS,
    );
    expect(plan).toEqual({
      immediate: { maxOpenPositions: 2 },
      scheduled: { dailyLossLimitPct: '5' },
      cancelled: [],
      issues: [],
    });
  });

  it('refuses values above the hard ceilings, even when they tighten nothing else', () => {
    const plan = planProfileChange(P, {}, { riskPerTradePct: '2.5', maxDrawdownPct: '30' }, DEFAULT_CEILINGS);
    expect(plan.issues.map((i) => [i.field, i.code])).toEqual([
      ['riskPerTradePct', 'above-hard-ceiling'],
      ['maxDrawdownPct', 'above-hard-ceiling'],
    ]);
  });

  it('cancels a pending change when its field is tightened, and keeps one re-sent unchanged', () => {
    const pending = { dailyLossLimitPct: '5', maxOpenRiskPct: '8' };
    const plan = planProfileChange(P, pending, { dailyLossLimitPct: '2', maxOpenRiskPct: '8' }, DEFAULT_CEILINGS);
    expect(plan).toEqual({
      immediate: { dailyLossLimitPct: '2' },
      scheduled: {},
      cancelled: ['dailyLossLimitPct'],
      issues: [],
    });
  });

  it('refuses a risk above the maximum now, and cancels a pending risk a lower maximum would break', () => {
    expect(planProfileChange(P, {}, { maxRiskPerTradePct: '0.5' }, DEFAULT_CEILINGS).issues[0]).toMatchObject({
      field: 'riskPerTradePct',
      code: 'risk-above-max',
    });
    const plan = planProfileChange(P, { riskPerTradePct: '1.8' }, { maxRiskPerTradePct: '1.5' }, DEFAULT_CEILINGS);
    expect(plan).toEqual({
      immediate: { maxRiskPerTradePct: '1.5' },
      scheduled: {},
      cancelled: ['riskPerTradePct'],
      issues: [],
    });
    const raised = { ...DEFAULT_CEILINGS, maxRiskPerTradePct: '5' };
    expect(planProfileChange(P, {}, { riskPerTradePct: '3' }, raised).issues[0]?.code).toBe('risk-above-max');
    expect(planProfileChange(P, {}, { riskPerTradePct: '3', maxRiskPerTradePct: '3' }, raised).scheduled).toEqual({
      riskPerTradePct: '3',
      maxRiskPerTradePct: '3',
    });
  });
});

describe('applyDueChanges', () => {
  const ch = (field: keyof RiskProfile, value: RiskProfile[keyof RiskProfile], at: number): PendingChange => ({
    field,
    value,
    requestedAt: at - 24 * H,
    effectiveAt: at,
  });

  it('applies the changes due by now, leaves later ones, and drops ones above a lowered ceiling', () => {
    const pending = [
      ch('dailyLossLimitPct', '5', 100),
      ch('maxOpenPositions', 8, 200),
      ch('maxDrawdownPct', '20', 100),
    ];
    const r = applyDueChanges(P, pending, 150, { ...DEFAULT_CEILINGS, maxDrawdownPct: '15' });
    expect(r.profile).toEqual({ ...P, dailyLossLimitPct: '5' });
    expect(r.applied.map((p) => p.field)).toEqual(['dailyLossLimitPct']);
    expect(r.dropped.map((p) => p.field)).toEqual(['maxDrawdownPct']);
  });

  it('applies a raised maximum and its risk together when they fall due at the same time', () => {
    const raised = { ...DEFAULT_CEILINGS, maxRiskPerTradePct: '5' };
    const r = applyDueChanges(P, [ch('riskPerTradePct', '3', 100), ch('maxRiskPerTradePct', '3', 100)], 100, raised);
    expect(r.profile).toMatchObject({ riskPerTradePct: '3', maxRiskPerTradePct: '3' });
    expect(r.dropped).toEqual([]);
    const alone = applyDueChanges(P, [ch('riskPerTradePct', '3', 100)], 100, raised);
    expect(alone.profile.riskPerTradePct).toBe('1');
    expect(alone.dropped.map((p) => p.field)).toEqual(['riskPerTradePct']);
  });
});

describe('clampToCeilings', () => {
  it('lowers the fields above a ceiling to it', () => {
    const p = { ...P, riskPerTradePct: '1.5', maxDrawdownPct: '20' };
    expect(clampToCeilings(p, { maxRiskPerTradePct: '1', maxDrawdownPct: '25' })).toEqual({
      maxRiskPerTradePct: '1',
      riskPerTradePct: '1',
    });
    expect(clampToCeilings(p, DEFAULT_CEILINGS)).toEqual({});
  });
});

describe('riskLimits', () => {
  const c = compileProfile(P); // daily 3 %, drawdown 10 %, heat 6 %, 5 positions, 3 losses → 240 min
  const base = {
    equity: 9_700n * U,
    realizedPnlToday: -300n * U,
    peakEquity: 10_000n * U,
    haltedAt: null,
    openRisk: 100n * U,
    openPositions: 1,
    consecutiveLosses: 3,
    lastLossAt: Date.UTC(2024, 0, 2, 10),
    now: Date.UTC(2024, 0, 2, 12),
  };

  it('reports each limit with when it clears', () => {
    const l = riskLimits(c, base);
    // day start 10,000: the 3 % limit is 300, used 300 → hit, clears at the next 00:00 UTC
    expect(l.dailyLoss).toEqual({ used: 300n * U, limit: 300n * U, hit: true, clearsAt: Date.UTC(2024, 0, 3) });
    // 300 below the 10,000 peak: limit 1,000
    expect(l.drawdown).toEqual({ fromPeak: 300n * U, limit: 1_000n * U, hit: false, halted: false });
    // 6 % of 9,700 = 582
    expect(l.openRisk).toEqual({ used: 100n * U, limit: 582n * U, hit: false });
    expect(l.openPositions).toEqual({ used: 1, max: 5, hit: false });
    expect(l.cooldown).toEqual({ active: true, until: Date.UTC(2024, 0, 2, 14) });
  });

  it('shows nothing in force on a fresh account, and a halt that only a reset clears', () => {
    const fresh = riskLimits(c, {
      ...base,
      equity: 10_000n * U,
      realizedPnlToday: 0n,
      consecutiveLosses: 0,
      lastLossAt: null,
      openRisk: 0n,
      openPositions: 0,
    });
    expect(fresh.dailyLoss).toEqual({ used: 0n, limit: 300n * U, hit: false, clearsAt: null });
    expect(fresh.cooldown).toEqual({ active: false, until: null });
    const halted = riskLimits(c, { ...base, equity: 9_000n * U, haltedAt: base.now });
    expect(halted.drawdown).toMatchObject({ fromPeak: 1_000n * U, hit: true, halted: true });
    // the cooldown is over two hours after the last loss + 240 minutes
    expect(riskLimits(c, { ...base, now: Date.UTC(2024, 0, 2, 14) }).cooldown.active).toBe(false);
  });
});
