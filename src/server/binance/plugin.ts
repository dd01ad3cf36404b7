/**
 * The Binance-compatible gateway: a fastify plugin mounted at `/binance` that serves Binance's spot REST API under
 * `/binance/api/v3` (shapes, error codes, HMAC-SHA256 signing, weights and bans as Binance documents them), plus the
 * few endpoints of Binance's other hosts that CCXT's `binance` class calls by default (see `./compat.ts`), so a CCXT
 * script written for Binance runs with only its `urls` changed:
 *
 *   for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = ex.urls.api[k].replace(/^https:\/\/[^/]+/, base)
 *   // base = 'http://127.0.0.1:8080/binance'  →  /binance/api/v3, /binance/sapi/v1, /binance/fapi/v1 ...
 *
 * Every request first pays its weight against its IP's per-minute budget (`./limits.ts`); signed endpoints then
 * check the API key (`X-MBX-APIKEY`, see `src/app/exchange/api-keys.ts`), the signature and the timestamp window
 * (`./signing.ts`). Errors always answer `{"code": <negative int>, "msg": "..."}` (`./errors.ts`). A request that
 * fails changes nothing: every check happens before the exchange is called, and the exchange's own refusals are
 * atomic.
 */
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { ResolvedApiKey } from '../../app/exchange/api-keys.ts';
import { TestudoError, ValidationError } from '../../app/errors.ts';
import { apiKeysOf } from './keys.ts';
import { BinanceError, badKey, toBinance } from './errors.ts';
import { GatewayLimiter, limitsFromEnv } from './limits.ts';
import { Params } from './params.ts';
import { ReplayGuard, checkTimestamp, signatureValid, signedPayload } from './signing.ts';

/** Binance's security types: NONE (public), USER_DATA (read with a key), TRADE (a key with the trade permission). */
export type Security = 'NONE' | 'USER_DATA' | 'TRADE';

/** The mutable state of one context's gateway: limits, clock, replay memory. Tests and benchmarks adjust it. */
export interface GatewayState {
  limiter: GatewayLimiter;
  replay: ReplayGuard;
  /** The server clock (ms) for timestamps and windows. */
  now: () => number;
}

const states = new WeakMap<AppContext, GatewayState>();

/** The gateway state of `ctx` (created on first call; limits from the environment, see `./limits.ts`). */
export function gatewayOf(ctx: AppContext): GatewayState {
  let s = states.get(ctx);
  if (!s) {
    const st: GatewayState = {
      limiter: new GatewayLimiter(limitsFromEnv(), () => st.now()),
      replay: new ReplayGuard(),
      now: () => Date.now(),
    };
    s = st;
    states.set(ctx, s);
  }
  return s;
}

/** What a route handler receives. */
export interface Call {
  p: Params;
  /** The API key of a signed request (null on public ones). */
  key: ResolvedApiKey | null;
  now: number;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** How a route is declared. */
export interface RouteSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  url: string;
  /** Request weight, fixed or from the (query) parameters. */
  weight: number | ((p: Params) => number);
  security: Security;
  response: S;
  handler: (c: Call) => Promise<z.infer<S>>;
}

/** Adds routes to the gateway; returned by {@link binancePlugin}'s context to the route modules. */
export type Router = <S extends z.ZodType>(spec: RouteSpec<S>) => void;

const rawBodies = new WeakMap<FastifyRequest, string>();

/** Options of {@link binancePlugin}. */
export interface BinancePluginOptions {
  ctx: AppContext;
}

/**
 * The plugin. Register with `app.register(binancePlugin, { prefix: '/binance', ctx })`; its error handler, body
 * parser and 404 handler stay inside the `/binance` prefix.
 */
export async function binancePlugin(app: FastifyInstance, opts: BinancePluginOptions): Promise<void> {
  const { ctx } = opts;
  const gw = gatewayOf(ctx);
  const keys = apiKeysOf(ctx);

  // Binance takes form-encoded bodies only; the raw text is kept because the signature covers it as sent. Fastify's
  // default JSON and text parsers are removed in this scope: a JSON body is not covered by the signature, yet its
  // values would override the signed query parameters (answered -1100 like any other media type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    rawBodies.set(req, text);
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });

  // Weight first: every request, including the ones that fail later, is counted against its IP.
  app.addHook('onRequest', async (req, reply) => {
    const spec = (req.routeOptions.config as { binanceWeight?: RouteSpec<z.ZodType>['weight'] }).binanceWeight;
    const q = new Params((req.query ?? {}) as Record<string, unknown>);
    let w = 1;
    if (typeof spec === 'number') w = spec;
    else if (spec) {
      try {
        w = spec(q);
      } catch {
        w = 1;
      }
    }
    const used = gw.limiter.take(req.ip, w);
    reply.header('x-mbx-used-weight', String(used));
    reply.header('x-mbx-used-weight-1m', String(used));
  });

  app.setErrorHandler((err, req, reply) => {
    let e: BinanceError;
    if (err instanceof BinanceError) e = err;
    else if (err instanceof ValidationError)
      e = new BinanceError(400, -1100, `Illegal characters found in parameter '${err.issues[0]?.field ?? ''}'.`);
    else if (hasZodFastifySchemaValidationErrors(err)) e = new BinanceError(400, -1100, 'Illegal parameter.');
    else if (err instanceof TestudoError) e = toBinance(err, 'other');
    else {
      const fe = err as { code?: string; statusCode?: number; message?: string };
      if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        e = new BinanceError(
          400,
          -1100,
          'Send parameters in the query string or as application/x-www-form-urlencoded.',
        );
      else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new BinanceError(413, -1100, 'The request is too large.');
      else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
        e = new BinanceError(fe.statusCode, -1100, fe.message ?? 'Malformed request.');
      else e = new BinanceError(500, -1000, 'An unknown error occurred while processing the request.');
    }
    if (e.status >= 500) req.log.error({ err }, 'binance gateway: unexpected error');
    const used = gw.limiter.used(req.ip);
    reply.header('x-mbx-used-weight', String(used));
    reply.header('x-mbx-used-weight-1m', String(used));
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    void reply.code(e.status).send({ code: e.code, msg: e.msg });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ code: -1020, msg: `This operation is not supported: ${req.method} ${req.url.split('?')[0]}` });
  });

  /** Authenticates a signed request. @throws BinanceError (-2014, -2015, -1102, -1022, -1021, -1131). */
  async function authenticate(
    req: FastifyRequest,
    p: Params,
    security: Security,
    now: number,
  ): Promise<ResolvedApiKey> {
    const header = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(header) ? header[0] : header;
    if (!apiKey) throw new BinanceError(401, -2014, 'API-key format invalid.');
    if (!/^[A-Za-z0-9]{64}$/.test(apiKey)) throw new BinanceError(401, -2014, 'API-key format invalid.');
    const key = await keys.resolve(apiKey);
    if (!key) throw badKey();
    const url = req.url;
    const qi = url.indexOf('?');
    const { payload, signature } = signedPayload(qi < 0 ? '' : url.slice(qi + 1), rawBodies.get(req) ?? '');
    if (!signatureValid(key.secret, payload, signature))
      throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
    const window = checkTimestamp(p.opt('timestamp'), p.opt('recvWindow'), now);
    if (security === 'TRADE' && key.permission !== 'trade') throw badKey();
    if (req.method !== 'GET')
      gw.replay.use(
        `${apiKey}|${req.method}|${req.routeOptions.url}|${signature.toLowerCase()}`,
        Number(p.opt('timestamp')) + window + 1000,
        now,
      );
    keys.touch(key.id).catch(() => undefined);
    return key;
  }

  const route: Router = (spec) => {
    const schema: FastifySchema = { hide: true, response: { 200: spec.response } } as FastifySchema;
    app.route({
      method: spec.method,
      url: spec.url,
      config: { binanceWeight: spec.weight } as FastifyContextConfig,
      schema,
      handler: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
        const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
        const p = new Params({ ...(req.query as Record<string, unknown>), ...body });
        const now = gw.now();
        const key = spec.security === 'NONE' ? null : await authenticate(req, p, spec.security, now);
        return spec.handler({ p, key, now, req, reply });
      },
    });
  };

  (await import('./public.ts')).publicRoutes(route, ctx);
  (await import('./private.ts')).privateRoutes(route, ctx);
  (await import('./oco.ts')).ocoRoutes(route, ctx);
  (await import('./compat.ts')).compatRoutes(route, ctx);
}
