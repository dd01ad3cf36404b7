/**
 * Server state of the Account page: the risk profile with its pending changes, ceilings and risk state
 * (`GET/PUT /api/v1/risk-profile`, cancelling a pending change, `POST /risk-profile/reset-halt`), the audit trail
 * (`GET /api/v1/audit`), API tokens (`/api/v1/auth/tokens`) and candle import jobs (`/api/v1/candles/imports/:id`).
 *
 * The response types below are narrow types written from the routes' documented shapes: the generated schema has no
 * response schema for these routes yet (or no route at all while they land), so the answers are cast HERE ONLY.
 * Routes missing from the generated `paths` are called through {@link request}, which behaves like the typed client
 * (same origin, cookie, {@link ApiError} with field errors, connection state).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, toApiError, unwrap } from '@/api/client';
import { ME_KEY } from '@/api/session';
import { useConnection } from '@/store/connection';
import type { ProfileField, ProfileValue, RiskProfile } from './riskText';
import type { AuditEntry } from './audit';

/** A loosening change waiting out the cooling-off period. Times ISO 8601 UTC. */
export interface PendingChange {
  field: ProfileField;
  value: ProfileValue;
  requestedAt: string;
  effectiveAt: string;
}

/** One limit's standing (money as decimal strings); `clearsAt` ISO or null, `clearsBy` how it clears. */
export interface LimitState {
  blocking: boolean;
  used?: string | number;
  limit?: string;
  max?: number;
  limitPct?: string;
  clearsAt?: string | null;
  clearsBy?: string | null;
  [k: string]: unknown;
}

/** The account's counters (money as decimal strings). */
export interface AccountState {
  balance: string;
  peakEquity: string;
  haltedAt: string | null;
  consecutiveLosses?: number;
  realizedPnlToday?: string;
  openRisk?: string;
  openPositions?: number;
  [k: string]: unknown;
}

/** The `GET /api/v1/risk-profile` answer. */
export interface RiskProfileView {
  profile: RiskProfile;
  defaults?: RiskProfile;
  ceilings?: { maxRiskPerTradePct: string; maxDrawdownPct: string };
  /** Cooling-off period of loosening changes, seconds. */
  coolingOffSeconds?: number;
  pending?: PendingChange[];
  state: AccountState;
  limits?: Record<string, LimitState | boolean> & { halted?: boolean; canTrade?: boolean };
  change?: { applied: string[]; scheduled: string[]; cancelled: string[] };
}

/** One API token as listed (the secret is never listed). */
export interface ApiTokenInfo {
  id: number;
  name: string;
  /** ISO 8601 UTC. */
  createdAt: string;
}

/** The `POST /api/v1/auth/tokens` answer: the secret, shown once. */
export interface CreatedToken {
  token: string;
  name: string;
  id?: number;
  note?: string;
}

/** A candle import job (`GET /api/v1/candles/imports/:id`, `import-done`, `import-failed`). */
export interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  phase: 'queued' | 'parsing' | 'storing' | 'done' | 'failed';
  symbol: string;
  timeframe: string | null;
  format: string | null;
  bytes: number;
  total: number;
  rows: number;
  rowsTotal: number | null;
  createdAt: string;
  finishedAt: string | null;
  result: {
    format: string;
    timeframe: string;
    candles: number;
    inserted: number;
    updated: number;
    unchanged: number;
    first: string | null;
    last: string | null;
    outOfOrder: { rows: number; firstLine: number } | null;
  } | null;
  error: {
    code: string;
    message: string;
    fields?: { field: string; code: string; message: string; line?: number }[];
  } | null;
}

/**
 * A JSON request to a route the generated client does not type yet. Resolves to the parsed body (undefined for
 * 204); throws {@link ApiError} (`server-unreachable` when the request never got an answer).
 */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    useConnection.getState().setServer('down');
    throw new ApiError(0, 'server-unreachable', 'The Testudo server cannot be reached', [], [], e);
  }
  useConnection.getState().setServer('up');
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) throw toApiError(res.status, parsed);
  return (parsed ?? undefined) as T;
}

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
    queryFn: async () => (await unwrap(api.GET('/api/v1/risk-profile'))) as unknown as RiskProfileView,
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
    mutationFn: async (patch: Partial<RiskProfile>) =>
      (await unwrap(api.PUT('/api/v1/risk-profile', { body: patch }))) as unknown as RiskProfileView,
    onSuccess: done,
  });
}

/** Cancels the pending change of one field (`DELETE /risk-profile/pending/:field`). */
export function useCancelPending() {
  const done = useProfileResult();
  return useMutation({
    mutationFn: (field: ProfileField) =>
      request<RiskProfileView>('DELETE', `/api/v1/risk-profile/pending/${encodeURIComponent(field)}`),
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
    queryFn: async () => {
      const r = await request<{ entries?: AuditEntry[] } | AuditEntry[]>('GET', '/api/v1/audit?limit=50');
      return Array.isArray(r) ? r : (r?.entries ?? []);
    },
  });
}

/** The user's API tokens (`GET /api/v1/auth/tokens`). */
export function useTokens() {
  return useQuery({
    queryKey: KEYS.tokens,
    queryFn: async () => {
      const r = await request<{ tokens?: ApiTokenInfo[] } | ApiTokenInfo[]>('GET', '/api/v1/auth/tokens');
      return Array.isArray(r) ? r : (r?.tokens ?? []);
    },
  });
}

/** Creates an API token; the answer carries the secret once. */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) =>
      (await unwrap(api.POST('/api/v1/auth/tokens', { body: { name } }))) as unknown as CreatedToken,
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEYS.tokens }),
  });
}

/** Revokes an API token (`DELETE /api/v1/auth/tokens/:id`). */
export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => request<unknown>('DELETE', `/api/v1/auth/tokens/${id}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEYS.tokens }),
  });
}

/** Reads an import job (`GET /api/v1/candles/imports/:id`). */
export async function fetchImportJob(id: string): Promise<ImportJob> {
  return (await unwrap(api.GET('/api/v1/candles/imports/{id}', { params: { path: { id } } }))) as unknown as ImportJob;
}
