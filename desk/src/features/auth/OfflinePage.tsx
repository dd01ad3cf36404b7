/**
 * What the Desk shows when the server cannot be reached while it checks the session (`GET /auth/me` failed with
 * `server-unreachable`): the app shell from the service worker's cache, the offline banner and a retry, instead of
 * an error page. It retries by itself every few seconds and when the browser goes back online.
 */
import { useEffect } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';

/** Props of {@link OfflinePage}. */
export interface OfflinePageProps {
  /** Asks the server again (the session query's refetch). */
  retry(): unknown;
  /** Seconds between automatic retries, default 5. */
  every?: number;
}

/** The offline shell (see the module comment). */
export function OfflinePage({ retry, every = 5 }: OfflinePageProps) {
  useEffect(() => {
    const t = setInterval(retry, every * 1000);
    globalThis.addEventListener('online', retry);
    return () => {
      clearInterval(t);
      globalThis.removeEventListener('online', retry);
    };
  }, [retry, every]);
  return (
    <div className="flex min-h-full flex-col">
      <header className="border-b border-border bg-panel">
        <div className="flex items-center gap-1.5 px-3 py-2 font-semibold">
          <img src="/icon.svg" alt="" className="h-5 w-5" />
          <span>Testudo</span>
        </div>
        <div role="status" className="bg-loss/15 px-3 py-1.5 text-center text-xs text-loss">
          Offline: the Testudo server cannot be reached. Retrying…
        </div>
      </header>
      <main className="flex flex-1 items-start justify-center p-4">
        <Card className="w-full max-w-md p-4 text-sm">
          <h1 className="mb-2 text-base font-semibold">The server is unreachable</h1>
          <p className="mb-3 text-muted">
            The Desk opened from this device&apos;s cache, but signing in, prices, orders and your journal need the
            Testudo server. Check your connection or that the server is running; the Desk reconnects by itself.
          </p>
          <Button variant="outline" onClick={retry}>
            Try again now
          </Button>
        </Card>
      </main>
    </div>
  );
}
