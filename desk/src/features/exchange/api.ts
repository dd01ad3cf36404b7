/**
 * Server state of the Exchange page: TanStack queries over the REST API (`/api/v1/exchange/...`), kept live by the
 * exchange WebSocket (`./ws.ts`), whose snapshots and updates are written into the same query cache, and the
 * mutations (orders, amend, cancel, transfers, accounts, auctions). Errors are `ApiError`s with field errors.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, refreshSession, unwrap } from '@/api/client';
import { useLiveEvent } from '@/api/live';
import type {
  Account,
  ApiKey,
  Auction,
  AuctionWithBids,
  Fill,
  Market,
  MarketWithBook,
  NewApiKey,
  Order,
  Portfolio,
  Trade,
  Transfer,
} from './types';
import type { OrderBody } from './orderForm';
import { ExchangeSocket, type SocketState } from './ws';

/** Query keys of the page. */
export const exKeys = {
  all: ['ex'] as const,
  markets: ['ex', 'markets'] as const,
  market: (id: number) => ['ex', 'market', id] as const,
  trades: (id: number) => ['ex', 'trades', id] as const,
  accounts: ['ex', 'accounts'] as const,
  portfolio: (id: number) => ['ex', 'portfolio', id] as const,
  orders: ['ex', 'orders', 'live'] as const,
  transfers: ['ex', 'transfers'] as const,
  auctions: ['ex', 'auctions'] as const,
  auction: (id: number) => ['ex', 'auction', id] as const,
  apiKeys: (accountId: number) => ['ex', 'api-keys', accountId] as const,
};

/** Depth levels asked of the book. */
export const BOOK_LEVELS = 20;

/** Visible markets. */
export function useMarkets() {
  return useQuery({
    queryKey: exKeys.markets,
    queryFn: async () => (await unwrap(api.GET('/api/v1/exchange/markets'))).markets,
    // the socket pushes status changes and the selected market's top of book; the others' prices are polled
    refetchInterval: 10_000,
  });
}

/** One market with its book (null id: disabled). */
export function useMarket(id: number | null) {
  return useQuery({
    queryKey: exKeys.market(id ?? 0),
    enabled: id !== null,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/exchange/markets/{id}', { params: { path: { id: id! }, query: { levels: BOOK_LEVELS } } }),
      ),
  });
}

/** Recent trades of a market, newest first. */
export function useTrades(id: number | null) {
  return useQuery({
    queryKey: exKeys.trades(id ?? 0),
    enabled: id !== null,
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/exchange/markets/{id}/trades', { params: { path: { id: id! }, query: { limit: 50 } } }),
        )
      ).trades,
  });
}

/** The user's accounts (personal first). */
export function useAccounts() {
  return useQuery({
    queryKey: exKeys.accounts,
    queryFn: async () => (await unwrap(api.GET('/api/v1/exchange/accounts'))).accounts,
  });
}

/** An account's portfolio. */
export function usePortfolio(accountId: number | null) {
  return useQuery({
    queryKey: exKeys.portfolio(accountId ?? 0),
    enabled: accountId !== null,
    queryFn: () =>
      unwrap(api.GET('/api/v1/exchange/accounts/{id}/portfolio', { params: { path: { id: accountId! } } })),
  });
}

/** The user's live orders (every account), newest first. */
export function useLiveOrders() {
  return useQuery({
    queryKey: exKeys.orders,
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/exchange/orders', { params: { query: { live: 'true', limit: 500 } } }))).orders,
  });
}

/** Transfers into or out of the user's accounts, newest first. */
export function useTransfers() {
  return useQuery({
    queryKey: exKeys.transfers,
    queryFn: async () => (await unwrap(api.GET('/api/v1/exchange/transfers'))).transfers,
  });
}

/** Auctions, newest first. */
export function useAuctions() {
  return useQuery({
    queryKey: exKeys.auctions,
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/exchange/auctions', { params: { query: { limit: 100 } } }))).auctions,
  });
}

/** One auction with its bids (null: disabled). */
export function useAuction(id: number | null) {
  return useQuery({
    queryKey: exKeys.auction(id ?? 0),
    enabled: id !== null,
    queryFn: () => unwrap(api.GET('/api/v1/exchange/auctions/{id}', { params: { path: { id: id! } } })),
  });
}

/** Refreshes what a money movement changes: accounts, portfolios, orders, transfers, auctions. */
export function invalidateMoney(qc: QueryClient): void {
  for (const k of [exKeys.accounts, ['ex', 'portfolio'], exKeys.orders, exKeys.transfers, exKeys.auctions])
    void qc.invalidateQueries({ queryKey: k });
}

/** Places an order (REST, so field errors come back as an ApiError). */
export function usePlaceOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: OrderBody) => unwrap(api.POST('/api/v1/exchange/orders', { body })),
    onSuccess: (r) => {
      upsertOrder(qc, r.order);
      invalidateMoney(qc);
    },
  });
}

/** Cancels an order. */
export function useCancelOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/exchange/orders/{id}', { params: { path: { id } } })),
    onSuccess: (r) => {
      upsertOrder(qc, r.order);
      invalidateMoney(qc);
    },
  });
}

/** Amends a resting order's price and/or remaining size. */
export function useAmendOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { id: number; price?: string; size?: string }) =>
      unwrap(
        api.PATCH('/api/v1/exchange/orders/{id}', {
          params: { path: { id: a.id } },
          body: { ...(a.price ? { price: a.price } : {}), ...(a.size ? { size: a.size } : {}) },
        }),
      ),
    onSuccess: (r) => {
      upsertOrder(qc, r.order);
      invalidateMoney(qc);
    },
  });
}

/** Body of a transfer. */
export interface TransferInput {
  fromAccountId: number | null;
  toAccountId: number;
  amount: string;
  note?: string;
}

/** Moves cash between accounts (`fromAccountId` null: an admin mints). */
export function useTransfer() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (t: TransferInput) => unwrap(api.POST('/api/v1/exchange/transfers', { body: t })),
    onSuccess: () => invalidateMoney(qc),
  });
}

/** Creates an alt account. */
export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.POST('/api/v1/exchange/accounts', { body: { name } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: exKeys.accounts }),
  });
}

/** Adds a co-owner (by e-mail) to an account. */
export function useAddOwner() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { accountId: number; email: string }) =>
      unwrap(
        api.POST('/api/v1/exchange/accounts/{id}/owners', {
          params: { path: { id: a.accountId } },
          body: { email: a.email },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: exKeys.accounts }),
  });
}

/**
 * Removes an owner (by user id; oneself too) from a shared account. Refused with `last-owner` for the last owner
 * and `personal-account-owner` for the owner of a personal account.
 */
export function useRemoveOwner() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { accountId: number; userId: number }) =>
      unwrap(
        api.DELETE('/api/v1/exchange/accounts/{id}/owners/{userId}', {
          params: { path: { id: a.accountId, userId: a.userId } },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: exKeys.accounts }),
  });
}

/** An account's live API keys (no secrets), oldest first as the server lists them (null id: disabled). */
export function useApiKeys(accountId: number | null) {
  return useQuery({
    queryKey: exKeys.apiKeys(accountId ?? 0),
    enabled: accountId !== null,
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/exchange/accounts/{id}/api-keys', { params: { path: { id: accountId! } } }))).keys,
  });
}

/**
 * Creates an API key for the gateway. The answer carries the secret, the only time the server ever sends it: the
 * mutation's `data` holds it until `reset()` (the panel's "Done"), and it is never written to the query cache.
 */
export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { accountId: number; label?: string; permission: 'read' | 'trade' }) =>
      unwrap(
        api.POST('/api/v1/exchange/accounts/{id}/api-keys', {
          params: { path: { id: a.accountId } },
          body: { permission: a.permission, ...(a.label ? { label: a.label } : {}) },
        }),
      ),
    gcTime: 0, // dropped from the mutation cache as soon as the panel resets or unmounts
    onSuccess: (k) => void qc.invalidateQueries({ queryKey: exKeys.apiKeys(k.accountId) }),
  });
}

/** Revokes an API key at once (requests signed with it are refused from then on). */
export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { accountId: number; keyId: number }) =>
      unwrap(
        api.DELETE('/api/v1/exchange/accounts/{id}/api-keys/{keyId}', {
          params: { path: { id: a.accountId, keyId: a.keyId } },
        }),
      ),
    onSuccess: (k) =>
      qc.setQueryData<ApiKey[]>(exKeys.apiKeys(k.accountId), (prev) => prev?.filter((x) => x.id !== k.id)),
  });
}

/** Auction actions: create, bid, buy it now, cancel. Each refreshes the auctions and balances. */
export function useAuctionActions() {
  const qc = useQueryClient();
  const done = () => {
    void qc.invalidateQueries({ queryKey: ['ex', 'auction'] });
    invalidateMoney(qc);
  };
  return {
    create: useMutation({
      mutationFn: (b: {
        accountId: number;
        title: string;
        description?: string;
        minBid?: string;
        buyNowPrice?: string;
      }) => unwrap(api.POST('/api/v1/exchange/auctions', { body: b })),
      onSuccess: done,
    }),
    bid: useMutation({
      mutationFn: (b: { id: number; accountId: number; amount: string }) =>
        unwrap(
          api.POST('/api/v1/exchange/auctions/{id}/bids', {
            params: { path: { id: b.id } },
            body: { accountId: b.accountId, amount: b.amount },
          }),
        ),
      onSuccess: done,
    }),
    buy: useMutation({
      mutationFn: (b: { id: number; accountId: number }) =>
        unwrap(
          api.POST('/api/v1/exchange/auctions/{id}/buy', {
            params: { path: { id: b.id } },
            body: { accountId: b.accountId },
          }),
        ),
      onSuccess: done,
    }),
    cancel: useMutation({
      mutationFn: (id: number) =>
        unwrap(api.POST('/api/v1/exchange/auctions/{id}/cancel', { params: { path: { id } } })),
      onSuccess: done,
    }),
  };
}

/** Puts an order into the live-orders cache (or drops it once it is no longer live). */
export function upsertOrder(qc: QueryClient, o: Order): void {
  qc.setQueryData<Order[]>(exKeys.orders, (prev) => {
    if (!prev) return prev;
    const live = o.status === 'open' || o.status === 'pending';
    const rest = prev.filter((x) => x.id !== o.id);
    if (!live) return rest;
    const i = prev.findIndex((x) => x.id === o.id);
    if (i >= 0) return prev.map((x) => (x.id === o.id ? o : x));
    return [o, ...rest].sort((a, b) => b.id - a.id);
  });
  // a REST refetch in flight read the list before this update: cancelled, so it cannot bring the old state back
  if (qc.getQueryData(exKeys.orders) !== undefined) void qc.cancelQueries({ queryKey: exKeys.orders, exact: true });
}

// ---------------------------------------------------------------- the live socket

let socket: ExchangeSocket | null = null;
let users = 0;
let state: SocketState = 'closed';
const stateFns = new Set<() => void>();

function setState(s: SocketState): void {
  state = s;
  for (const fn of stateFns) fn();
}

/** The tab's exchange socket, opened while at least one component uses it (see {@link useExchangeLive}). */
function acquire(): ExchangeSocket {
  users++;
  if (!socket) {
    const s = new ExchangeSocket({ url: ExchangeSocket.defaultUrl() });
    socket = s;
    s.onState((st) => {
      if (socket === s) setState(st);
      if (st === 'reconnecting') void refreshSession(); // the upgrade needs a live access cookie (15 minutes)
    });
    setState(s.state);
  }
  return socket;
}

function release(): void {
  users--;
  if (users === 0) {
    socket?.close();
    socket = null;
    setState('closed');
  }
}

/** The exchange socket's state (`open`, `reconnecting`, …), re-rendering on change. */
export function useSocketState(): SocketState {
  return useSyncExternalStore(
    (fn) => {
      stateFns.add(fn);
      return () => stateFns.delete(fn);
    },
    () => state,
  );
}

/**
 * Keeps the page's queries live over `/ws/exchange`: the market list, the selected market's book and trades, the
 * user's live orders, the selected account's portfolio and the transfers; and the accounts over `/ws`'s
 * `ownership` events. Snapshots replace the cached data (also
 * after a reconnect); updates are merged in.
 */
export function useExchangeLive(marketId: number | null, accountId: number | null): void {
  const qc = useQueryClient();
  // an owner added to or removed from a shared account (`ownership` on /ws): the accounts and their owners change
  useLiveEvent('ownership', () => void qc.invalidateQueries({ queryKey: exKeys.accounts }));
  useEffect(() => {
    const s = acquire();
    const offs = [
      s.subscribe('markets', {
        snapshot: (ms) => qc.setQueryData<Market[]>(exKeys.markets, ms),
        update: (m) =>
          qc.setQueryData<Market[]>(exKeys.markets, (prev) =>
            prev?.some((x) => x.id === m.id)
              ? prev.map((x) => (x.id === m.id ? { ...x, ...m } : x))
              : [...(prev ?? []), m],
          ),
      }),
      s.subscribe('orders', {
        snapshot: (os) => qc.setQueryData<Order[]>(exKeys.orders, os),
        update: (o) => {
          upsertOrder(qc, o);
          void qc.invalidateQueries({ queryKey: exKeys.accounts });
        },
      }),
      s.subscribe('transfers', {
        snapshot: (ts) => qc.setQueryData<Transfer[]>(exKeys.transfers, ts),
        update: (t) => {
          qc.setQueryData<Transfer[]>(exKeys.transfers, (prev) =>
            prev ? [t, ...prev.filter((x) => x.id !== t.id)] : prev,
          );
          void qc.invalidateQueries({ queryKey: exKeys.accounts });
        },
      }),
    ];
    return () => {
      for (const off of offs) off();
      release();
    };
  }, [qc]);

  useEffect(() => {
    if (marketId === null) return;
    const s = acquire();
    const offs = [
      s.subscribe(
        `book:${marketId}`,
        {
          snapshot: (m) => qc.setQueryData<MarketWithBook>(exKeys.market(marketId), m),
          update: (m) => {
            qc.setQueryData<MarketWithBook>(exKeys.market(marketId), m);
            // the list's top of book follows the selected market's book
            const { book: _book, ...view } = m;
            qc.setQueryData<Market[]>(exKeys.markets, (prev) => prev?.map((x) => (x.id === m.id ? view : x)));
          },
        },
        BOOK_LEVELS,
      ),
      s.subscribe(`trades:${marketId}`, {
        snapshot: (ts) => qc.setQueryData<Trade[]>(exKeys.trades(marketId), ts.slice(0, 50)),
        update: (t) =>
          qc.setQueryData<Trade[]>(exKeys.trades(marketId), (prev) =>
            [{ id: 0, at: new Date().toISOString(), ...t } as Trade, ...(prev ?? [])].slice(0, 50),
          ),
      }),
    ];
    return () => {
      for (const off of offs) off();
      release();
    };
  }, [qc, marketId]);

  useEffect(() => {
    if (accountId === null) return;
    const s = acquire();
    // A REST refetch still in flight (after an order, say) read the portfolio before this message: cancelled, so
    // its older answer cannot overwrite the pushed one (set first: a cancel reverts to the last data set by hand).
    const push = (p: Portfolio): void => {
      qc.setQueryData<Portfolio>(exKeys.portfolio(accountId), p);
      void qc.cancelQueries({ queryKey: exKeys.portfolio(accountId), exact: true });
    };
    const off = s.subscribe(`portfolio:${accountId}`, {
      snapshot: push,
      update: (p) => {
        push(p);
        qc.setQueryData<Account[]>(exKeys.accounts, (prev) =>
          prev?.map((a) => (a.id === accountId ? { ...a, cash: p.cash, available: p.available } : a)),
        );
      },
    });
    return () => {
      off();
      release();
    };
  }, [qc, accountId]);
}

/**
 * The user's latest fills (at most 100, newest first; null until the first snapshot), live over the socket's
 * `fills` channel (the REST API has no fills route).
 */
export function useFills(): Fill[] | null {
  const [fills, setFills] = useState<Fill[] | null>(null);
  useEffect(() => {
    const s = acquire();
    const off = s.subscribe('fills', {
      snapshot: (f) => setFills(f),
      update: (f) => setFills((prev) => [f, ...(prev ?? [])].slice(0, 100)),
    });
    return () => {
      off();
      release();
    };
  }, []);
  return fills;
}

export type {
  Account,
  ApiKey,
  Auction,
  AuctionWithBids,
  Fill,
  Market,
  MarketWithBook,
  NewApiKey,
  Order,
  Portfolio,
  Trade,
  Transfer,
};
