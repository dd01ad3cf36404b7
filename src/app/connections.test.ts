/**
 * The connection service on a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`) against the
 * simulated exchange's Binance gateway over real HTTP, with CCXT's real binance class (the `sim` venue): a real API
 * key of a simulated-exchange account is the connection's credentials.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from './exchange/api-keys.ts';
import { EventBus, type TradingEvent } from './events.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from './errors.ts';
import { SecretBox, SecretBoxError, parseKey } from './secrets.ts';
import {
  ConnectionService,
  rotateConnectionSecrets,
  type ConnectionChange,
  type ConnectionInput,
  type ConnectionView,
} from './connections.ts';
import { startHyperliquidServer } from './venues/hyperliquid-server.ts';
import {
  countRows,
  restUser,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type RestUser,
} from '../server/binance/test-world.ts';

let w: GatewayWorld;
let box: SecretBox;
let svc: ConnectionService;
let events: EventBus;
const seen: TradingEvent[] = [];
const changes: { id: number; userId: number; what: ConnectionChange; opts?: { import?: boolean } }[] = [];
let alice: RestUser;
let bob: RestUser;

const simInput = (u: RestUser, label: string, o: Partial<ConnectionInput> = {}): ConnectionInput => ({
  venue: 'sim',
  label,
  credentials: { apiKey: u.apiKey, secret: u.secret },
  ...o,
});

/** Expects `p` to reject with an error of class `cls` and code `code`; returns the error. */
async function rejects<E extends Error & { code: string }>(
  p: Promise<unknown>,
  cls: abstract new (...a: never[]) => E,
  code: string,
): Promise<E> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, `expected ${cls.name} ${code}`).toBeInstanceOf(cls);
  expect((e as E).code).toBe(code);
  return e as E;
}

beforeAll(async () => {
  w = await startGatewayWorld();
  box = new SecretBox(parseKey(process.env.TESTUDO_SECRET_KEY!)); // the key the gateway seals API keys under
  events = new EventBus();
  events.subscribe(-1, () => undefined);
  const admin = (await w.ctx.auth.register('admin@conn.test', 'password1')).id;
  await w.ctx.auth.setAdmin('admin@conn.test', true);
  const m = await spotMarket(w.ctx, admin, { name: 'Conn Tudo', symbol: 'CONNUSD', baseAsset: 'CONN' });
  alice = await restUser(w, admin, 'alice@conn.test', [m]);
  bob = await restUser(w, admin, 'bob@conn.test', [m]);
  for (const u of [alice, bob]) events.subscribe(u.id, (e) => seen.push(e));
  svc = new ConnectionService({ sql: w.sql, events, box, env: {} });
  svc.setSelfUrl(`http://${w.host}`);
  svc.onChange((c, what, opts) => changes.push({ id: c.id, userId: c.userId, what, ...(opts ? { opts } : {}) }));
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await w?.close();
});

describe('ConnectionService', () => {
  let conn: ConnectionView;

  it('creates a sim connection after testing its key: its risk account holds the venue balance', async () => {
    conn = await svc.create(alice.id, simInput(alice, 'Sim main', { settings: { missingStop: 'report' } }));
    expect(conn).toMatchObject({
      venue: 'sim',
      exchange: 'testudo',
      marketType: 'spot',
      label: 'Sim main',
      sandbox: false,
      baseUrl: null,
      status: 'active',
      currency: 'USD',
      settings: { missingStop: 'report' },
      lastError: null,
      breaker: 'closed',
    });
    expect(conn.lastTestedAt).not.toBeNull();
    expect(JSON.stringify(conn)).not.toContain(alice.secret);
    expect(JSON.stringify(conn)).not.toContain(alice.apiKey);
    const [a] = await w.sql.query('SELECT * FROM accounts WHERE id = $1', [conn.accountId]);
    const [paper] = await w.sql.query('SELECT * FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1', [alice.id]);
    expect(a).toMatchObject({ user_id: paper!.user_id, name: 'Sim main', currency: 'USD', exchange: 'testudo' });
    for (const k of ['initial_balance', 'balance', 'peak_equity']) expect(Number(a![k])).toBe(10000);
    expect(a!.risk_profile).toEqual(paper!.risk_profile);
    const [row] = await w.sql.query('SELECT credentials, key_id FROM connections WHERE id = $1', [conn.id]);
    expect(row!.key_id).toBe(box.keyId);
    expect(String(row!.credentials)).not.toContain(alice.secret);
    expect(String(row!.credentials)).not.toContain(alice.apiKey);
    expect(changes).toContainEqual({ id: conn.id, userId: alice.id, what: 'created', opts: { import: true } });
    expect(seen.some((e) => e.type === 'connection' && e.userId === alice.id)).toBe(true);
  });

  it('refuses a wrong secret with invalid-credentials and stores nothing', async () => {
    const [conns, accounts] = [await countRows(w.sql, 'connections'), await countRows(w.sql, 'accounts')];
    const e = await rejects(
      svc.create(bob.id, simInput(bob, 'Bad', { credentials: { apiKey: bob.apiKey, secret: 'x'.repeat(64) } })),
      UnprocessableError,
      'invalid-credentials',
    );
    expect(e.message).not.toContain(bob.apiKey);
    expect(await countRows(w.sql, 'connections')).toBe(conns);
    expect(await countRows(w.sql, 'accounts')).toBe(accounts);
  });

  it('refuses bad input field by field, a taken label, and an origin off the allowlist', async () => {
    const e = await rejects(
      svc.create(alice.id, {
        venue: 'ccxt',
        label: 'x'.repeat(65),
        marketType: 'swap',
        baseUrl: 'http://169.254.169.254/latest',
        credentials: { apiKey: 'k' },
      }),
      ValidationError,
      'validation-failed',
    );
    expect(e.issues.map((i) => [i.field, i.code])).toEqual([
      ['exchange', 'required'],
      ['label', 'too-big'],
      ['baseUrl', 'base-url-not-allowed'],
      ['credentials.secret', 'required'],
    ]);
    const h = await rejects(
      svc.create(alice.id, {
        venue: 'hyperliquid',
        label: 'HL',
        marketType: 'spot',
        credentials: { walletAddress: '0x12', privateKey: `0x${'a'.repeat(64)}` },
      }),
      ValidationError,
      'validation-failed',
    );
    expect(h.issues.map((i) => [i.field, i.code])).toEqual([
      ['marketType', 'invalid-value'],
      ['credentials.walletAddress', 'invalid-format'],
    ]);
    const okx = await rejects(
      svc.create(alice.id, { venue: 'ccxt', exchange: 'okx', label: 'O', credentials: { apiKey: 'a', secret: 'b' } }),
      ValidationError,
      'validation-failed',
    );
    expect(okx.issues.map((i) => [i.field, i.code])).toEqual([['credentials.password', 'required']]);
    await rejects(svc.create(alice.id, simInput(alice, 'Sim main')), ConflictError, 'connection-label-taken');
  });

  it('accepts an allowlisted base URL: a ccxt binance connection pointed at the gateway', async () => {
    const allowed = new ConnectionService({ sql: w.sql, events, box, env: { TESTUDO_VENUE_URLS: `http://${w.host}` } });
    try {
      const c = await allowed.create(bob.id, {
        venue: 'ccxt',
        exchange: 'binance',
        label: 'Binance via gateway',
        baseUrl: `http://${w.host}/binance/`,
        currency: 'USD',
        credentials: { apiKey: bob.apiKey, secret: bob.secret },
        import: false,
      });
      expect(c).toMatchObject({
        venue: 'ccxt',
        exchange: 'binance',
        baseUrl: `http://${w.host}/binance`,
        sandbox: false,
      });
      const [a] = await w.sql.query('SELECT exchange, balance FROM accounts WHERE id = $1', [c.accountId]);
      expect(a!.exchange).toBe('binance');
      expect(Number(a!.balance)).toBe(10000);
      await allowed.remove(bob.id, c.id);
    } finally {
      await allowed.close();
    }
  });

  it('tests, lists markets, and opens one cached venue per connection', async () => {
    const t = await svc.test(alice.id, conn.id);
    expect(t.ok).toBe(true);
    expect(t.balances.find((b) => b.asset === 'USD')?.total).toMatch(/^10000(\.0+)?$/);
    const markets = await svc.markets(alice.id, conn.id);
    expect(markets.map((m) => m.symbol)).toContain('CONN/USD');
    expect(await svc.venue(conn.id)).toBe(await svc.venue(conn.id));
    expect(await svc.list(alice.id)).toEqual([expect.objectContaining({ id: conn.id })]);
    expect(await svc.list(bob.id)).toEqual([]);
    expect(await svc.activeIds()).toContain(conn.id);
    const row = await svc.row(conn.id);
    expect(row).toMatchObject({ id: conn.id, user_id: alice.id, account_id: conn.accountId, currency: 'USD' });
    expect(row).not.toHaveProperty('credentials');
  });

  it("answers connection-not-found for another user's connection", async () => {
    await rejects(svc.get(bob.id, conn.id), NotFoundError, 'connection-not-found');
    await rejects(svc.test(bob.id, conn.id), NotFoundError, 'connection-not-found');
    await rejects(svc.setStatus(bob.id, conn.id, 'disabled'), NotFoundError, 'connection-not-found');
    await rejects(svc.remove(bob.id, conn.id), NotFoundError, 'connection-not-found');
  });

  it('refuses the venue of a disabled connection until it is enabled again', async () => {
    const d = await svc.setStatus(alice.id, conn.id, 'disabled');
    expect(d.status).toBe('disabled');
    expect(changes.at(-1)).toMatchObject({ id: conn.id, what: 'disabled' });
    await rejects(svc.venue(conn.id), UnprocessableError, 'connection-disabled');
    await rejects(svc.markets(alice.id, conn.id), UnprocessableError, 'connection-disabled');
    expect(await svc.activeIds()).not.toContain(conn.id);
    expect((await svc.test(alice.id, conn.id)).ok).toBe(true); // testing a disabled connection still works
    expect((await svc.setStatus(alice.id, conn.id, 'active')).status).toBe('active');
    expect(changes.at(-1)).toMatchObject({ id: conn.id, what: 'enabled' });
    expect((await (await svc.venue(conn.id)).test()).balances.length).toBeGreaterThan(0);
  });

  it('round-trips the credentials: a fresh service opens the stored ciphertext and the venue accepts it', async () => {
    const fresh = new ConnectionService({ sql: w.sql, events, box, env: {} });
    fresh.setSelfUrl(`http://${w.host}`);
    try {
      const v = await fresh.venue(conn.id);
      expect((await v.test()).balances.find((b) => b.asset === 'USD')).toBeDefined();
    } finally {
      await fresh.close();
    }
  });

  it('publishes a connection event when its breaker changes state', async () => {
    const before = seen.length;
    const b = svc.breaker(conn.id);
    expect(svc.breaker(conn.id)).toBe(b);
    for (let i = 0; i < 5; i++) b.onFailure();
    const deadline = Date.now() + 5000;
    while (!seen.slice(before).some((e) => e.type === 'connection') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const e = seen.slice(before).find((x) => x.type === 'connection');
    expect(e?.userId).toBe(alice.id);
    expect((e?.data.connection as ConnectionView).breaker).toBe('open');
    expect((await svc.get(alice.id, conn.id)).breaker).toBe('open');
    b.onSuccess();
    expect((await svc.get(alice.id, conn.id)).breaker).toBe('closed');
  });

  it('reports a tampered ciphertext as credentials-unreadable, not a crash', async () => {
    const other = await svc.create(alice.id, simInput(alice, 'Tamper me', { import: false }));
    expect(changes.at(-1)).toMatchObject({ id: other.id, what: 'created', opts: { import: false } });
    const [r] = await w.sql.query('SELECT credentials FROM connections WHERE id = $1', [other.id]);
    const parts = String(r!.credentials).split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[4] = body.toString('base64url');
    await w.sql.query('UPDATE connections SET credentials = $2 WHERE id = $1', [other.id, parts.join('.')]);
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
    const e = await rejects(svc.venue(other.id), UnprocessableError, 'credentials-unreadable');
    expect(e.message).toContain('tampered');
    await rejects(svc.test(alice.id, other.id), UnprocessableError, 'credentials-unreadable');
    await svc.remove(alice.id, other.id);
  });

  it('refuses to delete a connection with an open trade, then deletes it (and its unused account)', async () => {
    const c = await svc.create(alice.id, simInput(alice, 'To delete', { import: false }));
    const [t] = await w.sql.query(
      `INSERT INTO trades (account_id, connection_id, source, symbol, side, entry_type, entry_price, qty, status,
         submitted_at) VALUES ($1, $2, 'import', 'CONN/USD', 'buy', 'market', '10', '1', 'open', now()) RETURNING id`,
      [c.accountId, c.id],
    );
    await rejects(svc.remove(alice.id, c.id), ConflictError, 'connection-has-open-trades');
    await w.sql.query(`UPDATE trades SET status = 'closed' WHERE id = $1`, [t!.id]);
    await svc.remove(alice.id, c.id);
    expect(changes.at(-1)).toMatchObject({ id: c.id, what: 'deleted' });
    await rejects(svc.get(alice.id, c.id), NotFoundError, 'connection-not-found');
    // the account keeps its journal (a trade was on it)
    expect(await w.sql.query('SELECT 1 FROM accounts WHERE id = $1', [c.accountId])).toHaveLength(1);
    const d = await svc.create(alice.id, simInput(alice, 'Never traded', { import: false }));
    await svc.remove(alice.id, d.id);
    expect(await w.sql.query('SELECT 1 FROM accounts WHERE id = $1', [d.accountId])).toHaveLength(0);
  });
});

describe('ConnectionService with Hyperliquid', () => {
  it('creates a swap connection whose USDC account holds the venue balance; an unapproved agent key stores nothing', async () => {
    const hl = await startHyperliquidServer();
    const svcHl = new ConnectionService({ sql: w.sql, events, box, env: { TESTUDO_VENUE_URLS: hl.url } });
    try {
      const acct = hl.addAccount('5000');
      const c = await svcHl.create(bob.id, {
        venue: 'hyperliquid',
        label: 'HL',
        baseUrl: hl.url,
        credentials: { walletAddress: acct.walletAddress, privateKey: acct.agentKey },
        import: false,
      });
      expect(c).toMatchObject({ venue: 'hyperliquid', exchange: 'hyperliquid', marketType: 'swap', currency: 'USDC' });
      const [a] = await w.sql.query('SELECT exchange, currency, balance FROM accounts WHERE id = $1', [c.accountId]);
      expect(a).toMatchObject({ exchange: 'hyperliquid', currency: 'USDC' });
      expect(Number(a!.balance)).toBe(5000);
      expect((await svcHl.test(bob.id, c.id)).ok).toBe(true);
      const n = await countRows(w.sql, 'connections');
      await rejects(
        svcHl.create(bob.id, {
          venue: 'hyperliquid',
          label: 'HL stranger',
          baseUrl: hl.url,
          credentials: { walletAddress: acct.walletAddress, privateKey: `0x${randomBytes(32).toString('hex')}` },
        }),
        UnprocessableError,
        'invalid-credentials',
      );
      expect(await countRows(w.sql, 'connections')).toBe(n);
      await svcHl.remove(bob.id, c.id);
    } finally {
      await svcHl.close();
      await hl.close();
    }
  });
});

describe('rotateConnectionSecrets', () => {
  it('reseals every connection and API-key secret under the new key; the old key is no longer needed', async () => {
    const A = parseKey(process.env.TESTUDO_SECRET_KEY!);
    const B = randomBytes(32);
    // an API key sealed under A through the service the gateway uses
    const carol = await w.ctx.auth.register('carol@conn.test', 'password1');
    const acct = (await w.ctx.exchange.createAltAccount(carol.id, 'carol bot')).id as number;
    await new ApiKeyService(w.sql, new SecretBox(A)).create(carol.id, acct, { permission: 'read' });
    const nConn = await countRows(w.sql, 'connections');
    const nKeys = await countRows(w.sql, 'ex_api_keys');
    expect(nConn).toBeGreaterThan(0);

    // a box that knows neither key: nothing changes
    await expect(rotateConnectionSecrets(w.sql, new SecretBox(randomBytes(32)))).rejects.toMatchObject({
      code: 'unknown-key',
    });
    const [k0] = await w.sql.query('SELECT key_id FROM connections LIMIT 1');
    expect(k0!.key_id).toBe(box.keyId);

    const onB = new SecretBox(B, [A]);
    expect(await rotateConnectionSecrets(w.sql, onB)).toEqual({ resealed: nConn + nKeys });
    expect(await rotateConnectionSecrets(w.sql, onB)).toEqual({ resealed: 0 }); // idempotent
    const onlyB = new SecretBox(B);
    for (const r of await w.sql.query('SELECT credentials, key_id FROM connections')) {
      expect(r.key_id).toBe(onlyB.keyId);
      expect(JSON.parse(onlyB.open(String(r.credentials)))).toHaveProperty('secret');
    }
    for (const r of await w.sql.query('SELECT secret_sealed FROM ex_api_keys'))
      expect(onlyB.open(String(r.secret_sealed))).toMatch(/^[A-Za-z0-9]{64}$/);
    // a service holding only B opens the venue
    const bSvc = new ConnectionService({ sql: w.sql, events, box: onlyB, env: {} });
    bSvc.setSelfUrl(`http://${w.host}`);
    try {
      const [c] = await bSvc.list(alice.id);
      expect((await bSvc.test(alice.id, c!.id)).ok).toBe(true);
    } finally {
      await bSvc.close();
    }
    // and back under A, for the gateway of this world (its box holds A only)
    expect(await rotateConnectionSecrets(w.sql, new SecretBox(A, [B]))).toEqual({ resealed: nConn + nKeys });
  });
});
