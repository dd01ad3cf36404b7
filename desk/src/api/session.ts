/**
 * The session: who is logged in (`GET /auth/me`), and the mutations that change it. Logging in or registering
 * opens the live stream; logging out closes it and clears every cached query. The user's sessions (devices) are
 * listed and revoked here too, and "log out everywhere" ends them all.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, sessionFetch, toApiError, unwrap } from './client';
import { startLive, stopLive } from './live';
import type { paths } from './schema';

/** The `GET /auth/me` answer. */
export interface Me {
  user: { id: number; email: string; isAdmin?: boolean };
  account: Record<string, unknown>;
  onboarded?: boolean;
}

async function fetchMe(): Promise<Me | null> {
  try {
    return (await unwrap(api.GET('/api/v1/auth/me'))) as unknown as Me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/** Query key of the session. */
export const ME_KEY = ['me'] as const;

/** The logged-in user (null when logged out). */
export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 30_000, retry: false });
}

/** Credentials of the login and register forms. */
export interface Credentials {
  email: string;
  password: string;
}

/**
 * Logs in (or registers and then logs in when `register`), then refetches the session and opens the stream. Its data
 * is the login's answer: `{ user }`, or `{ mfaRequired, challenge }` when a second factor is asked for.
 */
export function useSignIn(register: boolean) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (c: Credentials) => {
      if (register) await unwrap(api.POST('/api/v1/auth/register', { body: c }));
      return unwrap(api.POST('/api/v1/auth/login', { body: c })); // `{ mfaRequired, challenge }`: MfaPrompt asks
    },
    onSuccess: async () => {
      await qc.invalidateQueries();
      startLive(qc);
    },
  });
}

/**
 * Ends this browser's session in the Desk: the stream closes, `me` becomes null at once (the sign-in page shows)
 * and every other cached answer is dropped.
 */
function signedOut(qc: ReturnType<typeof useQueryClient>): void {
  stopLive();
  qc.setQueryData(ME_KEY, null);
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
}

/** Logs out: the cookie is cleared, the stream closed and every cached answer dropped. */
export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => signedOut(qc),
  });
}

/** A session of the user as `GET /auth/sessions` lists it (from the generated OpenAPI types). */
export type SessionInfo =
  paths['/api/v1/auth/sessions']['get']['responses'][200]['content']['application/json']['sessions'][number];

/** Query key of the session list. */
export const SESSIONS_KEY = ['auth', 'sessions'] as const;

async function json<T>(r: Promise<Response>): Promise<T> {
  let res: Response;
  try {
    res = await r;
  } catch (e) {
    throw new ApiError(0, 'server-unreachable', 'The Testudo server cannot be reached', [], [], e);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw toApiError(res.status, body);
  return body as T;
}

/** The user's live sessions, most recently seen first. */
export function useSessions() {
  return useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: async () => (await json<{ sessions: SessionInfo[] }>(sessionFetch('/api/v1/auth/sessions'))).sessions,
  });
}

/** Revokes one session (another device); revoking this browser's own session signs it out. */
export function useRevokeSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (s: Pick<SessionInfo, 'id' | 'current'>) =>
      json<{ ok: boolean }>(sessionFetch(`/api/v1/auth/sessions/${s.id}`, { method: 'DELETE' })),
    onSuccess: (_r, s) => {
      if (s.current) signedOut(qc);
      else void qc.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
  });
}

/** Logs out everywhere: every session of the user ends, this browser's included. */
export function useLogoutAll() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () =>
      json<{ ok: boolean; revoked: number }>(sessionFetch('/api/v1/auth/logout-all', { method: 'POST' })),
    onSuccess: () => signedOut(qc),
  });
}
