/**
 * Secrets never reach the request log: the URL serializer (`./log-redact.ts`) on its own, and the server's real pino
 * log of a request carrying an API token in `?token=`, an OpenID Connect code and a listen key in the path.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';
import { redactUrl } from './log-redact.ts';

describe('the request log', () => {
  it('blanks token, code, state and other secret parameters and a listen key, keeping the rest of the URL', () => {
    expect(redactUrl('/ws?token=tdo_abc123&x=1')).toBe('/ws?token=[redacted]&x=1');
    expect(redactUrl('/api/v1/auth/oidc/callback?code=c0de&state=s7&iss=https%3A%2F%2Fidp')).toBe(
      '/api/v1/auth/oidc/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp',
    );
    expect(redactUrl('/ws?TOKEN=a&Token=b')).toBe('/ws?TOKEN=[redacted]&Token=[redacted]');
    expect(redactUrl('/binance/ws/pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a8')).toBe('/binance/ws/[redacted]');
    expect(redactUrl('/binance/ws/btcusdt@trade')).toBe('/binance/ws/btcusdt@trade');
    expect(redactUrl('/api/v1/trades?status=open&limit=5')).toBe('/api/v1/trades?status=open&limit=5');
    expect(redactUrl('/x?%ZZ=1&token')).toBe('/x?%ZZ=1&token');
  });

  describe('of a real server at level info', () => {
    let ctx: AppContext;
    let app: FastifyInstance;
    const lines: string[] = [];
    beforeAll(async () => {
      ctx = await createContext({ sql: await openTestDatabase() });
      const stream = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      app = await buildServer(ctx, { logger: { level: 'info', stream } });
    });
    afterAll(async () => {
      await app?.close();
      await ctx?.close();
    });

    it('logs each request with its URL but never the token or code it carried', async () => {
      const token = 'tdo_supersecretvalue0123456789';
      await app.inject({ method: 'GET', url: `/api/v1/health?token=${token}` });
      await app.inject({ method: 'GET', url: '/api/v1/auth/oidc/callback?code=onetimecode42&state=st4te' });
      const log = lines.join('');
      expect(log).toContain('/api/v1/health?token=[redacted]');
      expect(log).toContain('"incoming request"');
      for (const secret of [token, 'onetimecode42', 'st4te']) expect(log).not.toContain(secret);
    });
  });
});
