/**
 * `GET /api/v1/strategy-runs/:id/parity` over real HTTP against a real server on a replay (PGlite, or PostgreSQL
 * with TESTUDO_TEST_DB=postgres): the owner's report of a breakout paper run shows zero differences; another user,
 * an unknown run and a reversed range are refused with their codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunWorld, type RunWorld } from '../cli/run-testing.ts';

describe('GET /api/v1/strategy-runs/:id/parity', () => {
  let w: RunWorld;
  let runId: number;
  const get = async (path: string, token = w.user.token) => {
    const r = await fetch(new URL(path, w.url), { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, json: (await r.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    w = await openRunWorld(500);
    await w.step(5);
    const r = await fetch(new URL('/api/v1/strategy-runs', w.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${w.user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' }),
    });
    expect(r.status).toBe(201);
    runId = ((await r.json()) as { id: number }).id;
    await w.step(495);
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  });

  it("answers the owner's report: every trade matched, zero differences, totals in R", async () => {
    const r = await get(`/api/v1/strategy-runs/${runId}/parity`);
    expect(r.status).toBe(200);
    expect(r.json.equal).toBe(true);
    expect(r.json.totals.backtestTrades).toBeGreaterThan(5);
    expect(r.json.totals).toMatchObject({ missed: 0, extra: 0, differing: 0 });
    expect(r.json.rows[0]).toMatchObject({ status: 'matched', equal: true, differences: [] });
    expect(r.json.rows[0].backtest.entryTime).toBe(r.json.rows[0].live.entryTime);
    expect(r.json.settings.fees).toEqual({ maker: '0.0005', taker: '0.0015' });
  });

  it('limits the trades to entries in [from, to)', async () => {
    const all = (await get(`/api/v1/strategy-runs/${runId}/parity`)).json;
    const second = all.rows[1].backtest.entryTime as string;
    const r = await get(`/api/v1/strategy-runs/${runId}/parity?from=${encodeURIComponent(second)}`);
    expect(r.status).toBe(200);
    expect(r.json.rows).toHaveLength(all.rows.length - 1);
    expect(r.json.range.from).toBe(second);
  });

  it('answers 404 run-not-found for another user’s run and an unknown run, 400 for a reversed range', async () => {
    const other = await w.newUser('other');
    const foreign = await get(`/api/v1/strategy-runs/${runId}/parity`, other.token);
    expect(foreign.status).toBe(404);
    expect(foreign.json.error.code).toBe('run-not-found');
    expect(JSON.stringify(foreign.json)).not.toContain('breakout');
    expect((await get('/api/v1/strategy-runs/999999/parity')).status).toBe(404);
    const reversed = await get(`/api/v1/strategy-runs/${runId}/parity?from=2017-08-01&to=2017-07-01`);
    expect(reversed.status).toBe(400);
    expect(reversed.json.error.code).toBe('validation-failed');
    const badDate = await get(`/api/v1/strategy-runs/${runId}/parity?from=yesterday`);
    expect(badDate.status).toBe(400);
  });
});
