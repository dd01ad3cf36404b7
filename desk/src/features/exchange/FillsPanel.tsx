/** The user's fills (latest 100, newest first) of the selected account, live over the socket's `fills` channel. */
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, Loading } from '@/components/ui/states';
import { useFills, useMarkets } from './api';
import { clock, dec } from './fmt';

/** The fills of account `accountId`. */
export function FillsPanel({ accountId }: { accountId: number }) {
  const fills = useFills();
  const markets = useMarkets();
  const name = (id: number) => markets.data?.find((m) => m.id === id)?.name ?? `#${id}`;
  const rows = fills?.filter((f) => f.accountId === accountId) ?? null;
  return (
    <Card className="min-w-0">
      <CardHeader title="Fills" />
      {rows === null ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No fill yet.</Empty>
      ) : (
        <div className="max-h-72 overflow-auto">
          <table className="w-full text-xs" aria-label="Fills">
            <thead className="sticky top-0 bg-panel text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">Time</th>
                <th className="px-2 py-1 text-left font-medium">Market</th>
                <th className="px-2 py-1 text-left font-medium">Side</th>
                <th className="px-2 py-1 text-right font-medium">Price</th>
                <th className="px-2 py-1 text-right font-medium">Size</th>
                <th className="px-2 py-1 text-left font-medium">Liquidity</th>
                <th className="px-2 py-1 text-right font-medium">Order</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={`${f.tradeId}-${f.liquidity}`} className="border-t border-border">
                  <td className="num px-2 py-1 text-muted">{clock(f.at)}</td>
                  <td className="px-2 py-1">{name(f.marketId)}</td>
                  <td className={`px-2 py-1 ${f.side === 'buy' ? 'text-profit' : 'text-loss'}`}>{f.side}</td>
                  <td className="num px-2 py-1 text-right">{dec(f.price)}</td>
                  <td className="num px-2 py-1 text-right">{dec(f.size)}</td>
                  <td className="px-2 py-1">{f.liquidity}</td>
                  <td className="num px-2 py-1 text-right text-muted">#{f.orderId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
