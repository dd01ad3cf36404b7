/**
 * REST routes of backtesting under `/api/v1`: saved strategies (`/strategies`), backtest jobs (`/backtests`) and
 * optimisation jobs (`/optimizations`). Submitting a job answers `202 { id, status: 'queued' }`; the job runs in the
 * background and reports on the user's WebSocket (`backtest-progress`, `backtest-done`, `backtest-failed`).
 * Submissions are in the `expensive` rate-limit class.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { numberToDecimalText } from '../core/money/decimal.ts';
import { TIMEFRAMES } from '../core/marketdata/candle.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import type { BacktestOptions } from '../core/backtest/types.ts';
import type { AppContext } from '../app/context.ts';
import type { RateLimiter } from './ratelimit.ts';
import { rateLimit, requireUser } from './guards.ts';

/** A non-negative decimal: string or JSON number in, decimal text out. */
const nonNegativeDecimal = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? numberToDecimalText(v) : v.trim()))
  .pipe(z.string().regex(/^\d{1,15}(\.\d{1,12})?$/, 'must be a non-negative decimal such as "0.001"'))
  .meta({ type: 'string', description: 'non-negative decimal, e.g. "0.001"' });

const positiveDecimal = nonNegativeDecimal.refine((s) => !/^0+(\.0+)?$/.test(s), 'must be greater than zero');

/** Backtest options (decimal text for money and fractions); see `BacktestOptions` in src/core/backtest/types.ts. */
export const BacktestOptionsBody = z
  .object({
    cash: positiveDecimal.optional().describe('starting cash, quote currency (default "10000")'),
    commission: z
      .union([nonNegativeDecimal, z.object({ fixed: nonNegativeDecimal, rate: nonNegativeDecimal }).strict()])
      .optional()
      .describe('per fill: a fraction of traded value, or { fixed, rate }'),
    spread: nonNegativeDecimal.optional().describe('fraction added to the entry price against the trader'),
    exclusiveOrders: z.boolean().optional(),
    tradeOnClose: z.boolean().optional(),
    finalizeTrades: z.boolean().optional(),
    lotSize: positiveDecimal.optional().describe('size of one lot in units (default "1")'),
    testudo: z
      .object({
        riskPerTradePct: positiveDecimal
          .refine(
            (s) => Number(s) <= Number(DEFAULT_RISK_PROFILE.maxRiskPerTradePct),
            `must be at most the Testudo Protocol's hard maximum of ${DEFAULT_RISK_PROFILE.maxRiskPerTradePct}% per trade`,
          )
          .optional()
          .describe('risk per trade, percent of equity (default: the protocol default)'),
      })
      .strict()
      .optional()
      .describe('Testudo mode with the default risk profile (`testudo backtest --risk PCT`)'),
  })
  .strict();

/**
 * Backtest options as the core takes them: Testudo mode `{ riskPerTradePct }` becomes the default Testudo Protocol
 * with that risk per trade (what `--risk PCT` does on the command line); everything else is passed as is.
 */
export function toBacktestOptions(o: z.infer<typeof BacktestOptionsBody> | undefined): BacktestOptions | undefined {
  if (o === undefined) return undefined;
  const { testudo, ...rest } = o;
  if (testudo === undefined) return rest;
  return {
    ...rest,
    testudo:
      testudo.riskPerTradePct === undefined
        ? {}
        : { profile: { ...DEFAULT_RISK_PROFILE, riskPerTradePct: testudo.riskPerTradePct } },
  };
}

const ParamValue = z.union([z.number(), z.boolean(), z.string().max(200)]);
const ParamsBody = z.record(z.string().min(1).max(80), ParamValue).describe('parameter values by name');

/** Body of `POST` and `PUT /api/v1/strategies`. */
export const StrategyBody = z
  .object({
    name: z.string().trim().min(1).max(80),
    strategy: z.string().min(1).max(80).describe('a built-in strategy, e.g. sma-cross'),
    params: ParamsBody.optional(),
    options: BacktestOptionsBody.optional(),
  })
  .strict();

const when = z.iso.datetime({ offset: true }).or(z.iso.date());

const DataBody = z
  .object({
    symbol: z.string().min(1).max(40),
    timeframe: z.enum(Object.keys(TIMEFRAMES) as [keyof typeof TIMEFRAMES, ...(keyof typeof TIMEFRAMES)[]]),
    from: when.optional().describe('inclusive, ISO 8601'),
    to: when.optional().describe('exclusive, ISO 8601'),
  })
  .strict();

/** Body of `POST /api/v1/backtests`: `strategyId` (a saved strategy) or `strategy` (a built-in). */
export const BacktestBody = z
  .object({
    strategyId: z.number().int().positive().optional(),
    strategy: z.string().min(1).max(80).optional(),
    params: ParamsBody.optional().describe('over the saved strategy’s defaults'),
    options: BacktestOptionsBody.optional(),
    data: DataBody,
  })
  .strict();

const Range = z.object({ start: z.number(), stop: z.number(), step: z.number().positive() }).strict();

/** Body of `POST /api/v1/optimizations`. */
export const OptimizationBody = BacktestBody.extend({
  grid: z
    .record(z.string().min(1).max(80), z.union([z.array(ParamValue).min(1).max(10_000), Range]))
    .describe('per parameter: a list of values or an inclusive range { start, stop, step }; order = grid order'),
  maximize: z.string().max(80).optional().describe('statistic to maximise (default "SQN")'),
  constraint: z.string().max(500).optional().describe('e.g. "fast<slow"'),
}).strict();

const Id = z.object({ id: z.coerce.number().int().positive() });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
const TopQuery = z.object({ top: z.coerce.number().int().min(1).max(10_000).default(100) }).strict();

/** Registers the backtesting routes. */
export function backtestRoutes(app: FastifyInstance, ctx: AppContext, limiter: RateLimiter): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const bt = ctx.backtests;
  const tags = ['backtest'];

  // --- saved strategies ---
  r.get('/api/v1/strategies', { schema: { tags } }, async (req) => ({
    strategies: await bt.listStrategies(requireUser(req).id),
  }));
  r.post('/api/v1/strategies', { schema: { tags, body: StrategyBody } }, async (req, reply) => {
    const s = await bt.createStrategy(requireUser(req).id, {
      ...req.body,
      options: toBacktestOptions(req.body.options),
    });
    reply.code(201);
    return s;
  });
  r.get('/api/v1/strategies/:id', { schema: { tags, params: Id } }, async (req) =>
    bt.getStrategy(requireUser(req).id, req.params.id),
  );
  r.put('/api/v1/strategies/:id', { schema: { tags, params: Id, body: StrategyBody } }, async (req) =>
    bt.replaceStrategy(requireUser(req).id, req.params.id, {
      ...req.body,
      options: toBacktestOptions(req.body.options),
    }),
  );
  r.delete('/api/v1/strategies/:id', { schema: { tags, params: Id } }, async (req, reply) => {
    await bt.deleteStrategy(requireUser(req).id, req.params.id);
    reply.code(204);
  });

  // --- backtests ---
  r.post(
    '/api/v1/backtests',
    { schema: { tags, body: BacktestBody }, preHandler: rateLimit(limiter, 'expensive') },
    async (req, reply) => {
      reply.code(202);
      return bt.submitBacktest(requireUser(req).id, { ...req.body, options: toBacktestOptions(req.body.options) });
    },
  );
  r.get('/api/v1/backtests/:id', { schema: { tags, params: Id } }, async (req) =>
    bt.get(requireUser(req).id, req.params.id, { kind: 'backtest' }),
  );

  // --- optimisations ---
  r.post(
    '/api/v1/optimizations',
    { schema: { tags, body: OptimizationBody }, preHandler: rateLimit(limiter, 'expensive') },
    async (req, reply) => {
      await ctx.plans.requirePlan(requireUser(req).id, 'optimization'); // 403 plan-required when Stripe plans are on
      reply.code(202);
      return bt.submitOptimization(requireUser(req).id, { ...req.body, options: toBacktestOptions(req.body.options) });
    },
  );
  r.get('/api/v1/optimizations/:id', { schema: { tags, params: Id, querystring: TopQuery } }, async (req) =>
    bt.get(requireUser(req).id, req.params.id, { kind: 'optimization', top: req.query.top }),
  );

  // Listing and deleting are the same for both kinds of job.
  for (const [kind, path] of [
    ['backtest', 'backtests'],
    ['optimization', 'optimizations'],
  ] as const) {
    r.get(`/api/v1/${path}`, { schema: { tags, querystring: ListQuery } }, async (req) => ({
      [path]: await bt.list(requireUser(req).id, { kind, limit: req.query.limit }),
    }));
    r.delete(`/api/v1/${path}/:id`, { schema: { tags, params: Id } }, async (req, reply) => {
      await bt.delete(requireUser(req).id, req.params.id, kind);
      reply.code(204);
    });
  }
}
