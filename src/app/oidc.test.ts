/**
 * OpenID Connect settings: plain http only for a loopback issuer (or when explicitly allowed), never by default;
 * the environment variables that turn OIDC on; the SIWE chain allowlist from the environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { migrate } from '../db/migrate.ts';
import { AuthError } from './errors.ts';
import { isLoopbackIssuer, OidcService, oidcSettingsFromEnv } from './oidc.ts';
import { siweChainsFromEnv } from './siwe.ts';

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
  await migrate(sql);
});
afterAll(async () => {
  await sql?.close();
});

describe('OpenID Connect issuers over http', () => {
  it('knows loopback issuers', () => {
    for (const i of ['http://127.0.0.1:4000', 'http://127.1.2.3/x', 'http://localhost:8080/realms/t', 'http://[::1]:9'])
      expect(isLoopbackIssuer(i), i).toBe(true);
    for (const i of ['http://idp.example.com', 'http://10.0.0.1', 'http://127.0.0.1.example.com', 'not a url'])
      expect(isLoopbackIssuer(i), i).toBe(false);
  });

  it('refuses an http issuer that is not loopback before any request is sent (oidc-unavailable)', async () => {
    const s = new OidcService(sql, { issuer: 'http://idp.example.com', clientId: 'c', name: 'X' });
    const err = await s.start('https://testudo.example/api/v1/auth/oidc/callback', Date.now()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('oidc-unavailable');
    expect((err as AuthError).message).toMatch(/https|insecure|http/i);
    const [r] = await sql.query('SELECT count(*)::int AS n FROM oidc_logins');
    expect(Number(r!.n)).toBe(0);
  });
});

describe('settings from the environment', () => {
  it('turns OIDC on only with an issuer and a client id', () => {
    expect(oidcSettingsFromEnv({})).toBeNull();
    expect(oidcSettingsFromEnv({ TESTUDO_OIDC_ISSUER: 'https://idp.example' })).toBeNull();
    expect(
      oidcSettingsFromEnv({ TESTUDO_OIDC_ISSUER: 'https://idp.example', TESTUDO_OIDC_CLIENT_ID: 'testudo' }),
    ).toEqual({ issuer: 'https://idp.example', clientId: 'testudo', clientSecret: undefined, name: 'OpenID Connect' });
    expect(
      oidcSettingsFromEnv({
        TESTUDO_OIDC_ISSUER: 'https://idp.example',
        TESTUDO_OIDC_CLIENT_ID: 'testudo',
        TESTUDO_OIDC_CLIENT_SECRET: 's3cret',
        TESTUDO_OIDC_NAME: 'Keycloak',
      }),
    ).toMatchObject({ clientSecret: 's3cret', name: 'Keycloak' });
  });

  it('reads the SIWE chain allowlist, default mainnet', () => {
    expect(siweChainsFromEnv({})).toEqual([1]);
    expect(siweChainsFromEnv({ TESTUDO_SIWE_CHAINS: '1, 10,8453' })).toEqual([1, 10, 8453]);
    expect(() => siweChainsFromEnv({ TESTUDO_SIWE_CHAINS: '1,x' })).toThrow(/TESTUDO_SIWE_CHAINS/);
  });
});
