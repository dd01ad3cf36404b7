/**
 * The order ticket: side, type (limit, market, stop-market, stop-limit), price, stop price, size, time in force and
 * post-only where the type supports them. The form's own checks (`./orderForm.ts`) and the server's field errors are
 * shown next to their fields, and what was typed is kept; other refusals (e.g. `post-only-would-take`,
 * `insufficient-balance`, `market-paused`) are shown under the button with their code.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { cn } from '@/lib/cn';
import { usePlaceOrder, type Market } from './api';
import { fieldError, formError } from './errors';
import {
  needsPrice,
  needsStop,
  supportsPostOnly,
  supportsTif,
  validateOrder,
  type FieldErrors,
  type OrderFormValues,
  type OrderType,
  type Tif,
} from './orderForm';

/** Props of {@link OrderTicket}. */
export interface OrderTicketProps {
  market: Market;
  accountId: number | null;
  /** A price picked in the book (copied into the price field when it changes). */
  pickedPrice: { price: string; n: number } | null;
}

/** The order entry form of one market. */
export function OrderTicket({ market, accountId, pickedPrice }: OrderTicketProps) {
  const [v, setV] = useState<OrderFormValues>({
    side: 'buy',
    type: 'limit',
    price: '',
    stopPrice: '',
    size: '',
    tif: 'GTC',
    postOnly: false,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const place = usePlaceOrder();
  useEffect(() => {
    if (pickedPrice) setV((o) => ({ ...o, price: pickedPrice.price }));
  }, [pickedPrice]);
  const set = <K extends keyof OrderFormValues>(k: K, value: OrderFormValues[K]) => {
    setV((o) => {
      const n = { ...o, [k]: value };
      // post-only only exists for GTC limit orders: a hidden, stale tick must not block the order
      if (!supportsPostOnly(n.type, n.tif)) n.postOnly = false;
      return n;
    });
    setErrors((e) => ({ ...e, [k]: undefined }));
  };
  const err = (k: keyof FieldErrors) => errors[k] ?? fieldError(place.error, k);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    place.reset();
    const r = validateOrder(v, market, accountId ?? undefined);
    if (r.errors) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    place.mutate(r.body, {
      onSuccess: ({ order: o }) =>
        setDone(
          `Order #${o.id} ${o.status}: ${o.side} ${o.size}${o.price ? ` @ ${o.price}` : ''}` +
            (o.filled !== '0' ? ` (filled ${o.filled})` : ''),
        ),
    });
  };

  const shown = [
    'size',
    ...(needsPrice(v.type) ? ['price'] : []),
    ...(needsStop(v.type) ? ['stopPrice'] : []),
    ...(supportsTif(v.type) ? ['tif'] : []),
    ...(v.type === 'limit' ? ['postOnly'] : []),
  ];
  const general = formError(place.error, shown);
  return (
    <Card className="min-w-0">
      <CardHeader title={`Order · ${market.name}`} />
      <form className="flex flex-col gap-2.5 p-3" onSubmit={submit} noValidate aria-label="Order ticket">
        <div role="radiogroup" aria-label="Side" className="grid grid-cols-2 gap-1">
          {(['buy', 'sell'] as const).map((s) => (
            <Button
              key={s}
              role="radio"
              aria-checked={v.side === s}
              variant={v.side === s ? s : 'outline'}
              onClick={() => set('side', s)}
            >
              {s === 'buy' ? 'Buy' : 'Sell'}
            </Button>
          ))}
        </div>
        <div className="grid grid-cols-2 gap-2">
          <Field label="Type">
            {(ids) => (
              <Select {...ids} value={v.type} onChange={(e) => set('type', e.target.value as OrderType)}>
                <option value="limit">Limit</option>
                <option value="market">Market</option>
                <option value="stop-market">Stop market</option>
                <option value="stop-limit">Stop limit</option>
              </Select>
            )}
          </Field>
          {supportsTif(v.type) ? (
            <Field label="Time in force" error={err('tif')}>
              {(ids) => (
                <Select {...ids} value={v.tif} onChange={(e) => set('tif', e.target.value as Tif)}>
                  <option value="GTC">GTC</option>
                  <option value="IOC">IOC</option>
                  <option value="FOK">FOK</option>
                </Select>
              )}
            </Field>
          ) : (
            <div />
          )}
        </div>
        {needsStop(v.type) ? (
          <Field label="Stop price" error={err('stopPrice')} hint="Triggers on the last trade price">
            {(ids) => (
              <Input
                {...ids}
                inputMode="decimal"
                value={v.stopPrice}
                onChange={(e) => set('stopPrice', e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {needsPrice(v.type) ? (
          <Field label="Price" error={err('price')} hint={`Tick ${market.tickSize}`}>
            {(ids) => (
              <Input {...ids} inputMode="decimal" value={v.price} onChange={(e) => set('price', e.target.value)} />
            )}
          </Field>
        ) : null}
        <Field label="Size" error={err('size')} hint={`Lot ${market.lotSize}`}>
          {(ids) => <Input {...ids} inputMode="decimal" value={v.size} onChange={(e) => set('size', e.target.value)} />}
        </Field>
        {v.type === 'limit' ? (
          <div className="flex flex-col gap-1">
            <label className={cn('flex items-center gap-2 text-sm', !supportsPostOnly(v.type, v.tif) && 'opacity-50')}>
              <input
                type="checkbox"
                checked={v.postOnly}
                disabled={!supportsPostOnly(v.type, v.tif)}
                onChange={(e) => set('postOnly', e.target.checked)}
              />
              Post-only
            </label>
            {err('postOnly') ? (
              <p role="alert" className="text-xs text-loss">
                {err('postOnly')}
              </p>
            ) : null}
          </div>
        ) : null}
        {errors.market ? (
          <p role="alert" className="text-xs text-loss">
            {errors.market}
          </p>
        ) : null}
        <Button type="submit" variant={v.side} disabled={place.isPending}>
          Place order
        </Button>
        {general ? (
          <p role="alert" data-testid="order-error" className="text-xs text-loss">
            {general}
          </p>
        ) : null}
        {done ? (
          <p role="status" data-testid="order-result" className="text-xs text-profit">
            {done}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
