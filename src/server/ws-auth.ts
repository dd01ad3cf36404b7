/**
 * WebSockets end with their credentials. A socket authenticated when it was opened (the session cookie, or an API
 * token as `?token=` or `Authorization: Bearer`) is closed with code {@link WS_CREDENTIALS_ENDED} (4401) and the
 * reason `session-ended` or `token-revoked` once those credentials stop working:
 * - a session ended by this process (logout, a session revoked by id, "log out everywhere", refresh-token reuse
 *   revoking the family): at once, through `SessionService.onEnded`;
 * - an API token revoked by this process (by id, or with the token that made it): at once, through
 *   `ApiTokens.onRevoked`;
 * - a session or token ended by another process on the same database, a session or token that expired, a deleted
 *   user: within {@link wsAuthTiming}`.recheckMs` (2 s), by one query per kind over every watched socket of the
 *   process.
 *
 * A WebSocket handler calls {@link closeWhenRevoked} with its request and socket; anonymous sockets are not watched.
 * Clients that see 4401 renew their session (`POST /api/v1/auth/refresh`) and reconnect, or sign in again.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { toInt } from '../db/sql.ts';

/** Close code of a socket whose session or API token has ended (as `/ws` closes an anonymous socket). */
export const WS_CREDENTIALS_ENDED = 4401;

/**
 * How often (ms) the watched sockets' sessions and tokens are checked in the database. Tests change it (read when a
 * context's first watched socket opens).
 */
export const wsAuthTiming = { recheckMs: 2_000 };

/** The part of a WebSocket the watch needs (a `ws` socket, or the Binance streams' `WsLike`). */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  on(event: 'close', fn: () => void): unknown;
}

interface Watched {
  socket: ClosableSocket;
  sessionId: number | null;
  tokenId: number | null;
}

/** The open authenticated sockets of one app context, by session and by token. */
class RevocationWatch {
  private readonly bySession = new Map<number, Set<Watched>>();
  private readonly byToken = new Map<number, Set<Watched>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(private readonly sql: Sql) {}

  add(w: Watched): () => void {
    if (w.sessionId !== null) addTo(this.bySession, w.sessionId, w);
    if (w.tokenId !== null) addTo(this.byToken, w.tokenId, w);
    this.timer ??= setInterval(() => void this.check(), wsAuthTiming.recheckMs);
    this.timer.unref();
    return () => {
      if (w.sessionId !== null) removeFrom(this.bySession, w.sessionId, w);
      if (w.tokenId !== null) removeFrom(this.byToken, w.tokenId, w);
      if (this.bySession.size === 0 && this.byToken.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** Closes every socket of `sessionIds`. */
  sessionsEnded(sessionIds: Iterable<number>): void {
    for (const id of sessionIds) closeAll(this.bySession.get(id), 'session-ended');
  }

  /** Closes every socket of `tokenIds`. */
  tokensRevoked(tokenIds: Iterable<number>): void {
    for (const id of tokenIds) closeAll(this.byToken.get(id), 'token-revoked');
  }

  /** Closes the sockets whose session or token is no longer live (revoked, expired, deleted). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = new Date();
      const sids = [...this.bySession.keys()];
      if (sids.length > 0) {
        const live = await this.sql.query(
          `SELECT id FROM sessions WHERE id = ANY($1::bigint[]) AND revoked_at IS NULL AND expires_at > $2`,
          [sids, now],
        );
        const keep = new Set(live.map((r) => toInt(r.id)));
        this.sessionsEnded(sids.filter((id) => !keep.has(id)));
      }
      const tids = [...this.byToken.keys()];
      if (tids.length > 0) {
        const live = await this.sql.query(
          `SELECT id FROM auth_tokens WHERE id = ANY($1::bigint[]) AND kind = 'api'
             AND (expires_at IS NULL OR expires_at > $2)`,
          [tids, now],
        );
        const keep = new Set(live.map((r) => toInt(r.id)));
        this.tokensRevoked(tids.filter((id) => !keep.has(id)));
      }
    } catch {
      // the database is closing or unreachable: the next round tries again
    } finally {
      this.checking = false;
    }
  }
}

function addTo(m: Map<number, Set<Watched>>, id: number, w: Watched): void {
  let s = m.get(id);
  if (!s) m.set(id, (s = new Set()));
  s.add(w);
}

function removeFrom(m: Map<number, Set<Watched>>, id: number, w: Watched): void {
  const s = m.get(id);
  if (!s) return;
  s.delete(w);
  if (s.size === 0) m.delete(id);
}

function closeAll(set: Set<Watched> | undefined, reason: string): void {
  for (const w of [...(set ?? [])]) {
    try {
      w.socket.close(WS_CREDENTIALS_ENDED, reason);
    } catch {
      // already closing
    }
  }
}

const watches = new WeakMap<AppContext, RevocationWatch>();

/** The watch of `ctx` (created, and told of this process's ended sessions and revoked tokens, on first use). */
function watchOf(ctx: AppContext): RevocationWatch {
  let w = watches.get(ctx);
  if (!w) {
    const watch = new RevocationWatch(ctx.sql);
    ctx.auth.sessions.onEnded((e) => watch.sessionsEnded(e.sessionIds));
    ctx.auth.tokens.onRevoked((e) => watch.tokensRevoked(e.tokenIds));
    watches.set(ctx, (w = watch));
  }
  return w;
}

/**
 * Closes `socket` with code 4401 (reason `session-ended` or `token-revoked`) when the session or API token that
 * authenticated `req` ends (see the module comment); stops watching when the socket closes. Does nothing for an
 * anonymous request. Call it once, when the socket is accepted.
 */
export function closeWhenRevoked(ctx: AppContext, req: FastifyRequest, socket: ClosableSocket): void {
  const a = req.auth;
  if (!a || (a.sessionId === null && a.tokenId === null)) return;
  const off = watchOf(ctx).add({ socket, sessionId: a.sessionId, tokenId: a.tokenId });
  socket.on('close', off);
}

/**
 * Checks every watched socket of `ctx` now instead of at the next round (tests; an operator's tool after revoking
 * credentials in the database by hand).
 */
export async function recheckWebSockets(ctx: AppContext): Promise<void> {
  await watches.get(ctx)?.check();
}
