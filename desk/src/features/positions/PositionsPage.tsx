/**
 * The Positions page: open positions with live P&L in quote currency and in R (refreshed on `position`, `order`,
 * `fill`, `trade-closed` and `candle` events), their bracket orders, and the actions that manage them (close,
 * partial close, move stop, move target, stop to breakeven); pending entries that can be cancelled; and the
 * account's risk state against the protocol's limits. A live trade (sent through an exchange connection) names its
 * connection, and its orders show their state on the venue: client order id and quantity filled.
 */
import { useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useLiveEvent } from '@/api/live';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { rMultiple, signClass, signedMoney, utc } from '@/lib/format';
import { useInstruments, type Instrument } from '@/features/trade/api';
import { splitSymbol } from '@/features/trade/venue';
import { useConnections } from '@/features/account/connectionsApi';
import { pkeys, usePending, usePositions, type OrderLeg, type PendingTrade, type Position } from './api';
import { ManageDialog, type ManageMode } from './ManageDialog';
import { RiskPanel } from './RiskPanel';

const STATUS_TONE: Record<string, 'profit' | 'loss' | 'warn' | 'accent' | 'neutral'> = {
  open: 'accent',
  held: 'neutral',
  filled: 'profit',
  cancelled: 'neutral',
  triggered: 'warn',
  rejected: 'loss',
};

function VenueTag({ label }: { label: string | null }) {
  if (label === null) return null;
  return (
    <Badge tone="accent" data-testid="via-connection">
      via {label}
    </Badge>
  );
}

function Legs({ orders }: { orders: OrderLeg[] }) {
  return (
    <ul className="flex flex-col gap-0.5 text-xs" aria-label="Bracket orders">
      {orders.map((o) => (
        <li key={o.id} className="flex items-center justify-between gap-2" data-testid={`leg-${o.leg}`}>
          <span className="min-w-0 text-muted">
            <span className="capitalize">{o.leg}</span>{' '}
            <span className="text-[10px]">
              ({o.type}, {o.side})
            </span>
            {o.clientOrderId ? (
              <span className="num block break-all text-[10px]" data-testid="client-order-id">
                {o.clientOrderId} · filled {o.filledQty ?? '0'} of {o.qty}
              </span>
            ) : null}
          </span>
          <span className="flex items-center gap-1.5">
            <span className="num" data-testid="leg-price">
              {o.price ?? 'market'}
            </span>
            <Badge tone={STATUS_TONE[o.status] ?? 'neutral'}>{o.status}</Badge>
          </span>
        </li>
      ))}
    </ul>
  );
}

function Cell({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <div className="text-[11px] text-muted">{label}</div>
      <div className="num truncate text-sm" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

function PositionCard({
  p,
  instrument,
  via,
  onAction,
}: {
  p: Position;
  instrument: Instrument | undefined;
  /** Label of the exchange connection of a live trade, or null (paper). */
  via: string | null;
  onAction(mode: ManageMode): void;
}) {
  const base = instrument?.base ?? splitSymbol(p.symbol).base;
  const quote = instrument?.quote ?? splitSymbol(p.symbol).quote;
  return (
    <Card
      className="flex flex-col gap-2 p-3"
      data-testid={`position-${p.id}`}
      aria-label={`Position ${p.id}`}
      role="article"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div className="flex items-baseline gap-2">
          <Link to={`/trades/${p.id}`} className="font-semibold hover:underline">
            #{p.id} {p.symbol}
          </Link>
          <Badge tone={p.side === 'buy' ? 'profit' : 'loss'}>{p.side === 'buy' ? 'long' : 'short'}</Badge>
          <VenueTag label={via} />
          <span className="num text-xs text-muted">
            {p.openQty} {base}
          </span>
        </div>
        <div className="text-right">
          <span className={cn('num text-base font-semibold', signClass(p.unrealizedPnl))} data-testid="pnl">
            {signedMoney(p.unrealizedPnl)} {quote}
          </span>{' '}
          <span className={cn('num text-sm', signClass(p.unrealizedR))} data-testid="pnl-r">
            {rMultiple(p.unrealizedR)}
          </span>
        </div>
      </div>
      <div className="grid grid-cols-3 gap-2 sm:grid-cols-5">
        <Cell label="Entry fill">{p.entryFillPrice ?? '–'}</Cell>
        <Cell label="Mark">{p.markPrice ?? '–'}</Cell>
        <Cell label="Stop" testId="stop">
          {p.currentStopLoss ?? p.stopLoss}
        </Cell>
        <Cell label="Target" testId="target">
          {p.currentTakeProfit ?? p.takeProfit ?? '–'}
        </Cell>
        <Cell label="Opened">{p.openedAt ? utc(p.openedAt) : '–'}</Cell>
      </div>
      <Legs orders={p.orders} />
      <div className="flex flex-wrap gap-1.5">
        <Button size="sm" variant="outline" onClick={() => onAction('stop')}>
          Move stop
        </Button>
        <Button size="sm" variant="outline" onClick={() => onAction('target')}>
          Move target
        </Button>
        <Button size="sm" variant="outline" onClick={() => onAction('breakeven')}>
          Breakeven
        </Button>
        <Button size="sm" variant="outline" onClick={() => onAction('partial')}>
          Partial close
        </Button>
        <Button size="sm" variant="danger" onClick={() => onAction('close')}>
          Close
        </Button>
      </div>
    </Card>
  );
}

function PendingRow({ t, via, onCancel }: { t: PendingTrade; via: string | null; onCancel(): void }) {
  return (
    <li className="flex flex-wrap items-center justify-between gap-2 px-3 py-2 text-sm" data-testid={`pending-${t.id}`}>
      <span>
        <span className="font-medium">
          #{t.id} {t.symbol}
        </span>{' '}
        <Badge tone={t.side === 'buy' ? 'profit' : 'loss'}>{t.side === 'buy' ? 'long' : 'short'}</Badge>{' '}
        <VenueTag label={via} />{' '}
        <span className="num text-xs text-muted">
          {t.qty} @ {t.entryPrice ?? 'market'} · stop {t.stopLoss ?? '–'} · target {t.takeProfit ?? '–'}
        </span>
      </span>
      <Button size="sm" variant="danger" onClick={onCancel}>
        Cancel entry
      </Button>
    </li>
  );
}

/** The Positions page. */
export default function PositionsPage() {
  const qc = useQueryClient();
  const positions = usePositions();
  const pending = usePending();
  const instruments = useInstruments();
  const connections = useConnections();
  const [action, setAction] = useState<{ mode: ManageMode; id: number } | null>(null);
  const lastRefresh = useRef(0);

  useLiveEvent(['position', 'order', 'fill', 'trade-closed'], () => {
    void qc.invalidateQueries({ queryKey: pkeys.positions });
    void qc.invalidateQueries({ queryKey: pkeys.pending });
    void qc.invalidateQueries({ queryKey: pkeys.risk });
  });
  useLiveEvent(['candle', 'breaker'], () => {
    // marks move with every bar; at most a few refreshes a second while a replay runs fast
    const now = Date.now();
    if (now - lastRefresh.current < 300) return;
    lastRefresh.current = now;
    if (positions.data?.length) void qc.invalidateQueries({ queryKey: pkeys.positions });
    void qc.invalidateQueries({ queryKey: pkeys.risk });
  });

  const inst = (s: string) => instruments.data?.find((i) => i.symbol === s);
  const via = (id: number | null | undefined): string | null =>
    id == null ? null : (connections.data?.find((c) => c.id === id)?.label ?? `connection #${id}`);
  const list = positions.data ?? [];
  const pend = pending.data ?? [];
  const target = action
    ? (list.find((p) => p.id === action.id) ??
      (() => {
        const t = pend.find((x) => x.id === action.id);
        return t
          ? {
              id: t.id,
              symbol: t.symbol,
              side: t.side,
              openQty: t.qty,
              currentStopLoss: t.stopLoss,
              currentTakeProfit: t.takeProfit,
            }
          : null;
      })())
    : null;

  return (
    <div className="grid gap-3 p-3 lg:grid-cols-[minmax(0,1fr)_340px]">
      <div className="flex min-w-0 flex-col gap-3">
        <h1 className="text-base font-semibold">Open positions</h1>
        {positions.isPending ? (
          <Loading />
        ) : positions.isError ? (
          <ErrorState error={positions.error} retry={() => void positions.refetch()} />
        ) : list.length === 0 ? (
          <Card>
            <Empty>
              No open positions.{' '}
              <Link to="/trade" className="text-accent underline">
                Set one up on Trade
              </Link>
              .
            </Empty>
          </Card>
        ) : (
          list.map((p) => (
            <PositionCard
              key={p.id}
              p={p}
              instrument={inst(p.symbol)}
              via={via(p.connectionId)}
              onAction={(mode) => setAction({ mode, id: p.id })}
            />
          ))
        )}
        {pend.length ? (
          <Card>
            <CardHeader title="Pending entries" />
            <ul className="divide-y divide-border">
              {pend.map((t) => (
                <PendingRow
                  key={t.id}
                  t={t}
                  via={via(t.connectionId)}
                  onCancel={() => setAction({ mode: 'cancel', id: t.id })}
                />
              ))}
            </ul>
          </Card>
        ) : pending.isError ? (
          <ErrorState error={pending.error} retry={() => void pending.refetch()} />
        ) : null}
      </div>
      <div className="min-w-0">
        <RiskPanel />
      </div>
      {action && target ? (
        <ManageDialog
          key={`${action.mode}-${action.id}`}
          mode={action.mode}
          trade={target}
          instrument={inst(target.symbol)}
          onClose={() => setAction(null)}
        />
      ) : null}
      <span className="sr-only" aria-live="polite">
        {list.length} open position{list.length === 1 ? '' : 's'}
      </span>
    </div>
  );
}
