/**
 * API keys of the selected account for the Binance-compatible gateway (`/binance`): create one with a label and a
 * permission (`read`: balances, orders and trades; `trade`: also place and cancel), its secret shown once in a
 * copyable box until "Done" drops it from memory; the live keys (never their secrets) with their creation and last
 * use; revoke one after a confirmation; and how to point CCXT or `testudo bot` at the gateway.
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyRow } from '@/components/ui/copy-row';
import { Field, Input, Select } from '@/components/ui/input';
import { ListTable, QueryList, type ListColumn } from '@/components/ui/list-table';
import { utc } from '@/lib/format';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type Account, type ApiKey } from './api';
import { fieldError, formError } from './errors';

/** Props of {@link ApiKeysPanel}. */
export interface ApiKeysPanelProps {
  account: Account;
  /** The selected market's gateway symbol, used in the example command (a placeholder when none). */
  symbol?: string | undefined;
}

/** `abcd…wxyz` of a long key, for the list (the full key is in the cell's title). */
function shortKey(k: string): string {
  return k.length > 14 ? `${k.slice(0, 6)}…${k.slice(-6)}` : k;
}

/** The columns of the key list. */
const COLUMNS: ListColumn<ApiKey>[] = [
  { header: 'Label', cell: (k) => k.label || '–' },
  {
    header: 'Key',
    cell: (k) => <span title={k.apiKey}>{shortKey(k.apiKey)}</span>,
    className: 'num text-xs text-muted',
  },
  {
    header: 'Permission',
    cell: (k) => <Badge tone={k.permission === 'trade' ? 'accent' : 'neutral'}>{k.permission}</Badge>,
  },
  { header: 'Created (UTC)', cell: (k) => utc(k.createdAt), className: 'num text-muted' },
  { header: 'Last used (UTC)', cell: (k) => (k.lastUsedAt ? utc(k.lastUsedAt) : 'never'), className: 'num text-muted' },
];

/** The API keys panel of one account (mount it with `key={account.id}`: a new account starts with no secret shown). */
export function ApiKeysPanel({ account, symbol }: ApiKeysPanelProps) {
  const keys = useApiKeys(account.id);
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [label, setLabel] = useState('');
  const [permission, setPermission] = useState<'read' | 'trade'>('trade');
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const origin = window.location.origin;
  // the secret lives only in the mutation's answer: "Done" (reset) drops it, and the mutation keeps no cache entry
  const made = create.data ?? null;
  const command = `testudo bot market-maker --market ${symbol ?? 'SYMBOL'} --account-key KEY:SECRET --url ${origin}`;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { accountId: account.id, permission, ...(label.trim() ? { label: label.trim() } : {}) },
      { onSuccess: () => setLabel('') },
    );
  };
  const createError = formError(create.error, ['label', 'permission']);

  return (
    <Card className="min-w-0">
      <CardHeader title={`API keys · #${account.id} ${account.name}`} />
      <div className="flex flex-col gap-3 p-3">
        <p className="text-sm text-muted">
          A key lets a program trade this account through the Binance-compatible gateway. <b>read</b>: balances, orders
          and trades; <b>trade</b>: also place and cancel orders. Revoke a key you no longer use.
        </p>

        {made ? (
          <section
            aria-label="New API key"
            className="flex flex-col gap-2 rounded-md border border-warn/60 bg-warn/10 p-3 text-sm"
          >
            <p role="alert" className="font-medium text-warn">
              Copy the secret now: it is shown only once. Testudo stores it sealed and will never show it again.
            </p>
            <p className="text-xs text-muted">
              Key “{made.label || 'unnamed'}” ({made.permission}) for account #{made.accountId}.
            </p>
            <CopyRow label="API key" value={made.apiKey} />
            <CopyRow label="Secret" value={made.secret} />
            <div className="flex justify-end">
              <Button onClick={() => create.reset()}>Done</Button>
            </div>
          </section>
        ) : null}

        <form
          className="grid grid-cols-1 gap-2 sm:grid-cols-[minmax(0,1fr)_160px_auto] sm:items-end"
          onSubmit={submit}
          noValidate
          aria-label="New API key form"
        >
          <Field label="Key label" error={fieldError(create.error, 'label')}>
            {(ids) => (
              <Input
                {...ids}
                value={label}
                maxLength={100}
                placeholder="e.g. market maker"
                onChange={(e) => setLabel(e.target.value)}
              />
            )}
          </Field>
          <Field label="Permission" error={fieldError(create.error, 'permission')}>
            {(ids) => (
              <Select {...ids} value={permission} onChange={(e) => setPermission(e.target.value as 'read' | 'trade')}>
                <option value="trade">trade</option>
                <option value="read">read</option>
              </Select>
            )}
          </Field>
          <Button type="submit" disabled={create.isPending || made !== null}>
            Create API key
          </Button>
          {createError ? (
            <p role="alert" className="text-xs text-loss sm:col-span-3">
              {createError}
            </p>
          ) : null}
        </form>

        <QueryList query={keys} empty="No API key for this account yet.">
          {(rows) => (
            <ListTable
              label="API keys"
              rows={rows}
              rowKey={(k) => k.id}
              rowAttrs={(k) => ({ 'data-key-id': k.id })}
              columns={COLUMNS}
              action={(k) => (
                <Button
                  size="sm"
                  variant="danger"
                  aria-label={`Revoke API key ${k.label || k.id}`}
                  onClick={() => {
                    revoke.reset();
                    setRevoking(k);
                  }}
                >
                  Revoke
                </Button>
              )}
            />
          )}
        </QueryList>

        <details className="rounded-md border border-border p-2 text-sm" open>
          <summary className="cursor-pointer font-medium">Connect a program</summary>
          <div className="mt-2 flex flex-col gap-2 text-xs text-muted">
            <p>
              The gateway speaks Binance's spot API at{' '}
              <code className="break-all text-fg" data-testid="gateway-url">
                {origin}/binance
              </code>
              : point CCXT's <code>binance</code> class there by replacing <code>https://api.binance.com</code> in its{' '}
              <code>urls.api</code> entries, with the key as <code>apiKey</code> and the secret as <code>secret</code>.
            </p>
            <p>Or run a reference bot:</p>
            <pre
              className="whitespace-pre-wrap break-all rounded bg-panel-2 px-2 py-1 text-fg"
              data-testid="bot-command"
            >
              {command}
            </pre>
          </div>
        </details>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke API key “${revoking?.label || revoking?.id || ''}”?`}
        description="Programs using this key are refused at once (Binance error -2015). This cannot be undone."
        error={revoke.error}
        pending={revoke.isPending}
        confirmLabel="Revoke key"
        onConfirm={() =>
          revoking &&
          revoke.mutate({ accountId: account.id, keyId: revoking.id }, { onSuccess: () => setRevoking(null) })
        }
      />
    </Card>
  );
}
