import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdIndex } from './id-index.ts';

describe('IdIndex', () => {
  it('stores, replaces, finds and deletes integer keys', () => {
    const ix = new IdIndex<string>(4);
    ix.set(1, 'a');
    ix.set(2 ** 40 + 7, 'big');
    ix.set(1, 'a2');
    expect(ix.get(1)).toBe('a2');
    expect(ix.get(2 ** 40 + 7)).toBe('big');
    expect(ix.size).toBe(2);
    expect(ix.delete(1)).toBe(true);
    expect(ix.delete(1)).toBe(false);
    expect(ix.has(1)).toBe(false);
    expect(ix.size).toBe(1);
  });

  it('behaves like a Map under any sequence of sets and deletes, across growth and colliding probe runs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300 })), { maxLength: 2000 }), (ops) => {
        const ix = new IdIndex<number>(2);
        const m = new Map<number, number>();
        ops.forEach(([add, k], i) => {
          if (add) {
            ix.set(k, i);
            m.set(k, i);
          } else expect(ix.delete(k)).toBe(m.delete(k));
        });
        expect(ix.size).toBe(m.size);
        for (let k = 1; k <= 300; k++) expect(ix.get(k)).toBe(m.get(k));
      }),
      { numRuns: 200 },
    );
  });
});
