/**
 * The parity report of a strategy run over REST: `GET /api/v1/strategy-runs/:id/parity?from&to` replays the run's
 * bars through the backtester exactly as the run traded them and answers, trade by trade, where the backtest and the
 * live record differ (`src/app/strategies/parity.ts`). Owner only: another user's run is `404 run-not-found`. Needs
 * the `read` scope with an API token (the global hook).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { computeParity, parityView } from '../app/strategies/parity.ts';
import { ValidationError } from '../app/errors.ts';
import type { RateLimiter } from './ratelimit.ts';
import { rateLimit, requireUser } from './guards.ts';
import { IdParams } from './schemas.ts';

const isoTime = z.string().describe('ISO 8601 UTC');
const when = z.iso.datetime({ offset: true }).or(z.iso.date());

/** Query of the parity route: an entry-time range, both ends optional (`from` inclusive, `to` exclusive). */
export const ParityQuery = z
  .object({
    from: when.optional().describe('only trades that entered at or after this time'),
    to: when.optional().describe('only trades that entered before this time'),
  })
  .strict();

const Side = z.object({
  side: z.enum(['buy', 'sell']),
  entryTime: isoTime.describe('open time of the entry bar'),
  exitTime: isoTime.nullable().describe('open time of the exit bar; null while open'),
  size: z.string().describe('quantity, base units'),
  entryPrice: z.string(),
  exitPrice: z.string().nullable(),
  fees: z.string(),
  pnl: z.string().nullable().describe('net P&L after fees'),
  r: z.number().nullable(),
  exitReason: z.string().nullable().describe('backtest: signal, stop, target, end; live: stop, target, manual'),
  tradeId: z.number().int().optional().describe('the journal trade (live side)'),
});

const Diff = z.object({
  entryTimeMs: z.number().describe('live − backtest, ms'),
  exitTimeMs: z.number().nullable(),
  entryPrice: z.string().describe('live − backtest, exact decimal text'),
  exitPrice: z.string().nullable(),
  size: z.string(),
  fees: z.string(),
  pnl: z.string().nullable(),
  slippageR: z.number().nullable().describe('entry + exit slippage in R; positive = a cost to the trader'),
  entrySlippageR: z.number().nullable(),
  exitSlippageR: z.number().nullable(),
  feesR: z.number().nullable().describe('fee difference in R; positive = the live trade paid more'),
  r: z.number().nullable().describe('live R − backtest R'),
});

/** `GET /api/v1/strategy-runs/:id/parity`: the report. */
export const ParityReply = z.object({
  run: z.object({
    id: z.number().int(),
    strategy: z.string(),
    params: z.record(z.string(), z.unknown()),
    symbol: z.string(),
    timeframe: z.string(),
    host: z.string(),
    status: z.string(),
    connectionId: z.number().int().nullable(),
    startEquity: z.string(),
    historyFrom: isoTime.nullable(),
    firstBarTime: isoTime.nullable(),
    cursorTime: isoTime.nullable(),
  }),
  range: z.object({ from: isoTime.nullable(), to: isoTime.nullable() }),
  settings: z.object({
    cash: z.string(),
    fees: z.object({ maker: z.string(), taker: z.string() }),
    tickSize: z.string(),
    lotSize: z.string(),
    tradeOnClose: z.literal(true),
    testudo: z.literal(true),
    riskProfile: z.record(z.string(), z.unknown()),
  }),
  backtest: z.object({ bars: z.number().int(), from: isoTime, to: isoTime, trades: z.number().int() }),
  equal: z.boolean().describe('every trade matched with no difference'),
  totals: z.object({
    backtestTrades: z.number().int(),
    liveTrades: z.number().int(),
    matched: z.number().int(),
    differing: z.number().int(),
    openLive: z.number().int().describe('matched pairs whose live trade is still open (exits not compared yet)'),
    missed: z.number().int(),
    extra: z.number().int(),
    liveRejections: z.number().int(),
    backtestRejections: z.number().int(),
    backtestR: z.number(),
    liveR: z.number(),
    diffR: z.number(),
    slippageR: z.number(),
    feesR: z.number(),
    missedR: z.number(),
    extraR: z.number(),
    fees: z.string(),
    pnl: z.string(),
  }),
  rows: z.array(
    z.object({
      status: z.enum(['matched', 'missed', 'extra']),
      backtest: Side.nullable(),
      live: Side.nullable(),
      diff: Diff.nullable(),
      equal: z.boolean(),
      differences: z.array(z.string()),
      rejectedBy: z.array(z.string()).describe('live rule rejections on a missed trade’s entry bar'),
    }),
  ),
  liveRejections: z.array(z.object({ time: isoTime, codes: z.array(z.string()), decisionId: z.number().nullable() })),
  backtestRejections: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
});

const toMs = (s: string | undefined): number | null => (s === undefined ? null : Date.parse(s));

/** Registers `GET /api/v1/strategy-runs/:id/parity` (it runs a backtest: the `expensive` rate-limit class). */
export function parityRoutes(app: FastifyInstance, ctx: AppContext, limiter: RateLimiter): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/strategy-runs/:id/parity',
    {
      schema: {
        params: IdParams,
        querystring: ParityQuery,
        tags: ['strategies'],
        response: { 200: ParityReply },
      },
      preHandler: rateLimit(limiter, 'expensive'),
    },
    async (req) => {
      const user = requireUser(req);
      const from = toMs(req.query.from);
      const to = toMs(req.query.to);
      if (from !== null && to !== null && to <= from)
        throw new ValidationError([{ field: 'to', code: 'too-small', message: 'to must be after from' }]);
      const c = await computeParity(
        { sql: ctx.sql, now: ctx.now(), instruments: ctx.trading.listInstruments(), feed: ctx.feed },
        user.id,
        req.params.id,
        { from, to },
      );
      return parityView(c);
    },
  );
}
