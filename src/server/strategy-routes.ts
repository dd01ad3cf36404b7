/**
 * Strategy runs over REST (`/api/v1/strategy-runs`) and their event stream (`WS /ws/strategies/:id`): start, list,
 * read, stop, page through events; and the client-hosted run endpoints `testudo run PATH` posts to (orders,
 * closes, signals), idempotent on (run, bar time, seq). Every order goes through the trading service's submission
 * path (`src/app/strategies/orders.ts`).
 *
 * Who may do what: the run's owner; an admin may read and stop any run; anyone else gets `404 run-not-found` (on
 * the WebSocket a close 4403; anonymous 4401). The client-hosted endpoints are the owner's only. Scopes come from
 * the global hook (GET and the WebSocket need `read`, writes `trade`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { TIMEFRAMES } from '../core/marketdata/candle.ts';
import { WARMUP_BARS } from '../app/strategies/store.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { requireUser } from './guards.ts';
import { IdParams } from './schemas.ts';
import { closeWhenRevoked } from './ws-auth.ts';

const isoTime = z.string().describe('ISO 8601 UTC');
const barTime = z.iso.datetime({ offset: true }).describe('open time of the bar, ISO 8601');
const seq = z.number().int().min(0).max(10_000).describe('order of the call on that bar, from 0');
const ParamValue = z.union([z.number(), z.boolean(), z.string().max(200)]);

/** Body of `POST /api/v1/strategy-runs`. */
export const RunBody = z
  .object({
    strategy: z.string().min(1).max(200).describe('a built-in strategy (sma-cross, breakout) or your module’s name'),
    symbol: z.string().min(1).max(40),
    timeframe: z.enum(Object.keys(TIMEFRAMES) as [keyof typeof TIMEFRAMES]).describe('bar timeframe'),
    params: z.record(z.string().min(1).max(80), ParamValue).optional().describe('parameter values by name'),
    connectionId: z.number().int().positive().optional().describe('trade through this exchange connection'),
    host: z
      .enum(['server', 'client'])
      .optional()
      .describe('server: a built-in strategy run by the server; client: your module run by testudo run PATH'),
    warmupBars: z.number().int().min(1).max(WARMUP_BARS.max).optional().describe('history bars, default 500'),
  })
  .strict();

/** Query of `GET /api/v1/strategy-runs/:id/events`. */
export const EventsQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0).describe('events after this event id'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** Body of `POST /api/v1/strategy-runs/:id/orders` (a client-hosted run's order). */
export const RunOrderBody = z
  .object({
    barTime,
    seq,
    side: z.enum(['buy', 'sell']),
    sl: z.number().positive().optional().describe('stop-loss price (required by the rules: stop-required)'),
    tp: z.number().positive().optional().describe('take-profit price'),
    tag: z.string().max(100).optional(),
  })
  .strict();

/** Body of `POST /api/v1/strategy-runs/:id/close`. */
export const RunCloseBody = z.object({ barTime, seq }).strict();

/** Body of `POST /api/v1/strategy-runs/:id/signals`. */
export const RunSignalBody = z
  .object({
    barTime,
    seq: seq.default(0),
    data: z.record(z.string().max(80), z.unknown()).describe('what the strategy saw or decided (free JSON)'),
  })
  .strict();

const Stats = z.object({
  trades: z.number().int().describe('closed trades'),
  open: z.number().int().describe('pending or open trades'),
  wins: z.number().int(),
  losses: z.number().int(),
  rejections: z.number().int().describe('refused entries'),
  netPnl: z.string().describe('decimal text, quote currency'),
  netR: z.number(),
  expectancyR: z.number().nullable(),
  winRate: z.number().nullable().describe('a fraction'),
});

/** A strategy run (RunView). */
export const RunSchema = z.object({
  id: z.number().int(),
  strategy: z.string(),
  params: z.record(z.string(), ParamValue),
  symbol: z.string(),
  timeframe: z.string(),
  connectionId: z.number().int().nullable(),
  host: z.enum(['server', 'client']),
  status: z.enum(['running', 'stopped', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startEquity: z.string(),
  cursorTime: isoTime.nullable(),
  firstBarTime: isoTime.nullable(),
  historyFrom: isoTime.nullable().describe('first bar of the history the strategy is evaluated on'),
  startedAt: isoTime,
  stoppedAt: isoTime.nullable(),
  stats: Stats,
});

/** One event of a run (EventView). */
export const EventSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['signal', 'decision', 'order', 'fill', 'status']),
  barTime: isoTime.nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
});

/** One declared parameter of a built-in strategy. */
export const ParamSpecSchema = z.object({
  type: z.enum(['int', 'number', 'boolean', 'string']),
  default: ParamValue,
  min: z.number().optional().describe('smallest allowed value (numbers)'),
  max: z.number().optional().describe('largest allowed value (numbers)'),
  description: z.string(),
});

/** A built-in strategy a run can host on the server (`GET /api/v1/builtin-strategies`). */
export const BuiltinStrategySchema = z.object({
  name: z.string().describe('kebab-case name to pass as `strategy` when starting a run'),
  description: z.string(),
  params: z.record(z.string(), ParamSpecSchema).describe('declared parameters by name, in declaration order'),
});

/** The built-in strategies with their declared parameters, in the order the server defines them. */
export function builtinStrategyList(): z.infer<typeof BuiltinStrategySchema>[] {
  return Object.values(BUILTIN_STRATEGIES).map((s) => ({
    name: s.name,
    description: s.description,
    params: Object.fromEntries(
      Object.entries(s.params as Record<string, z.infer<typeof ParamSpecSchema>>).map(([k, p]) => [
        k,
        {
          type: p.type,
          default: p.default,
          ...(p.min !== undefined ? { min: p.min } : {}),
          ...(p.max !== undefined ? { max: p.max } : {}),
          description: p.description,
        },
      ]),
    ),
  }));
}

const Outcome = z.record(z.string(), z.unknown()).describe('as POST /api/v1/trades answers (201 or 422)');

/** Registers the strategy-run routes and `WS /ws/strategies/:id` on `app`. */
export function strategyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const runs = ctx.strategies;
  const store = runs.store;
  const tags = ['strategies'];
  const caller = (u: { id: number; isAdmin?: boolean | undefined }) => ({ id: u.id, isAdmin: u.isAdmin === true });

  r.get(
    '/api/v1/builtin-strategies',
    {
      schema: {
        tags,
        description: 'The built-in strategies a run can host on the server (host "server"), with their parameters.',
        response: { 200: z.object({ strategies: z.array(BuiltinStrategySchema) }) },
      },
    },
    async (req) => {
      requireUser(req);
      return { strategies: builtinStrategyList() };
    },
  );
  r.get(
    '/api/v1/strategy-runs',
    { schema: { tags, response: { 200: z.object({ runs: z.array(RunSchema) }) } } },
    async (req) => ({ runs: await store.list(requireUser(req).id) }),
  );
  r.post(
    '/api/v1/strategy-runs',
    { schema: { body: RunBody, tags, response: { 201: RunSchema } } },
    async (req, reply) => {
      const run = await runs.start(requireUser(req).id, req.body);
      reply.code(201);
      return run;
    },
  );
  r.get(
    '/api/v1/strategy-runs/:id',
    { schema: { params: IdParams, tags, response: { 200: RunSchema } } },
    async (req) => store.get(caller(requireUser(req)), req.params.id),
  );
  r.post(
    '/api/v1/strategy-runs/:id/stop',
    { schema: { params: IdParams, tags, response: { 200: RunSchema } } },
    async (req) => runs.stop(caller(requireUser(req)), req.params.id),
  );
  r.get(
    '/api/v1/strategy-runs/:id/events',
    {
      schema: {
        params: IdParams,
        querystring: EventsQuery,
        tags,
        response: { 200: z.object({ events: z.array(EventSchema), next: z.number().int().nullable() }) },
      },
    },
    async (req) => store.events(caller(requireUser(req)), req.params.id, req.query.after, req.query.limit),
  );
  r.post(
    '/api/v1/strategy-runs/:id/orders',
    { schema: { params: IdParams, body: RunOrderBody, tags, response: { 201: Outcome, 422: Outcome } } },
    async (req, reply) => {
      const b = req.body;
      const out = await store.clientOrder({ id: requireUser(req).id }, req.params.id, {
        ...b,
        barTime: Date.parse(b.barTime),
      });
      reply.code(out.status === 201 ? 201 : 422);
      return out.body;
    },
  );
  r.post(
    '/api/v1/strategy-runs/:id/close',
    { schema: { params: IdParams, body: RunCloseBody, tags, response: { 200: Outcome } } },
    async (req) => {
      const out = await store.clientClose({ id: requireUser(req).id }, req.params.id, {
        barTime: Date.parse(req.body.barTime),
        seq: req.body.seq,
      });
      return out.body;
    },
  );
  r.post(
    '/api/v1/strategy-runs/:id/signals',
    { schema: { params: IdParams, body: RunSignalBody, tags, response: { 201: EventSchema } } },
    async (req, reply) => {
      const ev = await store.clientSignal({ id: requireUser(req).id }, req.params.id, {
        barTime: Date.parse(req.body.barTime),
        seq: req.body.seq,
        data: req.body.data,
      });
      reply.code(201);
      return ev;
    },
  );

  // --- WS /ws/strategies/:id: the run first, then its events and the run after each change ---
  app.get('/ws/strategies/:id', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const refuse = (code: number, error: string, message: string): void => {
      socket.send(JSON.stringify({ type: 'error', data: { code: error, message } }));
      socket.close(code, error);
    };
    if (!req.user) return refuse(4401, 'unauthenticated', 'log in or pass ?token=');
    const id = Number((req.params as { id?: string }).id);
    if (!Number.isSafeInteger(id) || id <= 0) return refuse(4403, 'run-not-found', 'no such strategy run of yours');
    const who = caller(req.user);
    // Events that arrive while the run is read are queued and sent after it, in order.
    let ready = false;
    const early: string[] = [];
    const off = runs.subscribe(id, (m) => {
      if (socket.readyState !== socket.OPEN) return;
      const text = JSON.stringify(m);
      if (ready) socket.send(text);
      else early.push(text);
    });
    socket.on('close', off);
    closeWhenRevoked(ctx, req, socket); // 4401 when the session or token it was opened with ends
    store.get(who, id).then(
      (run) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ type: 'run', data: run }));
        for (const t of early.splice(0)) socket.send(t);
        ready = true;
      },
      () => {
        off();
        refuse(4403, 'run-not-found', 'no such strategy run of yours');
      },
    );
  });
}
