/**
 * The HTTP server: REST under `/api/v1`, the OpenAPI document at `/api/v1/openapi.json`, and the WebSocket `/ws`
 * that streams the authenticated user's trading events. Authentication: an HttpOnly session cookie (browser) or a
 * bearer token (scripts). Errors become responses in exactly one place: `./errors.ts`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { ValidationError } from '../app/errors.ts';
import type { TradingEvent } from '../app/events.ts';
import { authRoutes } from './auth-routes.ts';
import { authenticate } from './authenticate.ts';
import { tokenRoutes } from './token-routes.ts';
import { journalRoutes } from './journal-routes.ts';
import { tradeRoutes } from './trade-routes.ts';
import { SESSION_COOKIE } from './session.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { replayRoutes } from './replay-routes.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import { exchangeWebSocket } from './exchange-ws.ts';
import { rateLimiterFromEnv, rateLimits, type RateLimiter } from './ratelimit.ts';
import { authThrottle } from './auth-throttle.ts';
import { webSecurity, type TrustProxy } from './web-security.ts';
import { closeWhenRevoked } from './ws-auth.ts';
import { logRequest } from './log-redact.ts';

export { SESSION_COOKIE };

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** Pino logger options, or false for none. */
  logger?: boolean | Record<string, unknown>;
  /** Mark cookies Secure (behind HTTPS). */
  secureCookies?: boolean;
  /** Rate limiter of every route and `/ws/exchange` (tests inject one with a fake clock); default from the
   * environment (`REDIS_URL`, `TESTUDO_RATE_LIMITS`: `rateLimiterFromEnv`), closed with the server. */
  rateLimiter?: RateLimiter;
  /** Without `rateLimiter`: multiply every rate limit by this (a benchmark); `Infinity` turns them off. */
  rateLimitFactor?: number;
  /** fastify's `trustProxy` (`TESTUDO_TRUST_PROXY`, see `trustProxyOf`): default false, `X-Forwarded-*` ignored. */
  trustProxy?: TrustProxy;
  /** CORS allowlist (`TESTUDO_CORS_ORIGINS`): origins allowed cross-origin with credentials; default none. */
  corsOrigins?: readonly string[];
}

/** Builds the fastify app over a context. Call `listen` on the result, or `inject` in tests. */
export async function buildServer(ctx: AppContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // requests are logged with secrets blanked out of their URLs (?token= on a WebSocket upgrade, OIDC codes, …)
    logger: opts.logger ? { ...(opts.logger === true ? {} : opts.logger), serializers: { req: logRequest } } : false,
    bodyLimit: 1_000_000,
    trustProxy: opts.trustProxy ?? false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Routes that declare a response schema have their replies checked against it (and typed in the OpenAPI document).
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  await webSecurity(app, { corsOrigins: opts.corsOrigins }); // headers, CORS, WebSocket Origin: before every route
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
  // No WebSocket message of any API is larger than 64 KiB; refuse anything over 1 MiB before buffering it.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  authenticate(app, ctx);
  // Rate limits (ratelimit.ts): every route registered below gets its group; sign-in back-off (auth-throttle.ts).
  const limiter =
    opts.rateLimiter ?? rateLimiterFromEnv(process.env, { factor: opts.rateLimitFactor, warn: (m) => app.log.warn(m) });
  if (!opts.rateLimiter) app.addHook('onClose', () => limiter.close());
  await limiter.ready(); // Redis connected (or given up on after 2 s: then requests pass until it is)
  rateLimits(app, limiter);
  authThrottle(app, limiter);
  app.setNotFoundHandler(notFoundHandler);
  // Text PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates) is refused before validation.
  // Bodies nested deeper than MAX_BODY_DEPTH are refused first, before anything walks them.
  app.addHook('preValidation', async (req) => {
    if (tooDeep(req.body) || tooDeep(req.query))
      throw new ValidationError(
        [
          {
            field: tooDeep(req.body) ? 'body' : 'query',
            code: 'body-too-deep',
            message: `nests arrays and objects more than ${MAX_BODY_DEPTH} deep`,
          },
        ],
        'body-too-deep',
      );
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

  authRoutes(app, ctx, { secureCookies: opts.secureCookies ?? false });
  (await import('./mfa-routes.ts')).mfaRoutes(app, ctx, { secureCookies: opts.secureCookies ?? false });
  await (await import('./billing-routes.ts')).billingRoutes(app, ctx); // Stripe webhook (raw body), the user's plan
  tokenRoutes(app, ctx);
  (await import('./siwe-routes.ts')).siweRoutes(app, ctx, { secureCookies: opts.secureCookies });
  (await import('./oidc-routes.ts')).oidcRoutes(app, ctx, { secureCookies: opts.secureCookies });
  tradeRoutes(app, ctx);
  journalRoutes(app, ctx);
  (await import('./message-routes.ts')).messageRoutes(app, ctx); // research messages (/api/v1/messages)
  (await import('./admin-routes.ts')).adminRoutes(app, ctx);
  replayRoutes(app, ctx);
  await (await import('./market-routes.ts')).marketRoutes(app, ctx);
  const exchangeLimiter = limiter; // REST and WebSocket
  exchangeRoutes(app, ctx, exchangeLimiter);
  (await import('./auction-routes.ts')).auctionRoutes(app, ctx, exchangeLimiter);
  (await import('./backtest-routes.ts')).backtestRoutes(app, ctx, exchangeLimiter);
  exchangeWebSocket(app, ctx, exchangeLimiter);
  (await import('./exchange-key-routes.ts')).exchangeKeyRoutes(app, ctx, exchangeLimiter);
  (await import('./connection-routes.ts')).connectionRoutes(app, ctx); // also sets ctx.connections' own URL
  (await import('./import-routes.ts')).importRoutes(app, ctx, exchangeLimiter); // POST /connections/:id/import
  (await import('./strategy-routes.ts')).strategyRoutes(app, ctx); // strategy runs, WS /ws/strategies/:id
  (await import('./parity-routes.ts')).parityRoutes(app, ctx, exchangeLimiter); // GET /strategies/runs/:id/parity
  await app.register((await import('./binance/plugin.ts')).binancePlugin, { prefix: '/binance', ctx });
  await app.register((await import('./binance/ws.ts')).binanceStreams, { ctx }); // Binance streams, user data
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
    const uid = req.user.id;
    const off = ctx.events.subscribe(uid, (e) => {
      if (socket.readyState !== socket.OPEN) return;
      const data = exchangeEventFor(ctx, uid, e);
      if (data) socket.send(JSON.stringify({ type: e.type, data }));
    });
    socket.send(JSON.stringify({ type: 'hello', data: { user: req.user, breaker: ctx.breaker.state() } }));
    socket.on('close', off);
    closeWhenRevoked(ctx, req, socket); // closed 4401 when its session or API token ends
  });

  return app;
}

/**
 * What `/ws` sends of a broadcast exchange event to user `userId` (null: nothing): the `market`, `book` and `trade`
 * events of a restricted market only to users who may see it through REST and `/ws/exchange` (the exchange's
 * `canSeeMarket`), and a trade without the exchange's internal `accounts` list (its maker and taker account ids are
 * already left out when the market hides accounts). Every other event is sent as published.
 */
function exchangeEventFor(ctx: AppContext, userId: number, e: TradingEvent): Record<string, unknown> | null {
  if (e.userId !== null || (e.type !== 'market' && e.type !== 'book' && e.type !== 'trade')) return e.data;
  const marketId = e.type === 'market' ? e.data.id : e.data.marketId;
  if (typeof marketId !== 'number' || !ctx.exchange.canSeeMarket(userId, marketId)) return null;
  if (e.type !== 'trade') return e.data;
  const { accounts: _internal, ...trade } = e.data;
  return trade;
}

/** Deepest nesting of arrays and objects a request body or query may have (checked before any handler). */
export const MAX_BODY_DEPTH = 64;

/**
 * Whether `v` nests arrays and objects more than `max` deep (a scalar is depth 0, `[]` and `{}` depth 1). Iterative,
 * so a hostile body nested 100,000 deep costs one pass and no stack.
 */
export function tooDeep(v: unknown, max = MAX_BODY_DEPTH): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) continue;
    if (depth + 1 > max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x))
      if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
  }
  return false;
}

/**
 * The path of the first string (value or key, depth first) under `v` that contains a NUL or a lone surrogate, or
 * null. Iterative (no recursion to overflow); callers refuse over-deep input first ({@link tooDeep}).
 */
export function findBadText(v: unknown, root: string): string | null {
  const bad = (s: string): boolean => s.includes('\u0000') || !s.isWellFormed();
  const stack: [unknown, string][] = [[v, root]];
  while (stack.length > 0) {
    const [x, path] = stack.pop()!;
    if (typeof x === 'string') {
      if (bad(x)) return path;
      continue;
    }
    if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) continue; // raw bytes (an upload) are not text
    const children: [unknown, string][] = [];
    if (Array.isArray(x)) x.forEach((c, i) => children.push([c, `${path}.${i}`]));
    else
      for (const [k, c] of Object.entries(x)) {
        if (bad(k)) return path;
        children.push([c, x === v && (root === 'body' || root === 'query') ? k : `${path}.${k}`]);
      }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!); // first child on top: depth-first order
  }
  return null;
}
