/** Recent trades of the selected market, newest first, live over the exchange socket. */
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { useTrades } from './api';
import { clock, dec } from './fmt';

/** The recent trades of market `marketId`. */
export function TradesPanel({ marketId }: { marketId: number }) {
  const q = useTrades(marketId);
  return (
    <Card className="min-w-0">
      <CardHeader title="Recent trades" />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Empty>No trade yet.</Empty>
      ) : (
        <div className="max-h-80 overflow-auto">
          <table className="w-full text-xs" aria-label="Recent trades">
            <thead className="sticky top-0 bg-panel text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">Time</th>
                <th className="px-2 py-1 text-right font-medium">Price</th>
                <th className="px-2 py-1 text-right font-medium">Size</th>
                <th className="px-2 py-1 text-right font-medium">Taker</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((t, i) => (
                <tr key={`${t.id}-${i}`} className="border-t border-border">
                  <td className="num px-2 py-0.5 text-muted">{clock(t.at)}</td>
                  <td className={`num px-2 py-0.5 text-right ${t.takerSide === 'buy' ? 'text-profit' : 'text-loss'}`}>
                    {dec(t.price)}
                  </td>
                  <td className="num px-2 py-0.5 text-right">{dec(t.size)}</td>
                  <td className="px-2 py-0.5 text-right">{t.takerSide}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
