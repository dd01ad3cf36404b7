/**
 * The parity report of a strategy run over REST (`GET /api/v1/strategies/runs/:id/parity`).
 * (Being written: registers nothing yet.)
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';

/** Registers the parity route on `app`. */
export function parityRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
