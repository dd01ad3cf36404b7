/**
 * Server state of the exchange connections (`/api/v1/connections`): list, create (the server tests the credentials
 * with the venue first; a refusal is 422 `invalid-credentials` with the venue's reason and nothing is stored), test,
 * disable/enable, delete (409 `connection-has-open-trades`), the venue's markets (the Trade page's symbol list) and
 * a history import (`POST /connections/:id/import`, progress over `import-progress`/`import-complete`). Types come
 * from the generated OpenAPI `paths`; credentials go in and never come back.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/api/client';
import type { paths } from '@/api/schema';
import type { ConnectionBody } from './connectionsForm';

/**
 * A connection as its owner sees it (`GET /api/v1/connections`). `balance` (the risk account's balance in
 * `currency`) is shown when the server sends it.
 */
export type Connection =
  paths['/api/v1/connections']['get']['responses'][200]['content']['application/json']['connections'][number] & {
    balance?: string | null;
  };

/** One balance of the venue account (`POST /connections/:id/test`), decimal text. */
export interface VenueBalance {
  asset: string;
  free: string;
  used: string;
  total: string;
}

/** A market of a connection's venue (`GET /connections/:id/markets`): symbol and instrument rules, decimal text. */
export type VenueMarket =
  paths['/api/v1/connections/{id}/markets']['get']['responses'][200]['content']['application/json']['markets'][number];

/** Query keys of the connections. */
export const CKEYS = {
  list: ['connections'] as const,
  markets: (id: number) => ['connections', id, 'markets'] as const,
  imports: (id: number) => ['connections', id, 'imports'] as const,
};

const at = (id: number) => ({ params: { path: { id } } });

/** The user's exchange connections. */
export function useConnections() {
  return useQuery({
    queryKey: CKEYS.list,
    queryFn: async (): Promise<Connection[]> => (await unwrap(api.GET('/api/v1/connections'))).connections,
  });
}

/** The markets of connection `id` (none when `id` is null). */
export function useConnectionMarkets(id: number | null) {
  return useQuery({
    queryKey: CKEYS.markets(id ?? 0),
    enabled: id !== null,
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<VenueMarket[]> =>
      (await unwrap(api.GET('/api/v1/connections/{id}/markets', at(id!)))).markets,
  });
}

function useRefresh() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: CKEYS.list });
}

/**
 * Adds a connection. @throws ApiError: 400 with field errors (`label`, `credentials.apiKey`, …), 409 for a label
 * already used, 422 `invalid-credentials` with the venue's reason.
 */
export function useCreateConnection() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (body: ConnectionBody): Promise<Connection> => unwrap(api.POST('/api/v1/connections', { body })),
    onSuccess: refresh,
  });
}

/** Tests a connection's credentials with its venue: the venue account's balances, or an ApiError with its reason. */
export function useTestConnection() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: number): Promise<VenueBalance[]> =>
      (await unwrap(api.POST('/api/v1/connections/{id}/test', at(id)))).balances,
    onSettled: refresh,
  });
}

/** Disables (`enable` false) or enables a connection: no new trade goes through a disabled one. */
export function useSetConnectionStatus() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, enable }: { id: number; enable: boolean }): Promise<Connection> =>
      enable
        ? unwrap(api.POST('/api/v1/connections/{id}/enable', at(id)))
        : unwrap(api.POST('/api/v1/connections/{id}/disable', at(id))),
    onSuccess: refresh,
  });
}

/** Deletes a connection. @throws ApiError 409 `connection-has-open-trades` while trades through it are live. */
export function useDeleteConnection() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: number): Promise<void> => {
      await unwrap(api.DELETE('/api/v1/connections/{id}', at(id)));
    },
    onSuccess: refresh,
  });
}

/** A history import job of a connection (`GET /connections/:id/imports`): status and counts so far. */
export type ImportJob =
  paths['/api/v1/connections/{id}/imports']['get']['responses'][200]['content']['application/json']['imports'][number];

/** The connection's import jobs, newest first as the server lists them. */
export function useImports(id: number) {
  return useQuery({
    queryKey: CKEYS.imports(id),
    queryFn: async (): Promise<ImportJob[]> =>
      (await unwrap(api.GET('/api/v1/connections/{id}/imports', at(id)))).imports,
  });
}

/** Enqueues a history import of the last 90 days of the connection's fills (202: the queued job). */
export function useImportHistory() {
  return useMutation({
    mutationFn: async (id: number): Promise<ImportJob> =>
      (await unwrap(api.POST('/api/v1/connections/{id}/import', { ...at(id), body: { days: 90 } }))).import,
  });
}
