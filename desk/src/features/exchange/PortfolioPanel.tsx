/**
 * The selected account's portfolio: cash, available balance, what open orders and leading auction bids reserve
 * (cash − available), and its positions. Live over the exchange socket's `portfolio:<id>` channel.
 */
import { Card, CardHeader, Stat } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { signClass } from '@/lib/format';
import { usePortfolio } from './api';
import { dec, minus } from './fmt';

/** The portfolio of account `accountId`. */
export function PortfolioPanel({ accountId }: { accountId: number }) {
  const q = usePortfolio(accountId);
  return (
    <Card className="min-w-0">
      <CardHeader title={q.data ? `Portfolio · ${q.data.name}` : 'Portfolio'} />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : (
        <div className="p-3">
          <div data-testid="balances">
            <Stat label="Cash" value={<span data-testid="cash">{dec(q.data.cash)}</span>} />
            <Stat label="Available" value={<span data-testid="available">{dec(q.data.available)}</span>} />
            <Stat
              label="Reserved"
              value={<span data-testid="reserved">{dec(minus(q.data.cash, q.data.available))}</span>}
            />
          </div>
          <h3 className="mt-3 text-xs font-semibold text-muted">Positions</h3>
          {q.data.positions.length === 0 ? (
            <Empty>No position.</Empty>
          ) : (
            <table className="mt-1 w-full text-sm" aria-label="Positions">
              <tbody>
                {q.data.positions.map((p) => (
                  <tr key={p.marketId} className="border-t border-border">
                    <td className="py-1">{p.market}</td>
                    <td className={`num py-1 text-right ${signClass(p.position)}`}>{dec(p.position)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Card>
  );
}
