/**
 * The Exchange page (`/exchange`): the simulated exchange's markets, the selected market's depth ladder and recent
 * trades, order entry, live orders with amend and cancel, the selected account's portfolio, accounts, transfers
 * and auctions. Everything stays live over `/ws/exchange` (snapshots after every reconnect). The market and the
 * account are in the URL (`?m=<marketId>&a=<accountId>`), so a link or a reload keeps them.
 */
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Badge } from '@/components/ui/card';
import { Select } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { useMe } from '@/api/session';
import { cn } from '@/lib/cn';
import { useAccounts, useExchangeLive, useMarket, useMarkets, useSocketState } from './api';
import { AccountsPanel } from './AccountsPanel';
import { ApiKeysPanel } from './ApiKeysPanel';
import { AuctionsPanel } from './AuctionsPanel';
import { BookPanel } from './BookPanel';
import { FillsPanel } from './FillsPanel';
import { dec } from './fmt';
import { MarketList, statusTone } from './MarketList';
import { OrdersPanel } from './OrdersPanel';
import { OrderTicket } from './OrderTicket';
import { PortfolioPanel } from './PortfolioPanel';
import { TradesPanel } from './TradesPanel';
import { TransfersPanel } from './TransfersPanel';

function LiveBadge() {
  const s = useSocketState();
  const label = s === 'open' ? 'Exchange: live' : s === 'closed' ? 'Exchange: offline' : `Exchange: ${s}…`;
  return (
    <span role="status" aria-live="polite" className="flex items-center gap-1.5 text-xs text-muted">
      <span className={cn('h-2 w-2 rounded-full', s === 'open' ? 'bg-profit' : 'bg-warn')} />
      {label}
    </span>
  );
}

function MarketHeader({ marketId }: { marketId: number }) {
  const q = useMarket(marketId);
  if (!q.data) return null;
  const m = q.data;
  return (
    <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1 px-1">
      <h2 className="text-lg font-semibold" data-testid="market-title">
        {m.name}
      </h2>
      <span className="num text-xs text-muted" data-testid="market-symbol">
        {m.symbol} · {m.baseAsset}/{m.quoteAsset}
      </span>
      <Badge>{m.kind}</Badge>
      <Badge tone={statusTone(m.status)}>{m.status}</Badge>
      <span className="text-xs text-muted">
        Bid <span className="num text-profit">{dec(m.bestBid)}</span> · Ask{' '}
        <span className="num text-loss">{dec(m.bestAsk)}</span> · Last{' '}
        <span className="num text-fg">{dec(m.lastPrice)}</span>
      </span>
      <span className="text-xs text-muted">
        tick {m.tickSize} · lot {m.lotSize}
        {m.kind === 'bounded' ? ` · settles in [${m.minPrice ?? '0'}, ${m.maxPrice ?? '–'}]` : ''}
      </span>
    </div>
  );
}

/** The Exchange page. */
export default function ExchangePage() {
  const [params, setParams] = useSearchParams();
  const me = useMe();
  const markets = useMarkets();
  const accounts = useAccounts();
  const [picked, setPicked] = useState<{ price: string; n: number } | null>(null);

  const wantedMarket = Number(params.get('m')) || null;
  const marketId =
    wantedMarket ?? markets.data?.find((m) => m.status !== 'closed')?.id ?? markets.data?.[0]?.id ?? null;
  const wantedAccount = Number(params.get('a')) || null;
  const accountList = accounts.data ?? [];
  const accountId =
    (wantedAccount !== null && accountList.some((a) => a.id === wantedAccount) ? wantedAccount : null) ??
    accountList.find((a) => a.kind === 'user')?.id ??
    accountList[0]?.id ??
    null;
  useExchangeLive(marketId, accountId);
  const market = useMarket(marketId);
  const listed = markets.data?.find((m) => m.id === marketId);
  const selectedAccount = accountList.find((a) => a.id === accountId);
  const isAdmin = Boolean(me.data?.user.isAdmin);

  const select = (key: 'm' | 'a', v: number) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        n.set(key, String(v));
        return n;
      },
      { replace: true },
    );

  if (accounts.isError) return <ErrorState error={accounts.error} retry={() => void accounts.refetch()} />;
  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-3 p-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-base font-semibold">Exchange</h1>
        <div className="flex flex-wrap items-center gap-3">
          {accountList.length > 1 ? (
            <label className="flex items-center gap-2 text-xs text-muted">
              Account
              <Select
                aria-label="Trading account"
                className="h-8 w-auto max-w-[220px] text-xs"
                value={accountId ?? ''}
                onChange={(e) => select('a', Number(e.target.value))}
              >
                {accountList.map((a) => (
                  <option key={a.id} value={a.id}>
                    #{a.id} {a.name}
                    {a.kind === 'alt' ? ' (alt)' : ''}
                  </option>
                ))}
              </Select>
            </label>
          ) : null}
          <LiveBadge />
        </div>
      </div>

      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(240px,300px)_minmax(0,1fr)_minmax(260px,320px)]">
        <MarketList selected={marketId} onSelect={(id) => select('m', id)} />
        <div className="flex min-w-0 flex-col gap-3">
          {marketId === null ? (
            markets.isPending ? (
              <Loading />
            ) : (
              <Empty>Pick a market.</Empty>
            )
          ) : (
            <>
              <MarketHeader marketId={marketId} />
              {market.isError ? (
                <ErrorState error={market.error} retry={() => void market.refetch()} />
              ) : market.data ? (
                <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
                  <BookPanel
                    market={market.data}
                    onPickPrice={(price) => setPicked((p) => ({ price, n: (p?.n ?? 0) + 1 }))}
                  />
                  <TradesPanel marketId={marketId} />
                </div>
              ) : (
                <Loading />
              )}
            </>
          )}
          <OrdersPanel accountId={accountId} />
        </div>
        <div className="flex min-w-0 flex-col gap-3">
          {listed ? <OrderTicket key={listed.id} market={listed} accountId={accountId} pickedPrice={picked} /> : null}
          {accountId !== null ? <PortfolioPanel accountId={accountId} /> : null}
        </div>
      </div>

      {accountId !== null ? (
        <Tabs defaultValue="transfers" className="min-w-0">
          <TabsList aria-label="Transfers, fills, accounts, API keys and auctions" className="overflow-x-auto">
            <TabsTrigger value="transfers" className="whitespace-nowrap">
              Transfers
            </TabsTrigger>
            <TabsTrigger value="fills" className="whitespace-nowrap">
              Fills
            </TabsTrigger>
            <TabsTrigger value="accounts" className="whitespace-nowrap">
              Accounts
            </TabsTrigger>
            <TabsTrigger value="api-keys" className="whitespace-nowrap">
              API keys
            </TabsTrigger>
            <TabsTrigger value="auctions" className="whitespace-nowrap">
              Auctions
            </TabsTrigger>
          </TabsList>
          <TabsContent value="transfers" className="pt-3">
            <TransfersPanel key={accountId} accounts={accountList} accountId={accountId} />
          </TabsContent>
          <TabsContent value="fills" className="pt-3">
            <FillsPanel accountId={accountId} />
          </TabsContent>
          <TabsContent value="accounts" className="pt-3">
            <AccountsPanel accounts={accountList} />
          </TabsContent>
          <TabsContent value="api-keys" className="pt-3">
            {selectedAccount ? (
              <ApiKeysPanel key={selectedAccount.id} account={selectedAccount} symbol={listed?.symbol} />
            ) : null}
          </TabsContent>
          <TabsContent value="auctions" className="pt-3">
            <AuctionsPanel accounts={accountList} accountId={accountId} isAdmin={isAdmin} />
          </TabsContent>
        </Tabs>
      ) : null}
    </div>
  );
}
