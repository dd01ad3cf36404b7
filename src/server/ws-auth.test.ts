/**
 * WebSockets end with their credentials (`./ws-auth.ts`), over a listening server and the real database: `/ws` and
 * `/ws/exchange` opened with a session cookie close with 4401 `session-ended` when that session is revoked by id,
 * logged out, logged out everywhere or revoked by refresh-token reuse; opened with an API token (`?token=` or a
 * bearer header) they close with 4401 `token-revoked` when the token is revoked, or a token it was made with. The
 * user's other sessions and tokens, and other users' sockets, stay open. A second server on the same database, whose
 * periodic check is an hour apart, shows that a revoke in the process closes at once (not at the next check), and
 * that a revoke in another process closes at the next check.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openClockWorld, signInAgain, signUp, type Client, type ClockWorld } from './journal-test-world.ts';
import { recheckWebSockets, wsAuthTiming, WS_CREDENTIALS_ENDED } from './ws-auth.ts';
import { TestWebSocket, type TestSocket } from './ws-test-client.ts';

const OPEN = 1;

/** An open socket and how it closed (null while open). */
interface Opened {
  ws: TestSocket;
  /** The world whose server it is open on. */
  on: ClockWorld;
  closed: Promise<[number, string]>;
  state(): [number, string] | null;
}

let w: ClockWorld;
const saved = wsAuthTiming.recheckMs;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  wsAuthTiming.recheckMs = 50;
  w = await openClockWorld(Date.UTC(2024, 0, 2, 12));
  await w.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  wsAuthTiming.recheckMs = saved;
  for (const s of sockets) s.close();
  await w?.close();
});

/** The `ws://` base URL of the listening server of `x`. */
const baseOf = (x: ClockWorld): string => `ws://127.0.0.1:${(x.app.server.address() as AddressInfo).port}`;

/**
 * Opens `path` with `headers` on the server of `on` (default: the world's) and resolves once the server has sent its
 * first message (authenticated by then).
 */
async function open(path: string, headers: Record<string, string> = {}, on: ClockWorld = w): Promise<Opened> {
  const ws = new TestWebSocket(`${baseOf(on)}${path}`, { headers });
  sockets.push(ws);
  let state: [number, string] | null = null;
  const closed = new Promise<[number, string]>((resolve) =>
    ws.on('close', (code, reason) => resolve((state = [code, reason.toString()]))),
  );
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', () => resolve());
    // /ws/exchange says nothing first: ask it something
    ws.on('open', () => {
      if (path.startsWith('/ws/exchange')) ws.send(JSON.stringify({ request_id: 1, op: 'ping' }));
    });
  });
  return { ws, on, closed, state: () => state };
}

/** Resolves with the close of `s`, failing after 5 s. */
async function closeOf(s: Opened): Promise<[number, string]> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open')), 5_000));
  return Promise.race([s.closed, timeout]);
}

/** Lets the watches of their servers check everything once more, then expects every socket of `list` to be open. */
async function expectOpen(...list: Opened[]): Promise<void> {
  for (const on of new Set(list.map((s) => s.on))) await recheckWebSockets(on.ctx);
  await new Promise((r) => setTimeout(r, 150));
  for (const s of list) {
    expect(s.state()).toBeNull();
    expect(s.ws.readyState).toBe(OPEN);
  }
}

/** The session id of `c`'s cookie (the current one of its list). */
async function sessionIdOf(c: Client): Promise<number> {
  const r = await c.call<{ sessions: { id: number; current: boolean }[] }>('GET', '/auth/sessions');
  return r.body.sessions.find((s) => s.current)!.id;
}

const cookieOf = (c: Client): Record<string, string> => ({ cookie: c.headers.cookie! });

describe('WebSockets opened with a session cookie', () => {
  it('close 4401 session-ended when that session is revoked by id; other sessions and users stay open', async () => {
    const alice = await signUp(w, 'wsa-alice');
    const alice2 = await signInAgain(w, alice);
    const bob = await signUp(w, 'wsa-bob');
    const events = await open('/ws', cookieOf(alice));
    const exchange = await open('/ws/exchange', cookieOf(alice));
    // a strategy run of hers (this world has no feed to start one through the API)
    const [run] = await w.ctx.sql.query(
      `INSERT INTO strategy_runs (user_id, strategy, symbol, timeframe, host, status, start_equity)
       VALUES ($1, 'breakout', 'BTC-USD', '1h', 'client', 'running', 10000) RETURNING id`,
      [alice.id],
    );
    const strategies = await open(`/ws/strategies/${String(run!.id)}`, cookieOf(alice));
    const otherSession = await open('/ws', cookieOf(alice2));
    const bobs = await open('/ws', cookieOf(bob));

    const r = await alice2.call('DELETE', `/auth/sessions/${await sessionIdOf(alice)}`);
    expect(r.status).toBe(200);
    expect(await closeOf(events)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
    expect(await closeOf(exchange)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
    expect(await closeOf(strategies)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
    await expectOpen(otherSession, bobs);
  });

  it('close on logout, on log out everywhere (every session of the user) and on refresh-token reuse', async () => {
    const carol = await signUp(w, 'wsa-carol');
    const bob = await signUp(w, 'wsa-bob2');
    const bobs = await open('/ws/exchange', cookieOf(bob));

    const s1 = await open('/ws', cookieOf(carol));
    expect((await carol.call('POST', '/auth/logout')).status).toBe(200);
    expect(await closeOf(s1)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);

    const a = await signInAgain(w, carol);
    const b = await signInAgain(w, carol);
    const sa = await open('/ws', cookieOf(a));
    const sb = await open('/ws/exchange', cookieOf(b));
    expect((await a.call<{ revoked: number }>('POST', '/auth/logout-all')).body.revoked).toBe(2);
    expect(await closeOf(sa)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
    expect(await closeOf(sb)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);

    const c = await signInAgain(w, carol);
    const sc = await open('/ws', cookieOf(c));
    w.ctx.auth.sessions.configure({ reuseGraceMs: -1 });
    try {
      const first = await c.call('POST', '/auth/refresh');
      expect(first.status).toBe(200);
      const again = await c.call<{ error: { code: string } }>('POST', '/auth/refresh');
      expect([again.status, again.body.error.code]).toEqual([401, 'refresh-token-reused']);
    } finally {
      w.ctx.auth.sessions.configure({ reuseGraceMs: 10_000 });
    }
    expect(await closeOf(sc)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
    await expectOpen(bobs);
  });

  it('close when the session was revoked in the database by another process (the periodic check)', async () => {
    const dan = await signUp(w, 'wsa-dan');
    const s = await open('/ws', cookieOf(dan));
    await w.sql.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'revoked' WHERE id = $1`, [
      await sessionIdOf(dan),
    ]);
    expect(await closeOf(s)).toEqual([WS_CREDENTIALS_ENDED, 'session-ended']);
  });
});

describe('WebSockets opened with an API token', () => {
  it('close 4401 token-revoked when the token is revoked; the user’s other token and other users stay open', async () => {
    const erin = await signUp(w, 'wsa-erin');
    const bob = await signUp(w, 'wsa-bob3');
    const mint = async (c: Client, name: string): Promise<{ id: number; token: string }> => {
      const r = await c.call<{ id: number; token: string }>('POST', '/auth/tokens', { name });
      expect(r.status).toBe(201);
      return r.body;
    };
    const t1 = await mint(erin, 'bot-1');
    const t2 = await mint(erin, 'bot-2');
    const tb = await mint(bob, 'bob-bot');
    const byQuery = await open(`/ws?token=${t1.token}`);
    const exchange = await open(`/ws/exchange?token=${t1.token}`);
    const byHeader = await open('/ws', { authorization: `Bearer ${t1.token}` });
    const other = await open(`/ws/exchange?token=${t2.token}`);
    const erinsSession = await open('/ws', cookieOf(erin));
    const bobs = await open(`/ws?token=${tb.token}`);

    expect((await erin.call('DELETE', `/auth/tokens/${t1.id}`)).status).toBe(204);
    for (const s of [byQuery, exchange, byHeader])
      expect(await closeOf(s)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    await expectOpen(other, erinsSession, bobs);
  });
});

describe('API tokens revoked in this process, on a server whose periodic check is an hour apart', () => {
  let w2: ClockWorld;
  let keeper: Opened;

  /** Makes a token with `as` (a client's session, or a token's secret: a token made with that token). */
  async function mintOn(x: ClockWorld, as: Client | string, name: string): Promise<{ id: number; token: string }> {
    const r =
      typeof as === 'string'
        ? await call<{ id: number; token: string }>(x, 'POST', '/auth/tokens', {
            headers: { authorization: `Bearer ${as}` },
            payload: { name },
          })
        : await as.call<{ id: number; token: string }>('POST', '/auth/tokens', { name });
    expect(r.status).toBe(201);
    return r.body;
  }

  beforeAll(async () => {
    // a second server on the same database (another process, as far as revocation goes); its watch reads the
    // period when its first socket opens, and the keeper socket keeps that watch (and its hour) until the end
    w2 = await openClockWorld(Date.UTC(2024, 0, 2, 12), { sql: w.sql });
    await w2.app.listen({ port: 0, host: '127.0.0.1' });
    wsAuthTiming.recheckMs = 3_600_000;
    try {
      keeper = await open('/ws', cookieOf(await signUp(w2, 'wsa-keeper')), w2);
    } finally {
      wsAuthTiming.recheckMs = 50;
    }
  });
  afterAll(async () => {
    keeper?.ws.close();
    await w2?.close();
  });

  it('close 4401 token-revoked at once when revoked over HTTP (the hourly check cannot have done it)', async () => {
    const fay = await signUp(w2, 'wsa-fay');
    const t = await mintOn(w2, fay, 'bot');
    const events = await open(`/ws?token=${t.token}`, {}, w2);
    const exchange = await open('/ws/exchange', { authorization: `Bearer ${t.token}` }, w2);
    expect((await fay.call('DELETE', `/auth/tokens/${t.id}`)).status).toBe(204);
    expect(await closeOf(events)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    expect(await closeOf(exchange)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    await expectOpen(keeper);
  });

  it('close the sockets of tokens made with a revoked token, transitively; a revoked child leaves its parent open', async () => {
    const gil = await signUp(w2, 'wsa-gil');
    const parent = await mintOn(w2, gil, 'parent');
    const child = await mintOn(w2, parent.token, 'child');
    const grandchild = await mintOn(w2, child.token, 'grandchild');
    const sibling = await mintOn(w2, parent.token, 'sibling');
    const unrelated = await mintOn(w2, gil, 'unrelated');
    const [ps, cs, gs, ss, us] = await Promise.all(
      [parent, child, grandchild, sibling, unrelated].map((t) => open(`/ws?token=${t.token}`, {}, w2)),
    );

    expect((await gil.call('DELETE', `/auth/tokens/${sibling.id}`)).status).toBe(204);
    expect(await closeOf(ss!)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    await expectOpen(ps!, cs!, gs!, us!);

    expect((await gil.call('DELETE', `/auth/tokens/${parent.id}`)).status).toBe(204);
    for (const s of [ps, cs, gs]) expect(await closeOf(s!)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    await expectOpen(us!, keeper);
  });

  it('close a socket of this world at its next periodic check when the other server revokes its token', async () => {
    const hal = await signUp(w2, 'wsa-hal');
    const t = await mintOn(w2, hal, 'bot');
    const child = await mintOn(w2, t.token, 'child');
    const here = await open(`/ws?token=${t.token}`);
    const childHere = await open(`/ws/exchange?token=${child.token}`);
    expect((await hal.call('DELETE', `/auth/tokens/${t.id}`)).status).toBe(204);
    expect(await closeOf(here)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
    expect(await closeOf(childHere)).toEqual([WS_CREDENTIALS_ENDED, 'token-revoked']);
  });
});
