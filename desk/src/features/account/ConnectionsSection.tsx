/**
 * Exchange connections on the Account page: the user's venue accounts (the simulated exchange, Binance/Bybit/OKX
 * through CCXT, Hyperliquid) with their status, circuit breaker, risk account, last test and last error; a form to
 * add one (credentials in password inputs, sent once and never shown again; the server tests them with the venue
 * before storing anything), and per connection: test, disable/enable, import history (progress from the
 * `import-progress`/`import-complete` events) and delete after a confirmation.
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { useLiveEvent } from '@/api/live';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { money, utc } from '@/lib/format';
import { useQueryClient } from '@tanstack/react-query';
import {
  CKEYS,
  useConnections,
  useCreateConnection,
  useDeleteConnection,
  useImportHistory,
  useImports,
  useSetConnectionStatus,
  useTestConnection,
  type Connection,
  type VenueBalance,
} from './connectionsApi';
import {
  CCXT_EXCHANGES,
  EMPTY_FORM,
  VENUE_OPTIONS,
  choosesMarketType,
  connectionBody,
  credentialFields,
  formErrors,
  hasSandbox,
  importLine,
  venueName,
  type ConnectionForm,
  type ImportLine,
  type VenueKind,
} from './connectionsForm';

const BREAKER: Record<Connection['breaker'], { tone: 'neutral' | 'loss' | 'warn'; text: string }> = {
  closed: { tone: 'neutral', text: 'breaker closed' },
  open: { tone: 'loss', text: 'breaker open: paused' },
  'half-open': { tone: 'warn', text: 'breaker half-open' },
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : 'Something went wrong';
}

function AddForm({ onDone }: { onDone(c: Connection): void }) {
  const create = useCreateConnection();
  const [form, setForm] = useState<ConnectionForm>(EMPTY_FORM);
  const [checked, setChecked] = useState(false);
  const local = checked ? formErrors(form) : {};
  const err = create.error instanceof ApiError ? create.error : null;
  const fieldErr = (k: string) => (local as Record<string, string | undefined>)[k] ?? err?.fieldError(k);
  const shownFields = new Set(['label', 'venue', 'exchange', 'marketType', 'sandbox', 'import']);
  for (const f of credentialFields(form)) shownFields.add(f.key);
  // an error the fields do not show (the venue's refusal of the credentials, a label already used, …)
  const formLevel = err && err.fields.every((f) => !shownFields.has(f.field.split('.').pop() ?? '')) ? err : null;
  const set = (patch: Partial<ConnectionForm>) => setForm((f) => ({ ...f, ...patch }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (Object.keys(formErrors(form)).length > 0) return;
    create.mutate(connectionBody(form), {
      onSuccess: (c) => {
        setForm(EMPTY_FORM);
        setChecked(false);
        onDone(c);
      },
    });
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="Add an exchange connection"
      className="flex flex-col gap-3 rounded-md border border-border p-3"
    >
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Venue" error={fieldErr('venue')}>
          {(ids) => (
            <Select
              {...ids}
              value={form.venue}
              onChange={(e) => set({ venue: e.target.value as VenueKind, credentials: {} })}
            >
              {VENUE_OPTIONS.map((v) => (
                <option key={v.value} value={v.value}>
                  {v.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {form.venue === 'ccxt' ? (
          <Field label="Exchange" error={fieldErr('exchange')}>
            {(ids) => (
              <Select
                {...ids}
                value={form.exchange}
                onChange={(e) => set({ exchange: e.target.value as ConnectionForm['exchange'] })}
              >
                {CCXT_EXCHANGES.map((x) => (
                  <option key={x} value={x}>
                    {x === 'okx' ? 'OKX' : x.charAt(0).toUpperCase() + x.slice(1)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        ) : null}
        <Field label="Label" error={fieldErr('label')} hint="how the Desk names it, e.g. main spot">
          {(ids) => (
            <Input
              {...ids}
              value={form.label}
              maxLength={64}
              autoComplete="off"
              onChange={(e) => set({ label: e.target.value })}
            />
          )}
        </Field>
        <Field label="Market type" error={fieldErr('marketType')}>
          {(ids) => (
            <Select
              {...ids}
              value={form.venue === 'hyperliquid' ? 'swap' : form.venue === 'sim' ? 'spot' : form.marketType}
              disabled={!choosesMarketType(form.venue)}
              onChange={(e) => set({ marketType: e.target.value as 'spot' | 'swap' })}
            >
              <option value="spot">Spot</option>
              <option value="swap">Perpetual swaps</option>
            </Select>
          )}
        </Field>
      </div>
      <fieldset className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-3">
        <legend className="mb-1 text-xs font-medium text-muted">
          Credentials: sent to the server once, stored encrypted, never shown again
        </legend>
        {credentialFields(form).map((f) => (
          <Field key={`${form.venue}-${f.key}`} label={f.label} error={fieldErr(f.key)} hint={f.hint}>
            {(ids) => (
              <Input
                {...ids}
                type={f.secret ? 'password' : 'text'}
                autoComplete={f.secret ? 'new-password' : 'off'}
                spellCheck={false}
                value={form.credentials[f.key] ?? ''}
                onChange={(e) => set({ credentials: { ...form.credentials, [f.key]: e.target.value } })}
              />
            )}
          </Field>
        ))}
      </fieldset>
      <div className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {hasSandbox(form.venue) ? (
          <label className="flex items-center gap-1.5">
            <input type="checkbox" checked={form.sandbox} onChange={(e) => set({ sandbox: e.target.checked })} />
            Testnet (sandbox)
          </label>
        ) : null}
        <label className="flex items-center gap-1.5">
          <input
            type="checkbox"
            checked={form.importHistory}
            onChange={(e) => set({ importHistory: e.target.checked })}
          />
          Import the last 90 days of fills into the journal
        </label>
      </div>
      {formLevel ? (
        <p role="alert" className="rounded border border-loss/40 bg-loss/10 p-2 text-sm text-loss">
          {formLevel.code === 'invalid-credentials' ? 'The venue refused the credentials: ' : ''}
          {formLevel.message} ({formLevel.code})
        </p>
      ) : create.error && !err ? (
        <ErrorState error={create.error} />
      ) : null}
      <div>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Testing with the venue…' : 'Test and add connection'}
        </Button>
      </div>
    </form>
  );
}

function Balances({ balances }: { balances: VenueBalance[] }) {
  const shown = balances.filter((b) => Number(b.total) !== 0);
  return (
    <p role="status" className="text-xs text-profit" data-testid="connection-test-ok">
      Credentials work. {shown.length ? 'Balances: ' : 'No balances on the venue.'}
      {shown.map((b) => `${b.asset} ${b.total}`).join(', ')}
    </p>
  );
}

function ConnectionItem({
  c,
  importing,
  onDelete,
}: {
  c: Connection;
  importing: ImportLine | undefined;
  onDelete(): void;
}) {
  const test = useTestConnection();
  const status = useSetConnectionStatus();
  const importer = useImportHistory();
  const jobs = useImports(c.id);
  // the latest import: live events first, else the newest job the server lists
  const latest = jobs.data?.[0];
  const shown =
    importing ??
    (latest
      ? (importLine({ ...latest, importId: latest.id }, latest.status === 'done' || latest.status === 'failed') ??
        undefined)
      : undefined);
  const active = c.status === 'active';
  const br = BREAKER[c.breaker];
  return (
    <li
      className="flex flex-col gap-2 border-b border-border p-3 last:border-0"
      data-testid={`connection-${c.id}`}
      aria-label={`Connection ${c.label}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="min-w-0 break-words font-medium">{c.label}</span>
        <Badge tone={active ? 'profit' : 'neutral'} data-testid="connection-status">
          {c.status}
        </Badge>
        <Badge tone={br.tone} data-testid="connection-breaker">
          {br.text}
        </Badge>
      </div>
      <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-sm sm:grid-cols-3 lg:grid-cols-5">
        <div className="min-w-0">
          <dt className="text-[11px] text-muted">Venue</dt>
          <dd className="break-words">{venueName(c)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-[11px] text-muted">Market type</dt>
          <dd>
            {c.marketType === 'swap' ? 'perpetual swaps' : 'spot'}
            {c.sandbox ? ' · testnet' : ''}
          </dd>
        </div>
        <div className="min-w-0">
          <dt className="text-[11px] text-muted">Risk account</dt>
          <dd className="num" data-testid="connection-account">
            {c.balance != null ? `${money(c.balance)} ${c.currency}` : c.currency}
          </dd>
        </div>
        <div className="min-w-0">
          <dt className="text-[11px] text-muted">Last tested (UTC)</dt>
          <dd className="num">{c.lastTestedAt ? utc(c.lastTestedAt) : 'never'}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-[11px] text-muted">Last error</dt>
          <dd className={c.lastError ? 'break-words text-loss' : 'text-muted'} data-testid="connection-last-error">
            {c.lastError ?? 'none'}
          </dd>
        </div>
      </dl>
      <div className="flex flex-wrap gap-1.5">
        <Button size="sm" variant="outline" disabled={test.isPending} onClick={() => test.mutate(c.id)}>
          {test.isPending ? 'Testing…' : 'Test'}
        </Button>
        <Button
          size="sm"
          variant="outline"
          disabled={status.isPending}
          onClick={() => status.mutate({ id: c.id, enable: !active })}
        >
          {active ? 'Disable' : 'Enable'}
        </Button>
        <Button
          size="sm"
          variant="outline"
          disabled={importer.isPending || shown?.state === 'running'}
          onClick={() => importer.mutate(c.id)}
        >
          Import history
        </Button>
        <Button size="sm" variant="danger" onClick={onDelete} aria-label={`Delete ${c.label}`}>
          Delete
        </Button>
      </div>
      {test.data ? <Balances balances={test.data} /> : null}
      {test.error ? (
        <p role="alert" className="text-xs text-loss" data-testid="connection-test-error">
          Test failed: {errorText(test.error)}
        </p>
      ) : null}
      {status.error ? (
        <p role="alert" className="text-xs text-loss">
          {errorText(status.error)}
        </p>
      ) : null}
      {importer.error ? (
        <p role="alert" className="text-xs text-loss">
          Import not started: {errorText(importer.error)}
        </p>
      ) : null}
      {shown ? (
        <p
          role="status"
          data-testid="connection-import"
          className={shown.state === 'failed' ? 'text-xs text-loss' : 'text-xs text-muted'}
        >
          {shown.text}
        </p>
      ) : importer.isSuccess ? (
        <p role="status" data-testid="connection-import" className="text-xs text-muted">
          Import queued…
        </p>
      ) : null}
    </li>
  );
}

/** The exchange connections section of the Account page. */
export function ConnectionsSection() {
  const qc = useQueryClient();
  const list = useConnections();
  const remove = useDeleteConnection();
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<Connection | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const [imports, setImports] = useState<Record<number, ImportLine>>({});

  useLiveEvent(['import-progress', 'import-complete'], (e) => {
    const line = importLine(e.data, e.type === 'import-complete');
    if (line) setImports((m) => ({ ...m, [line.connectionId]: { state: line.state, text: line.text } }));
    if (line && e.type === 'import-complete') void qc.invalidateQueries({ queryKey: CKEYS.imports(line.connectionId) });
  });
  useLiveEvent(['connection'], () => void qc.invalidateQueries({ queryKey: CKEYS.list }));

  return (
    <Card>
      <CardHeader
        title="Exchange connections"
        actions={
          <Button size="sm" variant={adding ? 'ghost' : 'default'} onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'Add connection'}
          </Button>
        }
      />
      <div className="flex flex-col gap-3 p-3">
        <p className="text-sm text-muted">
          A connection is one of your accounts on a venue. Trades you send through it are sized on its own risk account
          and pass every rule of your protocol before an order reaches the venue; their stop and target live on the
          venue. Without a connection, trades go to the paper account.
        </p>
        {adding ? (
          <AddForm
            onDone={(c) => {
              setAdded(c);
              setAdding(false);
            }}
          />
        ) : null}
        {added ? (
          <p role="status" className="text-sm text-profit" data-testid="connection-added">
            Connection “{added.label}” added: the venue accepted the credentials.
          </p>
        ) : null}
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <Empty>No exchange connections yet: every order goes to the paper account.</Empty>
        ) : (
          <ul className="rounded-md border border-border" aria-label="Exchange connections">
            {list.data.map((c) => (
              <ConnectionItem key={c.id} c={c} importing={imports[c.id]} onDelete={() => setDeleting(c)} />
            ))}
          </ul>
        )}
      </div>
      <Dialog
        open={deleting !== null}
        onOpenChange={(o) => {
          if (!o) {
            setDeleting(null);
            remove.reset();
          }
        }}
        title={`Delete “${deleting?.label ?? ''}”?`}
        description="Its stored credentials are erased. Closed trades stay in the journal. Not possible while trades through it are pending or open."
      >
        {remove.error ? <ErrorState error={remove.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setDeleting(null)}>
            Keep it
          </Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={() =>
              deleting &&
              remove.mutate(deleting.id, {
                onSuccess: () => {
                  if (added?.id === deleting.id) setAdded(null);
                  setDeleting(null);
                },
              })
            }
          >
            Delete connection
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}
