import { describe, expect, it } from 'vitest';
import { trade } from './fixtures';
import { compareDecimal, DEFAULT_SORT, nextSort, pageOf, parseSort, sortTrades } from './table';

describe('sorting the trades table', () => {
  it('compares decimal text exactly, signs and lengths included', () => {
    const xs = ['10', '-1.25', '0', '2.5', '-1.5', '0.000', '9.99999999999', '-0', '100.1'];
    expect([...xs].sort(compareDecimal)).toEqual([
      '-1.5',
      '-1.25',
      '0',
      '0.000',
      '-0',
      '2.5',
      '9.99999999999',
      '10',
      '100.1',
    ]);
    expect(compareDecimal('12345678901234567890.000000000001', '12345678901234567890')).toBe(1);
  });

  it('sorts net P&L as exact decimals in both directions', () => {
    const rows = [trade(1, { netPnl: '9.8' }), trade(2, { netPnl: '-10.25' }), trade(3, { netPnl: '100' })];
    expect(sortTrades(rows, { key: 'netPnl', dir: 'asc' }).map((t) => t.id)).toEqual([2, 1, 3]);
    expect(sortTrades(rows, { key: 'netPnl', dir: 'desc' }).map((t) => t.id)).toEqual([3, 1, 2]);
  });

  it('puts rows without a value last whichever the direction, ties by newest id', () => {
    const rows = [
      trade(1, { rMultiple: 2 }),
      trade(2, { rMultiple: null, status: 'open' }),
      trade(3, { rMultiple: -1 }),
      trade(4, { rMultiple: 2 }),
    ];
    expect(sortTrades(rows, { key: 'r', dir: 'desc' }).map((t) => t.id)).toEqual([4, 1, 3, 2]);
    expect(sortTrades(rows, { key: 'r', dir: 'asc' }).map((t) => t.id)).toEqual([3, 4, 1, 2]);
  });

  it('sorts text columns and the opened time (fill, else submission)', () => {
    const rows = [
      trade(1, { symbol: 'ETH-USD' }),
      trade(2, { symbol: 'BTC-USD', openedAt: null, submittedAt: '2024-02-01T00:00:00.000Z' }),
    ];
    expect(sortTrades(rows, { key: 'symbol', dir: 'asc' }).map((t) => t.id)).toEqual([2, 1]);
    expect(sortTrades(rows, DEFAULT_SORT).map((t) => t.id)).toEqual([2, 1]);
  });

  it('flips the direction on the same column and starts text ascending, numbers descending', () => {
    expect(nextSort({ key: 'r', dir: 'desc' }, 'r')).toEqual({ key: 'r', dir: 'asc' });
    expect(nextSort({ key: 'r', dir: 'desc' }, 'symbol')).toEqual({ key: 'symbol', dir: 'asc' });
    expect(nextSort({ key: 'symbol', dir: 'asc' }, 'netPnl')).toEqual({ key: 'netPnl', dir: 'desc' });
  });

  it('reads the sort from the URL, the default for unknown columns', () => {
    expect(parseSort(new URLSearchParams('sort=mae&dir=asc'))).toEqual({ key: 'mae', dir: 'asc' });
    expect(parseSort(new URLSearchParams('sort=__proto__'))).toEqual(DEFAULT_SORT);
  });
});

describe('paging the trades table', () => {
  const rows = Array.from({ length: 23 }, (_, i) => i + 1);

  it('gives the asked page with its row range', () => {
    expect(pageOf(rows, 2, 10)).toEqual({
      rows: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
      page: 2,
      pages: 3,
      total: 23,
      first: 11,
      last: 20,
    });
    expect(pageOf(rows, 3, 10).rows).toEqual([21, 22, 23]);
  });

  it('clamps pages out of range and handles an empty table', () => {
    expect(pageOf(rows, 99, 10).page).toBe(3);
    expect(pageOf(rows, -1, 10).page).toBe(1);
    expect(pageOf(rows, Number.NaN, 10).page).toBe(1);
    expect(pageOf([], 1, 10)).toEqual({ rows: [], page: 1, pages: 1, total: 0, first: 0, last: 0 });
    expect(() => pageOf(rows, 1, 0)).toThrow(RangeError);
  });
});
