/**
 * The account's risk profile (the Testudo Protocol) with its discipline: tightening a limit takes effect at once,
 * loosening one waits out the deployment's cooling-off period (24 h by default, on the server clock) as a pending
 * change that the owner may cancel and that is applied lazily when the profile is read at or after its
 * `effectiveAt`. Hard ceilings (risk per trade ≤ 2 %, drawdown halt ≤ 25 % by default) bound every profile; only an
 * admin changes them. Every change is written to the audit trail in the same transaction.
 *
 * The pure rules are in `src/core/risk/profile.ts` (planProfileChange, applyDueChanges, clampToCeilings, riskLimits).
 */
import type { Sql, Row } from '../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../db/sql.ts';
import { formatAtoms, toAtoms } from '../core/money/decimal.ts';
import { utcDay } from '../core/journal/stats.ts';
import type { CircuitBreaker } from '../core/risk/breaker.ts';
import {
  DEFAULT_RISK_PROFILE,
  LOOSER_WHEN,
  PROFILE_FIELDS,
  aboveCeiling,
  applyDueChanges,
  ceilingOf,
  clampToCeilings,
  compileProfile,
  planProfileChange,
  riskLimits,
  type HardCeilings,
  type PendingChange,
  type ProfileValue,
  type RiskProfile,
} from '../core/risk/profile.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { audit, SYSTEM, type Actor } from './journal-audit.ts';
import { dec0 } from './views.ts';

/** The deployment's protocol settings (table `risk_settings`). */
export interface RiskSettings {
  ceilings: HardCeilings;
  /** Cooling-off period of loosening changes, seconds (0: they apply on the next read). */
  coolingOffSeconds: number;
}

/** What a profile edit did, by field. */
export interface ProfileChangeSummary {
  applied: string[];
  scheduled: string[];
  cancelled: string[];
}

/** Dependencies of the {@link ProfileService}. */
export interface ProfileServiceOptions {
  sql: Sql;
  /** The server clock (ms UTC) the cooling-off period and the daily limit run on: the context's `now`. */
  now: () => number;
  /** The exchange circuit breaker, for the risk state. */
  breaker: CircuitBreaker;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const asProfile = (v: unknown): RiskProfile => ({
  ...DEFAULT_RISK_PROFILE,
  ...((typeof v === 'string' ? JSON.parse(v) : v) as Partial<RiskProfile>),
});
const jsonValue = (v: unknown): ProfileValue =>
  (typeof v === 'string' && v.startsWith('"') ? JSON.parse(v) : v) as ProfileValue;

/** Reads the risk settings row. */
export async function readRiskSettings(q: Sql, lock = false): Promise<RiskSettings> {
  const [s] = await q.query(`SELECT * FROM risk_settings WHERE id${lock ? ' FOR UPDATE' : ''}`);
  return {
    ceilings: { maxRiskPerTradePct: dec0(s!.max_risk_per_trade_pct), maxDrawdownPct: dec0(s!.max_drawdown_pct) },
    coolingOffSeconds: Number(s!.cooling_off_seconds),
  };
}

async function accountOf(q: Sql, userId: number, lock: boolean): Promise<Row> {
  const [a] = await q.query(
    `SELECT * FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  if (!a) throw new NotFoundError('account-not-found', 'this user has no trading account');
  return a;
}

async function pendingOf(q: Sql, accountId: unknown): Promise<PendingChange[]> {
  const rows = await q.query('SELECT * FROM risk_profile_pending WHERE account_id = $1', [accountId]);
  return rows
    .map((r) => ({
      field: String(r.field) as keyof RiskProfile,
      value: jsonValue(r.value),
      requestedAt: toMs(r.requested_at),
      effectiveAt: toMs(r.effective_at),
    }))
    .sort((a, b) => PROFILE_FIELDS.indexOf(a.field) - PROFILE_FIELDS.indexOf(b.field));
}

/** Risk profile reads and edits with cooling-off, ceilings and audit (see the module comment). */
export class ProfileService {
  private readonly sql: Sql;
  private readonly now: () => number;
  private readonly breaker: CircuitBreaker;

  constructor(o: ProfileServiceOptions) {
    this.sql = o.sql;
    this.now = o.now;
    this.breaker = o.breaker;
  }

  /**
   * Applies the account's pending changes that are due (effectiveAt ≤ now), audited as `risk-profile-change-applied`
   * (or `-cancelled` with reason `ceiling` when a lowered ceiling forbids one). Cheap when nothing is due (one
   * indexed read). The trading service may call it before deciding so a due loosening counts at once.
   * @throws NotFoundError `account-not-found`
   */
  async applyDue(userId: number): Promise<void> {
    const now = this.now();
    const due = await this.sql.query(
      `SELECT 1 FROM risk_profile_pending p JOIN accounts a ON a.id = p.account_id
        WHERE a.user_id = $1 AND p.effective_at <= $2 LIMIT 1`,
      [userId, new Date(now)],
    );
    if (!due[0]) return;
    await this.sql.tx(async (q) => {
      const a = await accountOf(q, userId, true);
      await this.applyDueIn(q, a, userId, now);
    });
  }

  private async applyDueIn(q: Sql, a: Row, userId: number, now: number): Promise<RiskProfile> {
    const current = asProfile(a.risk_profile);
    const pending = await pendingOf(q, a.id);
    if (!pending.some((p) => p.effectiveAt <= now)) return current;
    const { ceilings } = await readRiskSettings(q);
    const r = applyDueChanges(current, pending, now, ceilings);
    if (r.applied.length)
      await q.query('UPDATE accounts SET risk_profile = $2 WHERE id = $1', [a.id, JSON.stringify(r.profile)]);
    for (const p of [...r.applied, ...r.dropped])
      await q.query('DELETE FROM risk_profile_pending WHERE account_id = $1 AND field = $2', [a.id, p.field]);
    for (const p of r.applied)
      await audit(q, SYSTEM, 'risk-profile-change-applied', userId, {
        field: p.field,
        from: current[p.field],
        to: p.value,
        requestedAt: iso(p.requestedAt),
        effectiveAt: iso(p.effectiveAt),
      });
    for (const p of r.dropped)
      await audit(q, SYSTEM, 'risk-profile-change-cancelled', userId, {
        field: p.field,
        value: p.value,
        reason: 'ceiling',
      });
    return r.profile;
  }

  /** The profile, its pending changes, ceilings and the account's risk state (see {@link ProfileService.view}). */
  async get(userId: number): Promise<Record<string, unknown>> {
    await this.applyDue(userId);
    return this.view(this.sql, userId);
  }

  /**
   * Edits the profile: tightening fields apply at once (`risk-profile-changed`), loosening ones are scheduled for
   * now + the cooling-off period (`risk-profile-change-scheduled`), a pending change of a tightened field is
   * cancelled (`risk-profile-change-cancelled`, reason `superseded`). One transaction.
   * @throws ValidationError with field issues `above-hard-ceiling` or `risk-above-max`; nothing is written then.
   * @throws NotFoundError `account-not-found`
   */
  async update(
    userId: number,
    patch: Partial<RiskProfile>,
    actor: Actor,
  ): Promise<Record<string, unknown> & { change: ProfileChangeSummary }> {
    const now = this.now();
    const change = await this.sql.tx(async (q) => {
      const a = await accountOf(q, userId, true);
      const current = await this.applyDueIn(q, a, userId, now);
      const { ceilings, coolingOffSeconds } = await readRiskSettings(q);
      const pendingList = await pendingOf(q, a.id);
      const pending: Partial<RiskProfile> = Object.fromEntries(pendingList.map((p) => [p.field, p.value]));
      const plan = planProfileChange(current, pending, patch, ceilings);
      if (plan.issues.length) throw new ValidationError(plan.issues);
      const immediate = Object.keys(plan.immediate) as (keyof RiskProfile)[];
      if (immediate.length) {
        const next = { ...current, ...plan.immediate };
        await q.query('UPDATE accounts SET risk_profile = $2 WHERE id = $1', [a.id, JSON.stringify(next)]);
        await audit(q, actor, 'risk-profile-changed', userId, {
          changes: Object.fromEntries(immediate.map((f) => [f, { from: current[f], to: plan.immediate[f] }])),
        });
      }
      for (const f of plan.cancelled) {
        await q.query('DELETE FROM risk_profile_pending WHERE account_id = $1 AND field = $2', [a.id, f]);
        await audit(q, actor, 'risk-profile-change-cancelled', userId, {
          field: f,
          value: pending[f],
          reason: 'superseded',
        });
      }
      const scheduled = Object.keys(plan.scheduled) as (keyof RiskProfile)[];
      const effectiveAt = now + coolingOffSeconds * 1000;
      for (const f of scheduled)
        await q.query(
          `INSERT INTO risk_profile_pending (account_id, field, value, requested_at, effective_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id, field) DO UPDATE SET value = $3, requested_at = $4, effective_at = $5`,
          [a.id, f, JSON.stringify(plan.scheduled[f]), new Date(now), new Date(effectiveAt)],
        );
      if (scheduled.length)
        await audit(q, actor, 'risk-profile-change-scheduled', userId, {
          changes: Object.fromEntries(scheduled.map((f) => [f, { from: current[f], to: plan.scheduled[f] }])),
          effectiveAt: iso(effectiveAt),
        });
      return { applied: immediate, scheduled, cancelled: plan.cancelled } as ProfileChangeSummary;
    });
    // a zero cooling-off period makes a loosening due at once
    await this.applyDue(userId);
    return { ...(await this.view(this.sql, userId)), change };
  }

  /**
   * Cancels the pending change of `field`, or every pending change when `field` is undefined, audited as
   * `risk-profile-change-cancelled` (reason `owner`).
   * @throws NotFoundError `no-pending-change` when there is none to cancel.
   */
  async cancelPending(
    userId: number,
    field: keyof RiskProfile | undefined,
    actor: Actor,
  ): Promise<Record<string, unknown>> {
    await this.applyDue(userId);
    await this.sql.tx(async (q) => {
      const a = await accountOf(q, userId, true);
      const rows = await q.query(
        `DELETE FROM risk_profile_pending WHERE account_id = $1 AND ($2::text IS NULL OR field = $2) RETURNING field, value`,
        [a.id, field ?? null],
      );
      if (!rows[0])
        throw new NotFoundError('no-pending-change', field ? `no pending change of ${field}` : 'no pending change');
      for (const r of rows)
        await audit(q, actor, 'risk-profile-change-cancelled', userId, {
          field: String(r.field),
          value: jsonValue(r.value),
          reason: 'owner',
        });
    });
    return this.view(this.sql, userId);
  }

  /** Lifts a drawdown halt: clears it and restarts the peak at the current equity; audited as `halt-reset`. */
  async resetHalt(userId: number, actor: Actor): Promise<Record<string, unknown>> {
    await this.sql.tx(async (q) => {
      const a = await accountOf(q, userId, true);
      await q.query('UPDATE accounts SET halted_at = NULL, peak_equity = balance WHERE id = $1', [a.id]);
      await audit(q, actor, 'halt-reset', userId, {
        haltedAt: iso(toMsOrNull(a.halted_at)),
        peakEquity: dec0(a.peak_equity),
        balance: dec0(a.balance),
      });
    });
    return this.get(userId);
  }

  /** The deployment's ceilings and cooling-off period. */
  async settings(): Promise<RiskSettings> {
    return readRiskSettings(this.sql);
  }

  /**
   * Changes the hard ceilings and/or the cooling-off period (admins only: the caller checks). A lowered ceiling
   * applies at once to every profile above it (`risk-profile-changed`, reason `ceiling`) and cancels pending changes
   * above it; the change itself is audited as `risk-ceilings-changed`. One transaction.
   */
  async setSettings(
    patch: {
      maxRiskPerTradePct?: string | undefined;
      maxDrawdownPct?: string | undefined;
      coolingOffSeconds?: number | undefined;
    },
    actor: Actor,
  ): Promise<RiskSettings> {
    return this.sql.tx(async (q) => {
      const before = await readRiskSettings(q, true);
      const ceilings: HardCeilings = {
        maxRiskPerTradePct: patch.maxRiskPerTradePct ?? before.ceilings.maxRiskPerTradePct,
        maxDrawdownPct: patch.maxDrawdownPct ?? before.ceilings.maxDrawdownPct,
      };
      const coolingOffSeconds = patch.coolingOffSeconds ?? before.coolingOffSeconds;
      await q.query(
        `UPDATE risk_settings SET max_risk_per_trade_pct = $1, max_drawdown_pct = $2, cooling_off_seconds = $3,
           updated_at = now() WHERE id`,
        [ceilings.maxRiskPerTradePct, ceilings.maxDrawdownPct, coolingOffSeconds],
      );
      const clamped: number[] = [];
      const accounts = await q.query('SELECT id, user_id, risk_profile FROM accounts ORDER BY id FOR UPDATE');
      for (const a of accounts) {
        const userId = toInt(a.user_id);
        const p = asProfile(a.risk_profile);
        const lower = clampToCeilings(p, ceilings);
        const fields = Object.keys(lower) as (keyof RiskProfile)[];
        if (fields.length) {
          clamped.push(userId);
          await q.query('UPDATE accounts SET risk_profile = $2 WHERE id = $1', [
            a.id,
            JSON.stringify({ ...p, ...lower }),
          ]);
          await audit(q, actor, 'risk-profile-changed', userId, {
            changes: Object.fromEntries(fields.map((f) => [f, { from: p[f], to: lower[f] }])),
            reason: 'ceiling',
          });
        }
        for (const c of await pendingOf(q, a.id))
          if (aboveCeiling(c.field, c.value, ceilings)) {
            await q.query('DELETE FROM risk_profile_pending WHERE account_id = $1 AND field = $2', [a.id, c.field]);
            await audit(q, actor, 'risk-profile-change-cancelled', userId, {
              field: c.field,
              value: c.value,
              reason: 'ceiling',
            });
          }
      }
      await audit(q, actor, 'risk-ceilings-changed', null, {
        from: { ...before.ceilings, coolingOffSeconds: before.coolingOffSeconds },
        to: { ...ceilings, coolingOffSeconds },
        clampedUserIds: clamped,
      });
      return { ceilings, coolingOffSeconds };
    });
  }

  /**
   * The profile as the Desk shows it: `profile` (in force), `defaults`, `ceilings`, `coolingOffSeconds`, `pending`
   * (changes waiting, with `effectiveAt`), `fields` (per field: value, default, pending, ceiling, which way loosens),
   * `state` (the account's counters) and `limits` (each limit's use, whether it blocks trading and when it clears).
   */
  async view(q: Sql, userId: number): Promise<Record<string, unknown>> {
    const a = await accountOf(q, userId, false);
    const profile = asProfile(a.risk_profile);
    const pending = await pendingOf(q, a.id);
    const settings = await readRiskSettings(q);
    const now = this.now();
    return {
      profile,
      defaults: DEFAULT_RISK_PROFILE,
      ceilings: settings.ceilings,
      coolingOffSeconds: settings.coolingOffSeconds,
      pending: pending.map((p) => ({
        field: p.field,
        value: p.value,
        requestedAt: iso(p.requestedAt),
        effectiveAt: iso(p.effectiveAt),
      })),
      fields: Object.fromEntries(
        PROFILE_FIELDS.map((f) => {
          const p = pending.find((x) => x.field === f);
          return [
            f,
            {
              value: profile[f],
              default: DEFAULT_RISK_PROFILE[f],
              pending: p ? { value: p.value, requestedAt: iso(p.requestedAt), effectiveAt: iso(p.effectiveAt) } : null,
              ceiling: ceilingOf(f, settings.ceilings),
              looserWhen: LOOSER_WHEN[f],
            },
          ];
        }),
      ),
      state: accountState(a),
      limits: this.limits(a, profile, now),
    };
  }

  private limits(a: Row, profile: RiskProfile, now: number): Record<string, unknown> {
    const today = a.pnl_day === utcDay(now);
    const l = riskLimits(compileProfile(profile), {
      equity: toAtoms(String(a.balance)),
      realizedPnlToday: today ? toAtoms(String(a.pnl_day_realized)) : 0n,
      peakEquity: toAtoms(String(a.peak_equity)),
      haltedAt: toMsOrNull(a.halted_at),
      openRisk: toAtoms(String(a.open_risk)),
      openPositions: Number(a.open_positions),
      consecutiveLosses: Number(a.consecutive_losses),
      lastLossAt: toMsOrNull(a.last_loss_at),
      now,
    });
    const breaker = this.breaker.state();
    const retryAt = this.breaker.retryAt();
    const halted = l.drawdown.halted;
    return {
      breaker: {
        state: breaker,
        blocking: breaker !== 'closed',
        clearsAt: breaker === 'open' && retryAt !== undefined ? iso(retryAt) : null,
        clearsBy: breaker === 'closed' ? null : 'probe',
      },
      dailyLoss: {
        used: formatAtoms(l.dailyLoss.used),
        limit: formatAtoms(l.dailyLoss.limit),
        limitPct: profile.dailyLossLimitPct,
        blocking: l.dailyLoss.hit,
        clearsAt: iso(l.dailyLoss.clearsAt),
        clearsBy: l.dailyLoss.hit ? 'next-utc-day' : null,
      },
      drawdown: {
        fromPeak: formatAtoms(l.drawdown.fromPeak),
        limit: formatAtoms(l.drawdown.limit),
        limitPct: profile.maxDrawdownPct,
        peakEquity: dec0(a.peak_equity),
        blocking: halted,
        haltedAt: iso(toMsOrNull(a.halted_at)),
        clearsAt: null,
        clearsBy: halted ? 'reset' : null,
      },
      openRisk: {
        used: formatAtoms(l.openRisk.used),
        limit: formatAtoms(l.openRisk.limit),
        limitPct: profile.maxOpenRiskPct,
        blocking: l.openRisk.hit,
        clearsAt: null,
        clearsBy: l.openRisk.hit ? 'trades-closing' : null,
      },
      openPositions: {
        used: l.openPositions.used,
        max: l.openPositions.max,
        blocking: l.openPositions.hit,
        clearsAt: null,
        clearsBy: l.openPositions.hit ? 'trades-closing' : null,
      },
      cooldown: {
        consecutiveLosses: Number(a.consecutive_losses),
        lossStreakLimit: profile.lossStreakLimit,
        blocking: l.cooldown.active,
        until: iso(l.cooldown.until),
        clearsAt: iso(l.cooldown.until),
        clearsBy: l.cooldown.active ? 'time' : null,
      },
      halted,
      canTrade:
        breaker === 'closed' &&
        !l.dailyLoss.hit &&
        !halted &&
        !l.openRisk.hit &&
        !l.openPositions.hit &&
        !l.cooldown.active,
    };
  }

  /** The account's counters (as `GET /auth/me` shows them). @throws NotFoundError `account-not-found` */
  async accountState(userId: number): Promise<Record<string, unknown>> {
    return accountState(await accountOf(this.sql, userId, false));
  }
}

function accountState(a: Row): Record<string, unknown> {
  const halted = toMsOrNull(a.halted_at);
  const lastLoss = toMsOrNull(a.last_loss_at);
  return {
    balance: dec0(a.balance),
    peakEquity: dec0(a.peak_equity),
    haltedAt: iso(halted),
    consecutiveLosses: Number(a.consecutive_losses),
    lastLossAt: iso(lastLoss),
    realizedPnlDay: a.pnl_day === null || a.pnl_day === undefined ? null : String(a.pnl_day),
    realizedPnlToday: dec0(a.pnl_day_realized),
    openRisk: dec0(a.open_risk),
    openPositions: Number(a.open_positions),
    reserved: dec0(a.reserved),
  };
}
