/**
 * The exchange WebSocket API at `/ws/exchange`: JSON requests `{ request_id, op, ... }`, each answered by exactly one
 * response echoing `request_id` — `{ request_id, ok: true, ... }` or `{ request_id, ok: false, error }` where `error`
 * is `{ code, message, status, fields?, retryAfter? }` (`status` and `code` as the REST API would answer).
 *
 * Ops:
 * - `ping` → `{ pong: <server time ms> }`;
 * - `subscribe` / `unsubscribe` with `channel`: a subscribe answers `{ channel, snapshot }`, then pushes
 *   `{ channel, update }` as things change. Public channels (anyone, unrestricted markets only when not logged in):
 *   `book:<marketId>` (snapshot and each update: the market with its depth, `levels` 1..500, default 20),
 *   `trades:<marketId>` (snapshot: the latest 100 trades, newest first; update: one trade), `markets` (snapshot: the
 *   visible markets; update: one changed market). Private channels (logged in; only the user's own data):
 *   `orders` (snapshot: live orders; update: an order in its current state whenever it changes), `fills` (snapshot:
 *   latest 100 fills; update: one fill), `portfolio:<accountId>` (an owned account; update: the whole portfolio when
 *   it changed), `transfers` (snapshot: latest 100; update: one transfer into or out of the user's accounts);
 * - `place_order`, `cancel_order` (`orderId`), `amend_order` (`orderId`, `size?`, `price?`), `transfer`: the fields and
 *   semantics of the REST routes, in the same `mutate` rate-limit class (shared limiter); a limited request fails with
 *   code `rate-limited` and `retryAfter` (seconds).
 *
 * A bad message never closes the socket: it fails with `malformed-message`, `unknown-op`, `unknown-channel` or
 * `validation-failed`. Work on one socket runs in order, so a response precedes the updates its command caused, and a
 * subscribe's snapshot precedes that channel's updates. Orders are pipelined: a `place_order` that arrives while
 * nothing else of its socket waits is applied at once and answered in order after its batch commits, so a client
 * may keep several orders in flight and they share one commit. Private feeds follow the exchange's in-memory events, which it
 * publishes after each commit to the owners of the account only (`ex-order`, `ex-account`, `transfer`): no database
 * read per update. A socket with any private subscription also gets `{ channel: 'ownership', update }` when an owner
 * is added to or removed from one of the user's accounts; a removed owner's `portfolio:<id>` subscription ends.
 * A socket opened with a session or an API token is closed with code 4401 when that session or token ends
 * (`./ws-auth.ts`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import type { TradingEvent } from '../app/events.ts';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TestudoError,
  ValidationError,
  type FieldIssue,
} from '../app/errors.ts';
import { BreakerOpenError } from '../core/risk/breaker.ts';
import { ZOD_ISSUE_CODES, statusOf } from './errors.ts';
import type { RateLimiter } from './ratelimit.ts';
import { OrderBody, TransferBody, decimalText } from './exchange-routes.ts';
import { OrderView } from './exchange-responses.ts';
import { closeWhenRevoked } from './ws-auth.ts';

/** Options of {@link exchangeWebSocket}. */
export interface ExchangeWsOptions {
  /** Unused: private feeds follow the exchange's events (kept so existing callers still compile). */
  pollMs?: number;
  /** Most subscriptions per socket; default 200. */
  maxSubscriptions?: number;
}

/** Largest accepted message, in characters. */
export const MAX_MESSAGE_CHARS = 64 * 1024;

const posInt = z.number().int().positive();
const requestId = z.union([z.string().max(200), z.number()]).optional();

// The same fields as the REST bodies in `./exchange-routes.ts`, plus `request_id` and `op`.
const base = { request_id: requestId, op: z.string() };
const Ops = {
  ping: z.object(base).strict(),
  subscribe: z
    .object({ ...base, channel: z.string().max(100), levels: z.number().int().min(1).max(500).optional() })
    .strict(),
  unsubscribe: z.object({ ...base, channel: z.string().max(100) }).strict(),
  place_order: OrderBody.extend(base).strict(),
  cancel_order: z.object({ ...base, orderId: posInt }).strict(),
  amend_order: z
    .object({ ...base, orderId: posInt, size: decimalText.optional(), price: decimalText.optional() })
    .strict(),
  transfer: TransferBody.extend(base).strict(),
} as const;
type Op = keyof typeof Ops;

/** Field issues of a failed zod parse, with the codes the REST API uses. */
function fieldIssues(err: z.ZodError, input: Record<string, unknown>): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of err.issues) {
    const field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ field: k, code: 'unknown-field', message: `unknown field "${k}"` });
      continue;
    }
    const missing = i.path.length === 1 && input[String(i.path[0])] === undefined;
    out.push({
      field: field || 'message',
      code: missing ? 'required' : (ZOD_ISSUE_CODES[i.code] ?? 'invalid-value'),
      message: missing ? 'is required' : i.message,
    });
  }
  return out;
}

/** A WebSocket-level failure with a stable code (not a domain error). */
class WsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A `rate-limited` failure that says when to retry. */
class RetryLaterError extends RateLimitedError {
  constructor(
    readonly retryAfter: number,
    message: string,
  ) {
    super('rate-limited', message);
  }
}

/** The error object of a failed request: code, message, HTTP-equivalent status, and fields or retryAfter. */
export function errorBody(err: unknown): Record<string, unknown> {
  if (err instanceof WsError) return { code: err.code, message: err.message, status: err.status };
  if (err instanceof TestudoError || err instanceof BreakerOpenError) {
    const body: Record<string, unknown> = {
      code: err instanceof TestudoError ? err.code : 'circuit-breaker-open',
      message: err.message,
      status: statusOf(err),
    };
    if (err instanceof ValidationError) body.fields = err.issues;
    if (err instanceof RetryLaterError) body.retryAfter = err.retryAfter;
    if (err instanceof BreakerOpenError) body.retryAfter = Math.max(1, Math.ceil((err.retryAt - Date.now()) / 1000));
    return body;
  }
  return { code: 'internal-error', message: 'an unexpected error occurred; it has been logged', status: 500 };
}

/** A parsed channel name. */
type Channel =
  | { kind: 'book' | 'trades'; marketId: number }
  | { kind: 'markets' | 'orders' | 'fills' | 'transfers' }
  | { kind: 'portfolio'; accountId: number };

/** Parses a channel name, or null when unknown. */
export function parseChannel(name: string): Channel | null {
  if (name === 'markets' || name === 'orders' || name === 'fills' || name === 'transfers') return { kind: name };
  const m = /^(book|trades|portfolio):([1-9]\d{0,14})$/.exec(name);
  if (!m) return null;
  const id = Number(m[2]);
  return m[1] === 'portfolio'
    ? { kind: 'portfolio', accountId: id }
    : { kind: m[1] as 'book' | 'trades', marketId: id };
}

/** Channels that carry the user's own data (login required; fed by the cursors). */
const PRIVATE_KINDS: ReadonlySet<Channel['kind']> = new Set(['orders', 'fills', 'portfolio', 'transfers']);

interface Sub {
  channel: Channel;
  levels: number;
  /** Portfolio: the last pushed state, as JSON. */
  last?: string;
}

/** The fields of an order view (REST `OrderView`) in an `ex-order` event. */
const ORDER_FIELDS = Object.keys(OrderView.shape);

/** An `ex-order` event's order view, as the `orders` channel and REST serve it. */
function orderUpdate(d: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ORDER_FIELDS) out[k] = d[k];
  return out;
}

/** Registers `GET /ws/exchange` on `app`. Mutating ops take tokens from `limiter` (the REST routes' limiter). */
export function exchangeWebSocket(
  app: FastifyInstance,
  ctx: AppContext,
  limiter: RateLimiter,
  opts: ExchangeWsOptions = {},
): void {
  const ex = ctx.exchange;
  const maxSubs = opts.maxSubscriptions ?? 200;

  // Market data frames shared by every socket: a book update is built and serialised once per book change and
  // depth, a trade once per trade, instead of once per subscribed socket.
  const bookVersion = new Map<number, number>();
  const bookFrames = new Map<string, { version: number; frame: Promise<string | null> }>();
  const offBooks = ctx.events.subscribe(-1, (e) => {
    if (e.type === 'book' && typeof e.data.marketId === 'number')
      bookVersion.set(e.data.marketId, (bookVersion.get(e.data.marketId) ?? 0) + 1);
  });
  app.addHook('onClose', async () => {
    offBooks();
  });
  /** The `book:<id>` update frame at `levels` as anyone may see it; null for a restricted market. */
  const publicBookFrame = (marketId: number, levels: number): Promise<string | null> => {
    const version = bookVersion.get(marketId) ?? 0;
    const key = `${marketId}:${levels}`;
    const hit = bookFrames.get(key);
    if (hit && hit.version === version) return hit.frame;
    const frame = ex.market(null, marketId, levels).then(
      (update) => JSON.stringify({ channel: `book:${marketId}`, update }),
      () => null,
    );
    bookFrames.set(key, { version, frame });
    return frame;
  };
  const tradeFrames = new WeakMap<Record<string, unknown>, string>();
  /** The `trades:<id>` update frame of a `trade` event (without the internal `accounts` list). */
  const tradeFrame = (data: Record<string, unknown>): string => {
    let f = tradeFrames.get(data);
    if (f === undefined) {
      const { accounts: _internal, ...trade } = data;
      f = JSON.stringify({ channel: `trades:${String(data.marketId)}`, update: trade });
      tradeFrames.set(data, f);
    }
    return f;
  };

  app.get('/ws/exchange', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const user: User | null = req.user;
    const uid = user?.id ?? null;
    const subs = new Map<string, Sub>();
    let chain: Promise<unknown> = Promise.resolve();
    let closed = false;
    /** Requests queued on `chain` that have not finished (a place_order is pipelined only when there are none). */
    let waiting = 0;
    const bookScheduled = new Set<number>();

    // The TCP socket under the WebSocket (a `ws` internal): corked from a turn's first message until the end of that
    // turn's ticks and microtasks, so the frames one turn sends (e.g. the acknowledgements of a client's orders that
    // committed in one batch) leave in one write instead of one system call each.
    const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void; destroyed: boolean } })._socket;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      if (raw && !raw.destroyed) raw.uncork();
    };
    const send = (msg: Record<string, unknown>): void => sendFrame(JSON.stringify(msg));
    /** Sends an already serialised message (unless closed; a consumer more than 16 MiB behind is dropped). */
    const sendFrame = (frame: string): void => {
      if (closed || socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > 16 * 1024 * 1024) {
        socket.close(1013, 'slow consumer');
        return;
      }
      if (!corked && raw) {
        corked = true;
        raw.cork();
        setImmediate(uncork);
      }
      socket.send(frame);
    };
    /** Runs `fn` after everything queued on this socket; errors are logged, never thrown. */
    const enqueue = (fn: () => Promise<void>): void => {
      chain = chain
        .then(() => (closed ? undefined : fn()))
        .catch((err: unknown) => {
          req.log.error({ err }, 'exchange websocket');
        });
    };
    const needUser = (): User => {
      if (!user) throw new AuthError('unauthenticated', 'log in, or connect with ?token=<API token>');
      return user;
    };
    const hasPrivate = (): boolean => [...subs.values()].some((s) => PRIVATE_KINDS.has(s.channel.kind));

    // --- pushing updates

    /** Sends a private update on channel `name` if still subscribed (events carry the owner's userId). */
    const privateUpdate = (name: string, update: unknown): void => {
      enqueue(async () => {
        if (subs.has(name)) send({ channel: name, update });
      });
    };
    const onPrivate = (e: TradingEvent): void => {
      const d = e.data;
      switch (e.type) {
        case 'ex-order': {
          if (subs.has('orders')) privateUpdate('orders', orderUpdate(d));
          const fill = d.lastFill as Record<string, unknown> | undefined;
          if (fill && subs.has('fills'))
            privateUpdate('fills', {
              tradeId: fill.tradeId,
              marketId: d.marketId,
              price: fill.price,
              size: fill.size,
              at: d.updatedAt,
              orderId: d.id,
              accountId: d.accountId,
              side: d.side,
              liquidity: fill.maker === true ? 'maker' : 'taker',
            });
          break;
        }
        case 'ex-account': {
          const name = `portfolio:${String(d.accountId)}`;
          const s = subs.get(name);
          if (!s || !d.portfolio) break;
          const json = JSON.stringify(d.portfolio);
          if (json === s.last) break;
          s.last = json;
          privateUpdate(name, d.portfolio);
          break;
        }
        case 'transfer':
          if (subs.has('transfers')) privateUpdate('transfers', d);
          break;
        case 'ownership': {
          if (hasPrivate())
            enqueue(async () => {
              if (hasPrivate()) send({ channel: 'ownership', update: d });
            });
          const name = `portfolio:${String(d.accountId)}`;
          if (d.change === 'removed' && d.userId === uid && subs.has(name)) {
            // no longer an owner: end the subscription
            enqueue(async () => {
              if (!subs.delete(name)) return;
              followPrivate();
              send({
                channel: name,
                error: errorBody(new NotFoundError('account-not-found', `no account ${String(d.accountId)} of yours`)),
                unsubscribed: true,
              });
            });
          }
          break;
        }
        default:
          break;
      }
    };
    const scheduleBook = (marketId: number): void => {
      const name = `book:${marketId}`;
      if (bookScheduled.has(marketId) || !subs.has(name)) return;
      bookScheduled.add(marketId);
      enqueue(async () => {
        bookScheduled.delete(marketId);
        const s = subs.get(name);
        if (!s) return;
        const shared = await publicBookFrame(marketId, s.levels);
        if (shared !== null) sendFrame(shared);
        else send({ channel: name, update: await ex.market(uid, marketId, s.levels) });
      });
    };

    const onEvent = (e: TradingEvent): void => {
      if (e.userId !== null) return;
      const marketId = typeof e.data.marketId === 'number' ? e.data.marketId : null;
      if (e.type === 'book' && marketId !== null) scheduleBook(marketId);
      if (e.type === 'trade' && marketId !== null && subs.has(`trades:${marketId}`)) {
        const data = e.data;
        enqueue(async () => {
          if (subs.has(`trades:${marketId}`)) sendFrame(tradeFrame(data));
        });
      }
      if (e.type === 'market' && subs.has('markets')) {
        const view = e.data;
        enqueue(async () => {
          if (!subs.has('markets')) return;
          if (view.restricted === true) {
            try {
              await ex.market(uid, Number(view.id), 1);
            } catch {
              return; // not visible to this socket
            }
          }
          send({ channel: 'markets', update: view });
        });
      }
    };
    // Public events: a negative id receives only the broadcast (userId null) ones. The user's own events are
    // followed only while a private channel is subscribed (the exchange skips building them for nobody).
    const off = ctx.events.subscribe(-1, onEvent);
    let offPrivate: (() => void) | null = null;
    const followPrivate = (): void => {
      if (hasPrivate() && uid !== null) {
        offPrivate ??= ctx.events.subscribe(uid, (e) => {
          if (e.userId === uid) onPrivate(e);
        });
      } else if (offPrivate) {
        offPrivate();
        offPrivate = null;
      }
    };
    socket.on('close', () => {
      closed = true;
      off();
      offPrivate?.();
    });
    closeWhenRevoked(ctx, req, socket); // closed 4401 when its session or API token ends

    // --- requests

    const snapshot = async (name: string, c: Channel, levels: number): Promise<unknown> => {
      switch (c.kind) {
        case 'book':
          return ex.market(uid, c.marketId, levels);
        case 'trades':
          return ex.trades(uid, c.marketId, 100);
        case 'markets':
          return ex.listMarkets(uid);
        case 'orders':
          return ex.orders(needUser().id, { live: true, limit: 1000 });
        case 'fills':
          return ex.fills(needUser().id, null, 100);
        case 'transfers':
          return ex.transfers(needUser().id, 100);
        case 'portfolio': {
          const p = await ex.portfolio(needUser().id, c.accountId);
          const s = subs.get(name);
          if (s) s.last = JSON.stringify(p);
          return p;
        }
      }
    };

    const mutate = async (u: User): Promise<void> => {
      // an API token needs the trade scope to change anything (connecting and reading need read: guards.ts)
      if (req.auth?.via === 'token' && !req.auth.scopes.has('trade'))
        throw new WsError('insufficient-scope', 'this API token lacks the trade scope', 403);
      const d = await limiter.check('mutate', { user: u, address: req.ip });
      if (d && !d.allowed)
        throw new RetryLaterError(d.retryAfter, `too many mutate requests: retry in ${d.retryAfter} s`);
    };

    const handle = async (op: Op, m: Record<string, unknown>): Promise<Record<string, unknown>> => {
      switch (op) {
        case 'ping':
          return { pong: Date.now() };
        case 'subscribe': {
          const name = m.channel as string;
          const c = parseChannel(name);
          if (!c) throw new WsError('unknown-channel', `no channel "${name}"`);
          const isPrivate = PRIVATE_KINDS.has(c.kind);
          if (isPrivate) needUser();
          if (!subs.has(name) && subs.size >= maxSubs)
            throw new WsError('too-many-subscriptions', `at most ${maxSubs} subscriptions per socket`, 429);
          const levels = typeof m.levels === 'number' ? m.levels : 20;
          const existed = subs.get(name);
          subs.set(name, { channel: c, levels });
          followPrivate(); // before the snapshot, so no update after it is missed
          try {
            return { channel: name, snapshot: await snapshot(name, c, levels) };
          } catch (err) {
            if (existed) subs.set(name, existed);
            else subs.delete(name);
            followPrivate();
            throw err;
          }
        }
        case 'unsubscribe': {
          const name = m.channel as string;
          if (!parseChannel(name)) throw new WsError('unknown-channel', `no channel "${name}"`);
          if (!subs.delete(name)) throw new WsError('not-subscribed', `not subscribed to "${name}"`, 409);
          followPrivate();
          return { channel: name };
        }
        case 'place_order': {
          const u = needUser();
          await mutate(u);
          const { request_id: _r, op: _o, accountId, ...body } = m as z.infer<(typeof Ops)['place_order']>;
          return ex.placeOrder(u.id, { ...body, accountId: accountId ?? (await ex.personalAccount(u.id)) });
        }
        case 'cancel_order': {
          const u = needUser();
          await mutate(u);
          return ex.cancelOrder(u.id, m.orderId as number);
        }
        case 'amend_order': {
          const u = needUser();
          await mutate(u);
          const b = m as z.infer<(typeof Ops)['amend_order']>;
          return ex.amendOrder(u.id, b.orderId, {
            ...(b.size === undefined ? {} : { size: b.size }),
            ...(b.price === undefined ? {} : { price: b.price }),
          });
        }
        case 'transfer': {
          const u = needUser();
          await mutate(u);
          const b = m as z.infer<(typeof Ops)['transfer']>;
          return ex.transfer(
            { id: u.id, isAdmin: u.isAdmin === true },
            b.fromAccountId === undefined ? await ex.personalAccount(u.id) : b.fromAccountId,
            b.toAccountId,
            b.amount,
            b.note,
            req.ip,
          );
        }
      }
    };

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let requestIdOut: string | number | null = null;
      const fail = (err: unknown): void => {
        if (!(err instanceof WsError || err instanceof TestudoError || err instanceof BreakerOpenError))
          req.log.error({ err }, 'exchange websocket request');
        send({ request_id: requestIdOut, ok: false, error: errorBody(err) });
      };
      const text = isBinary ? null : data.toString('utf8');
      if (text === null || text.length > MAX_MESSAGE_CHARS) {
        fail(new WsError('malformed-message', `send one JSON object per text message of at most ${MAX_MESSAGE_CHARS}`));
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        fail(new WsError('malformed-message', `not valid JSON: ${(err as Error).message}`));
        return;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        fail(new WsError('malformed-message', 'a message is a JSON object { request_id, op, ... }'));
        return;
      }
      const m = msg as Record<string, unknown>;
      const rid = m.request_id;
      if ((typeof rid === 'string' && rid.length <= 200) || (typeof rid === 'number' && Number.isFinite(rid)))
        requestIdOut = rid;
      else if (rid !== undefined && rid !== null) {
        fail(new WsError('malformed-message', 'request_id must be a string (at most 200 characters) or a number'));
        return;
      }
      const op = m.op;
      if (typeof op !== 'string' || !Object.hasOwn(Ops, op)) {
        fail(new WsError('unknown-op', `unknown op ${JSON.stringify(op)}; one of ${Object.keys(Ops).join(', ')}`));
        return;
      }
      const parsed = Ops[op as Op].safeParse(m);
      if (!parsed.success) {
        const fields = fieldIssues(parsed.error, m);
        fail(new ValidationError(fields));
        return;
      }
      const body = parsed.data as Record<string, unknown>;
      if (op === 'place_order' && waiting === 0 && typeof body.accountId === 'number' && ex.appliesNow) {
        // Pipelined: applied to the engine now (in arrival order: nothing earlier on this socket is still waiting to
        // run), acknowledged in order on the chain once its batch has committed. So a client with several orders in
        // flight gets them all into one group commit instead of one per commit cycle.
        const result = handle('place_order', body);
        result.catch(() => undefined); // handled in order on the chain below
        chain = chain
          .then(() => result)
          .then(
            (r) => send({ request_id: requestIdOut, ok: true, ...r }),
            (err: unknown) => fail(err),
          )
          .catch((err: unknown) => {
            req.log.error({ err }, 'exchange websocket');
          });
        return;
      }
      waiting++;
      enqueue(async () => {
        try {
          const result = await handle(op as Op, body);
          send({ request_id: requestIdOut, ok: true, ...result });
        } catch (err) {
          fail(err);
        } finally {
          waiting--;
        }
      });
    });
  });
}
