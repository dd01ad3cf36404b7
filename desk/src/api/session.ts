/**
 * The session: who is logged in (`GET /auth/me`), and the mutations that change it. Logging in or registering
 * opens the live stream; logging out closes it and clears every cached query.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap } from './client';
import { startLive, stopLive } from './live';

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

/** Logs out: the cookie is cleared, the stream closed and every cached answer dropped. */
export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      stopLive();
      qc.clear();
      void qc.invalidateQueries({ queryKey: ME_KEY });
    },
  });
}
