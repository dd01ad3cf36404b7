/**
 * API tokens for scripts and the CLI: create one (its secret is shown once, with a copy button), list them with
 * their creation time, revoke one (after a confirmation).
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { useCreateToken, useRevokeToken, useTokens, type ApiTokenInfo, type CreatedToken } from './api';

/** The API tokens section. */
export function TokensSection() {
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [name, setName] = useState('');
  const [shown, setShown] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenInfo | null>(null);
  const err = create.error instanceof ApiError ? create.error : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCopied(null);
    create.mutate(name.trim() || 'api', {
      onSuccess: (t) => {
        setShown(t);
        setName('');
      },
    });
  };
  const copy = async () => {
    if (!shown) return;
    try {
      await navigator.clipboard.writeText(shown.token);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser did not allow copying: select the token and copy it by hand.');
    }
  };

  return (
    <Card>
      <CardHeader title="API tokens" />
      <div className="flex flex-col gap-3 p-3">
        <p className="text-sm text-muted">
          A token lets a script or the <code>testudo</code> CLI act as you: send it as{' '}
          <code className="break-all">Authorization: Bearer &lt;token&gt;</code>. Revoke it when it is no longer used.
        </p>
        <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-2">
          <Field
            label="Token name"
            error={err?.fieldError('name') ?? (err && err.fields.length === 0 ? err.message : undefined)}
            className="min-w-0 flex-1"
          >
            {(ids) => (
              <Input
                {...ids}
                value={name}
                maxLength={80}
                placeholder="e.g. backtest script"
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" disabled={create.isPending}>
            Create token
          </Button>
        </form>
        {shown ? (
          <div className="rounded-md border border-accent/50 bg-accent/10 p-3 text-sm" data-testid="new-token">
            <p className="mb-1 font-medium">Token “{shown.name}” created. Copy it now: it is shown only once.</p>
            <div className="flex flex-wrap items-center gap-2">
              <code className="num min-w-0 flex-1 break-all rounded bg-panel px-2 py-1 text-xs" aria-label="New token">
                {shown.token}
              </code>
              <Button size="sm" variant="outline" onClick={() => void copy()}>
                Copy
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setShown(null)}>
                I have stored it
              </Button>
            </div>
            {copied ? (
              <p role="status" className="mt-1 text-xs text-muted">
                {copied}
              </p>
            ) : null}
          </div>
        ) : null}
        {tokens.isPending ? (
          <Loading />
        ) : tokens.isError ? (
          <ErrorState error={tokens.error} retry={() => void tokens.refetch()} />
        ) : tokens.data.length === 0 ? (
          <Empty>No API tokens yet.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" aria-label="API tokens">
              <thead>
                <tr className="border-b border-border text-left text-xs text-muted">
                  <th className="px-2 py-1.5 font-medium">Name</th>
                  <th className="px-2 py-1.5 font-medium">Created (UTC)</th>
                  <th className="px-2 py-1.5" />
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((t) => (
                  <tr key={t.id} className="border-b border-border last:border-0">
                    <td className="px-2 py-1.5">{t.name || '–'}</td>
                    <td className="num px-2 py-1.5 text-muted">{utc(t.createdAt)}</td>
                    <td className="px-2 py-1.5 text-right">
                      <Button size="sm" variant="danger" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <Dialog
        open={revoking !== null}
        onOpenChange={(o) => {
          if (!o) {
            setRevoking(null);
            revoke.reset();
          }
        }}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        description="Scripts using this token stop working at once. This cannot be undone."
      >
        {revoke.error ? <ErrorState error={revoke.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setRevoking(null)}>
            Keep it
          </Button>
          <Button
            variant="danger"
            disabled={revoke.isPending}
            onClick={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
          >
            Revoke token
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}
