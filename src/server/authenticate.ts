/**
 * Who is calling: the `onRequest` hook that resolves a request's credentials (a bearer API token, the session
 * cookie, or `?token=` on a WebSocket upgrade) to `req.user` and `req.auth` (the {@link Principal} with its scopes).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { SESSION_COOKIE } from './session.ts';

/** What an API token may do: `read` (GET), `trade` (every other user action), `admin` (admin-only routes). */
export type Scope = 'read' | 'trade' | 'admin';

/** Every scope, in order. */
export const SCOPES: readonly Scope[] = ['read', 'trade', 'admin'];

/** The authenticated caller of a request. */
export interface Principal {
  user: User;
  /** `session`: the browser's cookie; `token`: a bearer API token (also `?token=` on a WebSocket). */
  via: 'session' | 'token';
  /** What the credentials allow (a session: everything its user may do; a token: its scopes). */
  scopes: ReadonlySet<Scope>;
  /** The session's id (via `session`), else null. */
  sessionId: number | null;
  /** The API token's id (via `token`), else null. */
  tokenId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    /** The raw credential of the request (session secret or API token), null when anonymous. */
    authToken: string | null;
    /** The authenticated caller, null when anonymous. */
    auth: Principal | null;
  }
}

function tokenOf(req: FastifyRequest): { token: string; via: 'session' | 'token' } | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return { token: h.slice(7).trim(), via: 'token' };
  const c = req.cookies?.[SESSION_COOKIE];
  if (c) return { token: c, via: 'session' };
  if (req.url.startsWith('/ws')) {
    const q = new URL(req.url, 'http://x').searchParams.get('token');
    if (q) return { token: q, via: 'token' };
  }
  return null;
}

/** Registers the hook that sets `req.user`, `req.authToken` and `req.auth` (all null for an anonymous caller). */
export function authenticate(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('user', null);
  app.decorateRequest('authToken', null);
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req) => {
    const t = tokenOf(req);
    if (!t) return;
    if (t.token.startsWith('tdo_')) {
      // An API token (H2, src/app/api-tokens.ts): effective scopes = its scopes ∩ what its user may do now.
      const p = await ctx.auth.tokens.authenticate(t.token, Date.now(), req.ip);
      if (!p) return;
      req.user = p.user;
      req.authToken = t.token;
      req.auth = { user: p.user, via: 'token', scopes: p.scopes, sessionId: null, tokenId: p.tokenId };
      return;
    }
    const user = await ctx.auth.authenticate(t.token, Date.now());
    if (!user) return;
    req.user = user;
    req.authToken = t.token;
    const scopes = new Set<Scope>(['read', 'trade']);
    if (user.isAdmin) scopes.add('admin');
    req.auth = { user, via: t.via, scopes, sessionId: null, tokenId: null };
  });
}
