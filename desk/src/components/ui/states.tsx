import type { ReactNode } from 'react';
import { ApiError } from '@/api/client';

/** A loading placeholder. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="p-4 text-sm text-muted">
      {label}
    </div>
  );
}

/** A failed request, shown as a message (never a blank page), with an optional retry. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const msg =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : 'Something went wrong';
  return (
    <div role="alert" className="m-3 rounded-md border border-loss/40 bg-loss/10 p-3 text-sm text-loss">
      {msg}
      {retry ? (
        <button type="button" className="ml-3 underline" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Nothing to show yet, with what to do about it. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="p-6 text-center text-sm text-muted">{children}</div>;
}
