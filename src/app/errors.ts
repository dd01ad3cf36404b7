/**
 * Typed errors of the application layer. Each carries a stable kebab-case `code`; `src/server/errors.ts` is the one
 * place that maps them to HTTP statuses. Expected business outcomes (a rule rejection) are values, not errors.
 */

/** One invalid field: a JSON path such as `stopLoss` or `tags.2`, and what is wrong with it. */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

/** Base class of Testudo's typed errors. */
export class TestudoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that fails validation, with field-level issues. */
export class ValidationError extends TestudoError {
  constructor(
    readonly issues: FieldIssue[],
    code = 'validation-failed',
  ) {
    super(code, issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
}

/** A referenced thing does not exist (or is not the caller's). */
export class NotFoundError extends TestudoError {}

/** The request conflicts with the current state (e.g. an Idempotency-Key reused with another body). */
export class ConflictError extends TestudoError {}

/** Missing or invalid credentials. */
export class AuthError extends TestudoError {}

/** The request is well-formed but cannot be carried out now (e.g. no market price yet). */
export class UnprocessableError extends TestudoError {}

/** A dependency (the exchange, the market data feed) is unavailable. */
export class UnavailableError extends TestudoError {}

/** The caller is authenticated but may not do this (e.g. an admin-only action). */
export class ForbiddenError extends TestudoError {}

/** Too many requests in a rate-limit class; the response carries `Retry-After`. */
export class RateLimitedError extends TestudoError {}
