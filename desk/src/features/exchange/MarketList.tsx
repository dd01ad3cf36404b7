/**
 * The markets list: name, gateway symbol (with base/quote assets), kind, status, best bid, best ask and last price;
 * a row selects its market.
 */
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { useMarkets, type Market } from './api';
import { dec } from './fmt';

/** Tone of a market status badge. */
export function statusTone(s: Market['status']): 'profit' | 'warn' | 'neutral' {
  return s === 'open' ? 'profit' : s === 'paused' ? 'warn' : 'neutral';
}

/** Props of {@link MarketList}. */
export interface MarketListProps {
  selected: number | null;
  onSelect(id: number): void;
}

/** The list of visible markets. */
export function MarketList({ selected, onSelect }: MarketListProps) {
  const q = useMarkets();
  return (
    <Card className="min-w-0 lg:self-start">
      <CardHeader title="Markets" />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Empty>No market yet: an admin creates them on the Admin page.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" aria-label="Markets">
            <thead className="text-xs text-muted">
              <tr>
                <th className="px-3 py-1.5 text-left font-medium">Market</th>
                <th className="px-2 py-1.5 text-right font-medium">Bid</th>
                <th className="px-2 py-1.5 text-right font-medium">Ask</th>
                <th className="px-3 py-1.5 text-right font-medium">Last</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((m) => (
                <tr
                  key={m.id}
                  data-market-id={m.id}
                  className={cn('border-t border-border', m.id === selected && 'bg-panel-2')}
                >
                  <td className="px-3 py-1.5">
                    <button
                      type="button"
                      className="text-left font-medium hover:text-accent focus-visible:outline focus-visible:outline-2 focus-visible:outline-accent"
                      aria-current={m.id === selected ? 'true' : undefined}
                      onClick={() => onSelect(m.id)}
                    >
                      {m.name}
                    </button>
                    <div className="num text-xs text-muted" title={`${m.baseAsset}/${m.quoteAsset}`}>
                      {m.symbol}
                    </div>
                    <div className="mt-0.5 flex gap-1">
                      <Badge>{m.kind}</Badge>
                      <Badge tone={statusTone(m.status)}>{m.status}</Badge>
                    </div>
                  </td>
                  <td className="num px-2 py-1.5 text-right text-profit">{dec(m.bestBid)}</td>
                  <td className="num px-2 py-1.5 text-right text-loss">{dec(m.bestAsk)}</td>
                  <td className="num px-3 py-1.5 text-right">{dec(m.lastPrice)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
