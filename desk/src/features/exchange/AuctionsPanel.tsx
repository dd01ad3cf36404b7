/**
 * Auctions: the list (newest first) with bid, buy-it-now and cancel (the seller's owners, or an admin), and a form
 * to list an item from the selected account. Refusals (bid too low, insufficient balance, …) are shown with the
 * auction they concern.
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useAuctionActions, useAuctions, type Account, type Auction } from './api';
import { fieldError, formError } from './errors';
import { dec } from './fmt';

function AuctionRow({
  a,
  accountId,
  mine,
  isAdmin,
  actions,
}: {
  a: Auction;
  accountId: number;
  mine: boolean;
  isAdmin: boolean;
  actions: ReturnType<typeof useAuctionActions>;
}) {
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<unknown>(null);
  const run = (p: Promise<unknown>) => {
    setError(null);
    p.catch((e: unknown) => setError(e));
  };
  const open = a.status === 'open';
  return (
    <tr className="border-t border-border align-top" data-auction-id={a.id}>
      <td className="px-2 py-1.5">
        <div className="font-medium">{a.title}</div>
        {a.description ? <div className="max-w-64 truncate text-xs text-muted">{a.description}</div> : null}
        <div className="text-xs text-muted">seller #{a.sellerAccountId}</div>
      </td>
      <td className="num px-2 py-1.5 text-right">{dec(a.minBid)}</td>
      <td className="num px-2 py-1.5 text-right">{dec(a.bestBid)}</td>
      <td className="num px-2 py-1.5 text-right">{dec(a.buyNowPrice)}</td>
      <td className="px-2 py-1.5">
        <Badge tone={open ? 'profit' : a.status === 'sold' ? 'accent' : 'neutral'}>{a.status}</Badge>
        {a.status === 'sold' ? (
          <div className="num text-xs text-muted">
            {dec(a.price)}
            {a.winnerAccountId !== null ? ` to #${a.winnerAccountId}` : null}
          </div>
        ) : null}
      </td>
      <td className="px-2 py-1.5">
        {open ? (
          <div className="flex min-w-56 flex-col gap-1">
            {!mine ? (
              <form
                className="flex gap-1"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  run(actions.bid.mutateAsync({ id: a.id, accountId, amount: amount.trim() }));
                }}
              >
                <Input
                  aria-label={`Bid amount for ${a.title}`}
                  aria-invalid={Boolean(error)}
                  className="h-7 w-24 text-xs"
                  inputMode="decimal"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                />
                <Button type="submit" size="sm" variant="outline">
                  Bid
                </Button>
                {a.buyNowPrice !== null ? (
                  <Button size="sm" variant="buy" onClick={() => run(actions.buy.mutateAsync({ id: a.id, accountId }))}>
                    Buy now
                  </Button>
                ) : null}
              </form>
            ) : null}
            {mine || isAdmin ? (
              <Button size="sm" variant="danger" onClick={() => run(actions.cancel.mutateAsync(a.id))}>
                Cancel auction
              </Button>
            ) : null}
            {error ? (
              <p role="alert" className="text-xs text-loss">
                {formError(error)}
              </p>
            ) : null}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

/** Props of {@link AuctionsPanel}. */
export interface AuctionsPanelProps {
  accounts: Account[];
  accountId: number;
  isAdmin: boolean;
}

/** The auctions list and the listing form. */
export function AuctionsPanel({ accounts, accountId, isAdmin }: AuctionsPanelProps) {
  const q = useAuctions();
  const actions = useAuctionActions();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [minBid, setMinBid] = useState('');
  const [buyNow, setBuyNow] = useState('');
  const mineIds = new Set(accounts.map((a) => a.id));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    actions.create.mutate(
      {
        accountId,
        title: title.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(minBid.trim() ? { minBid: minBid.trim() } : {}),
        ...(buyNow.trim() ? { buyNowPrice: buyNow.trim() } : {}),
      },
      { onSuccess: () => setTitle('') },
    );
  };
  const err = actions.create.error;
  const general = formError(err, ['title', 'description', 'minBid', 'buyNowPrice']);
  return (
    <Card className="min-w-0">
      <CardHeader title="Auctions" />
      <form className="grid grid-cols-1 gap-2 p-3 sm:grid-cols-4" onSubmit={submit} noValidate aria-label="New auction">
        <Field label="Title" error={fieldError(err, 'title')} className="sm:col-span-2">
          {(ids) => <Input {...ids} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <Field label="Minimum bid" error={fieldError(err, 'minBid')}>
          {(ids) => <Input {...ids} inputMode="decimal" value={minBid} onChange={(e) => setMinBid(e.target.value)} />}
        </Field>
        <Field label="Buy-it-now price" error={fieldError(err, 'buyNowPrice')}>
          {(ids) => <Input {...ids} inputMode="decimal" value={buyNow} onChange={(e) => setBuyNow(e.target.value)} />}
        </Field>
        <Field label="Description" error={fieldError(err, 'description')} className="sm:col-span-3">
          {(ids) => <Input {...ids} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="flex items-end">
          <Button type="submit" variant="outline" className="w-full" disabled={actions.create.isPending}>
            List for auction
          </Button>
        </div>
        {general ? (
          <p role="alert" className="text-xs text-loss sm:col-span-4">
            {general}
          </p>
        ) : null}
      </form>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Empty>No auction yet.</Empty>
      ) : (
        <div className="overflow-x-auto border-t border-border">
          <table className="w-full text-sm" aria-label="Auctions">
            <thead className="text-xs text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">Item</th>
                <th className="px-2 py-1 text-right font-medium">Min bid</th>
                <th className="px-2 py-1 text-right font-medium">Best bid</th>
                <th className="px-2 py-1 text-right font-medium">Buy now</th>
                <th className="px-2 py-1 text-left font-medium">Status</th>
                <th className="px-2 py-1" />
              </tr>
            </thead>
            <tbody>
              {q.data.map((a) => (
                <AuctionRow
                  key={a.id}
                  a={a}
                  accountId={accountId}
                  mine={mineIds.has(a.sellerAccountId)}
                  isAdmin={isAdmin}
                  actions={actions}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
