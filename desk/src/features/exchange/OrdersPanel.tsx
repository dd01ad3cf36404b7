/**
 * The user's live orders (open and pending stop orders) of the selected account, each with Amend (new price and/or
 * remaining size, in a dialog with field errors) and Cancel. Live over the exchange socket's `orders` channel.
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useAmendOrder, useCancelOrder, useLiveOrders, useMarkets, type Order } from './api';
import { fieldError, formError } from './errors';
import { dec } from './fmt';

function AmendDialog({ order, onClose }: { order: Order; onClose(): void }) {
  const [price, setPrice] = useState(order.price ?? '');
  const [size, setSize] = useState(order.remaining);
  const amend = useAmendOrder();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    amend.mutate(
      {
        id: order.id,
        ...(price.trim() !== (order.price ?? '') ? { price: price.trim() } : {}),
        ...(size.trim() !== order.remaining ? { size: size.trim() } : {}),
      },
      { onSuccess: onClose },
    );
  };
  const general = formError(amend.error, ['price', 'size']);
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={`Amend order #${order.id}`}
      description="A smaller size keeps the order's time priority; a new price or a larger size sends it to the back."
    >
      <form className="flex flex-col gap-3" onSubmit={submit} noValidate>
        {order.price !== null ? (
          <Field label="New price" error={fieldError(amend.error, 'price')}>
            {(ids) => <Input {...ids} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />}
          </Field>
        ) : null}
        <Field label="New size" error={fieldError(amend.error, 'size')} hint="The remaining size">
          {(ids) => <Input {...ids} inputMode="decimal" value={size} onChange={(e) => setSize(e.target.value)} />}
        </Field>
        {general ? (
          <p role="alert" className="text-xs text-loss">
            {general}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            Close
          </Button>
          <Button type="submit" disabled={amend.isPending}>
            Save amendment
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Live orders of account `accountId` (all the user's accounts when null). */
export function OrdersPanel({ accountId }: { accountId: number | null }) {
  const q = useLiveOrders();
  const markets = useMarkets();
  const cancel = useCancelOrder();
  const [amending, setAmending] = useState<Order | null>(null);
  const name = (id: number) => markets.data?.find((m) => m.id === id)?.name ?? `#${id}`;
  const rows = (q.data ?? []).filter((o) => accountId === null || o.accountId === accountId);
  const cancelError = formError(cancel.error);
  return (
    <Card className="min-w-0">
      <CardHeader title="Live orders" actions={<span className="text-xs text-muted">{rows.length}</span>} />
      {cancelError ? (
        <p role="alert" className="px-3 pt-2 text-xs text-loss">
          {cancelError}
        </p>
      ) : null}
      {cancel.isSuccess ? (
        <p role="status" className="px-3 pt-2 text-xs text-muted">
          Order #{cancel.data.order.id} cancelled
        </p>
      ) : null}
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No live order.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-xs" aria-label="Live orders">
            <thead className="text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">#</th>
                <th className="px-2 py-1 text-left font-medium">Market</th>
                <th className="px-2 py-1 text-left font-medium">Side</th>
                <th className="px-2 py-1 text-left font-medium">Type</th>
                <th className="px-2 py-1 text-right font-medium">Price</th>
                <th className="px-2 py-1 text-right font-medium">Stop</th>
                <th className="px-2 py-1 text-right font-medium">Size</th>
                <th className="px-2 py-1 text-right font-medium">Remaining</th>
                <th className="px-2 py-1 text-left font-medium">Status</th>
                <th className="px-2 py-1" />
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.id} data-order-id={o.id} className="border-t border-border">
                  <td className="num px-2 py-1 text-muted">{o.id}</td>
                  <td className="px-2 py-1">{name(o.marketId)}</td>
                  <td className={`px-2 py-1 ${o.side === 'buy' ? 'text-profit' : 'text-loss'}`}>{o.side}</td>
                  <td className="px-2 py-1">
                    {o.type}
                    {o.postOnly ? ' · post' : ''} {o.tif !== 'GTC' ? `· ${o.tif}` : ''}
                  </td>
                  <td className="num px-2 py-1 text-right">{dec(o.price)}</td>
                  <td className="num px-2 py-1 text-right">{dec(o.stopPrice)}</td>
                  <td className="num px-2 py-1 text-right">{dec(o.size)}</td>
                  <td className="num px-2 py-1 text-right">{dec(o.remaining)}</td>
                  <td className="px-2 py-1">
                    <Badge tone={o.status === 'open' ? 'accent' : 'warn'}>{o.status}</Badge>
                  </td>
                  <td className="whitespace-nowrap px-2 py-1 text-right">
                    {o.status === 'open' ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Amend order ${o.id}`}
                        onClick={() => setAmending(o)}
                      >
                        Amend
                      </Button>
                    ) : null}
                    <Button
                      size="sm"
                      variant="danger"
                      aria-label={`Cancel order ${o.id}`}
                      disabled={cancel.isPending}
                      onClick={() => cancel.mutate(o.id)}
                    >
                      Cancel
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {amending ? <AmendDialog order={amending} onClose={() => setAmending(null)} /> : null}
    </Card>
  );
}
