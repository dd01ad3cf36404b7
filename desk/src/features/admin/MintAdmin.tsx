/** Minting cash into any account (a transfer from no account, admins only), with errors next to their fields. */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';
import { fieldError, formError } from '@/features/exchange/errors';
import { TRANSFER_CODES } from '@/features/exchange/TransfersPanel';
import { useMint } from './api';

/** The mint form. */
export function MintAdmin() {
  const mint = useMint();
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    mint.mutate({ toAccountId: Number(to) || 0, amount: amount.trim(), ...(note.trim() ? { note: note.trim() } : {}) });
  };
  const general = formError(mint.error, ['toAccountId', 'amount', 'note'], TRANSFER_CODES);
  return (
    <Card className="min-w-0">
      <CardHeader title="Mint cash" />
      <form className="flex flex-col gap-2 p-3" onSubmit={submit} noValidate aria-label="Mint">
        <Field label="Into account id" error={fieldError(mint.error, 'toAccountId', TRANSFER_CODES)}>
          {(ids) => <Input {...ids} inputMode="numeric" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Field label="Amount to mint" error={fieldError(mint.error, 'amount', TRANSFER_CODES)}>
          {(ids) => <Input {...ids} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <Field label="Note" error={fieldError(mint.error, 'note')}>
          {(ids) => <Input {...ids} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <Button type="submit" disabled={mint.isPending}>
          Mint
        </Button>
        {general ? (
          <p role="alert" className="text-xs text-loss">
            {general}
          </p>
        ) : null}
        {mint.isSuccess ? (
          <p role="status" className="text-xs text-profit">
            Minted {mint.data.amount} into #{mint.data.toAccountId} (transfer #{mint.data.id})
          </p>
        ) : null}
      </form>
    </Card>
  );
}
