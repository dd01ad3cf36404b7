/**
 * Server state of the Admin page: market administration (`/api/v1/exchange/markets…`: create, status, settle,
 * deposits), minting (a transfer with `fromAccountId: null`), auction settlement, users and admin rights
 * (`/api/v1/admin/users`), the audit trail (`/api/v1/admin/audit`) and system health (`/api/v1/health`,
 * `/api/v1/replay`). Every mutation refreshes the exchange queries it changes.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, toApiError, unwrap } from '@/api/client';
import { exKeys, invalidateMoney } from '@/features/exchange/api';
import type { Reply } from '@/features/exchange/types';

/** Body of market creation. */
export interface CreateMarketInput {
  name: string;
  description?: string;
  kind: 'spot' | 'bounded';
  /** Gateway symbol `[A-Z0-9]{2,20}` (default: from the name). */
  symbol?: string;
  /** Base asset `[A-Z0-9]{1,20}` (default: from the symbol). */
  baseAsset?: string;
  /** Quote asset (default: the exchange's cash asset). */
  quoteAsset?: string;
  tickSize: string;
  lotSize: string;
  minPrice?: string;
  maxPrice?: string;
  hideAccounts?: boolean;
  visibleTo?: number[];
}

/** A user as the admin list shows it. */
export type AdminUser = Reply<'/api/v1/admin/users', 'get'>['users'][number];
/** One audit trail entry. */
export type AuditEntry = Reply<'/api/v1/admin/audit', 'get'>['entries'][number];
/** The replay's state. */
export type ReplayState = Reply<'/api/v1/replay', 'get'>;

/**
 * `GET /api/v1/health` (hidden from the OpenAPI document, so typed here from `src/server/app.ts`): the database
 * kind, the feed's name (null without a feed) and the circuit breaker's state.
 */
export interface Health {
  ok: boolean;
  database: string;
  feed: string | null;
  breaker: 'closed' | 'open' | 'half-open';
}

/** The market mutations of the Admin page. */
export function useMarketAdmin() {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: exKeys.markets });
    void qc.invalidateQueries({ queryKey: ['ex', 'market'] });
  };
  return {
    create: useMutation({
      mutationFn: (b: CreateMarketInput) => unwrap(api.POST('/api/v1/exchange/markets', { body: b })),
      onSuccess: refresh,
    }),
    status: useMutation({
      mutationFn: (b: { id: number; status: 'open' | 'paused' | 'closed' }) =>
        unwrap(
          api.POST('/api/v1/exchange/markets/{id}/status', {
            params: { path: { id: b.id } },
            body: { status: b.status },
          }),
        ),
      onSuccess: () => {
        refresh();
        invalidateMoney(qc);
      },
    }),
    settle: useMutation({
      mutationFn: (b: { id: number; price: string }) =>
        unwrap(
          api.POST('/api/v1/exchange/markets/{id}/settle', {
            params: { path: { id: b.id } },
            body: { price: b.price },
          }),
        ),
      onSuccess: () => {
        refresh();
        invalidateMoney(qc);
      },
    }),
    deposit: useMutation({
      mutationFn: (b: { id: number; accountId: number; size: string }) =>
        unwrap(
          api.POST('/api/v1/exchange/markets/{id}/deposits', {
            params: { path: { id: b.id } },
            body: { accountId: b.accountId, size: b.size },
          }),
        ),
      onSuccess: () => invalidateMoney(qc),
    }),
  };
}

/** Mints cash into an account (a transfer from no account). */
export function useMint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { toAccountId: number; amount: string; note?: string }) =>
      unwrap(api.POST('/api/v1/exchange/transfers', { body: { fromAccountId: null, ...b } })),
    onSuccess: () => invalidateMoney(qc),
  });
}

/** Settles an open auction to a buyer account at a price. */
export function useSettleAuction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { id: number; buyerAccountId: number; price: string }) =>
      unwrap(
        api.POST('/api/v1/exchange/auctions/{id}/settle', {
          params: { path: { id: b.id } },
          body: { buyerAccountId: b.buyerAccountId, price: b.price },
        }),
      ),
    onSuccess: () => invalidateMoney(qc),
  });
}

/** Users, oldest first (one page of 500). */
export function useUsers() {
  return useQuery({
    queryKey: ['admin', 'users'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/users', { params: { query: { limit: 500 } } })),
  });
}

/** Grants or revokes a user's admin rights. */
export function useSetAdmin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (b: { id: number; admin: boolean }) =>
      unwrap(api.POST('/api/v1/admin/users/{id}/admin', { params: { path: { id: b.id } }, body: { admin: b.admin } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['admin'] });
    },
  });
}

/** The audit trail, newest first, optionally one action only. */
export function useAudit(action: string) {
  return useQuery({
    queryKey: ['admin', 'audit', action],
    queryFn: () =>
      unwrap(api.GET('/api/v1/admin/audit', { params: { query: { limit: 100, ...(action ? { action } : {}) } } })),
  });
}

/** `GET /api/v1/health`, every 10 s. */
export function useHealth() {
  return useQuery({
    queryKey: ['admin', 'health'],
    refetchInterval: 10_000,
    queryFn: async (): Promise<Health> => {
      let r: Response;
      try {
        r = await fetch('/api/v1/health', { credentials: 'same-origin' });
      } catch (e) {
        throw toApiError(0, { error: { code: 'server-unreachable', message: String(e) } });
      }
      const body: unknown = await r.json().catch(() => null);
      if (!r.ok) throw toApiError(r.status, body);
      return body as Health;
    },
  });
}

/** `GET /api/v1/replay`: the replay's state (an error when the server runs without a replay feed). */
export function useReplayState() {
  return useQuery({
    queryKey: ['admin', 'replay'],
    refetchInterval: 10_000,
    queryFn: () => unwrap(api.GET('/api/v1/replay')),
  });
}
