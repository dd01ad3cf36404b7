/**
 * The exchange desk: the static single-page app in `desk/` (plain HTML, CSS and ES modules, no build step) served
 * at `/desk/`, with `GET /` redirecting there. The page talks to the REST API and the WebSocket `/ws/exchange`.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The folder of the desk's static files. */
export const DESK_ROOT = fileURLToPath(new URL('../../desk/', import.meta.url));

/** Serves `desk/` at `/desk/` and redirects `/` (and `/desk`) there. */
export async function deskPlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: DESK_ROOT, prefix: '/desk/', redirect: true, index: 'index.html' });
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('/desk/'));
}
