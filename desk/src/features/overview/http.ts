/**
 * Untyped GET/POST/PATCH/DELETE through the Desk's API client (same middleware: connection state, errors become
 * `ApiError`), for the routes of the Overview, Trades and Journal pages whose reply is not (yet) typed in the
 * generated schema. Each feature's `api.ts` narrows the reply to the documented shape; the cast happens only here.
 */
import { api, unwrap } from '@/api/client';
import type { paths } from '@/api/schema';

/** A query string as plain values (undefined and empty strings are left out). */
export type Query = Record<string, string | number | boolean | undefined>;

type Result = Promise<{ data?: unknown; error?: unknown; response: Response }>;
interface UntypedClient {
  GET(path: string, init?: { params?: { query?: Query } }): Result;
  POST(path: string, init?: { body?: unknown }): Result;
  PATCH(path: string, init?: { body?: unknown }): Result;
  DELETE(path: string, init?: Record<string, never>): Result;
}

const raw = api as unknown as UntypedClient;

/** Drops undefined and empty values so they do not reach the server's strict query schemas. */
export function cleanQuery(q: Query | undefined): Query {
  const out: Query = {};
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** `GET path?query` → the reply as `T`. @throws ApiError on a non-2xx answer or when the server is unreachable. */
export function getJson<T>(path: string, query?: Query): Promise<T> {
  return unwrap(raw.GET(path, { params: { query: cleanQuery(query) } })) as Promise<T>;
}

/** `POST|PATCH path` with a JSON body → the reply as `T`. @throws ApiError as {@link getJson}. */
export function sendJson<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
  return unwrap(method === 'POST' ? raw.POST(path, { body }) : raw.PATCH(path, { body })) as Promise<T>;
}

/** `DELETE path`. @throws ApiError as {@link getJson}. */
export async function deleteJson(path: string): Promise<void> {
  await unwrap(raw.DELETE(path, {}));
}

/**
 * The JSON reply of `method` on `path` with status `status`, as generated from the server's response schemas
 * (`desk/src/api/schema.d.ts`): `Reply<'/api/v1/journal/stats'>`. `never` when the route declares none.
 */
export type Reply<
  P extends keyof paths,
  M extends 'get' | 'post' | 'patch' | 'put' | 'delete' = 'get',
  S extends number = 200,
> = paths[P][M] extends { responses: infer R }
  ? R extends Record<S, { content: { 'application/json': infer J } }>
    ? J
    : never
  : never;
