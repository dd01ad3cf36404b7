/**
 * Request and response schemas (zod) of the auth, risk-profile, journal, audit and admin routes. The response
 * schemas are the Desk's contract: the server checks every reply against them and the Desk's TypeScript types are
 * generated from the OpenAPI document they produce. Money is decimal text; R, rates and percents of statistics are
 * numbers; times ISO 8601 UTC.
 */
import { z } from 'zod';
import { BREAKDOWN_DIMENSIONS } from '../core/journal/analytics.ts';
import { PROFILE_FIELDS } from '../core/risk/profile.ts';
import { RiskProfileBody, StatsQuery } from './schemas.ts';

const cursor = z.coerce.number().int().positive().optional().describe('the previous page’s nextCursor');
const pageLimit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
const isoTime = z.string().describe('ISO 8601 UTC');
const money = z.string().describe('decimal text');
const nextCursor = z.string().nullable().describe('pass as `cursor` for the next page; null on the last page');

// ---------------------------------------------------------------- requests

/** Limits of journal entries. */
export const ENTRY_LIMITS = { title: 200, body: 100_000, tags: 20, tag: 40, collection: 60, tradeIds: 50 } as const;

const tag = z.string().trim().min(1).max(ENTRY_LIMITS.tag);
const entryFields = {
  title: z.string().trim().min(1).max(ENTRY_LIMITS.title),
  body: z.string().max(ENTRY_LIMITS.body).describe('Markdown, stored as text (the Desk renders and sanitises it)'),
  tags: z.array(tag).max(ENTRY_LIMITS.tags),
  collection: z
    .string()
    .trim()
    .min(1)
    .max(ENTRY_LIMITS.collection)
    .nullable()
    .describe('e.g. "playbook", "review", free text; null for none'),
  tradeIds: z
    .array(z.number().int().positive())
    .max(ENTRY_LIMITS.tradeIds)
    .describe('ids of your own trades; another user’s or a missing trade is field error unknown-trade'),
};

/** Body of `POST /api/v1/journal/entries`. */
export const EntryBody = z
  .object({
    title: entryFields.title,
    body: entryFields.body.default(''),
    tags: entryFields.tags.default([]),
    collection: entryFields.collection.default(null),
    tradeIds: entryFields.tradeIds.default([]),
  })
  .strict();

/** Body of `PATCH /api/v1/journal/entries/:id`: any subset; `tradeIds` replaces the links. */
export const EntryPatchBody = z
  .object({
    title: entryFields.title.optional(),
    body: entryFields.body.optional(),
    tags: entryFields.tags.optional(),
    collection: entryFields.collection.optional(),
    tradeIds: entryFields.tradeIds.optional(),
  })
  .strict();

/** Query of `GET /api/v1/journal/entries`. */
export const EntryListQuery = z
  .object({
    tradeId: z.coerce.number().int().positive().optional().describe('entries linked to this trade'),
    tag: z.string().max(ENTRY_LIMITS.tag).optional(),
    collection: z.string().max(ENTRY_LIMITS.collection).optional(),
    q: z.string().max(200).optional().describe('full-text search over title and body (web search syntax)'),
    limit: pageLimit(200, 50),
    cursor,
  })
  .strict();

/** Query of `GET /api/v1/journal/breakdown`: the statistics filters and the dimension. */
export const BreakdownQuery = StatsQuery.extend({
  by: z.enum(BREAKDOWN_DIMENSIONS).describe('weekday and hour: UTC, of the exit time'),
}).strict();

/** Query of `GET /api/v1/journal/r-distribution`. */
export const RDistributionQuery = StatsQuery.extend({
  width: z.coerce.number().min(0.05).max(10).default(0.5).describe('bucket width in R'),
}).strict();

/** `:field` of `DELETE /api/v1/risk-profile/pending/:field`. */
export const PendingFieldParams = z.object({ field: z.enum(PROFILE_FIELDS as [string, ...string[]]) });

/** Query of `GET /api/v1/audit`. */
export const AuditQuery = z.object({ limit: pageLimit(500, 100), cursor }).strict();

/** Query of `GET /api/v1/admin/audit`. */
export const AdminAuditQuery = z
  .object({
    userId: z.coerce.number().int().positive().optional().describe('entries where this user is actor or subject'),
    action: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a kebab-case action')
      .max(60)
      .optional(),
    limit: pageLimit(500, 100),
    cursor,
  })
  .strict();

/** Query of `GET /api/v1/admin/users`. */
export const AdminUsersQuery = z.object({ limit: pageLimit(500, 100), cursor }).strict();

/** Body of `POST /api/v1/admin/users/:id/admin`. */
export const AdminGrantBody = z.object({ admin: z.boolean() }).strict();

/** Body of `PUT /api/v1/admin/risk-ceilings`: any subset. */
export const CeilingsBody = z
  .object({
    maxRiskPerTradePct: RiskProfileBody.shape.maxRiskPerTradePct.describe('ceiling of risk per trade, percent'),
    maxDrawdownPct: RiskProfileBody.shape.maxDrawdownPct.describe('ceiling of the drawdown halt, percent'),
    coolingOffSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .optional()
      .describe('cooling-off period of loosening changes'),
  })
  .strict();

// ---------------------------------------------------------------- responses

/**
 * Types a service's untyped view (`Record<string, unknown>`) as the reply of `schema`. No check here: the server's
 * serializer checks every reply against the route's response schema (a mismatch is a 500, caught by the tests).
 */
export function as<S extends z.ZodType>(_schema: S, value: unknown): z.infer<S> {
  return value as z.infer<S>;
}

/** An error body (for documentation of non-2xx replies). */
export const ErrorReply = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  }),
});

const UserSchema = z.object({ id: z.number().int(), email: z.string(), isAdmin: z.boolean().optional() });

/** Register and login. */
export const UserReply = z.object({ user: UserSchema });

/** The account's counters. */
export const AccountState = z.object({
  balance: money,
  peakEquity: money,
  haltedAt: isoTime.nullable(),
  consecutiveLosses: z.number().int(),
  lastLossAt: isoTime.nullable(),
  realizedPnlDay: z.string().nullable().describe('UTC day (YYYY-MM-DD) of realizedPnlToday'),
  realizedPnlToday: money,
  openRisk: money,
  openPositions: z.number().int(),
  reserved: money,
});

/** `GET /api/v1/auth/me`. */
export const MeReply = z.object({
  user: UserSchema,
  isAdmin: z.boolean(),
  onboarded: z.boolean().describe('set by POST /auth/onboarded after the Desk’s first-run onboarding'),
  createdAt: isoTime,
  account: AccountState,
});

/** `{ ok: true }`. */
export const OkReply = z.object({ ok: z.boolean() });

const ProfileValue = z.union([z.string(), z.number(), z.boolean()]);

/** A risk profile (percent and ratios as decimal text). */
export const RiskProfileSchema = z.object({
  riskPerTradePct: z.string(),
  maxRiskPerTradePct: z.string(),
  minRewardRisk: z.string(),
  requireTakeProfit: z.boolean(),
  dailyLossLimitPct: z.string(),
  maxDrawdownPct: z.string(),
  maxOpenRiskPct: z.string(),
  maxOpenPositions: z.number().int(),
  lossStreakLimit: z.number().int(),
  cooldownMinutes: z.number().int(),
  maxLeverage: z.string(),
});

const Ceilings = z.object({ maxRiskPerTradePct: z.string(), maxDrawdownPct: z.string() });
const Pending = z.object({ value: ProfileValue, requestedAt: isoTime, effectiveAt: isoTime });
const FieldView = z.object({
  value: ProfileValue.describe('in force now'),
  default: ProfileValue,
  pending: Pending.nullable().describe('a loosening waiting out the cooling-off period'),
  ceiling: z.string().nullable().describe('hard ceiling of this field, or null'),
  looserWhen: z.enum(['higher', 'lower', 'false']).describe('which way of changing it loosens the protocol'),
});
const clears = {
  blocking: z.boolean().describe('refuses new trades now'),
  clearsAt: isoTime.nullable().describe('when it clears by itself, or null'),
  clearsBy: z
    .enum(['probe', 'next-utc-day', 'reset', 'trades-closing', 'time'])
    .nullable()
    .describe('what clears it, null when not blocking'),
};

/** Where each limit stands (the Positions page). */
export const RiskLimitsSchema = z.object({
  breaker: z.object({ state: z.enum(['closed', 'open', 'half-open']), ...clears }),
  dailyLoss: z.object({ used: money, limit: money, limitPct: z.string(), ...clears }),
  drawdown: z.object({
    fromPeak: money,
    limit: money,
    limitPct: z.string(),
    peakEquity: money,
    haltedAt: isoTime.nullable(),
    ...clears,
  }),
  openRisk: z.object({ used: money, limit: money, limitPct: z.string(), ...clears }),
  openPositions: z.object({ used: z.number().int(), max: z.number().int(), ...clears }),
  cooldown: z.object({
    consecutiveLosses: z.number().int(),
    lossStreakLimit: z.number().int(),
    until: isoTime.nullable(),
    ...clears,
  }),
  halted: z.boolean().describe('drawdown halt in force (POST /risk-profile/reset-halt lifts it)'),
  canTrade: z.boolean().describe('no limit blocks a new trade now'),
});

/** `GET /api/v1/risk-profile` (and the other risk-profile routes). */
export const RiskProfileReply = z.object({
  profile: RiskProfileSchema.describe('in force now'),
  defaults: RiskProfileSchema,
  ceilings: Ceilings,
  coolingOffSeconds: z.number().int(),
  pending: z.array(Pending.extend({ field: z.string() })),
  fields: z.record(z.string(), FieldView),
  state: AccountState,
  limits: RiskLimitsSchema,
});

/** `PUT /api/v1/risk-profile`: the profile and what the edit did. */
export const RiskProfileUpdateReply = RiskProfileReply.extend({
  change: z.object({
    applied: z.array(z.string()).describe('tightened: in force now'),
    scheduled: z.array(z.string()).describe('loosened: pending until effectiveAt'),
    cancelled: z.array(z.string()).describe('pending changes superseded'),
  }),
});

/** Journal statistics. */
export const StatsReply = z.object({
  filter: z.record(z.string(), z.unknown()),
  trades: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  breakeven: z.number().int(),
  winRate: z.number(),
  rTrades: z.number().int().describe('trades whose R is known (imported ones without a stop are not): the R figures'),
  avgWinR: z.number(),
  avgLossR: z.number(),
  expectancyR: z.number(),
  sqn: z.number().nullable(),
  profitFactor: z.number().nullable(),
  totalR: z.number(),
  grossProfit: money,
  grossLoss: money,
  netPnl: money,
  maxDrawdown: money,
  maxDrawdownPct: z.number().nullable(),
  maxDrawdownR: z.number(),
  longestLosingStreak: z.number().int(),
  longestWinningStreak: z.number().int(),
});

/** `GET /api/v1/equity`. */
export const EquityReply = z.object({
  startEquity: money,
  balance: money,
  curve: z.array(
    z.object({
      time: isoTime,
      equity: money,
      drawdown: money.describe('below the running peak'),
      drawdownPct: z.number().nullable().describe('underwater curve: percent below the running peak'),
    }),
  ),
  daily: z.array(
    z.object({
      day: z.string(),
      trades: z.number().int(),
      wins: z.number().int(),
      losses: z.number().int(),
      netPnl: money,
      r: z.number(),
      endEquity: money,
      returnPct: z.number().nullable(),
    }),
  ),
});

/** A journal entry. */
export const EntrySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  collection: z.string().nullable(),
  tradeIds: z.array(z.number().int()),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** `GET /api/v1/journal/entries`. */
export const EntryListReply = z.object({ entries: z.array(EntrySchema), nextCursor });

/** `GET /api/v1/journal/breakdown`. */
export const BreakdownReply = z.object({
  by: z.enum(BREAKDOWN_DIMENSIONS),
  groups: z.array(
    z.object({
      key: z.string().nullable().describe('monday…sunday, 00…23, buy/sell, or the setup/tag/symbol; null: none'),
      trades: z.number().int(),
      wins: z.number().int(),
      losses: z.number().int(),
      winRate: z.number(),
      rTrades: z.number().int().describe('trades whose R is known: totalR and expectancyR cover these'),
      totalR: z.number(),
      expectancyR: z.number(),
      netPnl: money,
    }),
  ),
});

/** `GET /api/v1/journal/r-distribution`. */
export const RDistributionReply = z.object({
  trades: z.number().int(),
  width: z.number(),
  buckets: z.array(
    z.object({
      from: z.number().nullable().describe('inclusive; null: open-ended'),
      to: z.number().nullable().describe('exclusive; null: open-ended'),
      count: z.number().int(),
    }),
  ),
  rs: z.array(z.number()),
});

/** `GET /api/v1/journal/excursions`. */
export const ExcursionsReply = z.object({
  trades: z.array(
    z.object({
      id: z.number().int(),
      r: z.number(),
      maeR: z.number().nullable(),
      mfeR: z.number().nullable(),
      holdingSeconds: z.number().int().nullable(),
      side: z.enum(['buy', 'sell']),
      symbol: z.string(),
      setup: z.string().nullable(),
      closedAt: isoTime,
    }),
  ),
});

/** `GET /api/v1/journal/daily`. */
export const DailyReply = z.object({
  days: z.array(
    z.object({
      day: z.string().describe('UTC day of exit, YYYY-MM-DD'),
      trades: z.number().int(),
      wins: z.number().int(),
      losses: z.number().int(),
      netPnl: money,
      r: z.number(),
    }),
  ),
});

/** `GET /api/v1/audit` and `GET /api/v1/admin/audit`. */
export const AuditReply = z.object({
  entries: z.array(
    z.object({
      id: z.number().int(),
      at: isoTime,
      actorUserId: z.number().int().nullable().describe('null: the system (a pending change applied)'),
      subjectUserId: z.number().int().nullable(),
      action: z.string(),
      details: z.record(z.string(), z.unknown()),
      address: z.string().nullable(),
    }),
  ),
  nextCursor,
});

const AdminUser = z.object({ id: z.number().int(), email: z.string(), isAdmin: z.boolean(), createdAt: isoTime });

/** `GET /api/v1/admin/users`. */
export const AdminUsersReply = z.object({ users: z.array(AdminUser), nextCursor });

/** `POST /api/v1/admin/users/:id/admin`. */
export const AdminUserReply = z.object({ user: AdminUser });

/** `GET` and `PUT /api/v1/admin/risk-ceilings`. */
export const CeilingsReply = z.object({ ceilings: Ceilings, coolingOffSeconds: z.number().int() });
