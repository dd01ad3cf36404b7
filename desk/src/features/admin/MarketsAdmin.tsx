/**
 * Market administration: create a spot or bounded market (grid, settlement bounds, optional gateway symbol and
 * base/quote assets, hidden accounts, restricted visibility), pause and resume (a paused market refuses new orders
 * with `market-paused` and keeps its book), close (cancels every live order), settle a bounded market at a price,
 * and deposit a spot market's base asset.
 */
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useMarkets, type Market } from '@/features/exchange/api';
import { fieldError, formError } from '@/features/exchange/errors';
import { dec } from '@/features/exchange/fmt';
import { statusTone } from '@/features/exchange/MarketList';
import { useMarketAdmin, type CreateMarketInput } from './api';

const CREATE_FIELDS = [
  'name',
  'description',
  'kind',
  'symbol',
  'baseAsset',
  'quoteAsset',
  'tickSize',
  'lotSize',
  'minPrice',
  'maxPrice',
  'visibleTo',
];

/** Upper-case letters and digits, 1–20 of them (2–20 for a symbol), as the server requires. */
const ASSET = /^[A-Z0-9]{1,20}$/;
const SYMBOL = /^[A-Z0-9]{2,20}$/;

function CreateMarket() {
  const { create } = useMarketAdmin();
  const [f, setF] = useState({
    name: '',
    description: '',
    kind: 'bounded' as 'spot' | 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0',
    maxPrice: '1',
    hideAccounts: false,
    visibleTo: '',
    symbol: '',
    baseAsset: '',
    quoteAsset: '',
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (k: keyof typeof f, v: string | boolean) => setF((o) => ({ ...o, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.reset();
    const errs: Record<string, string> = {};
    if (!f.name.trim()) errs.name = 'Enter a name';
    const ids = f.visibleTo
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((s) => Number(s));
    if (ids.some((n) => !Number.isInteger(n) || n <= 0)) errs.visibleTo = 'Account ids separated by commas';
    const symbol = f.symbol.trim().toUpperCase();
    const baseAsset = f.baseAsset.trim().toUpperCase();
    const quoteAsset = f.quoteAsset.trim().toUpperCase();
    if (symbol && !SYMBOL.test(symbol)) errs.symbol = '2 to 20 letters A–Z or digits, e.g. RAINUSD';
    if (baseAsset && !ASSET.test(baseAsset)) errs.baseAsset = 'Letters A–Z or digits, e.g. RAIN';
    if (quoteAsset && !ASSET.test(quoteAsset)) errs.quoteAsset = 'Letters A–Z or digits, e.g. USD';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    const body: CreateMarketInput = {
      name: f.name.trim(),
      kind: f.kind,
      tickSize: f.tickSize.trim(),
      lotSize: f.lotSize.trim(),
      ...(f.description.trim() ? { description: f.description.trim() } : {}),
      ...(symbol ? { symbol } : {}),
      ...(baseAsset ? { baseAsset } : {}),
      ...(quoteAsset ? { quoteAsset } : {}),
      ...(f.kind === 'bounded' ? { minPrice: f.minPrice.trim(), maxPrice: f.maxPrice.trim() } : {}),
      ...(f.hideAccounts ? { hideAccounts: true } : {}),
      ...(ids.length ? { visibleTo: ids } : {}),
    };
    create.mutate(body);
  };
  const codes = { 'market-name-taken': 'name', 'market-symbol-taken': 'symbol' };
  const err = (k: string) => local[k] ?? fieldError(create.error, k, codes);
  const general = formError(create.error, CREATE_FIELDS, codes);
  return (
    <form
      className="grid grid-cols-1 gap-2 p-3 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={submit}
      noValidate
      aria-label="New market"
    >
      <Field label="Market name" error={err('name')} className="sm:col-span-2">
        {(ids) => <Input {...ids} value={f.name} maxLength={80} onChange={(e) => set('name', e.target.value)} />}
      </Field>
      <Field label="Kind" error={err('kind')}>
        {(ids) => (
          <Select {...ids} value={f.kind} onChange={(e) => set('kind', e.target.value)}>
            <option value="bounded">Bounded (prediction)</option>
            <option value="spot">Spot</option>
          </Select>
        )}
      </Field>
      <Field label="Visible to account ids" error={err('visibleTo')} hint="Empty: everyone">
        {(ids) => <Input {...ids} value={f.visibleTo} onChange={(e) => set('visibleTo', e.target.value)} />}
      </Field>
      <Field label="Tick size" error={err('tickSize')}>
        {(ids) => (
          <Input {...ids} inputMode="decimal" value={f.tickSize} onChange={(e) => set('tickSize', e.target.value)} />
        )}
      </Field>
      <Field label="Lot size" error={err('lotSize')}>
        {(ids) => (
          <Input {...ids} inputMode="decimal" value={f.lotSize} onChange={(e) => set('lotSize', e.target.value)} />
        )}
      </Field>
      {f.kind === 'bounded' ? (
        <>
          <Field label="Minimum price" error={err('minPrice')}>
            {(ids) => (
              <Input
                {...ids}
                inputMode="decimal"
                value={f.minPrice}
                onChange={(e) => set('minPrice', e.target.value)}
              />
            )}
          </Field>
          <Field label="Maximum price" error={err('maxPrice')}>
            {(ids) => (
              <Input
                {...ids}
                inputMode="decimal"
                value={f.maxPrice}
                onChange={(e) => set('maxPrice', e.target.value)}
              />
            )}
          </Field>
        </>
      ) : null}
      <Field label="Symbol" error={err('symbol')} hint="Optional: from the name">
        {(ids) => (
          <Input
            {...ids}
            value={f.symbol}
            maxLength={20}
            autoCapitalize="characters"
            placeholder="e.g. RAINUSD"
            onChange={(e) => set('symbol', e.target.value)}
          />
        )}
      </Field>
      <Field label="Base asset" error={err('baseAsset')} hint="Optional: from the symbol">
        {(ids) => (
          <Input
            {...ids}
            value={f.baseAsset}
            maxLength={20}
            autoCapitalize="characters"
            onChange={(e) => set('baseAsset', e.target.value)}
          />
        )}
      </Field>
      <Field label="Quote asset" error={err('quoteAsset')} hint="Optional: the cash asset">
        {(ids) => (
          <Input
            {...ids}
            value={f.quoteAsset}
            maxLength={20}
            autoCapitalize="characters"
            onChange={(e) => set('quoteAsset', e.target.value)}
          />
        )}
      </Field>
      <Field label="Description" error={err('description')} className="sm:col-span-2">
        {(ids) => <Input {...ids} value={f.description} onChange={(e) => set('description', e.target.value)} />}
      </Field>
      <label className="flex items-center gap-2 self-end pb-2 text-sm">
        <input type="checkbox" checked={f.hideAccounts} onChange={(e) => set('hideAccounts', e.target.checked)} />
        Hide account ids in trades
      </label>
      <div className="flex items-end">
        <Button type="submit" className="w-full" disabled={create.isPending}>
          Create market
        </Button>
      </div>
      {general ? (
        <p role="alert" className="text-xs text-loss sm:col-span-2 lg:col-span-4">
          {general}
        </p>
      ) : null}
      {create.isSuccess ? (
        <p role="status" className="text-xs text-profit sm:col-span-2 lg:col-span-4">
          Market #{create.data.id} {create.data.name} created ({create.data.kind}, {create.data.status}), symbol{' '}
          {create.data.symbol} ({create.data.baseAsset}/{create.data.quoteAsset})
        </p>
      ) : null}
    </form>
  );
}

function SettleOrDeposit({ markets }: { markets: Market[] }) {
  const { settle, deposit } = useMarketAdmin();
  const live = markets.filter((m) => m.status !== 'closed');
  const [id, setId] = useState<number>(live[0]?.id ?? 0);
  const [price, setPrice] = useState('');
  const [accountId, setAccountId] = useState('');
  const [size, setSize] = useState('');
  const m = live.find((x) => x.id === id) ?? live[0];
  if (!m) return null;
  const run = (e: FormEvent) => {
    e.preventDefault();
    if (m.kind === 'bounded') settle.mutate({ id: m.id, price: price.trim() });
    else deposit.mutate({ id: m.id, accountId: Number(accountId) || 0, size: size.trim() });
  };
  const error = m.kind === 'bounded' ? settle.error : deposit.error;
  const general = formError(error, ['price', 'accountId', 'size'], { 'account-not-found': 'accountId' });
  return (
    <form
      className="grid grid-cols-1 gap-2 border-t border-border p-3 sm:grid-cols-4"
      onSubmit={run}
      noValidate
      aria-label="Settle or deposit"
    >
      <Field label="Market to settle or fund">
        {(ids) => (
          <Select {...ids} value={m.id} onChange={(e) => setId(Number(e.target.value))}>
            {live.map((x) => (
              <option key={x.id} value={x.id}>
                #{x.id} {x.name} ({x.kind})
              </option>
            ))}
          </Select>
        )}
      </Field>
      {m.kind === 'bounded' ? (
        <Field
          label="Settlement price"
          error={fieldError(settle.error, 'price')}
          hint={`Within [${m.minPrice ?? '0'}, ${m.maxPrice ?? '–'}]`}
          className="sm:col-span-2"
        >
          {(ids) => <Input {...ids} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />}
        </Field>
      ) : (
        <>
          <Field
            label="Deposit into account id"
            error={fieldError(deposit.error, 'accountId', { 'account-not-found': 'accountId' })}
          >
            {(ids) => (
              <Input {...ids} inputMode="numeric" value={accountId} onChange={(e) => setAccountId(e.target.value)} />
            )}
          </Field>
          <Field label="Asset size" error={fieldError(deposit.error, 'size')} hint={`Lot ${m.lotSize}`}>
            {(ids) => <Input {...ids} inputMode="decimal" value={size} onChange={(e) => setSize(e.target.value)} />}
          </Field>
        </>
      )}
      <div className="flex items-end">
        <Button type="submit" variant={m.kind === 'bounded' ? 'danger' : 'outline'} className="w-full">
          {m.kind === 'bounded' ? 'Settle market' : 'Deposit asset'}
        </Button>
      </div>
      {general ? (
        <p role="alert" className="text-xs text-loss sm:col-span-4">
          {general}
        </p>
      ) : null}
      {settle.isSuccess ? (
        <p role="status" className="text-xs text-profit sm:col-span-4">
          {settle.data.name} settled at {settle.data.settledPrice}: {settle.data.positionsPaid} positions paid
        </p>
      ) : null}
      {deposit.isSuccess ? (
        <p role="status" className="text-xs text-profit sm:col-span-4">
          Deposited {deposit.data.deposited} into #{deposit.data.accountId}: position {deposit.data.position}
        </p>
      ) : null}
    </form>
  );
}

/** The markets section of the Admin page. */
export function MarketsAdmin() {
  const q = useMarkets();
  const { status } = useMarketAdmin();
  const [closing, setClosing] = useState<number | null>(null);
  const statusError = formError(status.error);
  return (
    <Card className="min-w-0">
      <CardHeader title="Markets" />
      <CreateMarket />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Empty>No market yet.</Empty>
      ) : (
        <>
          {statusError ? (
            <p role="alert" className="px-3 text-xs text-loss">
              {statusError}
            </p>
          ) : null}
          <div className="overflow-x-auto border-t border-border">
            <table className="w-full text-sm" aria-label="Markets to administer">
              <thead className="text-xs text-muted">
                <tr>
                  <th className="px-3 py-1 text-left font-medium">Market</th>
                  <th className="px-2 py-1 text-left font-medium">Status</th>
                  <th className="px-2 py-1 text-right font-medium">Bid</th>
                  <th className="px-2 py-1 text-right font-medium">Ask</th>
                  <th className="px-2 py-1 text-right font-medium">Last</th>
                  <th className="px-3 py-1" />
                </tr>
              </thead>
              <tbody>
                {q.data.map((m) => (
                  <tr key={m.id} className="border-t border-border" data-market-id={m.id}>
                    <td className="px-3 py-1.5">
                      <span className="font-medium">{m.name}</span>{' '}
                      <span className="text-xs text-muted">
                        #{m.id} · {m.symbol} · {m.kind} · tick {m.tickSize} · lot {m.lotSize}
                        {m.restricted ? ' · restricted' : ''}
                      </span>
                    </td>
                    <td className="px-2 py-1.5">
                      <Badge tone={statusTone(m.status)}>{m.status}</Badge>
                    </td>
                    <td className="num px-2 py-1.5 text-right">{dec(m.bestBid)}</td>
                    <td className="num px-2 py-1.5 text-right">{dec(m.bestAsk)}</td>
                    <td className="num px-2 py-1.5 text-right">{dec(m.lastPrice)}</td>
                    <td className="whitespace-nowrap px-3 py-1.5 text-right">
                      {m.status === 'open' ? (
                        <Button
                          size="sm"
                          variant="outline"
                          aria-label={`Pause ${m.name}`}
                          onClick={() => status.mutate({ id: m.id, status: 'paused' })}
                        >
                          Pause
                        </Button>
                      ) : null}
                      {m.status === 'paused' ? (
                        <Button
                          size="sm"
                          variant="outline"
                          aria-label={`Resume ${m.name}`}
                          onClick={() => status.mutate({ id: m.id, status: 'open' })}
                        >
                          Resume
                        </Button>
                      ) : null}
                      {m.status !== 'closed' ? (
                        closing === m.id ? (
                          <Button
                            size="sm"
                            variant="danger"
                            className="ml-1"
                            aria-label={`Confirm closing ${m.name}`}
                            onClick={() => {
                              setClosing(null);
                              status.mutate({ id: m.id, status: 'closed' });
                            }}
                          >
                            Confirm close
                          </Button>
                        ) : (
                          <Button
                            size="sm"
                            variant="ghost"
                            className="ml-1"
                            aria-label={`Close ${m.name}`}
                            onClick={() => setClosing(m.id)}
                          >
                            Close
                          </Button>
                        )
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <SettleOrDeposit markets={q.data} />
        </>
      )}
    </Card>
  );
}
