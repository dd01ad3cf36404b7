/**
 * Replay controls, when the server's feed is a replayed file: state, pause, resume, step, seek and speed.
 * This is how a trader practises on history: pause before a setup, submit it, step bar by bar.
 *
 * The replay is shared by every user (a step fills and closes everyone's trades), so only admins control it; any
 * logged-in user reads its state. Every change is written to the audit trail and broadcast as a `replay` event
 * (the body of `GET /replay`) so every Desk updates its controls.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { ConflictError, NotFoundError } from '../app/errors.ts';
import type { ReplayView } from '../app/market.ts';
import { TIMEFRAMES, type Timeframe } from '../core/marketdata/candle.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { requireUser } from './guards.ts';
import { auditAdmin, requireAdmin } from './market-routes.ts';

/** The replay's state: the reply of every replay route and the data of the `replay` event. */
export const ReplayViewSchema = z.object({
  symbol: z.string(),
  timeframe: z.enum(Object.keys(TIMEFRAMES) as [Timeframe, ...Timeframe[]]),
  index: z.number().int().describe('index of the next bar to emit'),
  total: z.number().int().describe('bars in the file'),
  paused: z.boolean(),
  speed: z.number().describe('bars per second'),
  time: z.string().nullable().describe("the replay's clock: close time of the last emitted bar, ISO 8601 UTC"),
  done: z.boolean(),
  lastPrice: z.string().nullable(),
});

const response = { 200: ReplayViewSchema };

/** Registers `/api/v1/replay*`. Every route answers 404 `no-replay` when the feed is not a replay. */
export function replayRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const replay = (): ReplayFeed => {
    if (!(ctx.feed instanceof ReplayFeed))
      throw new NotFoundError('no-replay', 'the server is not replaying a file (start it with --replay FILE)');
    return ctx.feed;
  };
  /** The admin's replay (403 `forbidden` for others). */
  const control = (req: FastifyRequest): ReplayFeed => {
    requireAdmin(req);
    return replay();
  };
  /** Audits the change, broadcasts the new state and returns it. */
  const changed = async (req: FastifyRequest, action: string, details: Record<string, unknown>) => {
    const v = ctx.market.publishReplay() as ReplayView;
    await auditAdmin(ctx, req, `replay-${action}`, { ...details, index: v.index, time: v.time });
    return v;
  };

  r.get('/api/v1/replay', { schema: { tags: ['market'], response } }, async (req) => {
    requireUser(req);
    replay();
    return ctx.market.replayView()!;
  });
  for (const action of ['pause', 'resume'] as const)
    r.post(`/api/v1/replay/${action}`, { schema: { tags: ['market'], response } }, async (req) => {
      control(req)[action]();
      return changed(req, action, {});
    });
  r.post(
    '/api/v1/replay/step',
    {
      schema: {
        tags: ['market'],
        body: z.preprocess(
          (v) => v ?? {},
          z.object({ bars: z.number().int().min(1).max(100_000).default(1) }).strict(),
        ),
        response,
      },
    },
    async (req) => {
      const stepped = control(req).step(req.body.bars);
      await ctx.trading.drain();
      return changed(req, 'step', { bars: stepped });
    },
  );
  r.post(
    '/api/v1/replay/seek',
    {
      schema: {
        tags: ['market'],
        body: z.object({ time: z.iso.datetime({ offset: true }).or(z.iso.date()) }).strict(),
        response,
      },
    },
    async (req) => {
      const f = control(req);
      const t = Date.parse(req.body.time);
      const open = ctx.trading.activeCount(f.state().symbol);
      if (t < f.now() && open > 0)
        throw new ConflictError(
          'replay-seek-backwards',
          `${open} trade(s) are open on ${f.state().symbol}: the replay cannot go back in time while trades are open`,
        );
      f.seek(t);
      return changed(req, 'seek', { to: req.body.time });
    },
  );
  r.put(
    '/api/v1/replay/speed',
    {
      schema: {
        tags: ['market'],
        body: z.object({ barsPerSecond: z.number().min(0.01).max(100_000) }).strict(),
        response,
      },
    },
    async (req) => {
      control(req).setSpeed(req.body.barsPerSecond);
      return changed(req, 'speed', { barsPerSecond: req.body.barsPerSecond });
    },
  );
}
