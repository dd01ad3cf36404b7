/** Trade rows for the tests of the table and the CSV export. */
import type { TradeRow } from './api';

/** A closed long trade with `over` fields replaced. */
export function trade(id: number, over: Partial<TradeRow> = {}): TradeRow {
  return {
    id,
    symbol: 'BTC-USD',
    side: 'buy',
    status: 'closed',
    entryType: 'market',
    entryPrice: '100',
    stopLoss: '95',
    takeProfit: '110',
    qty: '1',
    setup: null,
    tags: [],
    notes: null,
    submittedAt: `2024-01-0${id}T00:00:00.000Z`,
    openedAt: `2024-01-0${id}T00:00:00.000Z`,
    entryFillPrice: '100',
    closedAt: `2024-01-0${id}T05:00:00.000Z`,
    exitPrice: '110',
    exitReason: 'target',
    grossPnl: '10',
    fees: '0.2',
    netPnl: '9.8',
    initialRisk: '5.2',
    rMultiple: 1.88,
    maeR: -0.2,
    mfeR: 2,
    holdingMs: 18_000_000,
    ...over,
  };
}
