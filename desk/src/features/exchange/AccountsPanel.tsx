/**
 * The user's accounts (personal and alt) with cash and available balance; creating an alt account; adding a
 * co-owner by e-mail; the owners of the picked account with Remove (or Leave for oneself) after a confirmation.
 */
import { useState, type FormEvent } from 'react';
import { useMe } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/input';
import { ErrorState } from '@/components/ui/states';
import { useAddOwner, useCreateAccount, useRemoveOwner, type Account } from './api';
import { fieldError, formError } from './errors';
import { dec } from './fmt';

/** The owners of `account` with a Remove button each (none when only one owner is left). */
function Owners({ account }: { account: Account }) {
  const me = useMe().data?.user;
  const owners = account.owners.map((o) => o.userId);
  const remove = useRemoveOwner();
  const [removing, setRemoving] = useState<number | null>(null);
  // who was removed, named while still in the list (the refreshed list no longer has them)
  const [removed, setRemoved] = useState('');
  const emails = new Map(account.owners.map((o) => [o.userId, o.email]));
  const name = (id: number) => (id === me?.id ? `${me.email} (you)` : (emails.get(id) ?? `user #${id}`));
  return (
    <section className="flex flex-col gap-1" aria-label={`Owners of account ${account.id}`}>
      <h3 className="text-xs font-medium text-muted">
        Owners of #{account.id} {account.name}
      </h3>
      <ul className="flex flex-col rounded-md border border-border">
        {owners.map((id) => (
          <li
            key={id}
            data-owner-id={id}
            className="flex items-center justify-between gap-2 border-b border-border px-2 py-1 text-sm last:border-0"
          >
            <span className="min-w-0 break-all">{name(id)}</span>
            {owners.length > 1 ? (
              <Button
                size="sm"
                variant="danger"
                aria-label={`Remove owner ${name(id)}`}
                onClick={() => {
                  remove.reset();
                  setRemoving(id);
                }}
              >
                {id === me?.id ? 'Leave' : 'Remove'}
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {remove.isSuccess ? (
        <p role="status" className="text-xs text-profit">
          {removed} no longer owns account #{remove.data.accountId}
        </p>
      ) : null}
      <Dialog
        open={removing !== null}
        onOpenChange={(o) => {
          if (!o) setRemoving(null);
        }}
        title={removing === me?.id ? `Leave account #${account.id}?` : `Remove ${name(removing ?? 0)}?`}
        description={
          removing === me?.id
            ? 'You lose access to its cash, positions, orders and API keys at once.'
            : 'They lose access to the account at once; their API keys for it stop working.'
        }
      >
        {remove.error ? <ErrorState error={remove.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setRemoving(null)}>
            Keep
          </Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (removing === null) return;
              setRemoved(name(removing));
              remove.mutate({ accountId: account.id, userId: removing }, { onSuccess: () => setRemoving(null) });
            }}
          >
            {removing === me?.id ? 'Leave account' : 'Remove owner'}
          </Button>
        </div>
      </Dialog>
    </section>
  );
}

/** The accounts list and its forms. */
export function AccountsPanel({ accounts }: { accounts: Account[] }) {
  const [name, setName] = useState('');
  const create = useCreateAccount();
  const [owned, setOwned] = useState<number>(accounts[0]?.id ?? 0);
  const [email, setEmail] = useState('');
  const addOwner = useAddOwner();
  const submitCreate = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name.trim(), { onSuccess: () => setName('') });
  };
  const submitOwner = (e: FormEvent) => {
    e.preventDefault();
    addOwner.mutate({ accountId: owned, email: email.trim() });
  };
  const ownedAccount = accounts.find((a) => a.id === owned) ?? accounts[0];
  const createError = formError(create.error, ['name']);
  const ownerError = formError(addOwner.error, ['email'], { 'user-not-found': 'email' });
  return (
    <Card className="min-w-0">
      <CardHeader title="Accounts" />
      <div className="overflow-x-auto">
        <table className="w-full text-sm" aria-label="Accounts">
          <thead className="text-xs text-muted">
            <tr>
              <th className="px-3 py-1 text-left font-medium">#</th>
              <th className="px-2 py-1 text-left font-medium">Name</th>
              <th className="px-2 py-1 text-right font-medium">Cash</th>
              <th className="px-3 py-1 text-right font-medium">Available</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id} className="border-t border-border">
                <td className="num px-3 py-1 text-muted">{a.id}</td>
                <td className="px-2 py-1">
                  {a.name}{' '}
                  <Badge tone={a.kind === 'alt' ? 'accent' : 'neutral'}>{a.kind === 'alt' ? 'alt' : 'personal'}</Badge>
                </td>
                <td className="num px-2 py-1 text-right">{dec(a.cash)}</td>
                <td className="num px-3 py-1 text-right">{dec(a.available)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="grid grid-cols-1 gap-4 border-t border-border p-3 md:grid-cols-2">
        <form className="flex flex-col gap-2" onSubmit={submitCreate} noValidate aria-label="New alt account">
          <Field label="New alt account name" error={fieldError(create.error, 'name')}>
            {(ids) => <Input {...ids} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Button type="submit" variant="outline" disabled={create.isPending}>
            Create alt account
          </Button>
          {createError ? (
            <p role="alert" className="text-xs text-loss">
              {createError}
            </p>
          ) : null}
          {create.isSuccess ? (
            <p role="status" className="text-xs text-profit">
              Alt account #{create.data.id} {create.data.name} created
            </p>
          ) : null}
        </form>
        <div className="flex flex-col gap-3">
          <form className="flex flex-col gap-2" onSubmit={submitOwner} noValidate aria-label="Add owner">
            <Field label="Account">
              {(ids) => (
                <Select {...ids} value={owned} onChange={(e) => setOwned(Number(e.target.value))}>
                  {accounts.map((a) => (
                    <option key={a.id} value={a.id}>
                      #{a.id} {a.name}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label="Co-owner e-mail" error={fieldError(addOwner.error, 'email', { 'user-not-found': 'email' })}>
              {(ids) => <Input {...ids} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
            <Button type="submit" variant="outline" disabled={addOwner.isPending}>
              Add owner
            </Button>
            {ownerError ? (
              <p role="alert" className="text-xs text-loss">
                {ownerError}
              </p>
            ) : null}
            {addOwner.isSuccess ? (
              <p role="status" className="text-xs text-profit">
                {addOwner.variables?.email ?? `User #${addOwner.data.owner}`} now co-owns account #
                {addOwner.data.accountId}
              </p>
            ) : null}
          </form>
          {ownedAccount ? <Owners key={ownedAccount.id} account={ownedAccount} /> : null}
        </div>
      </div>
    </Card>
  );
}
