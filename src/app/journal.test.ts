/**
 * The journal with trades imported from a venue's history (no decision, stop or planned risk: R unknown) beside
 * Testudo's own, through the HTTP API on a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`):
 * P&L figures count every trade, R figures only those whose R is known, and an imported trade's detail serves its
 * nulls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  insertClosedTrade,
  openClockWorld,
  signUp,
  type Client,
  type ClockWorld,
} from '../server/journal-test-world.ts';

const MON = Date.UTC(2024, 0, 1); // a Monday
const HOUR = 3_600_000;
let w: ClockWorld;
let u: Client;
let imported: number;

beforeAll(async () => {
  w = await openClockWorld(MON + 30 * 24 * HOUR);
  u = await signUp(w, 'journal-import');
  await insertClosedTrade(w.sql, u.id, { netPnl: '200', r: 2, openedAt: MON + 8 * HOUR, closedAt: MON + 9 * HOUR });
  await insertClosedTrade(w.sql, u.id, { netPnl: '-100', r: -1, openedAt: MON + 9 * HOUR, closedAt: MON + 10 * HOUR });
  const [a] = await w.sql.query('SELECT id FROM accounts WHERE user_id = $1', [u.id]);
  // as src/app/live/import.ts records a round trip
  const [t] = await w.sql.query(
    `INSERT INTO trades (account_id, source, decision_id, symbol, side, entry_type, entry_price, stop_price, qty,
       risk_pct, planned_risk, margin, tags, status, submitted_at, opened_at, entry_fill_price, entry_fee, closed_at,
       exit_fill_price, exit_fee, gross_pnl, fees, net_pnl, initial_risk, r_multiple)
     VALUES ($1, 'import', NULL, 'IMP/USD', 'buy', 'market', 100, NULL, 2, NULL, NULL, NULL, '{imported}', 'closed',
       $2, $2, 100, 0.1, $3, 115, 0.1, 30, 0.2, 29.8, NULL, NULL) RETURNING id`,
    [a!.id, new Date(MON + 11 * HOUR), new Date(MON + 12 * HOUR)],
  );
  imported = Number(t!.id);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('journal with imported trades', () => {
  it('counts imported trades in P&L statistics and leaves them out of R statistics', async () => {
    const s = await u.call('GET', '/journal/stats');
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      trades: 3,
      rTrades: 2,
      wins: 2,
      losses: 1,
      winRate: 2 / 3,
      netPnl: '129.8',
      grossProfit: '229.8',
      grossLoss: '-100',
      avgWinR: 2,
      avgLossR: -1,
      expectancyR: 0.5,
      totalR: 1,
      maxDrawdownR: 1,
    });
  });

  it('breaks down with P&L over every trade and R over the known ones; R charts skip unknown R', async () => {
    const b = await u.call<{ groups: Record<string, unknown>[] }>('GET', '/journal/breakdown?by=symbol');
    expect(b.status).toBe(200);
    expect(b.body.groups).toEqual([
      {
        key: 'BTC-USD',
        trades: 2,
        wins: 1,
        losses: 1,
        winRate: 0.5,
        rTrades: 2,
        totalR: 1,
        expectancyR: 0.5,
        netPnl: '100',
      },
      {
        key: 'IMP/USD',
        trades: 1,
        wins: 1,
        losses: 0,
        winRate: 1,
        rTrades: 0,
        totalR: 0,
        expectancyR: 0,
        netPnl: '29.8',
      },
    ]);
    const d = await u.call<{ trades: number; rs: number[] }>('GET', '/journal/r-distribution');
    expect([d.status, d.body.trades, d.body.rs]).toEqual([200, 2, [2, -1]]);
    const x = await u.call<{ trades: { id: number }[] }>('GET', '/journal/excursions');
    expect(x.status).toBe(200);
    expect(x.body.trades.map((t) => t.id)).not.toContain(imported);
    expect(x.body.trades).toHaveLength(2);
    const daily = await u.call<{ days: Record<string, unknown>[] }>('GET', '/journal/daily');
    expect(daily.body.days).toEqual([{ day: '2024-01-01', trades: 3, wins: 2, losses: 1, netPnl: '129.8', r: 1 }]);
    const eq = await u.call<{ curve: { equity: string }[] }>('GET', '/equity');
    expect(eq.status).toBe(200);
    expect(eq.body.curve).toHaveLength(4);
  });

  it('serves an imported trade with null decision, stop, planned risk and R', async () => {
    const t = await u.call('GET', `/trades/${imported}`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      id: imported,
      decisionId: null,
      source: 'import',
      connectionId: null,
      stopLoss: null,
      currentStopLoss: null,
      requestedRiskPct: null,
      plannedRisk: null,
      margin: null,
      initialRisk: null,
      rMultiple: null,
      entryFillPrice: '100',
      exitPrice: '115',
      netPnl: '29.8',
      tags: ['imported'],
      decisions: [],
      orders: [],
      fills: [],
    });
    const list = await u.call<{ trades: { id: number; rMultiple: number | null }[] }>('GET', '/trades');
    expect(list.status).toBe(200);
    expect(list.body.trades.find((x) => x.id === imported)?.rMultiple).toBeNull();
  });
});
