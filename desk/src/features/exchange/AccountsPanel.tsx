/**
 * The user's accounts (personal and alt) with cash and available balance; creating an alt account and adding a
 * co-owner by e-mail (the API has no route to list or remove owners: a new owner is shown once added).
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { useAddOwner, useCreateAccount, type Account } from './api';
import { fieldError, formError } from './errors';
import { dec } from './fmt';

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
              User #{addOwner.data.owner} now co-owns account #{addOwner.data.accountId}
            </p>
          ) : null}
        </form>
      </div>
    </Card>
  );
}
