import { describe, expect, it } from 'vitest';
import type { TradeDetail } from './api';
import { trade } from './fixtures';
import {
  barTimeAt,
  candleWindow,
  chooseTimeframe,
  lastMarketTime,
  timeframeSeconds,
  tradeLines,
  tradeMarkers,
} from './chart-data';

const detail = (over: Partial<TradeDetail> = {}): TradeDetail => ({
  ...trade(1),
  currentStopLoss: '95',
  currentTakeProfit: '110',
  openQty: '0',
  decisions: [],
  orders: [],
  fills: [],
  ...over,
});

describe('the trade chart', () => {
  it('draws entry, stop, target and exit; the initial stop dashed once the stop moved', () => {
    expect(tradeLines(detail()).map((l) => [l.kind, l.price])).toEqual([
      ['entry', '100'],
      ['stop-initial', '95'],
      ['target', '110'],
      ['exit', '110'],
    ]);
    const moved = tradeLines(detail({ currentStopLoss: '100', exitPrice: null, closedAt: null }));
    expect(moved.map((l) => [l.kind, l.title, l.price, l.dashed])).toEqual([
      ['entry', 'Entry', '100', false],
      ['stop-initial', 'Initial stop', '95', true],
      ['stop', 'Stop', '100', false],
      ['target', 'Target', '110', false],
    ]);
    expect(tradeLines(detail({ entryFillPrice: null, entryPrice: '99.5' }))[0]!.price).toBe('99.5');
  });

  it('draws no stop for a trade imported from a venue without a known stop', () => {
    const imported = tradeLines(detail({ stopLoss: null, currentStopLoss: null }));
    expect(imported.map((l) => l.kind)).toEqual(['entry', 'target', 'exit']);
  });

  it('knows timeframe lengths and picks one that shows the trade in at most ~150 bars', () => {
    expect(timeframeSeconds('15m')).toBe(900);
    expect(timeframeSeconds('4h')).toBe(14_400);
    expect(timeframeSeconds('x')).toBe(3600);
    const t = {
      submittedAt: '2024-01-01T00:00:00Z',
      openedAt: '2024-01-01T00:00:00Z',
      closedAt: '2024-01-11T00:00:00Z',
    };
    expect(chooseTimeframe(t, 0, ['1m', '1h', '4h', '1d'])).toBe('4h');
    expect(chooseTimeframe({ ...t, closedAt: '2024-01-01T05:00:00Z' }, 0, ['1h', '1d'])).toBe('1h');
    expect(chooseTimeframe(t, 0, [])).toBe('1h');
  });

  it("knows an open trade's latest market time from its fills and decisions, not the wall clock", () => {
    const t = detail({
      closedAt: null,
      submittedAt: '2017-07-14T13:00:00.000Z',
      openedAt: '2017-07-14T13:00:00.000Z',
      fills: [
        { id: 1, orderId: 1, price: '1', qty: '1', fee: '0', liquidity: 'taker', filledAt: '2017-07-14T13:00:00.000Z' },
      ],
      decisions: [
        {
          id: 2,
          kind: 'move-stop',
          createdAt: '2026-01-01T00:00:00.000Z',
          marketTime: '2017-07-15T02:00:00.000Z',
          approved: true,
          input: {},
          verdicts: [],
          sizing: null,
          change: null,
        },
      ],
    });
    expect(lastMarketTime(t)).toBe(Date.parse('2017-07-15T02:00:00.000Z') / 1000);
    expect(chooseTimeframe(t, lastMarketTime(t), ['1h', '4h', '1d'])).toBe('1h');
  });

  it('takes bars before the submission and after the exit, or up to now while open', () => {
    const t = { submittedAt: '2024-01-01T10:00:00Z', closedAt: '2024-01-01T20:00:00Z' };
    const s = Date.parse(t.submittedAt) / 1000;
    expect(candleWindow(t, 3600, 0)).toEqual({ from: s - 48 * 3600, to: s + 10 * 3600 + 24 * 3600 });
    expect(candleWindow({ ...t, closedAt: null }, 3600, s + 7200)).toEqual({ from: s - 48 * 3600, to: s + 3 * 3600 });
  });

  it('snaps entry and exit markers to the bars containing them', () => {
    const bars = [0, 3600, 7200, 10_800].map((time) => ({ time }));
    expect(barTimeAt(bars, 5000)).toBe(3600);
    expect(barTimeAt(bars, 7200)).toBe(7200);
    expect(barTimeAt(bars, -1)).toBeNull();
    const m = tradeMarkers(
      detail({ openedAt: new Date(5000_000).toISOString(), closedAt: new Date(11_000_000).toISOString() }),
      bars,
    );
    expect(m.map((x) => [x.kind, x.time, x.position, x.text])).toEqual([
      ['entry', 3600, 'belowBar', 'Buy 100'],
      ['exit', 10_800, 'aboveBar', 'Exit 110 (target)'],
    ]);
    const short = tradeMarkers(detail({ side: 'sell', openedAt: new Date(0).toISOString(), closedAt: null }), bars);
    expect(short).toEqual([{ time: 0, kind: 'entry', text: 'Sell 100', position: 'aboveBar', shape: 'arrowDown' }]);
  });
});
