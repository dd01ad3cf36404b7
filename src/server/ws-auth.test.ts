/**
 * WebSockets end with their credentials (`./ws-auth.ts`), over a listening server and the real database: `/ws` and
 * `/ws/exchange` opened with a session cookie close with 4401 `session-ended` when that session is revoked by id,
 * logged out, logged out everywhere or revoked by refresh-token reuse; opened with an API token (`?token=` or a
 * bearer header) they close with 4401 `token-revoked` when the token is revoked. The user's other sessions and
 * tokens, and other users' sockets, stay open.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClockWorld, signInAgain, signUp, type Client, type ClockWorld } from './journal-test-world.ts';
import { recheckWebSockets, wsAuthTiming, WS_CREDENTIALS_ENDED } from './ws-auth.ts';
import { TestWebSocket, type TestSocket } from './ws-test-client.ts';

const OPEN = 1;

/** An open socket and how it closed (null while open). */
interface Opened {
  ws: TestSocket;
  closed: Promise<[number, string]>;
  state(): [number, string] | null;
}

let w: ClockWorld;
let base: string;
const saved = wsAuthTiming.recheckMs;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  wsAuthTiming.recheckMs = 50;
  w = await openClockWorld(Date.UTC(2024, 0, 2, 12));
  await w.app.listen({ port: 0, host: '127.0.0.1' });
  base = `ws://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  wsAuthTiming.recheckMs = saved;
  for (const s of sockets) s.close();
  await w?.close();
});

/** Opens `path` with `headers` and resolves once the server has sent its first message (authenticated by then). */
async function open(path: string, headers: Record<string, string> = {}): Promise<Opened> {
  const ws = new TestWebSocket(`${base}${path}`, { headers });
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
  return { ws, closed, state: () => state };
}

/** Resolves with the close of `s`, failing after 5 s. */
async function closeOf(s: Opened): Promise<[number, string]> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still open')), 5_000));
  return Promise.race([s.closed, timeout]);
}

/** Lets the watch check everything once more, then expects every socket of `list` to be open. */
async function expectOpen(...list: Opened[]): Promise<void> {
  await recheckWebSockets(w.ctx);
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
