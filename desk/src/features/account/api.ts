/**
 * Server state of the Account page: the risk profile with its pending changes, ceilings and risk state
 * (`GET/PUT /api/v1/risk-profile`, cancelling a pending change, `POST /risk-profile/reset-halt`), the audit trail
 * (`GET /api/v1/audit`), API tokens (`/api/v1/auth/tokens`) and candle import jobs (`/api/v1/candles/imports/:id`).
 *
 * Types come from the generated OpenAPI `paths` (the routes' response schemas). The candle upload itself goes through
 * XMLHttpRequest for its progress events (`./upload.ts`).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/api/client';
import { ME_KEY } from '@/api/session';
import type { paths } from '@/api/schema';
import type { ProfileField, RiskProfile } from './riskText';

type Ok<P extends keyof paths, M extends 'get' | 'put' | 'post' | 'delete'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/** The `GET /api/v1/risk-profile` answer (generated from the route's response schema). */
export type RiskProfileView = Ok<'/api/v1/risk-profile', 'get'> & {
  /** What a `PUT` did, by field (only on the `PUT` answer). */
  change?: { applied: string[]; scheduled: string[]; cancelled: string[] };
};

/** A loosening change waiting out the cooling-off period. Times ISO 8601 UTC. */
export type PendingChange = RiskProfileView['pending'][number];

/** One limit's standing: whether it blocks, when and by what it clears, and its own numbers. */
export interface LimitState {
  blocking: boolean;
  clearsAt: string | null;
  clearsBy: string | null;
  [k: string]: unknown;
}

/** One API token as listed (the secret is never listed). */
export type ApiTokenInfo = Ok<'/api/v1/auth/tokens', 'get'>['tokens'][number];

/** What an API token may do: `read` (GET, WebSocket channels), `trade` (every other request), `admin`. */
export type TokenScope = ApiTokenInfo['scopes'][number];

/** The `POST /api/v1/auth/tokens` answer: the token as listed plus the secret, shown once. */
export type CreatedToken = ApiTokenInfo & { token: string; note: string };

/** What `POST /api/v1/auth/tokens` takes: a name, scopes, and an expiry in days (absent: never expires). */
export interface NewTokenInput {
  name: string;
  scopes: TokenScope[];
  expiresInDays?: number;
}

/** A candle import job (`GET /api/v1/candles/imports/:id`, `import-done`, `import-failed`). */
export type ImportJob = Ok<'/api/v1/candles/imports/{id}', 'get'>;

/** Query keys of the page. */
export const KEYS = {
  profile: ['risk-profile'] as const,
  audit: ['audit'] as const,
  tokens: ['auth-tokens'] as const,
  importJob: (id: string) => ['candle-import', id] as const,
};

/** The risk profile, pending changes, ceilings and risk state. */
export function useRiskProfile() {
  return useQuery({
    queryKey: KEYS.profile,
    queryFn: (): Promise<RiskProfileView> => unwrap(api.GET('/api/v1/risk-profile')),
  });
}

function useProfileResult() {
  const qc = useQueryClient();
  return (v: RiskProfileView | undefined) => {
    if (v && v.profile) qc.setQueryData(KEYS.profile, v);
    void qc.invalidateQueries({ queryKey: KEYS.profile });
    void qc.invalidateQueries({ queryKey: KEYS.audit });
    void qc.invalidateQueries({ queryKey: ME_KEY });
  };
}

/** Saves a partial profile (`PUT /risk-profile`); field errors come back as {@link ApiError} `fields`. */
export function useSaveProfile() {
  const done = useProfileResult();
  return useMutation({
    mutationFn: (patch: Partial<RiskProfile>): Promise<RiskProfileView> =>
      unwrap(api.PUT('/api/v1/risk-profile', { body: patch })),
    onSuccess: done,
  });
}

/** Cancels the pending change of one field (`DELETE /risk-profile/pending/:field`). */
export function useCancelPending() {
  const done = useProfileResult();
  return useMutation({
    mutationFn: (field: ProfileField): Promise<RiskProfileView> =>
      unwrap(api.DELETE('/api/v1/risk-profile/pending/{field}', { params: { path: { field } } })),
    onSuccess: done,
  });
}

/** Cancels every pending change (`DELETE /risk-profile/pending`). */
export function useCancelAllPending() {
  const done = useProfileResult();
  return useMutation({
    mutationFn: (): Promise<RiskProfileView> => unwrap(api.DELETE('/api/v1/risk-profile/pending')),
    onSuccess: done,
  });
}

/** Lifts a drawdown halt (`POST /risk-profile/reset-halt`). */
export function useResetHalt() {
  const done = useProfileResult();
  return useMutation({
    mutationFn: async () => (await unwrap(api.POST('/api/v1/risk-profile/reset-halt'))) as unknown as RiskProfileView,
    onSuccess: done,
  });
}

/** The user's own audit trail, newest first (`GET /api/v1/audit`). */
export function useAudit() {
  return useQuery({
    queryKey: KEYS.audit,
    queryFn: async () => (await unwrap(api.GET('/api/v1/audit', { params: { query: { limit: 50 } } }))).entries,
  });
}

/** The user's API tokens (`GET /api/v1/auth/tokens`). */
export function useTokens() {
  return useQuery({
    queryKey: KEYS.tokens,
    queryFn: async () => (await unwrap(api.GET('/api/v1/auth/tokens'))).tokens,
  });
}

/** Creates an API token; the answer carries the secret once. */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NewTokenInput): Promise<CreatedToken> => unwrap(api.POST('/api/v1/auth/tokens', { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEYS.tokens }),
  });
}

/** Revokes an API token (`DELETE /api/v1/auth/tokens/:id`). */
export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/auth/tokens/{id}', { params: { path: { id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEYS.tokens }),
  });
}

/** Reads an import job (`GET /api/v1/candles/imports/:id`). */
export async function fetchImportJob(id: string): Promise<ImportJob> {
  return (await unwrap(api.GET('/api/v1/candles/imports/{id}', { params: { path: { id } } }))) as unknown as ImportJob;
}
