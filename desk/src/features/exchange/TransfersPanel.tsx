/**
 * Transfers between accounts: from one of the user's accounts to any account id, with the server's refusals shown
 * next to the field they concern (an unknown or same destination on "To account", too little available balance
 * on "Amount"), and the list of transfers into or out of the user's accounts (live).
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useTransfer, useTransfers, type Account } from './api';
import { UNSIGNED_DECIMAL } from '@/lib/decimal';
import { fieldError, formError } from './errors';
import { clock, dec } from './fmt';

/** Error codes of a transfer that belong to a field. */
export const TRANSFER_CODES: Record<string, string> = {
  'insufficient-balance': 'amount',
  'invalid-amount': 'amount',
  'account-not-found': 'toAccountId',
  'same-account': 'toAccountId',
};

/** Props of {@link TransfersPanel}. */
export interface TransfersPanelProps {
  accounts: Account[];
  accountId: number;
}

/** The transfer form and the transfers list. */
export function TransfersPanel({ accounts, accountId }: TransfersPanelProps) {
  const [from, setFrom] = useState<number>(accountId);
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [local, setLocal] = useState<{ to?: string; amount?: string }>({});
  const transfer = useTransfer();
  const list = useTransfers();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    transfer.reset();
    const errs: { to?: string; amount?: string } = {};
    if (!/^[1-9]\d*$/.test(to.trim())) errs.to = 'Enter the id of the receiving account';
    if (!UNSIGNED_DECIMAL.test(amount.trim()) || /^0*(\.0*)?$/.test(amount.trim()))
      errs.amount = 'Enter a positive amount such as 12.5';
    setLocal(errs);
    if (errs.to || errs.amount) return;
    transfer.mutate({
      fromAccountId: from,
      toAccountId: Number(to.trim()),
      amount: amount.trim(),
      ...(note.trim() ? { note: note.trim() } : {}),
    });
  };
  const general = formError(transfer.error, ['toAccountId', 'amount', 'note', 'fromAccountId'], TRANSFER_CODES);
  return (
    <Card className="min-w-0">
      <CardHeader title="Transfers" />
      <form className="grid grid-cols-1 gap-2 p-3 sm:grid-cols-2" onSubmit={submit} noValidate aria-label="Transfer">
        <Field label="From account" error={fieldError(transfer.error, 'fromAccountId')}>
          {(ids) => (
            <Select {...ids} value={from} onChange={(e) => setFrom(Number(e.target.value))}>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  #{a.id} {a.name} ({dec(a.available)} available)
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="To account id" error={local.to ?? fieldError(transfer.error, 'toAccountId', TRANSFER_CODES)}>
          {(ids) => <Input {...ids} inputMode="numeric" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Field label="Amount" error={local.amount ?? fieldError(transfer.error, 'amount', TRANSFER_CODES)}>
          {(ids) => <Input {...ids} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <Field label="Note" error={fieldError(transfer.error, 'note')}>
          {(ids) => <Input {...ids} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
          <Button type="submit" disabled={transfer.isPending}>
            Send transfer
          </Button>
          {general ? (
            <p role="alert" className="text-xs text-loss">
              {general}
            </p>
          ) : null}
          {transfer.isSuccess ? (
            <p role="status" className="text-xs text-profit">
              Transfer #{transfer.data.id}: {transfer.data.amount} to #{transfer.data.toAccountId}
            </p>
          ) : null}
        </div>
      </form>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty>No transfer yet.</Empty>
      ) : (
        <div className="max-h-72 overflow-auto border-t border-border">
          <table className="w-full text-xs" aria-label="Transfer history">
            <thead className="sticky top-0 bg-panel text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">#</th>
                <th className="px-2 py-1 text-left font-medium">Time</th>
                <th className="px-2 py-1 text-left font-medium">From</th>
                <th className="px-2 py-1 text-left font-medium">To</th>
                <th className="px-2 py-1 text-right font-medium">Amount</th>
                <th className="px-2 py-1 text-left font-medium">Note</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <tr key={t.id} className="border-t border-border">
                  <td className="num px-2 py-1 text-muted">{t.id}</td>
                  <td className="num px-2 py-1 text-muted">{clock(t.at)}</td>
                  <td className="px-2 py-1">{t.fromAccountId === null ? 'minted' : `#${t.fromAccountId}`}</td>
                  <td className="px-2 py-1">#{t.toAccountId}</td>
                  <td className="num px-2 py-1 text-right">{dec(t.amount)}</td>
                  <td className="max-w-48 truncate px-2 py-1 text-muted">{t.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
