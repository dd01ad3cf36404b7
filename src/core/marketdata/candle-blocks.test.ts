import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_BARS,
  blockOf,
  blockSpanMs,
  candleBlockRows,
  CandleBlockError,
  decodeCandleBlock,
  emptyCandleColumns,
  encodeCandleBlock,
} from './candle-blocks.ts';
import { CsvColumnParser, type CandleColumns } from './importers-fast.ts';

/** Every column as plain arrays, so toEqual compares each value exactly (−0 and NaN included). */
const plain = (c: CandleColumns) =>
  [c.time, c.volume, ...[c.open, c.high, c.low, c.close].flatMap((p) => [p.mant, p.places])].map((a) => Array.from(a));

const price = fc.record({
  mant: fc.integer({ min: 0, max: 99_999_999_999 }),
  places: fc.integer({ min: 0, max: 4 }),
});

/** Rows with strictly ascending times (gaps, before 1970 too), prices of any places, volumes of any float ≥ 0. */
const columns = fc
  .record({
    start: fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }),
    rows: fc.array(
      fc.record({
        step: fc.oneof(fc.constant(60_000), fc.integer({ min: 1, max: 10_000_000_000 })),
        open: price,
        high: price,
        low: price,
        close: price,
        volume: fc.oneof(
          fc.double({ min: -0, max: 1e12, noNaN: true }),
          fc.integer({ min: 0, max: 1e9 }).map((v) => v / 1000),
        ),
      }),
      { maxLength: 300 },
    ),
  })
  .map(({ start, rows }) => {
    const c = emptyCandleColumns(rows.length);
    let t = start;
    rows.forEach((r, i) => {
      t += r.step;
      c.time[i] = t;
      for (const k of ['open', 'high', 'low', 'close'] as const) {
        c[k].mant[i] = r[k].mant;
        c[k].places[i] = r[k].places;
      }
      c.volume[i] = r.volume;
    });
    return c;
  });

describe('candle blocks', () => {
  it('decode(encode(rows)) gives back every value bit for bit, at any offset', () => {
    fc.assert(
      fc.property(columns, fc.integer({ min: 0, max: 5 }), (cols, pad) => {
        const bytes = encodeCandleBlock(cols, 0, cols.length)!;
        expect(bytes).toBeDefined(); // every scaled price here is below 2^53
        expect(candleBlockRows(bytes)).toBe(cols.length);
        const out = emptyCandleColumns(cols.length + pad);
        expect(decodeCandleBlock(bytes, out, pad)).toBe(cols.length);
        const back = plain(out).map((a) => a.slice(pad));
        expect(back).toEqual(plain(cols));
      }),
      { numRuns: 300 },
    );
  });

  it('blocks of a split decode to the whole, in order', () => {
    fc.assert(
      fc.property(columns, fc.nat(), (cols, cut) => {
        const at = cols.length === 0 ? 0 : cut % (cols.length + 1);
        const a = encodeCandleBlock(cols, 0, at)!;
        const b = encodeCandleBlock(cols, at, cols.length)!;
        const out = emptyCandleColumns(cols.length);
        decodeCandleBlock(b, out, decodeCandleBlock(a, out, 0));
        expect(plain(out)).toEqual(plain(cols));
      }),
      { numRuns: 200 },
    );
  });

  it('encodes what the CSV importer reads from a real-looking file compactly', () => {
    const lines = ['time,open,high,low,close,volume'];
    let p = 2700050;
    for (let i = 0; i < 5000; i++) {
      const o = p;
      p += ((i * 7919) % 201) - 100;
      const hi = Math.max(o, p) + (i % 13);
      const lo = Math.min(o, p) - (i % 11);
      const f = (m: number) => (m / 100).toString();
      lines.push(`${1_600_000_000_000 + i * 3_600_000},${f(o)},${f(hi)},${f(lo)},${f(p)},${(i % 977) / 8}`);
    }
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    const parser = new CsvColumnParser({ format: 'csv', expectedRows: 5000, msTimes: true });
    parser.push(bytes, 0, bytes.length, true);
    const cols = parser.finish()!;
    const block = encodeCandleBlock(cols, 0, cols.length)!;
    expect(block.length / cols.length).toBeLessThan(16); // bytes a bar (the CSV line is ~60)
    const out = emptyCandleColumns(cols.length);
    decodeCandleBlock(block, out, 0);
    expect(plain(out)).toEqual(plain(cols));
  });

  it('answers undefined for what it cannot code exactly instead of losing it', () => {
    const c = emptyCandleColumns(2);
    c.time.set([0, 60_000]);
    c.open.mant.set([99_999_999_999_999, 1]);
    c.open.places.set([0, 18]); // scaled to 18 places the first is far beyond 2^53
    expect(encodeCandleBlock(c, 0, 2)).toBe(undefined);
  });

  it('refuses a damaged or foreign value with CandleBlockError', () => {
    const c = emptyCandleColumns(3);
    c.time.set([0, 60_000, 120_000]);
    const good = encodeCandleBlock(c, 0, 3)!;
    const out = emptyCandleColumns(3);
    expect(() => decodeCandleBlock(good.subarray(0, good.length - 1), out, 0)).toThrow(CandleBlockError);
    expect(() => decodeCandleBlock(Uint8Array.of(9, 0, 0), out, 0)).toThrow(CandleBlockError);
    expect(() => decodeCandleBlock(Uint8Array.of(...good, 0), out, 0)).toThrow(CandleBlockError);
    expect(() => decodeCandleBlock(good, emptyCandleColumns(2), 0)).toThrow(CandleBlockError);
  });

  it('spans BLOCK_BARS bars of the timeframe, keyed from the epoch', () => {
    expect(blockSpanMs('1h')).toBe(BLOCK_BARS * 3_600_000);
    expect(blockOf(0, blockSpanMs('1m'))).toBe(0);
    expect(blockOf(blockSpanMs('1m') - 1, blockSpanMs('1m'))).toBe(0);
    expect(blockOf(blockSpanMs('1m'), blockSpanMs('1m'))).toBe(1);
    expect(blockOf(-1, blockSpanMs('1m'))).toBe(-1);
  });
});
