/**
 * Test helper: the `ws` client for the server tests that open real WebSockets (`ws` has no type declarations
 * installed here, so this types the little the tests use).
 */
import { createRequire } from 'node:module';

/** A client socket of `ws`, as the tests use it. */
export interface TestSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}

/** `new TestWebSocket(url, { headers })`: a `ws` client connecting to `url` (ws://…) with extra request headers. */
export const TestWebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  o?: { headers?: Record<string, string> },
) => TestSocket;
