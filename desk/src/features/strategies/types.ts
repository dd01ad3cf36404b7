/**
 * Strategy-run shapes, from the generated OpenAPI types (`desk/src/api/schema.d.ts`, `npm run gen:api`), so they
 * follow the server's schemas (src/server/strategy-routes.ts, parity-routes.ts).
 */
import type { paths } from '@/api/schema';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

/** A strategy run with its live statistics (`GET /api/v1/strategy-runs/:id`). */
export type Run = Json<paths['/api/v1/strategy-runs/{id}']['get']['responses'][200]>;

/** Live statistics of a run. */
export type RunStats = Run['stats'];

/** A page of a run's events (`GET /api/v1/strategy-runs/:id/events`), oldest first; `next` is the next `after`. */
export type EventsPage = Json<paths['/api/v1/strategy-runs/{id}/events']['get']['responses'][200]>;

/** One thing a run did (signal, decision, order, fill, status). */
export type RunEvent = EventsPage['events'][number];

/** Body of `POST /api/v1/strategy-runs`. */
export type StartBody = Json<NonNullable<paths['/api/v1/strategy-runs']['post']['requestBody']>>;

/** A run's parity report (`GET /api/v1/strategy-runs/:id/parity`). */
export type ParityReport = Json<paths['/api/v1/strategy-runs/{id}/parity']['get']['responses'][200]>;

/** The built-in strategies a run can host on the server (`GET /api/v1/builtin-strategies`). */
export type BuiltinStrategies = Json<paths['/api/v1/builtin-strategies']['get']['responses'][200]>['strategies'];
