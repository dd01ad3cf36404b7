/**
 * Replay controls, when the server's feed is a replayed file: state, pause, resume, step, seek and speed.
 * This is how a trader practises on history: pause before a setup, submit it, step bar by bar.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { ConflictError, NotFoundError } from '../app/errors.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { requireUser } from './guards.ts';

/** Registers `/api/v1/replay*`. Every route answers 404 `no-replay` when the feed is not a replay. */
export function replayRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const replay = (req: FastifyRequest): ReplayFeed => {
    requireUser(req);
    if (!(ctx.feed instanceof ReplayFeed))
      throw new NotFoundError('no-replay', 'the server is not replaying a file (start it with --replay FILE)');
    return ctx.feed;
  };
  const view = (f: ReplayFeed): Record<string, unknown> => {
    const s = f.state();
    return {
      ...s,
      time: Number.isFinite(s.time) ? new Date(s.time).toISOString() : null,
      lastPrice: f.lastPrice(s.symbol) ?? null,
    };
  };
  r.get('/api/v1/replay', { schema: { tags: ['market'] } }, async (req) => view(replay(req)));
  for (const action of ['pause', 'resume'] as const)
    r.post(`/api/v1/replay/${action}`, { schema: { tags: ['market'] } }, async (req) => {
      const f = replay(req);
      f[action]();
      return view(f);
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
      },
    },
    async (req) => {
      const f = replay(req);
      f.step(req.body.bars);
      await ctx.trading.drain();
      return view(f);
    },
  );
  r.post(
    '/api/v1/replay/seek',
    {
      schema: {
        tags: ['market'],
        body: z.object({ time: z.iso.datetime({ offset: true }).or(z.iso.date()) }).strict(),
      },
    },
    async (req) => {
      const f = replay(req);
      const t = Date.parse(req.body.time);
      const open = ctx.trading.activeCount(f.state().symbol);
      if (t < f.now() && open > 0)
        throw new ConflictError(
          'replay-seek-backwards',
          `${open} trade(s) are open on ${f.state().symbol}: the replay cannot go back in time while trades are open`,
        );
      f.seek(t);
      return view(f);
    },
  );
  r.put(
    '/api/v1/replay/speed',
    { schema: { tags: ['market'], body: z.object({ barsPerSecond: z.number().min(0.01).max(100_000) }).strict() } },
    async (req) => {
      const f = replay(req);
      f.setSpeed(req.body.barsPerSecond);
      return view(f);
    },
  );
}
