/**
 * Sign-In with Ethereum over the real server and database, with real signatures (ethers wallets, EIP-191
 * personal_sign): a first sign-in creates the user, its paper account and a session; each refused message (wrong or
 * reused nonce, wrong domain, URI or chain, expired, not yet valid, bad signature) is a 401 with its code and
 * creates nothing; wallets are linked, listed and unlinked by their user; password login refuses a wallet user.
 */
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  openClockWorld,
  sessionCookie,
  sessionHeaders,
  signUp,
  type ClockWorld,
  type ErrorBody,
} from './journal-test-world.ts';

const PUBLIC_URL = 'https://testudo.example';
let w: ClockWorld;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  saved = { url: process.env.TESTUDO_PUBLIC_URL, chains: process.env.TESTUDO_SIWE_CHAINS };
  process.env.TESTUDO_PUBLIC_URL = PUBLIC_URL;
  process.env.TESTUDO_SIWE_CHAINS = '1,10';
  // Rate limits off: this file sends many sign-ins from one address on purpose (the limits have their own tests).
  w = await openClockWorld(Date.UTC(2024, 0, 2), { server: { rateLimitFactor: Infinity } });
});
afterAll(async () => {
  await w?.close();
  for (const [k, v] of [
    ['TESTUDO_PUBLIC_URL', saved.url],
    ['TESTUDO_SIWE_CHAINS', saved.chains],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

async function nonce(): Promise<string> {
  const r = await call<{ nonce: string; expiresAt: string }>(w, 'GET', '/auth/siwe/nonce');
  expect(r.status).toBe(200);
  expect(r.headers['cache-control']).toBe('no-store');
  return r.body.nonce;
}

/** An EIP-4361 message as the Desk builds it, with `over` replacing fields. */
async function message(wallet: { address: string }, over: Partial<SiweMessage> = {}): Promise<string> {
  return new SiweMessage({
    domain: 'testudo.example',
    address: wallet.address,
    statement: 'Sign in to Testudo',
    uri: `${PUBLIC_URL}/login`,
    version: '1',
    chainId: 1,
    nonce: over.nonce ?? (await nonce()),
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
    ...over,
  }).prepareMessage();
}

async function counts(): Promise<{ users: number; wallets: number; accounts: number }> {
  const [r] = await w.sql.query(
    `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM user_wallets) AS wallets,
            (SELECT count(*)::int FROM accounts) AS accounts`,
  );
  return { users: Number(r!.users), wallets: Number(r!.wallets), accounts: Number(r!.accounts) };
}

const verify = (msg: string, signature: string) =>
  call<{ user: { id: number; email: string } } & ErrorBody>(w, 'POST', '/auth/siwe/verify', {
    payload: { message: msg, signature },
  });

describe('POST /auth/siwe/verify', () => {
  it('signs a new wallet in: a user with a paper account, a session cookie that authenticates /auth/me', async () => {
    const wallet = Wallet.createRandom();
    const msg = await message(wallet);
    const r = await verify(msg, await wallet.signMessage(msg));
    expect(r.status).toBe(200);
    expect(r.body.user.email).toBe(`${wallet.address.toLowerCase()}@wallet.invalid`);
    const cookie = sessionCookie(r.headers);
    expect(cookie).toBeDefined();
    const me = await call<{ user: { id: number }; account: { balance: string } }>(w, 'GET', '/auth/me', {
      headers: { cookie: cookie! },
    });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(r.body.user.id);
    expect(me.body.account.balance).toBe('10000');
    const audited = await w.sql.query(
      `SELECT actor_user_id FROM audit_log WHERE action = 'login-succeeded' AND details->>'method' = 'siwe'`,
    );
    expect(audited.map((a) => Number(a.actor_user_id))).toContain(r.body.user.id);

    // The same wallet signs in again (a new nonce): the same user, no new one.
    const before = await counts();
    const msg2 = await message(wallet, { chainId: 10 });
    const again = await verify(msg2, await wallet.signMessage(msg2));
    expect(again.status).toBe(200);
    expect(again.body.user.id).toBe(r.body.user.id);
    expect((await counts()).users).toBe(before.users);

    // The replayed message (its nonce used): refused.
    const replay = await verify(msg, await wallet.signMessage(msg));
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('siwe-bad-nonce');
  });

  it('refuses every bad message with 401 and its code, creating nothing', async () => {
    const wallet = Wallet.createRandom();
    const other = Wallet.createRandom();
    const past = Date.now() - 60_000;
    const cases: [string, () => Promise<[string, string]>][] = [
      [
        'siwe-bad-nonce',
        async () => {
          const m = await message(wallet, { nonce: 'abcdef0123456789' });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-wrong-domain',
        async () => {
          const m = await message(wallet, { domain: 'evil.example' });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-wrong-uri',
        async () => {
          const m = await message(wallet, { uri: 'https://evil.example/login' });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-wrong-chain',
        async () => {
          const m = await message(wallet, { chainId: 137 });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-expired',
        async () => {
          const m = await message(wallet, {
            issuedAt: new Date(past - 60_000).toISOString(),
            expirationTime: new Date(past).toISOString(),
          });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-not-yet-valid',
        async () => {
          const m = await message(wallet, { notBefore: new Date(Date.now() + 3_600_000).toISOString() });
          return [m, await wallet.signMessage(m)];
        },
      ],
      [
        'siwe-bad-signature',
        async () => {
          const m = await message(wallet);
          return [m, await other.signMessage(m)]; // a real signature, by another key
        },
      ],
      [
        'siwe-bad-signature',
        async () => {
          const m = await message(wallet);
          const signed = await wallet.signMessage(m);
          return [m.replace('Sign in to Testudo', 'Sign in to Testudo!'), signed]; // the text changed after signing
        },
      ],
      ['siwe-malformed', async () => ['hello, sign me in', await wallet.signMessage('hello')]],
    ];
    const before = await counts();
    for (const [code, make] of cases) {
      const [m, sig] = await make();
      const r = await verify(m, sig);
      expect({ code, status: r.status, body: r.body.error?.code }).toEqual({ code, status: 401, body: code });
      expect(sessionCookie(r.headers)).toBeUndefined();
    }
    expect(await counts()).toEqual(before);
    const failed = await w.sql.query(
      `SELECT details->>'reason' AS reason, address FROM audit_log
       WHERE action = 'login-failed' AND details->>'method' = 'siwe' ORDER BY id`,
    );
    expect(failed.map((r) => r.reason)).toEqual(expect.arrayContaining(cases.map(([code]) => code)));
  });

  it('refuses an expired nonce', async () => {
    const wallet = Wallet.createRandom();
    const m = await message(wallet);
    await w.sql.query(`UPDATE siwe_nonces SET expires_at = now() - interval '1 second'`);
    const r = await verify(m, await wallet.signMessage(m));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('siwe-bad-nonce');
  });

  it('answers 400 (never 500) for a signature that is not 65 bytes of hex', async () => {
    const wallet = Wallet.createRandom();
    const m = await message(wallet);
    expect((await verify(m, '0x1234')).status).toBe(400);
  });
});

describe('wallets of a signed-in user', () => {
  it('links, lists and unlinks a wallet; a wallet linked to someone else is refused', async () => {
    const u = await signUp(w, 'linker');
    const wallet = Wallet.createRandom();
    const m = await message(wallet);
    const link = await u.call<{ wallet: { address: string; chainId: number } }>('POST', '/auth/wallets', {
      message: m,
      signature: await wallet.signMessage(m),
    });
    expect(link.status).toBe(201);
    expect(link.body.wallet).toMatchObject({ address: wallet.address.toLowerCase(), chainId: 1 });
    const list = await u.call<{ wallets: { address: string }[] }>('GET', '/auth/wallets');
    expect(list.body.wallets.map((x) => x.address)).toEqual([wallet.address.toLowerCase()]);

    // Signing in with the linked wallet signs in as the linking user.
    const m2 = await message(wallet);
    const r = await verify(m2, await wallet.signMessage(m2));
    expect(r.body.user.id).toBe(u.id);

    // Another user cannot take it.
    const thief = await signUp(w, 'thief');
    const m3 = await message(wallet);
    const taken = await thief.call<ErrorBody>('POST', '/auth/wallets', {
      message: m3,
      signature: await wallet.signMessage(m3),
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('wallet-taken');
    expect((await thief.call('DELETE', `/auth/wallets/${wallet.address}`)).status).toBe(404);

    expect((await u.call('DELETE', `/auth/wallets/${wallet.address}`)).body).toEqual({ ok: true });
    expect((await u.call<{ wallets: unknown[] }>('GET', '/auth/wallets')).body.wallets).toEqual([]);
    expect((await call(w, 'GET', '/auth/wallets')).status).toBe(401);
  });

  it('refuses to link a wallet with an API token weaker than a session (an admin’s token without admin)', async () => {
    // A linked wallet signs in to a session with every scope of the account: linking one with a read+trade token of
    // an admin would turn that token into admin rights.
    const boss = await signUp(w, 'wallet-admin', true);
    const mint = async (scopes: string[]): Promise<Record<string, string>> => {
      const t = await boss.call<{ token: string }>('POST', '/auth/tokens', { name: scopes.join('+'), scopes });
      expect(t.status).toBe(201);
      return { authorization: `Bearer ${t.body.token}` };
    };
    const weak = await mint(['read', 'trade']);
    const wallet = Wallet.createRandom();
    const m = await message(wallet);
    const refused = await call<ErrorBody & { error: { message: string } }>(w, 'POST', '/auth/wallets', {
      payload: { message: m, signature: await wallet.signMessage(m) },
      headers: weak,
    });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'insufficient-scope']);
    expect(refused.body.error.message).toContain('admin');
    expect((await boss.call<{ wallets: unknown[] }>('GET', '/auth/wallets')).body.wallets).toEqual([]);
    const m2 = await message(wallet);
    const notLinked = await verify(m2, await wallet.signMessage(m2));
    expect(notLinked.body.user.id).not.toBe(boss.id); // the wallet signs in as a new user, not as the admin

    // a token with every scope of the account may link one (it is as strong as a session)
    const full = await mint(['read', 'trade', 'admin']);
    const other = Wallet.createRandom();
    const m3 = await message(other);
    const linked = await call(w, 'POST', '/auth/wallets', {
      payload: { message: m3, signature: await other.signMessage(m3) },
      headers: full,
    });
    expect(linked.status).toBe(201);
  });

  it("refuses to unlink a wallet user's only wallet, and password login refuses a user without a password", async () => {
    const wallet = Wallet.createRandom();
    const m = await message(wallet);
    const r = await verify(m, await wallet.signMessage(m));
    const del = await call<ErrorBody>(w, 'DELETE', `/auth/wallets/${wallet.address}`, {
      headers: sessionHeaders(r.headers),
    });
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('last-sign-in-method');

    const login = await call<ErrorBody>(w, 'POST', '/auth/login', {
      payload: { email: r.body.user.email, password: 'whatever password' },
    });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe('invalid-credentials');
  });
});

describe('GET /auth/methods', () => {
  it('says password and SIWE are on, OIDC off without its settings', async () => {
    const r = await call(w, 'GET', '/auth/methods');
    expect(r.body).toEqual({ password: true, siwe: true, oidc: null });
  });
});
