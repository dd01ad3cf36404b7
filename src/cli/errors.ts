/**
 * The CLI's errors: every failure of a command is printed as one line on stderr,
 * `testudo <command>: <code>: <message>`, with exit code 1 for bad input (a missing or malformed file, a refusal by
 * the server, a database in use) and 2 for usage errors (an unknown option, a missing or invalid option value).
 */

import { stat } from 'node:fs/promises';

/** Exit code of a failed command: 1 bad input, 2 usage error. */
export type ExitCode = 1 | 2;

/** A failure meant for the terminal: a stable kebab-case `code`, a message, the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /**
   * @param code stable kebab-case reason, e.g. `file-not-found`, `invalid-option`.
   * @param message what went wrong and, where possible, what to do.
   * @param exitCode 1 (bad input, the default) or 2 (usage error).
   */
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = 1,
  ) {
    super(message);
  }
}

/** A usage error (exit code 2) about one option: code `invalid-option` unless given. */
export function usageError(message: string, code = 'invalid-option'): CliError {
  return new CliError(code, message, 2);
}

/** Node's file-system error codes and the CLI codes they become. */
const FS_CODES: Record<string, [string, string]> = {
  ENOENT: ['file-not-found', 'no such file'],
  EISDIR: ['file-unreadable', 'is a directory, not a file'],
  EACCES: ['permission-denied', 'permission denied'],
  EPERM: ['permission-denied', 'operation not permitted'],
  ENOTDIR: ['file-not-found', 'a component of the path is not a directory'],
  EADDRINUSE: ['port-in-use', 'the address is already in use (another server on that port?)'],
  EADDRNOTAVAIL: ['invalid-option', 'the address is not available on this machine'],
};

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * The code, message and exit code of any thrown value: a {@link CliError} as it is; a Node system error
 * (`ENOENT` → `file-not-found` naming the path, `EADDRINUSE` → `port-in-use`, ...); an error carrying a kebab-case
 * `code` (CandleFormatError, DatabaseInUseError, BacktestError, ...) with that code; anything else `error`.
 */
export function describeError(e: unknown): { code: string; message: string; exitCode: ExitCode } {
  if (e instanceof CliError) return { code: e.code, message: e.message, exitCode: e.exitCode };
  if (e instanceof Error) {
    const sys = e as NodeJS.ErrnoException & { address?: string; port?: number };
    const mapped = typeof sys.code === 'string' ? FS_CODES[sys.code] : undefined;
    if (mapped) {
      const what = sys.path ?? (sys.port !== undefined ? `${sys.address ?? ''}:${sys.port}` : undefined);
      return { code: mapped[0], message: what ? `${what}: ${mapped[1]}` : `${mapped[1]}`, exitCode: 1 };
    }
    if (typeof sys.code === 'string' && KEBAB.test(sys.code))
      return { code: sys.code, message: e.message, exitCode: 1 };
    return { code: 'error', message: e.message, exitCode: 1 };
  }
  return { code: 'error', message: String(e), exitCode: 1 };
}

/** The error line `testudo <command>: <code>: <message>` (no newline). */
export function formatError(command: string, code: string, message: string): string {
  return `testudo${command ? ` ${command}` : ''}: ${code}: ${message}`;
}

/**
 * Checks that `path` is an existing regular file.
 * @param flag the option that named it, for the message (e.g. `--replay`); omitted for a positional argument.
 * @throws CliError `file-not-found` (exit 1) when it does not exist, `file-unreadable` when it is not a file.
 */
export async function checkReadableFile(path: string, flag?: string): Promise<void> {
  const what = flag ? `${flag} ${path}` : path;
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new CliError('file-not-found', `${what}: no such file`);
    throw new CliError('file-unreadable', `${what}: ${(e as Error).message}`);
  }
  if (!s.isFile()) throw new CliError('file-unreadable', `${what}: not a file`);
}
