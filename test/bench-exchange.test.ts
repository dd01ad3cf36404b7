/**
 * The pure parts of `npm run bench:exchange` (bench/exchange): the order flow, the percentiles, the option parsing and
 * the mapping of profile positions back to TypeScript lines. The benchmark itself (a server child, 50 clients, 500
 * sockets) is too slow for the suite; run it with `npm run bench:exchange`.
 */
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseExchangeBenchArgs } from '../bench/exchange/args.ts';
import { orderStream } from '../bench/exchange/clients.ts';
import { decodeMappings } from '../bench/exchange/profile.ts';
import { latencySummary, mergeFailures } from '../bench/exchange/stats.ts';

describe('the benchmark order flow', () => {
  it('alternates resting and crossing limit orders on the 0.01 grid around 100', () => {
    const next = orderStream(7);
    const orders = Array.from({ length: 1000 }, next);
    expect(orders.filter((o) => o.crossing)).toHaveLength(500);
    orders.forEach((o, i) => expect(o.crossing).toBe(i % 2 === 1));
    for (const o of orders) {
      expect(o.price).toMatch(/^\d+\.\d{2}$/);
      expect(o.size).toBeGreaterThanOrEqual(1);
      expect(o.size).toBeLessThanOrEqual(3);
      const p = Number(o.price);
      if (o.crossing) expect(p).toBe(o.side === 'buy' ? 101 : 99);
      else if (o.side === 'buy') expect(p >= 99 && p < 100).toBe(true);
      else expect(p > 100 && p <= 101).toBe(true);
    }
    expect(orders.some((o) => o.side === 'buy') && orders.some((o) => o.side === 'sell')).toBe(true);
  });

  it('is the same stream for the same seed', () => {
    const a = orderStream(3);
    const b = orderStream(3);
    for (let i = 0; i < 50; i++) expect(a()).toEqual(b());
  });
});

describe('latency summary', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(latencySummary(xs)).toEqual({ n: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
    expect(latencySummary([]).n).toBe(0);
  });

  it('adds failure counts by code', () => {
    expect(mergeFailures([{ a: 1 }, { a: 2, b: 1 }])).toEqual({ a: 3, b: 1 });
  });
});

describe('options', () => {
  it('defaults to both databases, every part, 50 clients and 500 sockets', () => {
    const o = parseExchangeBenchArgs([]);
    expect(o).toMatchObject({ databases: ['postgres', 'pglite'], parts: ['ws', 'rest', 'md'], clients: 50 });
    expect(o.subscribers).toBe(500);
    expect(o.windows).toEqual([1, 8]);
    expect(o.profileDir).toBeNull();
  });

  it('reads --db, --only, --window and a bare --profile', () => {
    const o = parseExchangeBenchArgs(['--db', 'pglite', '--only', 'ws', '--window', '2,8', '--profile']);
    expect(o.databases).toEqual(['pglite']);
    expect(o.parts).toEqual(['ws']);
    expect(o.windows).toEqual([2, 8]);
    expect(o.profileDir).toMatch(/bench\/\.prof\/exchange$/);
  });

  it('refuses an unknown database', () => {
    expect(() => parseExchangeBenchArgs(['--db', 'mysql'])).toThrow(/--db mysql/);
  });
});

describe('profile positions', () => {
  it('map a function of one-line transformed code back to its TypeScript line', () => {
    const src = [
      'const a: number = 1;',
      '',
      'export function second(x: number): number {',
      '  return x + a;',
      '}',
    ].join('\n');
    const r = transformSync(src, { loader: 'ts', format: 'esm', sourcemap: true, minifyWhitespace: true });
    const lines = decodeMappings((JSON.parse(r.map) as { mappings: string }).mappings);
    const col = r.code.indexOf('function second');
    const seg = [...lines[0]!].reverse().find(([c]) => c <= col)!;
    expect(seg[1] + 1).toBe(3);
  });
});
