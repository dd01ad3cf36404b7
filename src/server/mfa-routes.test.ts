/**
 * The TOTP second factor over the real server and database: setup, enable with recovery codes, sign-in answered by
 * a challenge and verified with a code or a recovery code, replayed codes, expired challenges, disable, the secret
 * sealed at rest, the audit trail, and API tokens without every scope of their user refused any change of the second
 * factor. Codes are made with `otpauth` from the secret the setup returns, at the
 * service's (injected) wall clock.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MfaService } from '../app/mfa.ts';
import { SecretBox } from '../app/secrets.ts';
import {
  call as callFrom,
  openClockWorld,
  sessionCookie,
  signUp as signUpFrom,
  TEST_PASSWORD,
  type Client,
  type ClockWorld,
  type Reply,
  type ErrorBody,
} from './journal-test-world.ts';

interface Setup {
  secret: string;
  uri: string;
}
interface Challenge {
  mfaRequired: true;
  challenge: string;
}

let w: ClockWorld;
let wall = Date.UTC(2026, 0, 5, 12, 0, 0);
const box = new SecretBox(randomBytes(32));
const PASSWORD = TEST_PASSWORD;

beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2));
  w.ctx.mfa = new MfaService({ sql: w.sql, box, now: () => wall });
});
afterAll(async () => {
  await w.close();
});
let ip = 0;
beforeEach(() => {
  wall += 3600_000; // every test on its own time steps
  ip++; // and its own address (the sign-in back-off counts 401s per address)
});

/** This test's client address. */
const address = (): string => `10.11.${Math.floor(ip / 250)}.${(ip % 250) + 1}`;

/** Sends a request under `/api/v1` from this test's address. */
const call = <T = Record<string, unknown>>(
  w: ClockWorld,
  method: string,
  path: string,
  opts: { payload?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> => callFrom<T>(w, method, path, { ...opts, remoteAddress: address() });

/** A signed-in user whose requests come from this test's address (see `signUp` of the journal test world). */
const signUp = (w: ClockWorld, name: string): Promise<Client> => signUpFrom(w, name, false, { remoteAddress: address });

const codeAt = (secret: string, t = wall): string =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: t, algorithm: 'SHA1', digits: 6, period: 30 });

async function enabled(name: string): Promise<{ u: Client; secret: string; recoveryCodes: string[] }> {
  const u = await signUp(w, name);
  const s = await u.call<Setup>('POST', '/auth/mfa/totp/setup');
  expect(s.status).toBe(200);
  const e = await u.call<{ recoveryCodes: string[] }>('POST', '/auth/mfa/totp/enable', { code: codeAt(s.body.secret) });
  expect(e.status).toBe(200);
  wall += 60_000; // past the step the enabling code used
  return { u, secret: s.body.secret, recoveryCodes: e.body.recoveryCodes };
}

const login = (email: string, password = PASSWORD) =>
  call<Challenge & { user?: unknown }>(w, 'POST', '/auth/login', { payload: { email, password } });
const verify = (payload: Record<string, unknown>) =>
  call<{ user: { id: number; email: string } } & ErrorBody>(w, 'POST', '/auth/mfa/verify', { payload });

describe('TOTP setup and enabling', () => {
  it('returns a base32 secret and an otpauth URI, pending until a code confirms it; ten recovery codes once', async () => {
    const u = await signUp(w, 'setup');
    const s = await u.call<Setup>('POST', '/auth/mfa/totp/setup');
    expect(s.status).toBe(200);
    expect(s.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(s.body.uri).toMatch(/^otpauth:\/\/totp\/Testudo:setup-\d+%40example\.com\?/);
    expect(s.body.uri).toContain(`secret=${s.body.secret}`);
    expect(s.body.uri).toMatch(/algorithm=SHA1.*digits=6.*period=30/);
    const st = await u.call<{ totp: Record<string, unknown> }>('GET', '/auth/mfa');
    expect(st.body.totp).toMatchObject({ enabled: false, pending: true, recoveryCodesLeft: 0 });

    // sealed at rest: the database never holds the secret in the clear
    const [row] = await w.sql.query('SELECT secret_sealed FROM mfa_totp WHERE user_id = $1', [u.id]);
    expect(String(row!.secret_sealed)).toMatch(/^v1\./);
    expect(String(row!.secret_sealed)).not.toContain(s.body.secret);

    const bad = await u.call<ErrorBody>('POST', '/auth/mfa/totp/enable', { code: '000000' });
    expect([bad.status, bad.body.error.code]).toEqual([401, 'mfa-invalid-code']);
    const ok = await u.call<{ enabled: true; recoveryCodes: string[] }>('POST', '/auth/mfa/totp/enable', {
      code: codeAt(s.body.secret),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);
    for (const c of ok.body.recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const hashes = await w.sql.query('SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1', [u.id]);
    expect(hashes.map((h) => String(h.code_hash))).not.toContain(ok.body.recoveryCodes[0]);

    const st2 = await u.call<{ totp: Record<string, unknown> }>('GET', '/auth/mfa');
    expect(st2.body.totp).toMatchObject({ enabled: true, pending: false, recoveryCodesLeft: 10 });
    const again = await u.call<ErrorBody>('POST', '/auth/mfa/totp/setup');
    expect([again.status, again.body.error.code]).toEqual([409, 'mfa-already-enabled']);
    const audit = await w.sql.query("SELECT action FROM audit_log WHERE subject_user_id = $1 AND action LIKE 'mfa-%'", [
      u.id,
    ]);
    expect(audit.map((a) => a.action)).toEqual(['mfa-enabled']);
  });

  it('refuses to enable without a setup, and answers 401 when logged out', async () => {
    const u = await signUp(w, 'nosetup');
    const r = await u.call<ErrorBody>('POST', '/auth/mfa/totp/enable', { code: '123456' });
    expect([r.status, r.body.error.code]).toEqual([409, 'mfa-not-set-up']);
    const anon = await call<ErrorBody>(w, 'POST', '/auth/mfa/totp/setup');
    expect(anon.status).toBe(401);
  });
});

describe('sign-in with TOTP on', () => {
  it('answers a challenge instead of a session; the code starts the session; a code never works twice', async () => {
    const { u, secret } = await enabled('signin');
    const l = await login(u.email);
    expect(l.status).toBe(200);
    expect(l.body).toEqual({ mfaRequired: true, challenge: expect.any(String) });
    expect(sessionCookie(l.headers)).toBeUndefined();

    const wrong = await verify({ challenge: l.body.challenge, code: codeAt(secret, wall - 600_000) });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'mfa-invalid-code']);
    expect(sessionCookie(wrong.headers)).toBeUndefined();

    const code = codeAt(secret);
    const ok = await verify({ challenge: l.body.challenge, code });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual({ id: u.id, email: u.email });
    const cookie = sessionCookie(ok.headers)!;
    const me = await call<{ user: { id: number } }>(w, 'GET', '/auth/me', { headers: { cookie } });
    expect(me.body.user.id).toBe(u.id);
    // the answered challenge is spent
    const reuse = await verify({ challenge: l.body.challenge, code: codeAt(secret, wall + 30_000) });
    expect([reuse.status, reuse.body.error.code]).toEqual([401, 'mfa-challenge-expired']);

    // the same code again (a fresh challenge) is refused: its time step was used
    const l2 = await login(u.email);
    const replay = await verify({ challenge: l2.body.challenge, code });
    expect([replay.status, replay.body.error.code]).toEqual([401, 'mfa-invalid-code']);
    // one step of drift is accepted, once
    wall += 30_000;
    const drift = await verify({ challenge: l2.body.challenge, code: codeAt(secret, wall - 30_000) });
    expect(drift.status).toBe(401); // that step is the one used above
    const next = await verify({ challenge: l2.body.challenge, code: codeAt(secret, wall + 30_000) });
    expect(next.status).toBe(200);
  });

  it('accepts a recovery code once, audits it, and counts what is left', async () => {
    const { u, recoveryCodes } = await enabled('recovery');
    const l = await login(u.email);
    const ok = await verify({ challenge: l.body.challenge, recoveryCode: recoveryCodes[3]!.toUpperCase() });
    expect(ok.status).toBe(200);
    const l2 = await login(u.email);
    const twice = await verify({ challenge: l2.body.challenge, recoveryCode: recoveryCodes[3] });
    expect([twice.status, twice.body.error.code]).toEqual([401, 'mfa-invalid-code']);
    const st = await u.call<{ totp: { recoveryCodesLeft: number } }>('GET', '/auth/mfa');
    expect(st.body.totp.recoveryCodesLeft).toBe(9);
    const [a] = await w.sql.query(
      "SELECT details, address FROM audit_log WHERE subject_user_id = $1 AND action = 'recovery-code-used'",
      [u.id],
    );
    expect(a!.details).toEqual({ left: 9 });
  });

  it('refuses an expired challenge (5 minutes), a tampered one, and one answered wrong five times', async () => {
    const { u, secret } = await enabled('expiry');
    const l = await login(u.email);
    wall += 301_000;
    const late = await verify({ challenge: l.body.challenge, code: codeAt(secret) });
    expect([late.status, late.body.error.code]).toEqual([401, 'mfa-challenge-expired']);

    const l2 = await login(u.email);
    const [h, p, s] = l2.body.challenge.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url'), s].join('.');
    const bad = await verify({ challenge: forged, code: codeAt(secret) });
    expect([bad.status, bad.body.error.code]).toEqual([401, 'mfa-challenge-invalid']);

    for (let i = 0; i < 5; i++) {
      ip += 100; // from many addresses, so that only the challenge's own limit applies
      expect((await verify({ challenge: l2.body.challenge, code: '000000' })).status).toBe(401);
    }
    ip += 100;
    const locked = await verify({ challenge: l2.body.challenge, code: codeAt(secret) });
    expect([locked.status, locked.body.error.code]).toEqual([401, 'mfa-challenge-expired']);
  });

  it('leaves users without TOTP signing in at once, and refuses a body with both or neither answer', async () => {
    const u = await signUp(w, 'plain');
    const l = await login(u.email);
    expect(l.body.user).toEqual({ id: u.id, email: u.email });
    expect(sessionCookie(l.headers)).toBeDefined();
    const neither = await verify({ challenge: 'x' });
    expect(neither.status).toBe(400);
  });
});

describe('disabling TOTP', () => {
  it('needs the password or a code; afterwards sign-in needs no code; audited', async () => {
    const { u, secret } = await enabled('disable');
    const wrongPw = await u.call<ErrorBody>('POST', '/auth/mfa/totp/disable', { password: 'not the password' });
    expect([wrongPw.status, wrongPw.body.error.code]).toEqual([401, 'invalid-credentials']);
    const wrongCode = await u.call<ErrorBody>('POST', '/auth/mfa/totp/disable', { code: '000000' });
    expect([wrongCode.status, wrongCode.body.error.code]).toEqual([401, 'mfa-invalid-code']);
    const ok = await u.call('POST', '/auth/mfa/totp/disable', { code: codeAt(secret) });
    expect(ok.status).toBe(200);
    const l = await login(u.email);
    expect(sessionCookie(l.headers)).toBeDefined();
    const st = await u.call<{ totp: Record<string, unknown> }>('GET', '/auth/mfa');
    expect(st.body.totp).toMatchObject({ enabled: false, pending: false });
    const none = await u.call<ErrorBody>('POST', '/auth/mfa/totp/disable', { password: PASSWORD });
    expect([none.status, none.body.error.code]).toEqual([409, 'mfa-not-enabled']);

    const { u: v } = await enabled('disable-pw');
    expect((await v.call('POST', '/auth/mfa/totp/disable', { password: PASSWORD })).status).toBe(200);
    const audit = await w.sql.query(
      "SELECT details FROM audit_log WHERE subject_user_id = $1 AND action = 'mfa-disabled'",
      [v.id],
    );
    expect(audit.map((a) => a.details)).toEqual([{ method: 'totp', by: 'password' }]);
  });
});

describe('TOTP changes with an API token', () => {
  /** A token of `c` with `scopes`, and a caller sending it as the bearer. */
  async function tokenOf(c: Client, scopes: string[]) {
    const r = await c.call<{ token: string }>('POST', '/auth/tokens', { name: scopes.join('+'), scopes });
    expect(r.status).toBe(201);
    const headers = { authorization: `Bearer ${r.body.token}` };
    return <T = ErrorBody>(path: string, payload?: unknown): Promise<Reply<T>> =>
      call<T>(w, 'POST', path, { headers, ...(payload === undefined ? {} : { payload }) });
  }
  const statusOf = async (c: Client) =>
    (await c.call<{ totp: { enabled: boolean; pending: boolean } }>('GET', '/auth/mfa')).body.totp;
  const refused = (r: Reply<ErrorBody>): [number, string] => [r.status, r.body.error.code];

  it('refuses setup, enable and disable with 403 insufficient-scope to a token lacking a scope of its user; changes nothing', async () => {
    const adm = await signUpFrom(w, 'mfa-admin', true, { remoteAddress: address });
    const readTrade = await tokenOf(adm, ['read', 'trade']); // the default: an admin's token without admin
    expect(refused(await readTrade('/auth/mfa/totp/setup'))).toEqual([403, 'insufficient-scope']);
    expect(await statusOf(adm)).toMatchObject({ enabled: false, pending: false });

    const s = await adm.call<Setup>('POST', '/auth/mfa/totp/setup');
    expect(s.status).toBe(200);
    const enable = await readTrade('/auth/mfa/totp/enable', { code: codeAt(s.body.secret) });
    expect(refused(enable)).toEqual([403, 'insufficient-scope']);
    expect(enable.body.error.message).toContain('admin');
    expect(await statusOf(adm)).toMatchObject({ enabled: false, pending: true });

    expect((await adm.call('POST', '/auth/mfa/totp/enable', { code: codeAt(s.body.secret) })).status).toBe(200);
    wall += 60_000;
    for (const body of [{ password: PASSWORD }, { code: codeAt(s.body.secret) }])
      expect(refused(await readTrade('/auth/mfa/totp/disable', body))).toEqual([403, 'insufficient-scope']);
    expect(await statusOf(adm)).toMatchObject({ enabled: true });
    // a read token cannot write at all (and a trade-only token of a trader lacks read)
    const trader = await signUp(w, 'mfa-trader');
    for (const scopes of [['read'], ['trade']]) {
      const t = await tokenOf(trader, scopes);
      expect(refused(await t('/auth/mfa/totp/setup'))).toEqual([403, 'insufficient-scope']);
    }
    expect(await statusOf(trader)).toMatchObject({ enabled: false, pending: false });
    const audit = await w.sql.query("SELECT action FROM audit_log WHERE subject_user_id = $1 AND action LIKE 'mfa-%'", [
      adm.id,
    ]);
    expect(audit.map((a) => a.action)).toEqual(['mfa-enabled']); // the session's only
  });

  it('lets a token with every scope of its user change it, as the wallet link does', async () => {
    const adm = await signUpFrom(w, 'mfa-admin-full', true, { remoteAddress: address });
    const full = await tokenOf(adm, ['read', 'trade', 'admin']);
    const s = await full<Setup>('/auth/mfa/totp/setup');
    expect(s.status).toBe(200);
    expect((await full('/auth/mfa/totp/enable', { code: codeAt(s.body.secret) })).status).toBe(200);
    expect(await statusOf(adm)).toMatchObject({ enabled: true });
    expect((await full('/auth/mfa/totp/disable', { password: PASSWORD })).status).toBe(200);
    // a trader may use read and trade only: a read+trade token is every scope of theirs
    const trader = await signUp(w, 'mfa-trader-full');
    const rt = await tokenOf(trader, ['read', 'trade']);
    expect((await rt<Setup>('/auth/mfa/totp/setup')).status).toBe(200);
  });
});
