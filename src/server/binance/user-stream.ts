/**
 * Binance's user-data stream for the simulated exchange: the events of ONE account — the account of the API key
 * that opened the stream — as `executionReport` (every order change) and `outboundAccountPosition` (balances after
 * a change), shaped as https://github.com/binance/binance-spot-api-docs/blob/master/user-data-stream.md.
 *
 * Two ways in, as on Binance:
 * - WebSocket API `/binance/ws-api/v3` (what CCXT 4.5 uses for spot): `userDataStream.subscribe.signature` with
 *   `{apiKey, timestamp, signature[, recvWindow]}` signed like any SIGNED request (HMAC-SHA256 hex of the
 *   alphabetically sorted `key=value&…` params without `signature`), answered `{id, status: 200, result:
 *   {subscriptionId}}`; events arrive as `{subscriptionId, event}`. Also `userDataStream.unsubscribe`
 *   (`eventStreamTerminated` follows), `session.subscriptions`, `ping`, `time`, and the listenKey methods
 *   `userDataStream.start|ping|stop`. Errors: `{id, status: 4xx, error: {code, msg}}` (-2014/-2015 bad key, -1022
 *   bad signature, -1021 stale timestamp, -1102 missing parameter, -1125 unknown listenKey, -1020 unknown method).
 * - Legacy listenKey: `POST /binance/api/v3/userDataStream` (header `X-MBX-APIKEY`) → `{listenKey}` (the same key while
 *   it is alive; valid 60 minutes), `PUT` (keep-alive) and `DELETE` with `listenKey`; then `/binance/ws/<listenKey>`
 *   carries the raw events, and `{"e":"listenKeyExpired",…}` when the key expires or is closed.
 *
 * Every request (REST or WebSocket API message, malformed ones too) takes weight 2 from the caller's IP in the
 * gateway's limiter (`./limits.ts`): 429 / 418 answers as on the REST gateway, and a banned socket is closed.
 *
 * Security: a stream is bound to the key's account and the key's creator; events of other accounts are never sent
 * (each event is checked for the account id and that the creator is among the account's owners), and every
 * `userStreamTiming.keyRecheckMs` (10 s) the key is resolved again: a revoked key, or a creator who no longer owns the account, ends
 * the stream (`eventStreamTerminated` / `listenKeyExpired`).
 *
 * Source events (published by the exchange on the event bus, see `src/app/events.ts`): `ex-order` (an order view with
 * `accountId`, `marketId`, `clientOrderId`, `listId`, `status`, `filled`, `remaining`, `lastFill?`) and `ex-account`
 * (`accountId` and `balances: [{asset, free, locked}]`).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { TradingEvent } from '../../app/events.ts';
import { decimalPlaces, fromScaled, tryScaled } from '../../core/money/decimal.ts';
import { BinanceError, badKey, missing } from './errors.ts';
import { apiKeysOf } from './keys.ts';
import { gatewayOf } from './plugin.ts';
import { checkTimestamp, signatureValid } from './signing.ts';
import type { MarketDataHub, WsLike } from './ws.ts';

/** A listenKey lives this long after its creation or last keep-alive (Binance: 60 minutes). */
export const LISTEN_KEY_TTL_MS = 60 * 60_000;
/** Timing of the user streams; `keyRecheckMs`: how often a live stream re-resolves its API key (revocation,
 * ownership). Tests shorten it. */
export const userStreamTiming = { keyRecheckMs: 10_000 };
const OPEN = 1;

/** The key behind a stream. */
interface Grant {
  apiKey: string;
  accountId: number;
  userId: number;
}

/** What the market-stream routes need from the user streams. */
export interface UserStreams {
  /** Serves `socket` as the legacy stream of `listenKey` and returns true, or false when it is not a live key. */
  attachListenKey(socket: WsLike, listenKey: string): boolean;
}

/** Product of two decimal texts, exact. */
function mulDec(a: string, b: string): string {
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  const x = tryScaled(a, da);
  const y = tryScaled(b, db);
  return x === undefined || y === undefined ? '0' : fromScaled(x * y, da + db);
}

const ORDER_TYPE: Record<string, string> = {
  limit: 'LIMIT',
  market: 'MARKET',
  'stop-market': 'STOP_LOSS',
  'stop-limit': 'STOP_LOSS_LIMIT',
  'take-profit': 'TAKE_PROFIT',
  'take-profit-limit': 'TAKE_PROFIT_LIMIT',
};

/** Binance's `o` for an order view (a post-only limit is LIMIT_MAKER). */
export function binanceOrderType(o: Record<string, unknown>): string {
  if (o.type === 'limit' && o.postOnly === true) return 'LIMIT_MAKER';
  return ORDER_TYPE[String(o.type)] ?? String(o.type).toUpperCase();
}

/** The client order id Binance reports for an order placed without one. */
export function clientOrderIdOf(o: Record<string, unknown>): string {
  return typeof o.clientOrderId === 'string' && o.clientOrderId !== '' ? o.clientOrderId : `testudo-${String(o.id)}`;
}

/** Cancel reasons that Binance reports as an expiry rather than a cancel. */
const EXPIRY: Record<string, string> = {
  ioc: 'UNFILLED_IOC_QUANTITY_EXPIRED',
  'fok-not-fillable': 'UNFILLED_FOK_ORDER_EXPIRED',
  'no-liquidity': 'INSUFFICIENT_LIQUIDITY',
  'market-band': 'EXECUTION_RULE_PRICE_RANGE_EXCEEDED',
  oco: 'OCO_TRIGGER',
};

let executionId = 0;

/**
 * The `executionReport` event of an order change (`o` as the exchange publishes it, `symbol` its gateway symbol).
 * Execution type `x`: TRADE when the change carries a fill, CANCELED for a user cancel, EXPIRED for an IOC/FOK
 * remainder, a market order out of liquidity or band, or the other leg of an OCO, TRADE_PREVENTION for self-trade
 * prevention, REJECTED, REPLACED for an amend, NEW otherwise.
 */
export function executionReport(o: Record<string, unknown>, symbol: string, now = Date.now()): Record<string, unknown> {
  const str = (v: unknown, d = '0'): string => (typeof v === 'string' && v !== '' ? v : d);
  const status = String(o.status);
  const fill = (o.lastFill ?? null) as { price?: string; size?: string; tradeId?: number; maker?: boolean } | null;
  const filled = str(o.filled);
  const remaining = str(o.remaining);
  const reason = typeof o.reason === 'string' ? o.reason : typeof o.cancelReason === 'string' ? o.cancelReason : '';
  let x = 'NEW';
  let X = status === 'pending' ? 'NEW' : tryScaled(filled, 18) ? 'PARTIALLY_FILLED' : 'NEW';
  if (fill && fill.size) {
    x = 'TRADE';
    X = status === 'filled' || tryScaled(remaining, 18) === 0n ? 'FILLED' : 'PARTIALLY_FILLED';
  } else if (status === 'cancelled' || status === 'expired') {
    if (reason === 'self-trade-prevention') [x, X] = ['TRADE_PREVENTION', 'EXPIRED_IN_MATCH'];
    else if (EXPIRY[reason]) [x, X] = ['EXPIRED', 'EXPIRED'];
    else [x, X] = ['CANCELED', 'CANCELED'];
  } else if (status === 'rejected') [x, X] = ['REJECTED', 'REJECTED'];
  else if (status === 'filled') X = 'FILLED';
  else if (o.event === 'amended' || o.amended === true) x = 'REPLACED';
  const at = (v: unknown): number | null => {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : null;
  };
  const T = at(o.updatedAt) ?? at(o.at) ?? now;
  const O = at(o.createdAt) ?? T;
  const working = status === 'open';
  const L = fill?.price ?? '0';
  const l = fill?.size ?? '0';
  const ev: Record<string, unknown> = {
    e: 'executionReport',
    E: now,
    s: symbol,
    c: clientOrderIdOf(o),
    S: String(o.side).toUpperCase(),
    o: binanceOrderType(o),
    f: typeof o.tif === 'string' ? o.tif : 'GTC',
    q: str(o.size),
    p: str(o.price),
    P: str(o.stopPrice),
    F: '0',
    g: typeof o.listId === 'number' ? o.listId : -1,
    C: '',
    x,
    X,
    r: 'NONE',
    i: o.id,
    l,
    z: filled,
    L,
    n: '0',
    N: null,
    T,
    t: typeof fill?.tradeId === 'number' ? fill.tradeId : -1,
    I: ++executionId,
    w: working,
    m: fill?.maker === true,
    M: false,
    O,
    Z: str(o.filledQuote ?? o.cumulativeQuote ?? o.quoteFilled),
    Y: fill ? mulDec(L, l) : '0',
    Q: '0',
    V: 'NONE',
  };
  if (working) ev.W = O;
  if (x === 'EXPIRED' && EXPIRY[reason]) ev.eR = EXPIRY[reason];
  return ev;
}

/** The `outboundAccountPosition` event of an account change (`balances: [{asset, free, locked}]`). */
export function accountPosition(a: Record<string, unknown>, now = Date.now()): Record<string, unknown> | null {
  const balances = Array.isArray(a.balances) ? (a.balances as Record<string, unknown>[]) : null;
  if (!balances) return null;
  return {
    e: 'outboundAccountPosition',
    E: now,
    u: now,
    B: balances.map((b) => ({ a: String(b.asset), f: String(b.free ?? '0'), l: String(b.locked ?? '0') })),
  };
}

/** One consumer of an account's events (a WebSocket API subscription or a listenKey socket). */
interface Sink {
  grant: Grant;
  send(event: Record<string, unknown>): void;
  /** The key stopped working: tell the client and stop. */
  end(): void;
}

/** Subscribes a sink to its account's events; returns the unsubscribe function. */
function follow(ctx: AppContext, hub: MarketDataHub, sink: Sink, log: (err: unknown) => void): () => void {
  const { accountId, userId } = sink.grant;
  // The key is resolved again now and every keyRecheckMs; events wait for the first check (a listenKey outlives a
  // revoked key or a removed owner until it expires) and nothing is sent once a check failed.
  let valid = true;
  const recheck = (): Promise<void> =>
    apiKeysOf(ctx)
      .resolve(sink.grant.apiKey)
      .then((k) => {
        if (valid && (!k || k.accountId !== accountId || k.userId !== userId)) {
          valid = false;
          sink.end();
        }
      });
  let chain: Promise<unknown> = recheck().catch(log);
  const symbols = new Map<number, string>();
  const symbolOf = async (o: Record<string, unknown>): Promise<string> => {
    if (typeof o.symbol === 'string') return o.symbol;
    const id = Number(o.marketId);
    const pub = hub.marketOfId(id);
    if (pub) return pub.symbol;
    let s = symbols.get(id);
    if (s === undefined) {
      for (const m of await ctx.exchange.listMarkets(userId))
        symbols.set(Number(m.id), typeof m.symbol === 'string' ? m.symbol : String(m.name));
      s = symbols.get(id) ?? `M${id}`;
    }
    return s;
  };
  const mine = (e: TradingEvent): boolean => {
    if (Number(e.data.accountId) !== accountId) return false;
    if (e.userId === userId) return true;
    return e.userId === null && Array.isArray(e.data.ownerIds) && e.data.ownerIds.includes(userId);
  };
  const off = ctx.events.subscribe(userId, (e) => {
    if (e.type === 'ex-order' && mine(e)) {
      const o = e.data;
      chain = chain
        .then(async () => {
          const report = executionReport(o, await symbolOf(o));
          if (valid) sink.send(report);
        })
        .catch(log);
    } else if (e.type === 'ex-account' && mine(e)) {
      const ev = accountPosition(e.data);
      if (ev)
        chain = chain
          .then(() => {
            if (valid) sink.send(ev);
          })
          .catch(log);
    }
  });
  const timer = setInterval(() => void recheck().catch(log), userStreamTiming.keyRecheckMs);
  timer.unref();
  return () => {
    off();
    clearInterval(timer);
  };
}

/** A live listenKey. */
interface ListenKey {
  key: string;
  grant: Grant;
  expiresAt: number;
  sockets: Set<WsLike>;
}

const ListenKeyQuery = z.object({ listenKey: z.string().max(200).optional() });
const BinanceErrorBody = z.object({ code: z.number(), msg: z.string() });

/** The WebSocket API request envelope. */
const WsApiRequest = z.object({
  id: z.union([z.string().max(100), z.number(), z.null()]),
  method: z.string().max(100),
  params: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Registers the user-data routes on `app` (listenKey REST endpoints and the WebSocket API) and returns the hook the
 * `/binance/ws/:name` route uses for listenKey sockets.
 */
export async function userDataRoutes(app: FastifyInstance, ctx: AppContext, hub: MarketDataHub): Promise<UserStreams> {
  const keys = new Map<string, ListenKey>();
  const byAccountKey = new Map<string, ListenKey>();
  const log = (err: unknown): void => app.log.error({ err }, 'binance user stream');
  const r = app.withTypeProvider<ZodTypeProvider>();

  const expire = (lk: ListenKey): void => {
    keys.delete(lk.key);
    if (byAccountKey.get(`${lk.grant.apiKey}`) === lk) byAccountKey.delete(lk.grant.apiKey);
    const msg = JSON.stringify({ e: 'listenKeyExpired', E: Date.now(), listenKey: lk.key });
    for (const s of lk.sockets) {
      if (s.readyState === OPEN) s.send(msg);
      s.close(1000, 'listenKey expired');
    }
    lk.sockets.clear();
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const lk of [...keys.values()]) if (lk.expiresAt <= now) expire(lk);
  }, 5_000);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
  });

  /** The grant of a key sent in a header or a param. @throws BinanceError -2014 / -2015. */
  const grantOf = async (apiKey: unknown): Promise<Grant> => {
    if (typeof apiKey !== 'string' || apiKey === '') throw new BinanceError(401, -2014, 'API-key format invalid.');
    const k = await apiKeysOf(ctx).resolve(apiKey);
    if (!k) throw badKey();
    void apiKeysOf(ctx).touch(k.id).catch(log);
    return { apiKey: k.apiKey, accountId: k.accountId, userId: k.userId };
  };

  const startKey = (g: Grant): string => {
    const live = byAccountKey.get(g.apiKey);
    if (live && keys.has(live.key)) {
      live.expiresAt = Date.now() + LISTEN_KEY_TTL_MS;
      return live.key;
    }
    const key = randomBytes(45).toString('base64url').slice(0, 60);
    const lk: ListenKey = { key, grant: g, expiresAt: Date.now() + LISTEN_KEY_TTL_MS, sockets: new Set() };
    keys.set(key, lk);
    byAccountKey.set(g.apiKey, lk);
    return key;
  };
  /** The live listenKey `key` of the key's account. @throws BinanceError -1102 / -1125. */
  const liveKey = (g: Grant, key: string | undefined): ListenKey => {
    if (key === undefined || key === '') throw missing('listenKey');
    const lk = keys.get(key);
    if (!lk || lk.grant.accountId !== g.accountId || lk.expiresAt <= Date.now())
      throw new BinanceError(400, -1125, 'This listenKey does not exist.');
    return lk;
  };

  // --- REST: /binance/api/v3/userDataStream (form bodies as CCXT sends them)
  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded'))
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    // every request, good or bad, counts against the IP's weight (Binance: 2 per userDataStream call)
    scope.addHook('onRequest', async (req, reply) => {
      const used = gatewayOf(ctx).limiter.take(req.ip, 2);
      void reply.header('x-mbx-used-weight', String(used)).header('x-mbx-used-weight-1m', String(used));
    });
    scope.setErrorHandler((err, _req, reply) => {
      const b =
        err instanceof BinanceError
          ? err
          : (err as { validation?: unknown }).validation
            ? new BinanceError(400, -1102, 'A mandatory parameter was not sent, was empty/null, or malformed.')
            : (err as { statusCode?: number }).statusCode === 413 // a body over the server's bodyLimit
              ? new BinanceError(413, -1100, 'The request is too large.')
              : new BinanceError(500, -1000, 'An unknown error occurred while processing the request.');
      if (b.status >= 500) log(err);
      void reply.code(b.status).headers(b.headers).send({ code: b.code, msg: b.msg });
    });
    const s = scope.withTypeProvider<ZodTypeProvider>();
    const responses = { 200: z.object({ listenKey: z.string() }), '4xx': BinanceErrorBody, '5xx': BinanceErrorBody };
    const empty = { 200: z.object({}), '4xx': BinanceErrorBody, '5xx': BinanceErrorBody };
    const keyOf = (q: { listenKey?: string | undefined }, body: unknown): string | undefined =>
      q.listenKey ??
      (body && typeof body === 'object' && typeof (body as Record<string, unknown>).listenKey === 'string'
        ? String((body as Record<string, unknown>).listenKey)
        : undefined);
    const reply200 = (reply: FastifyReply, body: Record<string, unknown>): FastifyReply => reply.code(200).send(body);
    s.post(
      '/binance/api/v3/userDataStream',
      { schema: { hide: true, querystring: ListenKeyQuery, response: responses } },
      async (req, reply) => reply200(reply, { listenKey: startKey(await grantOf(req.headers['x-mbx-apikey'])) }),
    );
    s.put(
      '/binance/api/v3/userDataStream',
      { schema: { hide: true, querystring: ListenKeyQuery, response: empty } },
      async (req, reply) => {
        const lk = liveKey(await grantOf(req.headers['x-mbx-apikey']), keyOf(req.query, req.body));
        lk.expiresAt = Date.now() + LISTEN_KEY_TTL_MS;
        return reply200(reply, {});
      },
    );
    s.delete(
      '/binance/api/v3/userDataStream',
      { schema: { hide: true, querystring: ListenKeyQuery, response: empty } },
      async (req, reply) => {
        expire(liveKey(await grantOf(req.headers['x-mbx-apikey']), keyOf(req.query, req.body)));
        return reply200(reply, {});
      },
    );
  });

  // --- WebSocket API: /binance/ws-api/v3
  r.get('/binance/ws-api/v3', { websocket: true, schema: { hide: true } }, (raw, upgrade) => {
    const socket = raw as unknown as WsLike;
    const subs = new Map<number, { stop: () => void; accountId: number }>();
    let nextSub = 0;
    const send = (body: Record<string, unknown>): void => {
      if (socket.readyState === OPEN) socket.send(JSON.stringify(body));
    };
    const fail = (id: unknown, e: BinanceError): void =>
      send({ id: id ?? null, status: e.status === 401 ? 401 : e.status, error: { code: e.code, msg: e.msg } });
    const stopSub = (sid: number): void => {
      const s = subs.get(sid);
      if (!s) return;
      subs.delete(sid);
      s.stop();
      send({ subscriptionId: sid, event: { e: 'eventStreamTerminated', E: Date.now() } });
    };
    socket.on('close', () => {
      for (const s of subs.values()) s.stop();
      subs.clear();
    });
    let chain: Promise<unknown> = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      let id: unknown = null;
      try {
        gatewayOf(ctx).limiter.take(upgrade.ip, 2); // weight 2 per request, malformed ones included
      } catch (err) {
        if (err instanceof BinanceError) fail(null, err);
        if (err instanceof BinanceError && err.status === 418) socket.close(1008, 'banned');
        return;
      }
      let req: z.infer<typeof WsApiRequest>;
      if (isBinary || data.length > 64 * 1024) {
        fail(null, new BinanceError(400, -1102, 'Malformed request: one JSON object per text frame, at most 64 KiB.'));
        return;
      }
      try {
        const parsed = WsApiRequest.safeParse(JSON.parse(data.toString('utf8')));
        if (!parsed.success) {
          fail(null, new BinanceError(400, -1102, 'Mandatory parameter was not sent, was empty/null, or malformed.'));
          return;
        }
        req = parsed.data;
        id = req.id;
      } catch {
        fail(null, new BinanceError(400, -1102, 'Malformed request: not valid JSON.'));
        return;
      }
      const p = req.params ?? {};
      const text = (k: string): string | undefined =>
        typeof p[k] === 'string' ? (p[k] as string) : typeof p[k] === 'number' ? String(p[k]) : undefined;
      const method = req.method.replace(/^v3\//, '');
      chain = chain
        .then(async () => {
          switch (method) {
            case 'ping':
              return send({ id, status: 200, result: {} });
            case 'time':
              return send({ id, status: 200, result: { serverTime: Date.now() } });
            case 'userDataStream.subscribe.signature': {
              const signature = text('signature');
              if (!signature) throw missing('signature');
              const g = await grantOf(p.apiKey);
              checkTimestamp(text('timestamp'), text('recvWindow'), gatewayOf(ctx).now());
              const k = await apiKeysOf(ctx).resolve(g.apiKey);
              const payload = Object.keys(p)
                .filter((x) => x !== 'signature')
                .sort()
                .map((x) => `${x}=${text(x) ?? ''}`)
                .join('&');
              if (!k || !signatureValid(k.secret, payload, signature))
                throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
              for (const s of subs.values())
                if (s.accountId === g.accountId)
                  throw new BinanceError(400, -2035, 'User Data Stream subscription already active.');
              const sid = nextSub++;
              const stop = follow(
                ctx,
                hub,
                {
                  grant: g,
                  send: (event) => send({ subscriptionId: sid, event }),
                  end: () => stopSub(sid),
                },
                log,
              );
              subs.set(sid, { stop, accountId: g.accountId });
              return send({ id, status: 200, result: { subscriptionId: sid } });
            }
            case 'userDataStream.unsubscribe': {
              const sid = p.subscriptionId;
              send({ id, status: 200, result: {} });
              if (typeof sid === 'number') stopSub(sid);
              else for (const k of [...subs.keys()]) stopSub(k);
              return;
            }
            case 'session.subscriptions':
              return send({ id, status: 200, result: [...subs.keys()].map((subscriptionId) => ({ subscriptionId })) });
            case 'userDataStream.start':
              return send({ id, status: 200, result: { listenKey: startKey(await grantOf(p.apiKey)) } });
            case 'userDataStream.ping': {
              const lk = liveKey(await grantOf(p.apiKey), text('listenKey'));
              lk.expiresAt = Date.now() + LISTEN_KEY_TTL_MS;
              return send({ id, status: 200, result: {} });
            }
            case 'userDataStream.stop':
              expire(liveKey(await grantOf(p.apiKey), text('listenKey')));
              return send({ id, status: 200, result: {} });
            default:
              throw new BinanceError(400, -1020, 'This operation is not supported.');
          }
        })
        .catch((err: unknown) => {
          if (err instanceof BinanceError) fail(id, err);
          else {
            log(err);
            fail(id, new BinanceError(500, -1000, 'An unknown error occurred while processing the request.'));
          }
        });
    });
  });

  return {
    attachListenKey(socket, listenKey) {
      const lk = keys.get(listenKey);
      if (!lk || lk.expiresAt <= Date.now()) return false;
      lk.sockets.add(socket);
      const stop = follow(
        ctx,
        hub,
        {
          grant: lk.grant,
          send: (event) => {
            if (socket.readyState === OPEN) socket.send(JSON.stringify(event));
          },
          end: () => expire(lk),
        },
        log,
      );
      socket.on('close', () => {
        lk.sockets.delete(socket);
        stop();
      });
      // the market-stream control messages are not served on a user-data socket
      socket.on('message', () => undefined);
      return true;
    },
  };
}
