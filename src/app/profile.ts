/**
 * Reading and editing an account's risk profile (the Testudo Protocol), and resetting a drawdown halt.
 */
import type { Sql } from '../db/sql.ts';
import { toMsOrNull } from '../db/sql.ts';
import { compileProfile, DEFAULT_RISK_PROFILE, type RiskProfile } from '../core/risk/profile.ts';
import { NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import { dec0 } from './views.ts';

/** The profile with the account's risk state. */
export async function getRiskProfile(sql: Sql, userId: number): Promise<Record<string, unknown>> {
  const [a] = await sql.query('SELECT * FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1', [userId]);
  if (!a) throw new NotFoundError('account-not-found', 'this user has no trading account');
  const halted = toMsOrNull(a.halted_at);
  const lastLoss = toMsOrNull(a.last_loss_at);
  return {
    profile: { ...DEFAULT_RISK_PROFILE, ...(a.risk_profile as RiskProfile) },
    defaults: DEFAULT_RISK_PROFILE,
    state: {
      balance: dec0(a.balance),
      peakEquity: dec0(a.peak_equity),
      haltedAt: halted === null ? null : new Date(halted).toISOString(),
      consecutiveLosses: Number(a.consecutive_losses),
      lastLossAt: lastLoss === null ? null : new Date(lastLoss).toISOString(),
      realizedPnlDay: a.pnl_day ?? null,
      realizedPnlToday: dec0(a.pnl_day_realized),
      openRisk: dec0(a.open_risk),
      openPositions: Number(a.open_positions),
      reserved: dec0(a.reserved),
    },
  };
}

/**
 * Merges `patch` into the profile after checking it as a whole.
 * @throws ValidationError `risk-above-max` when the per-trade risk exceeds its maximum.
 */
export async function updateRiskProfile(
  sql: Sql,
  userId: number,
  patch: Partial<RiskProfile>,
): Promise<Record<string, unknown>> {
  await sql.tx(async (q) => {
    const [a] = await q.query(
      'SELECT id, risk_profile FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1 FOR UPDATE',
      [userId],
    );
    if (!a) throw new NotFoundError('account-not-found', 'this user has no trading account');
    const next: RiskProfile = { ...DEFAULT_RISK_PROFILE, ...(a.risk_profile as RiskProfile), ...patch };
    const c = compileProfile(next);
    const issues: FieldIssue[] = [];
    if (c.riskPerTrade > c.maxRiskPerTrade)
      issues.push({
        field: 'riskPerTradePct',
        code: 'risk-above-max',
        message: `must not exceed maxRiskPerTradePct (${next.maxRiskPerTradePct})`,
      });
    if (issues.length) throw new ValidationError(issues);
    await q.query('UPDATE accounts SET risk_profile = $2 WHERE id = $1', [a.id, JSON.stringify(next)]);
  });
  return getRiskProfile(sql, userId);
}

/** Lifts a drawdown halt: clears it and restarts the peak at the current equity. */
export async function resetHalt(sql: Sql, userId: number): Promise<Record<string, unknown>> {
  const rows = await sql.query(
    'UPDATE accounts SET halted_at = NULL, peak_equity = balance WHERE user_id = $1 RETURNING id',
    [userId],
  );
  if (!rows[0]) throw new NotFoundError('account-not-found', 'this user has no trading account');
  return getRiskProfile(sql, userId);
}
