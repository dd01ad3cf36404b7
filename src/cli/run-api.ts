/**
 * The HTTP calls of `testudo run` and `testudo parity` to a running server: JSON in and out with the API token, a
 * refusal turned into a {@link CliError} (exit code 1) that prints the server's code, message and failed fields.
 */
import { call, type ClientFlags } from './client.ts';
import { CliError } from './errors.ts';

/** A server's error reply as a {@link CliError}: its code and message, then one indented line per failed field. */
export function replyError(status: number, json: Record<string, unknown>): CliError {
  const err = (json.error ?? {}) as {
    code?: string;
    message?: string;
    fields?: { field: string; code?: string; message: string }[];
  };
  const details = (err.fields ?? []).map((x) => `  ${x.field}: ${x.code ? `${x.code}: ` : ''}${x.message}`);
  return new CliError(
    err.code ?? 'server-error',
    [err.message ?? `the server answered ${status}`, ...details].join('\n'),
  );
}

/**
 * One request; answers the JSON body of a 2xx reply (and the status).
 * @throws CliError the server's refusal (see {@link replyError}); `missing-token`, `server-unreachable`,
 *   `bad-response` from the client.
 */
export async function api<T = Record<string, unknown>>(
  f: ClientFlags,
  method: string,
  path: string,
  body?: unknown,
  ok: (status: number) => boolean = (s) => s < 300,
): Promise<{ status: number; json: T }> {
  const r = await call(f, method, path, body);
  if (!ok(r.status)) throw replyError(r.status, r.json);
  return { status: r.status, json: r.json as T };
}
