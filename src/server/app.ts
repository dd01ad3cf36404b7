/**
 * The HTTP server: REST under `/api/v1`, the OpenAPI document at `/api/v1/openapi.json`, and the WebSocket `/ws`
 * that streams the authenticated user's trading events. Authentication: an HttpOnly session cookie (browser) or a
 * bearer token (scripts). Errors become responses in exactly one place: `./errors.ts`.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { ValidationError } from '../app/errors.ts';
import type { User } from '../app/auth.ts';
import { getRiskProfile, resetHalt, updateRiskProfile } from '../app/profile.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { replayRoutes } from './replay-routes.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import { requireUser } from './guards.ts';
import { exchangeWebSocket } from './exchange-ws.ts';
import { RateLimiter } from './ratelimit.ts';
import {
  CredentialsBody,
  DecisionsQuery,
  IdParams,
  JournalQuery,
  StatsQuery,
  RiskProfileBody,
  SetupBody,
  TokenBody,
} from './schemas.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'testudo_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    authToken: string | null;
  }
}

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** Pino logger options, or false for none. */
  logger?: boolean | Record<string, unknown>;
  /** Mark cookies Secure (behind HTTPS). */
  secureCookies?: boolean;
  /** Rate limiter of the exchange routes (tests inject one with a fake clock). */
  rateLimiter?: RateLimiter;
}

function tokenOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const c = req.cookies?.[SESSION_COOKIE];
  if (c) return c;
  return null;
}

/** Builds the fastify app over a context. Call `listen` on the result, or `inject` in tests. */
export async function buildServer(ctx: AppContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 1_000_000 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Testudo API',
        description: 'Risk-first trading: sizing, rules, brackets, journal in R',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(websocket);

  app.decorateRequest('user', null);
  app.decorateRequest('authToken', null);
  app.addHook('onRequest', async (req) => {
    const token =
      tokenOf(req) ?? (req.url.startsWith('/ws') ? new URL(req.url, 'http://x').searchParams.get('token') : null);
    if (!token) return;
    const user = await ctx.auth.authenticate(token, Date.now());
    if (user) {
      req.user = user;
      req.authToken = token;
    }
  });
  app.setNotFoundHandler(notFoundHandler);
  // Text PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates) is refused before validation.
  app.addHook('preValidation', async (req) => {
    const bad = findBadText(req.body, 'body') ?? findBadText(req.query, 'query');
    if (bad)
      throw new ValidationError([
        { field: bad, code: 'invalid-text', message: 'contains a NUL character or malformed Unicode' },
      ]);
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api/v1/health', { schema: { hide: true } }, async () => ({
    ok: true,
    database: ctx.sql.kind,
    feed: ctx.feed?.name ?? null,
    breaker: ctx.breaker.state(),
  }));

  // --- auth ---
  app.post('/api/v1/auth/register', { schema: { body: CredentialsBody, tags: ['auth'] } }, async (req, reply) => {
    const user = await ctx.auth.register(req.body.email, req.body.password);
    reply.code(201);
    return { user };
  });
  app.post('/api/v1/auth/login', { schema: { body: CredentialsBody, tags: ['auth'] } }, async (req, reply) => {
    const { user, token, expiresAt } = await ctx.auth.login(req.body.email, req.body.password, Date.now());
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: opts.secureCookies ?? false,
      expires: new Date(expiresAt),
    });
    return { user };
  });
  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    if (req.authToken) await ctx.auth.logout(req.authToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
  app.get('/api/v1/auth/me', { schema: { tags: ['auth'] } }, async (req) => {
    const user = requireUser(req);
    const risk = await getRiskProfile(ctx.sql, user.id);
    return { user, account: risk.state };
  });
  app.post('/api/v1/auth/tokens', { schema: { body: TokenBody, tags: ['auth'] } }, async (req, reply) => {
    const user = requireUser(req);
    const token = await ctx.auth.createApiToken(user.id, req.body.name);
    reply.code(201);
    return { token, name: req.body.name, note: 'shown once: store it; send it as Authorization: Bearer <token>' };
  });

  // --- market ---
  app.get('/api/v1/instruments', { schema: { tags: ['market'] } }, async () =>
    ctx.trading.listInstruments().map((i) => ({ ...i, lastPrice: ctx.trading.lastPrice(i.symbol) ?? null })),
  );

  // --- sizing and trades ---
  app.post('/api/v1/sizing', { schema: { body: SetupBody, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.preview(user.id, req.body);
  });
  app.post('/api/v1/trades', { schema: { body: SetupBody, tags: ['trading'] } }, async (req, reply) => {
    const user = requireUser(req);
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && key.length > 200)
      throw new ValidationError([
        { field: 'Idempotency-Key', code: 'invalid-idempotency-key', message: 'must be at most 200 characters' },
      ]);
    const k = typeof key === 'string' && key.length > 0 ? key : undefined;
    const r = await ctx.trading.submit(user.id, req.body, k);
    reply.code(r.status);
    if ('replayed' in r) reply.header('idempotent-replayed', 'true');
    return r.body;
  });
  app.get('/api/v1/trades', { schema: { querystring: JournalQuery, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { trades: await ctx.journal.list(user.id, req.query) };
  });
  app.get('/api/v1/trades/:id', { schema: { params: IdParams, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.getTrade(user.id, req.params.id);
  });
  app.post('/api/v1/trades/:id/close', { schema: { params: IdParams, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.close(user.id, req.params.id);
  });
  app.get('/api/v1/positions', { schema: { tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { positions: await ctx.trading.positions(user.id) };
  });
  app.get('/api/v1/decisions', { schema: { querystring: DecisionsQuery, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { decisions: await ctx.trading.decisions(user.id, req.query) };
  });

  // --- risk profile ---
  app.get('/api/v1/risk-profile', { schema: { tags: ['risk'] } }, async (req) =>
    getRiskProfile(ctx.sql, requireUser(req).id),
  );
  app.put('/api/v1/risk-profile', { schema: { body: RiskProfileBody, tags: ['risk'] } }, async (req) =>
    updateRiskProfile(ctx.sql, requireUser(req).id, req.body),
  );
  app.post('/api/v1/risk-profile/reset-halt', { schema: { tags: ['risk'] } }, async (req) =>
    resetHalt(ctx.sql, requireUser(req).id),
  );

  // --- journal ---
  app.get('/api/v1/journal/stats', { schema: { querystring: StatsQuery, tags: ['journal'] } }, async (req) =>
    ctx.journal.stats(requireUser(req).id, req.query),
  );
  app.get('/api/v1/equity', { schema: { tags: ['journal'] } }, async (req) => ctx.journal.equity(requireUser(req).id));

  replayRoutes(app, ctx);
  const exchangeLimiter = opts.rateLimiter ?? new RateLimiter(); // shared by the REST routes and the WebSocket
  exchangeRoutes(app, ctx, exchangeLimiter);
  (await import('./auction-routes.ts')).auctionRoutes(app, ctx, exchangeLimiter);
  (await import('./backtest-routes.ts')).backtestRoutes(app, ctx, exchangeLimiter);
  exchangeWebSocket(app, ctx, exchangeLimiter);
  await app.register((await import('./desk.ts')).deskPlugin);

  // --- events ---
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, req) => {
    if (!req.user) {
      socket.send(
        JSON.stringify({ type: 'error', data: { code: 'unauthenticated', message: 'log in or pass ?token=' } }),
      );
      socket.close(4401, 'unauthenticated');
      return;
    }
    const off = ctx.events.subscribe(req.user.id, (e) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: e.type, data: e.data }));
    });
    socket.send(JSON.stringify({ type: 'hello', data: { user: req.user, breaker: ctx.breaker.state() } }));
    socket.on('close', off);
  });

  return app;
}

/** The path of the first string under `v` that contains a NUL or a lone surrogate, or null. */
function findBadText(v: unknown, path: string): string | null {
  if (typeof v === 'string') return v.includes('\u0000') || !v.isWellFormed() ? path : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findBadText(v[i], `${path}.${i}`);
      if (p) return p;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\u0000') || !k.isWellFormed()) return path;
      const p = findBadText(x, path === 'body' || path === 'query' ? k : `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}
