/**
 * How the Exchange page shows a failed request: next to a field when the server names one (or when its code
 * belongs to a field, e.g. `insufficient-balance` on a transfer's amount), otherwise as one line with its code.
 */
import { ApiError } from '@/api/client';

/** The message for `field` of a failed mutation: a field error, or a coded error that `codes` maps to it. */
export function fieldError(error: unknown, field: string, codes: Record<string, string> = {}): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const own = error.fieldError(field);
  if (own) return own;
  return codes[error.code] === field ? error.message : undefined;
}

/**
 * The one-line message of an error that is not shown next to a field (null when there is none, or when every
 * field error is shown by its field): `message (code)`.
 */
export function formError(
  error: unknown,
  shownFields: string[] = [],
  codes: Record<string, string> = {},
): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    if (codes[error.code]) return null;
    if (
      error.fields.length > 0 &&
      error.fields.every((f) => shownFields.some((s) => f.field === s || f.field.endsWith(`.${s}`)))
    )
      return null;
    const extra = error.fields.length ? `: ${error.fields.map((f) => `${f.field} ${f.message}`).join('; ')}` : '';
    return `${error.message}${extra} (${error.code})`;
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
