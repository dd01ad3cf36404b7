/**
 * OpenID Connect login (authorization code with PKCE S256, state and nonce) through `openid-client`: the provider
 * is discovered from its issuer on first use; each login's state (hashed), nonce and PKCE verifier wait in
 * `oidc_logins` for 10 minutes and are used once. A person is found by (issuer, subject), else linked to the user
 * with the same e-mail only when the provider says `email_verified: true`, else a user is created.
 *
 * Audit actions: `oidc-linked` (an identity linked to an existing user by verified e-mail), `user-created-oidc`.
 */
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import type { User } from './auth.ts';
import { AuthError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { createPasswordlessUser, loadUser } from './sign-in-users.ts';

/** How long a login may take at the provider: 10 minutes. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;

/** The identity provider Testudo signs in with. */
export interface OidcSettings {
  /** Issuer identifier (`https://login.example.com/realms/x`); discovery reads `/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE only, `token_endpoint_auth_method: none`). */
  clientSecret?: string | undefined;
  /** Shown on the Desk's button: "Sign in with <name>". */
  name: string;
  /**
   * Allow plain-http requests to the provider. Without it http is allowed only for a loopback issuer (127.0.0.0/8,
   * `::1`, `localhost`); any other issuer must be https.
   */
  allowHttp?: boolean;
}

/**
 * Why a login was refused (the callback redirects to `/login?error=<code>`): `oidc-bad-state` (missing, unknown,
 * used, expired or not this browser's), `oidc-denied` (the provider answered with an error), `oidc-exchange-failed`
 * (the code exchange or the ID token checks failed: issuer, audience, nonce, signature, a replayed code),
 * `oidc-unavailable` (the provider could not be reached).
 */
export type OidcErrorCode = 'oidc-bad-state' | 'oidc-denied' | 'oidc-exchange-failed' | 'oidc-unavailable';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Whether `issuer` is on a loopback host. */
export function isLoopbackIssuer(issuer: string): boolean {
  try {
    const h = new URL(issuer).hostname;
    return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
  } catch {
    return false;
  }
}

/** Logins through one OpenID Connect provider. */
export class OidcService {
  private config: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly sql: Sql,
    /** The provider's settings (public: the routes show its name). */
    readonly settings: OidcSettings,
  ) {}

  /**
   * Starts a login: the provider's authorization URL (state, nonce, PKCE S256 challenge, scope `openid email
   * profile`) and the state, which the caller keeps in a cookie for {@link OidcService.finish}.
   * @param redirectUri the Testudo callback URL registered at the provider
   * @param now ms UTC
   * @throws AuthError `oidc-unavailable` when the provider cannot be discovered
   */
  async start(redirectUri: string, now: number): Promise<{ url: string; state: string }> {
    const config = await this.configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    await this.sql.query('DELETE FROM oidc_logins WHERE expires_at < $1', [new Date(now)]);
    await this.sql.query(
      'INSERT INTO oidc_logins (state_hash, nonce, code_verifier, expires_at) VALUES ($1, $2, $3, $4)',
      [sha256(state), nonce, verifier, new Date(now + OIDC_LOGIN_TTL_MS)],
    );
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a login at the callback: checks the state against the browser's, consumes the pending login,
   * exchanges the code (PKCE verifier) and validates the ID token (issuer, audience, nonce, signature), then finds,
   * links or creates the user.
   * @param query the callback's query string (`code`, `state`, or `error`)
   * @param browserState the state kept in the browser's cookie, or null
   * @param redirectUri the same redirect URI {@link OidcService.start} used
   * @throws AuthError with an {@link OidcErrorCode}
   */
  async finish(
    query: URLSearchParams,
    browserState: string | null,
    redirectUri: string,
    now: number,
    actor: Actor,
  ): Promise<{ user: User; created: boolean }> {
    const state = query.get('state');
    if (!state || !browserState || state !== browserState)
      throw new AuthError('oidc-bad-state', 'this login was not started by this browser');
    const [login] = await this.sql.query(
      'DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING nonce, code_verifier, expires_at',
      [sha256(state)],
    );
    if (!login || toMs(login.expires_at) <= now)
      throw new AuthError('oidc-bad-state', 'unknown, used or expired login: start again');
    if (query.has('error'))
      throw new AuthError('oidc-denied', `the provider refused: ${query.get('error')?.slice(0, 100) ?? ''}`);
    const config = await this.configuration();
    const current = new URL(redirectUri);
    current.search = query.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: String(login.code_verifier),
        expectedState: state,
        expectedNonce: String(login.nonce),
        idTokenExpected: true,
      });
      claims = { ...tokens.claims() };
      if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        claims = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
      }
    } catch (e) {
      if (e instanceof AuthError) throw e;
      throw new AuthError('oidc-exchange-failed', `the provider's answer was refused: ${errText(e)}`);
    }
    return this.signIn(String(claims.iss), String(claims.sub), claims, now, actor);
  }

  /** Finds, links or creates the user of identity (`issuer`, `subject`). */
  private async signIn(
    issuer: string,
    subject: string,
    claims: Record<string, unknown>,
    now: number,
    actor: Actor,
  ): Promise<{ user: User; created: boolean }> {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
    const verified = email !== null && claims.email_verified === true;
    return this.sql.tx(async (q) => {
      const [known] = await q.query(
        'UPDATE oidc_identities SET last_used_at = $3 WHERE issuer = $1 AND subject = $2 RETURNING user_id',
        [issuer, subject, new Date(now)],
      );
      if (known) return { user: await loadUser(q, toInt(known.user_id)), created: false };
      let user: User | null = null;
      let created = false;
      if (verified) {
        const [u] = await q.query('SELECT id FROM users WHERE email = $1 FOR UPDATE', [email]);
        if (u) {
          user = await loadUser(q, toInt(u.id));
          await audit(q, { ...actor, userId: user.id }, 'oidc-linked', user.id, { issuer, subject });
        }
      }
      if (!user) {
        user = await createPasswordlessUser(
          q,
          verified ? email! : `oidc-${sha256(`${issuer} ${subject}`).slice(0, 24)}@oidc.invalid`,
        );
        created = true;
        await audit(q, { ...actor, userId: user.id }, 'user-created-oidc', user.id, { issuer, subject });
      }
      await q.query(
        'INSERT INTO oidc_identities (issuer, subject, user_id, email, last_used_at) VALUES ($1, $2, $3, $4, $5)',
        [issuer, subject, user.id, email, new Date(now)],
      );
      return { user, created };
    });
  }

  /** The discovered provider configuration (discovery retried on the next call after a failure). */
  private async configuration(): Promise<oidc.Configuration> {
    const s = this.settings;
    this.config ??= oidc
      .discovery(
        new URL(s.issuer),
        s.clientId,
        s.clientSecret ? { client_secret: s.clientSecret } : undefined,
        s.clientSecret ? oidc.ClientSecretPost(s.clientSecret) : oidc.None(),
        s.allowHttp || isLoopbackIssuer(s.issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        this.config = null;
        throw new AuthError('oidc-unavailable', `the identity provider could not be reached: ${errText(e)}`);
      });
    return this.config;
  }
}

function errText(e: unknown): string {
  const o = e as { code?: unknown; error?: unknown; message?: unknown };
  return String(o.error ?? o.code ?? o.message ?? e).slice(0, 200);
}

/**
 * The provider settings from the environment: `TESTUDO_OIDC_ISSUER`, `TESTUDO_OIDC_CLIENT_ID`,
 * `TESTUDO_OIDC_CLIENT_SECRET` (optional), `TESTUDO_OIDC_NAME` (default "OpenID Connect"); null (OIDC off)
 * unless both issuer and client id are set. Plain http is allowed only for a loopback issuer.
 */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OidcSettings | null {
  const issuer = env.TESTUDO_OIDC_ISSUER?.trim();
  const clientId = env.TESTUDO_OIDC_CLIENT_ID?.trim();
  if (!issuer || !clientId) return null;
  return {
    issuer,
    clientId,
    clientSecret: env.TESTUDO_OIDC_CLIENT_SECRET?.trim() || undefined,
    name: env.TESTUDO_OIDC_NAME?.trim() || 'OpenID Connect',
  };
}
