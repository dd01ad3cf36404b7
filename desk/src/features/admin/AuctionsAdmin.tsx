/** Settling open auctions (admins): sell to any buyer account at a price, cash moving buyer → seller atomically. */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useAuctions } from '@/features/exchange/api';
import { fieldError, formError } from '@/features/exchange/errors';
import { dec } from '@/features/exchange/fmt';
import { useSettleAuction } from './api';

/** The auction settlement form. */
export function AuctionsAdmin() {
  const q = useAuctions();
  const settle = useSettleAuction();
  const open = (q.data ?? []).filter((a) => a.status === 'open');
  const [id, setId] = useState<number | null>(null);
  const [buyer, setBuyer] = useState('');
  const [price, setPrice] = useState('');
  const chosen = open.find((a) => a.id === id) ?? open[0];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    settle.mutate({ id: chosen.id, buyerAccountId: Number(buyer) || 0, price: price.trim() });
  };
  const codes = {
    'account-not-found': 'buyerAccountId',
    'insufficient-balance': 'price',
    'own-auction': 'buyerAccountId',
  };
  const general = formError(settle.error, ['buyerAccountId', 'price'], codes);
  return (
    <Card className="min-w-0">
      <CardHeader title="Settle an auction" />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : !chosen ? (
        <Empty>No open auction.</Empty>
      ) : (
        <form className="flex flex-col gap-2 p-3" onSubmit={submit} noValidate aria-label="Settle auction">
          <Field label="Open auction">
            {(ids) => (
              <Select {...ids} value={chosen.id} onChange={(e) => setId(Number(e.target.value))}>
                {open.map((a) => (
                  <option key={a.id} value={a.id}>
                    #{a.id} {a.title} (best bid {dec(a.bestBid)}
                    {a.bestBidderAccountId ? ` by #${a.bestBidderAccountId}` : ''})
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Buyer account id" error={fieldError(settle.error, 'buyerAccountId', codes)}>
            {(ids) => <Input {...ids} inputMode="numeric" value={buyer} onChange={(e) => setBuyer(e.target.value)} />}
          </Field>
          <Field label="Settlement amount" error={fieldError(settle.error, 'price', codes)}>
            {(ids) => <Input {...ids} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />}
          </Field>
          <Button type="submit" variant="outline" disabled={settle.isPending}>
            Settle auction
          </Button>
          {general ? (
            <p role="alert" className="text-xs text-loss">
              {general}
            </p>
          ) : null}
        </form>
      )}
      {settle.isSuccess ? (
        <p role="status" className="px-3 pb-3 text-xs text-profit">
          Auction #{settle.data.id} sold to #{settle.data.winnerAccountId} for {settle.data.price}
        </p>
      ) : null}
    </Card>
  );
}
