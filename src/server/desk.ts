/**
 * The Desk in the browser: the React app built by Vite into `dist/desk` (`npm run build:desk`, run by
 * `npm install`), served at `/` with a fallback to `index.html` for the app's own paths (`/trade`, `/trades/12`, …).
 * Paths under `/api/` and `/ws` never fall back. When the build is missing, `/` says how to build it, and
 * {@link ensureDeskBuilt} (called by `testudo serve`) builds it on first start.
 *
 * The exchange's first page used to live at `/desk/`; that address now redirects to the Desk's `/exchange`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The folder of the built Desk. */
export const DESK_DIST = fileURLToPath(new URL('../../dist/desk/', import.meta.url));
/** The Desk's sources (its Vite config is `desk/vite.config.ts`). */
export const DESK_SRC = fileURLToPath(new URL('../../desk/', import.meta.url));

/** Whether `dist/desk/index.html` exists. */
export function deskBuilt(): boolean {
  return existsSync(DESK_DIST + 'index.html');
}

/**
 * Builds the Desk with Vite when `dist/desk` is missing (a checkout installed without its `prepare` step).
 * Resolves to true when it built, false when a build was already there.
 * @throws Error when Vite is not installed or the build fails.
 */
export async function ensureDeskBuilt(log: (s: string) => void = () => {}): Promise<boolean> {
  if (deskBuilt()) return false;
  log('building the Desk (first start; `npm run build:desk` does the same)…');
  const vite = await import('vite');
  // Vite builds a development bundle (React's dev build, no service worker registration) whenever NODE_ENV is set
  // to anything but production, e.g. "test" under vitest: the Desk is always built for production here.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({ configFile: DESK_SRC + 'vite.config.ts', logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return true;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Testudo</title>
<p>The Desk is not built yet: run <code>npm run build:desk</code> (or restart <code>npm start</code>, which builds it).</p>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>`;

/** Serves the built Desk at `/` (with the app-path fallback); the old exchange page's `/desk/` redirects to it. */
export async function deskPlugin(app: FastifyInstance): Promise<void> {
  for (const p of ['/desk', '/desk/', '/desk/*'])
    app.get(p, { schema: { hide: true } }, async (_req, reply) => reply.redirect('/exchange', 301));
  const built = deskBuilt();
  if (built)
    await app.register(fastifyStatic, {
      root: DESK_DIST,
      prefix: '/',
      wildcard: false,
      index: false,
      setHeaders: (res, path) => {
        if (path.includes('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    });
  let index: string | null = null;
  const page = async (): Promise<string> => {
    if (!deskBuilt()) return NOT_BUILT;
    index ??= await readFile(DESK_DIST + 'index.html', 'utf8');
    return index;
  };
  const serveIndex = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await page());
  app.get('/', { schema: { hide: true } }, serveIndex);
  for (const p of [
    '/trade',
    '/positions',
    '/overview',
    '/trades',
    '/trades/*',
    '/journal',
    '/strategies',
    '/strategies/*',
    '/account',
    '/exchange',
    '/admin',
    '/login', // where a failed OpenID Connect login lands: /login?error=<code>
  ])
    app.get(p, { schema: { hide: true } }, serveIndex);
}
