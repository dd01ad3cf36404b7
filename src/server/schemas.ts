/**
 * Request schemas (zod), validated at the boundary before anything reaches the services. The same schemas
 * produce the OpenAPI document.
 *
 * Decimal fields accept a JSON string ("95.5") or a JSON number (95.5); both become exact decimal text. A number is
 * taken at its shortest round-trip representation, so 0.1 is "0.1", never 0.1000000000000000055….
 */
import { z } from 'zod';
import { numberToDecimalText } from '../core/money/decimal.ts';

const DECIMAL_RE = /^\d+(\.\d+)?$/;

/** A positive decimal amount: string or number in, decimal text out. */
export const positiveDecimal = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', message: 'must be a finite number' });
      return z.NEVER;
    }
    const s = typeof v === 'number' ? numberToDecimalText(v) : v.trim();
    if (!DECIMAL_RE.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: s.startsWith('-') ? 'must be greater than zero' : 'must be a decimal number such as "95.5"',
      });
      return z.NEVER;
    }
    if (s.split('.')[0]!.replace(/^0+/, '').length > 15) {
      ctx.addIssue({ code: 'custom', message: 'is too large (at most 15 digits before the decimal point)' });
      return z.NEVER;
    }
    if (/^0+(\.0+)?$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
      return z.NEVER;
    }
    return s;
  })
  .meta({ type: 'string', description: 'positive decimal, e.g. "95.5" (a JSON number is accepted too)' });

/** Body of `POST /api/v1/trades` and `POST /api/v1/sizing`. */
export const SetupBody = z
  .object({
    symbol: z.string().min(1).max(40).describe('instrument symbol, e.g. BTC-USD'),
    side: z
      .enum(['buy', 'sell', 'long', 'short'])
      .transform((s) => (s === 'long' ? 'buy' : s === 'short' ? 'sell' : s)),
    entryType: z.enum(['market', 'limit']).optional().describe('default: limit when entryPrice is given, else market'),
    entryPrice: positiveDecimal.optional().describe('limit price of the entry'),
    stopLoss: positiveDecimal.describe('stop-loss price (reduce-only stop-market)'),
    takeProfit: positiveDecimal.optional().describe('take-profit price (limit); required by the default profile'),
    riskPct: positiveDecimal.optional().describe('risk per trade override, percent of equity'),
    setup: z.string().max(80).optional().describe('setup name for the journal'),
    tags: z.array(z.string().min(1).max(40)).max(20).optional(),
    notes: z.string().max(4000).optional(),
    connectionId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('exchange connection to trade through (live); absent: the paper account'),
  })
  .strict()
  .transform((b) => ({ ...b, entryType: b.entryType ?? (b.entryPrice !== undefined ? 'limit' : 'market') }) as const);

/** Body of register and login. */
export const CredentialsBody = z
  .object({
    email: z.email().max(200),
    password: z.string().min(8, 'must be at least 8 characters').max(200),
  })
  .strict();

const pct = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? numberToDecimalText(v) : v.trim();
  if (!/^\d+(\.\d{1,6})?$/.test(s) || Number(s) <= 0 || Number(s) > 100) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a percent greater than 0 and at most 100, with at most 6 decimals',
    });
    return z.NEVER;
  }
  return s;
});

/** Largest `minRewardRisk` of a risk profile (a reward:risk no trade plan reaches; keeps the stored text short). */
export const MAX_MIN_REWARD_RISK = 1000;

/** Body of `PUT /api/v1/risk-profile`: any subset of fields; the result is checked as a whole. */
export const RiskProfileBody = z
  .object({
    riskPerTradePct: pct.optional(),
    maxRiskPerTradePct: pct.optional(),
    minRewardRisk: z
      .union([z.string(), z.number()])
      .transform((v, ctx) => {
        const s = typeof v === 'number' ? numberToDecimalText(v) : v.trim();
        if (!/^\d+(\.\d{1,8})?$/.test(s)) {
          ctx.addIssue({ code: 'custom', message: 'must be a non-negative ratio such as "2"' });
          return z.NEVER;
        }
        if (Number(s) > MAX_MIN_REWARD_RISK) {
          ctx.addIssue({
            code: 'too_big',
            origin: 'number',
            maximum: MAX_MIN_REWARD_RISK,
            inclusive: true,
            input: v,
            message: `must be at most ${MAX_MIN_REWARD_RISK}`,
          });
          return z.NEVER;
        }
        return s;
      })
      .optional(),
    requireTakeProfit: z.boolean().optional(),
    dailyLossLimitPct: pct.optional(),
    maxDrawdownPct: pct.optional(),
    maxOpenRiskPct: pct.optional(),
    maxOpenPositions: z.number().int().min(1).max(1000).optional(),
    lossStreakLimit: z.number().int().min(1).max(1000).optional(),
    cooldownMinutes: z.number().int().min(0).max(100_000).optional(),
    maxLeverage: z
      .union([z.string(), z.number()])
      .transform((v, ctx) => {
        const s = typeof v === 'number' ? numberToDecimalText(v) : v.trim();
        if (!/^\d+(\.\d{1,8})?$/.test(s) || Number(s) <= 0 || Number(s) > 125) {
          ctx.addIssue({ code: 'custom', message: 'must be a leverage greater than 0 and at most 125' });
          return z.NEVER;
        }
        return s;
      })
      .optional(),
  })
  .strict();

/** Query of journal statistics and trade lists. */
export const JournalQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    symbol: z.string().optional(),
    setup: z.string().optional(),
    tag: z.string().optional(),
    status: z.enum(['pending', 'open', 'closed', 'cancelled', 'rejected']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Query of `GET /api/v1/journal/stats`: the journal filters without paging. */
export const StatsQuery = JournalQuery.omit({ status: true, limit: true });

/** Query of `GET /api/v1/decisions`. */
export const DecisionsQuery = z
  .object({
    approved: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    kind: z
      .enum(['submit', 'move-stop', 'move-target', 'breakeven', 'partial-close', 'close', 'venue', 'reconcile'])
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().positive().optional(),
  })
  .strict();

/** Body of `PATCH /api/v1/trades/:id`: the journal fields, with the limits of {@link SetupBody}; null clears. */
export const TradeEditBody = z
  .object({
    setup: z.string().max(80).nullable().optional().describe('setup name; null clears it'),
    tags: z.array(z.string().min(1).max(40)).max(20).optional().describe('replaces the tags'),
    notes: z.string().max(4000).nullable().optional().describe('null clears the notes'),
  })
  .strict();

/** Body of `POST /api/v1/trades/:id/stop` and `/target`. */
export const PriceBody = z.object({ price: positiveDecimal.describe('the new price, on the tick grid') }).strict();

/** Body of `POST /api/v1/trades/:id/close`, optional: without `quantity` the whole position closes. */
export const CloseBody = z.preprocess(
  (v) => v ?? {},
  z
    .object({
      quantity: positiveDecimal
        .optional()
        .describe('part of the open size to close, on the lot grid (below the open size; omitted: all of it)'),
    })
    .strict(),
);

/** `:id` path parameter. */
export const IdParams = z.object({ id: z.coerce.number().int().positive() });
