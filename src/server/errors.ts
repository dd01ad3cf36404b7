/**
 * The one place where errors become HTTP responses. Every error body has the same shape:
 * `{ error: { code, message, fields? } }` with a stable kebab-case `code`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  AuthError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TestudoError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type FieldIssue,
} from '../app/errors.ts';
import { BreakerOpenError } from '../core/risk/breaker.ts';
import { BacktestError } from '../core/backtest/types.ts';
import { OptimizeError } from '../optimize/grid.ts';

/** HTTP status of each typed error class. */
export function statusOf(e: unknown): number {
  if (e instanceof ValidationError) return 400;
  if (e instanceof AuthError) return 401;
  if (e instanceof ForbiddenError) return 403;
  if (e instanceof RateLimitedError) return 429;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof ConflictError) return 409;
  if (e instanceof UnprocessableError) return 422;
  if (e instanceof UnavailableError || e instanceof BreakerOpenError) return 503;
  if (e instanceof OptimizeError) return 400;
  if (e instanceof BacktestError) return 422;
  return 500;
}

interface ZodIssueLike {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: string[]; input?: unknown };
}

/** zod issue codes → the stable field codes of the API (REST and WebSocket alike). */
export const ZOD_ISSUE_CODES: Record<string, string> = {
  invalid_type: 'invalid-type',
  invalid_value: 'invalid-value',
  invalid_format: 'invalid-format',
  invalid_union: 'invalid-type',
  too_small: 'too-small',
  too_big: 'too-big',
  not_multiple_of: 'invalid-value',
  custom: 'invalid-value',
};

/**
 * True when the request part `source` lacks the property at `segments` (its parent is an object without it). zod
 * does not report the input of an issue, so a missing field is recognised from the request itself.
 */
function isAbsent(source: unknown, segments: string[]): boolean {
  if (segments.length === 0) return false;
  let cur = source;
  for (const key of segments) {
    if (typeof cur !== 'object' || cur === null) return false;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === undefined;
}

/** Turns the zod issues of a failed request validation into field-level issues with stable codes. */
function zodIssues(validation: ZodIssueLike[], context: string | undefined, source: unknown): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const v of validation) {
    const segments = (v.instancePath ?? '').split('/').filter((s) => s !== '');
    const path = segments.join('.');
    const prefix = path ? `${path}.` : '';
    if (v.keyword === 'unrecognized_keys') {
      for (const k of v.params?.keys ?? [])
        out.push({ field: prefix + k, code: 'unknown-field', message: `unknown field "${k}"` });
      continue;
    }
    const missing =
      (v.keyword === 'invalid_type' && v.params !== undefined && 'input' in v.params && v.params.input === undefined) ||
      isAbsent(source, segments);
    out.push({
      field: path || context || 'body',
      code: missing ? 'required' : (ZOD_ISSUE_CODES[v.keyword ?? ''] ?? 'invalid-value'),
      message: missing ? 'is required' : (v.message ?? 'is invalid'),
    });
  }
  return out;
}

/** The 404 for an unknown route, in the same error shape. */
export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  reply
    .code(404)
    .send({ error: { code: 'route-not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}

/** Fastify error handler: typed errors → their status; validation → 400 with fields; anything else → 500. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as FastifyError).validationContext;
    const source = { body: req.body, querystring: req.query, params: req.params, headers: req.headers }[
      context ?? 'body'
    ];
    const fields = zodIssues(err.validation as unknown as ZodIssueLike[], context, source);
    reply.code(400).send({
      error: { code: 'validation-failed', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields },
    });
    return;
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
    reply
      .code(400)
      .send({ error: { code: 'malformed-json', message: `the request body is not valid JSON: ${err.message}` } });
    return;
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    reply
      .code(415)
      .send({ error: { code: 'unsupported-media-type', message: 'send JSON with Content-Type: application/json' } });
    return;
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    reply.code(400).send({ error: { code: 'empty-body', message: 'the request body is empty; send a JSON object' } });
    return;
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    reply.code(413).send({ error: { code: 'body-too-large', message: 'the request body is too large' } });
    return;
  }
  if (err instanceof TestudoError || err instanceof BreakerOpenError) {
    const status = statusOf(err);
    const code = err instanceof TestudoError ? err.code : 'circuit-breaker-open';
    const body: Record<string, unknown> = { code, message: err.message };
    if (err instanceof ValidationError) body.fields = err.issues;
    if (err instanceof BreakerOpenError)
      reply.header('retry-after', Math.max(1, Math.ceil((err.retryAt - Date.now()) / 1000)));
    reply.code(status).send({ error: body });
    return;
  }
  if (err instanceof OptimizeError) {
    // a grid, constraint or statistic refused: a validation failure of one field
    const fields = [{ field: err.field, code: err.code, message: err.message }];
    reply.code(400).send({ error: { code: 'validation-failed', message: `${err.field}: ${err.message}`, fields } });
    return;
  }
  if (err instanceof BacktestError) {
    reply.code(statusOf(err)).send({ error: { code: err.code, message: err.message } });
    return;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    reply.code(fe.statusCode).send({ error: { code: 'bad-request', message: err.message } });
    return;
  }
  req.log.error({ err }, 'unexpected error');
  reply
    .code(500)
    .send({ error: { code: 'internal-error', message: 'an unexpected error occurred; it has been logged' } });
}
