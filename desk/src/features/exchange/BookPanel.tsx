/**
 * The selected market's order book as a depth ladder (asks above, bids below, the spread between), live over the
 * exchange socket. A price can be clicked to copy it into the order ticket; levels can be grouped by a coarser step.
 */
import { useMemo, useState } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { Select } from '@/components/ui/input';
import { Empty } from '@/components/ui/states';
import { buildLadder, type LadderRow } from './book';
import { decimalsOf, fromScaled, toScaled } from '@/lib/decimal';
import type { MarketWithBook } from './api';
import { dec } from './fmt';

/** Grouping steps offered for a tick: 1, 10 and 100 ticks. */
export function groupSteps(tick: string): string[] {
  const scale = decimalsOf(tick);
  const t = toScaled(tick, scale);
  return [1n, 10n, 100n].map((k) => fromScaled(t * k, scale));
}

function Row({ r, onPick }: { r: LadderRow; onPick(price: string): void }) {
  const bid = r.side === 'bid';
  return (
    <tr className="relative" data-side={r.side}>
      <td className="relative px-2 py-0.5">
        <span
          aria-hidden
          className={bid ? 'absolute inset-y-0 right-0 bg-profit/15' : 'absolute inset-y-0 right-0 bg-loss/15'}
          style={{ width: `${Math.round(r.depth * 100)}%` }}
        />
        <button
          type="button"
          className={`num relative ${bid ? 'text-profit' : 'text-loss'} hover:underline`}
          aria-label={`Use price ${r.price}`}
          onClick={() => onPick(r.price)}
        >
          {dec(r.price)}
        </button>
      </td>
      <td className="num px-2 py-0.5 text-right">{dec(r.size)}</td>
      <td className="num px-2 py-0.5 text-right text-muted">{dec(r.total)}</td>
      <td className="num px-2 py-0.5 text-right text-muted">{r.orders}</td>
    </tr>
  );
}

/** Props of {@link BookPanel}. */
export interface BookPanelProps {
  market: MarketWithBook;
  onPickPrice(price: string): void;
}

/** The depth ladder of one market. */
export function BookPanel({ market, onPickPrice }: BookPanelProps) {
  const steps = useMemo(() => groupSteps(market.tickSize), [market.tickSize]);
  const [step, setStep] = useState<string>('');
  const ladder = useMemo(
    () => buildLadder(market.book, { step: step && step !== steps[0] ? step : null, rows: 12 }),
    [market.book, step, steps],
  );
  const empty = ladder.asks.length === 0 && ladder.bids.length === 0;
  return (
    <Card className="min-w-0">
      <CardHeader
        title="Order book"
        actions={
          <label className="flex items-center gap-1 text-xs text-muted">
            Group
            <Select
              className="h-7 w-24 py-0 text-xs"
              value={step || steps[0]}
              onChange={(e) => setStep(e.target.value)}
            >
              {steps.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          </label>
        }
      />
      {empty ? (
        <Empty>Empty book: no resting order.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-xs" aria-label="Order book">
            <thead className="text-muted">
              <tr>
                <th className="px-2 py-1 text-left font-medium">Price</th>
                <th className="px-2 py-1 text-right font-medium">Size</th>
                <th className="px-2 py-1 text-right font-medium">Total</th>
                <th className="px-2 py-1 text-right font-medium">Orders</th>
              </tr>
            </thead>
            <tbody aria-label="Asks">
              {ladder.asks.map((r) => (
                <Row key={`a${r.price}`} r={r} onPick={onPickPrice} />
              ))}
            </tbody>
            <tbody>
              <tr className="border-y border-border bg-panel-2">
                <td colSpan={4} className="px-2 py-1 text-center text-muted">
                  Spread <span className="num text-fg">{dec(ladder.spread)}</span>
                  {' · '}Last <span className="num text-fg">{dec(market.lastPrice)}</span>
                </td>
              </tr>
            </tbody>
            <tbody aria-label="Bids">
              {ladder.bids.map((r) => (
                <Row key={`b${r.price}`} r={r} onPick={onPickPrice} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
