/**
 * Strategy runs over REST (`/api/v1/strategies/runs`) and their event stream (`WS /ws/strategies/:id`).
 * (Being written: registers nothing yet.)
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';

/** Registers the strategy-run routes on `app`. */
export function strategyRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
