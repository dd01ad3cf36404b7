/**
 * A bounded fuzz run in CI (the same fuzzer as `npm run fuzz`, src/server/fuzz/run.ts): 250 requests over
 * every body-taking route with bodies generated from the OpenAPI schemas, valid-ish and mutated; no answer may be a
 * 5xx and no refused request (4xx) may change the database. The seed is fixed so a failure reproduces with
 * `npm run fuzz -- --requests 250 --seed 11` (on PGlite). PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../db/testing.ts';
import { Rng, mutate, nested, validish, type Schema } from './fuzz/generate.ts';
import { formatSummary, runFuzz } from './fuzz/run.ts';

describe('the API fuzzer', () => {
  it('generates the same values from the same seed, valid ones within the schema', () => {
    const schema: Schema = {
      type: 'object',
      properties: {
        side: { type: 'string', enum: ['buy', 'sell'] },
        bars: { type: 'integer', minimum: 1, maximum: 10 },
        price: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['side', 'bars'],
    };
    const a = Array.from(
      { length: 20 },
      (
        (r) => () =>
          validish(schema, r)
      )(new Rng(7)),
    );
    const b = Array.from(
      { length: 20 },
      (
        (r) => () =>
          validish(schema, r)
      )(new Rng(7)),
    );
    expect(a).toEqual(b);
    for (const v of a as { side: string; bars: number }[]) {
      expect(['buy', 'sell']).toContain(v.side);
      expect(v.bars).toBeGreaterThanOrEqual(1);
      expect(v.bars).toBeLessThanOrEqual(10);
    }
    const r = new Rng(1);
    const mutated = Array.from({ length: 50 }, () => JSON.stringify(mutate(validish(schema, r), schema, r)));
    expect(new Set(mutated).size).toBeGreaterThan(25);
    expect(JSON.stringify(nested(70, r)).length).toBeGreaterThan(140);
  });

  it('finds no 5xx and no database change on a refused request in 250 requests', { timeout: 180_000 }, async () => {
    const s = await runFuzz(await openTestDatabase(), { requests: 250, seed: 11 });
    const report = formatSummary(s);
    expect(s.requests).toBe(250);
    expect(Object.keys(s.routes).length, report).toBeGreaterThan(30);
    expect(s.serverErrors, report).toEqual([]);
    expect(s.changedOnRejection, report).toEqual([]);
    expect(s.statuses[400], 'most mutated bodies are refused by validation').toBeGreaterThan(60);
  });
});
