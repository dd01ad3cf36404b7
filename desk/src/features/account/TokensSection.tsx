/**
 * API tokens for scripts and the CLI: create one with its scopes (read, trade, and admin for admins) and an optional
 * expiry (its secret is shown once, with a copy button), list them with scopes, creation, expiry and last use (time
 * and address), revoke one (after a confirmation).
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { useMe } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyRow } from '@/components/ui/copy-row';
import { Field, Input, Select } from '@/components/ui/input';
import { ListTable, QueryList, type ListColumn } from '@/components/ui/list-table';
import { utc } from '@/lib/format';
import {
  useCreateToken,
  useRevokeToken,
  useTokens,
  type ApiTokenInfo,
  type CreatedToken,
  type TokenScope,
} from './api';

/** The scopes offered, with what each lets a token do. */
const SCOPES: { scope: TokenScope; label: string; hint: string; adminOnly?: boolean }[] = [
  { scope: 'read', label: 'Read', hint: 'GET requests and live streams' },
  { scope: 'trade', label: 'Trade', hint: 'place, change and cancel; every other change' },
  { scope: 'admin', label: 'Admin', hint: 'admin-only actions', adminOnly: true },
];

/** Expiry choices, in days ('' never expires). */
const EXPIRIES: { value: string; label: string }[] = [
  { value: '', label: 'Never' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
];

/** The columns of the token list. */
const COLUMNS: ListColumn<ApiTokenInfo>[] = [
  { header: 'Name', cell: (t) => t.name || '–' },
  { header: 'Scopes', cell: (t) => t.scopes.join(', ') },
  { header: 'Created (UTC)', cell: (t) => utc(t.createdAt), className: 'num text-muted' },
  {
    header: 'Expires (UTC)',
    cell: (t) =>
      t.expired ? (
        <span className="text-loss">expired {utc(t.expiresAt)}</span>
      ) : t.expiresAt ? (
        utc(t.expiresAt)
      ) : (
        'never'
      ),
    className: 'num text-muted',
  },
  {
    header: 'Last used (UTC)',
    cell: (t) =>
      t.lastUsedAt ? (
        <>
          {utc(t.lastUsedAt)}
          {t.lastUsedAddress ? <span className="block text-xs">{t.lastUsedAddress}</span> : null}
        </>
      ) : (
        'never'
      ),
    className: 'num text-muted',
  },
];

/** The API tokens section. */
export function TokensSection() {
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const me = useMe();
  const isAdmin = Boolean((me.data?.user as { isAdmin?: boolean } | undefined)?.isAdmin);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read', 'trade']);
  const [expiry, setExpiry] = useState('');
  const [shown, setShown] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenInfo | null>(null);
  const err = create.error instanceof ApiError ? create.error : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        name: name.trim() || 'api',
        scopes,
        ...(expiry === '' ? {} : { expiresInDays: Number(expiry) }),
      },
      {
        onSuccess: (t) => {
          setShown(t);
          setName('');
        },
      },
    );
  };
  const toggle = (scope: TokenScope, on: boolean) =>
    setScopes((cur) => SCOPES.map((s) => s.scope).filter((s) => (s === scope ? on : cur.includes(s))));
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
          <Field label="Expires" className="w-32">
            {(ids) => (
              <Select {...ids} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
                {EXPIRIES.map((x) => (
                  <option key={x.value} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <fieldset className="flex w-full flex-wrap items-center gap-x-4 gap-y-1">
            <legend className="mb-1 text-xs font-medium text-muted">Scopes</legend>
            {SCOPES.filter((s) => !s.adminOnly || isAdmin).map((s) => (
              <label key={s.scope} className="flex items-center gap-1.5 text-sm" title={s.hint}>
                <input
                  type="checkbox"
                  checked={scopes.includes(s.scope)}
                  onChange={(e) => toggle(s.scope, e.target.checked)}
                />
                {s.label}
                <span className="text-xs text-muted">({s.hint})</span>
              </label>
            ))}
          </fieldset>
          {err?.fieldError('scopes') ? (
            <p role="alert" className="w-full text-xs text-loss">
              {err.fieldError('scopes')}
            </p>
          ) : null}
          <Button type="submit" disabled={create.isPending || scopes.length === 0}>
            Create token
          </Button>
        </form>
        {shown ? (
          <div className="rounded-md border border-accent/50 bg-accent/10 p-3 text-sm" data-testid="new-token">
            <p className="mb-1 font-medium">
              Token “{shown.name}” ({shown.scopes.join(', ')}
              {shown.expiresAt ? `, expires ${utc(shown.expiresAt)} UTC` : ''}) created. Copy it now: it is shown only
              once.
            </p>
            <CopyRow key={shown.token} label="New token" value={shown.token} copyLabel="Copy" />
            <div className="mt-2 flex justify-end">
              <Button size="sm" variant="ghost" onClick={() => setShown(null)}>
                I have stored it
              </Button>
            </div>
          </div>
        ) : null}
        <QueryList query={tokens} empty="No API tokens yet.">
          {(rows) => (
            <ListTable
              label="API tokens"
              rows={rows}
              rowKey={(t) => t.id}
              columns={COLUMNS}
              action={(t) => (
                <Button size="sm" variant="danger" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                  Revoke
                </Button>
              )}
            />
          )}
        </QueryList>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        description="Scripts using this token stop working at once. This cannot be undone."
        error={revoke.error}
        pending={revoke.isPending}
        confirmLabel="Revoke token"
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      />
    </Card>
  );
}
