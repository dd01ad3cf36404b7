/**
 * Risk profile (cooling-off, ceilings, risk state), journal entries, analytics and the own audit trail over the
 * real server and database (PGlite, or PostgreSQL with TESTUDO_TEST_DB=postgres), with a hand-set server clock.
 * Expected values are computed by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, insertClosedTrade, openClockWorld, signUp, type Client, type ClockWorld } from './journal-test-world.ts';

const T0 = Date.UTC(2024, 0, 2, 12); // Tuesday 2024-01-02 12:00 UTC
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface FieldIssue {
  field: string;
  code: string;
}
interface ErrorBody {
  error: { code: string; fields?: FieldIssue[] };
}
interface Pending {
  field: string;
  value: unknown;
  requestedAt: string;
  effectiveAt: string;
}
interface ProfileBody {
  profile: Record<string, unknown>;
  ceilings: { maxRiskPerTradePct: string; maxDrawdownPct: string };
  coolingOffSeconds: number;
  pending: Pending[];
  fields: Record<string, { value: unknown; default: unknown; pending: Pending | null; ceiling: string | null }>;
  limits: Record<string, Record<string, unknown>> & { canTrade: boolean; halted: boolean };
  change?: { applied: string[]; scheduled: string[]; cancelled: string[] };
}
interface AuditBody {
  entries: {
    action: string;
    actorUserId: number | null;
    subjectUserId: number | null;
    details: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}
interface Entry {
  id: number;
  title: string;
  body: string;
  tags: string[];
  collection: string | null;
  tradeIds: number[];
  createdAt: string;
  updatedAt: string;
}

const fieldCodes = (b: ErrorBody): string[][] => (b.error.fields ?? []).map((f) => [f.field, f.code]);
const iso = (ms: number): string => new Date(ms).toISOString();

let w: ClockWorld;
beforeAll(async () => {
  w = await openClockWorld(T0);
});
afterAll(async () => {
  await w.close();
});

async function actions(u: Client): Promise<string[]> {
  const r = await u.call<AuditBody>('GET', '/audit');
  expect(r.status).toBe(200);
  return r.body.entries.map((e) => e.action).reverse();
}

describe('GET /risk-profile', () => {
  it('explains each field (value, default, pending, ceiling) and the risk state of a fresh account', async () => {
    const u = await signUp(w);
    const r = await u.call<ProfileBody>('GET', '/risk-profile');
    expect(r.status).toBe(200);
    expect(r.body.ceilings).toEqual({ maxRiskPerTradePct: '2', maxDrawdownPct: '25' });
    expect(r.body.coolingOffSeconds).toBe(86_400);
    expect(r.body.pending).toEqual([]);
    expect(r.body.fields.riskPerTradePct).toEqual({
      value: '1',
      default: '1',
      pending: null,
      ceiling: '2',
      looserWhen: 'higher',
    });
    expect(r.body.fields.cooldownMinutes).toMatchObject({ value: 240, ceiling: null, looserWhen: 'lower' });
    // 10,000 equity: daily 3 % = 300, drawdown 10 % of the 10,000 peak = 1,000, heat 6 % = 600
    expect(r.body.limits.dailyLoss).toEqual({
      used: '0',
      limit: '300',
      limitPct: '3',
      blocking: false,
      clearsAt: null,
      clearsBy: null,
    });
    expect(r.body.limits.drawdown).toMatchObject({ fromPeak: '0', limit: '1000', blocking: false, haltedAt: null });
    expect(r.body.limits.openRisk).toMatchObject({ used: '0', limit: '600', blocking: false });
    expect(r.body.limits.openPositions).toMatchObject({ used: 0, max: 5, blocking: false });
    expect(r.body.limits.cooldown).toMatchObject({ blocking: false, until: null });
    expect(r.body.limits.breaker).toEqual({ state: 'closed', blocking: false, clearsAt: null, clearsBy: null });
    expect(r.body.limits.canTrade).toBe(true);
  });

  it('shows what blocks trading and when each limit clears', async () => {
    const u = await signUp(w);
    // a 300 loss today (3 % of the 10,000 day start), third loss in a row an hour ago, one position with 100 at risk
    await w.sql.query(
      `UPDATE accounts SET balance = 9700, peak_equity = 10000, pnl_day = '2024-01-02', pnl_day_realized = -300,
         consecutive_losses = 3, last_loss_at = $2, open_risk = 100, open_positions = 1 WHERE user_id = $1`,
      [u.id, new Date(T0 - HOUR)],
    );
    const r = await u.call<ProfileBody>('GET', '/risk-profile');
    expect(r.body.limits.dailyLoss).toEqual({
      used: '300',
      limit: '300',
      limitPct: '3',
      blocking: true,
      clearsAt: '2024-01-03T00:00:00.000Z',
      clearsBy: 'next-utc-day',
    });
    // the cooldown runs 240 minutes from the last loss
    expect(r.body.limits.cooldown).toMatchObject({
      consecutiveLosses: 3,
      lossStreakLimit: 3,
      blocking: true,
      until: iso(T0 + 3 * HOUR),
      clearsAt: iso(T0 + 3 * HOUR),
      clearsBy: 'time',
    });
    // heat limit 6 % of 9,700 = 582; drawdown 300 of a 1,000 limit
    expect(r.body.limits.openRisk).toMatchObject({ used: '100', limit: '582', blocking: false });
    expect(r.body.limits.drawdown).toMatchObject({ fromPeak: '300', limit: '1000', blocking: false });
    expect(r.body.limits.canTrade).toBe(false);

    // a halt: only the owner's reset clears it, and the reset is audited
    await w.sql.query('UPDATE accounts SET halted_at = $2 WHERE user_id = $1', [u.id, new Date(T0)]);
    const halted = await u.call<ProfileBody>('GET', '/risk-profile');
    expect(halted.body.limits.halted).toBe(true);
    expect(halted.body.limits.drawdown).toMatchObject({ blocking: true, clearsAt: null, clearsBy: 'reset' });
    const reset = await u.call<ProfileBody>('POST', '/risk-profile/reset-halt');
    expect(reset.status).toBe(200);
    expect(reset.body.limits.halted).toBe(false);
    expect(reset.body.limits.drawdown).toMatchObject({ fromPeak: '0', limit: '970', peakEquity: '9700' });
    expect(await actions(u)).toEqual(['halt-reset']);
  });
});

describe('PUT /risk-profile: tightening now, loosening after the cooling-off period', () => {
  it('applies a tightening at once and audits it', async () => {
    const u = await signUp(w);
    const r = await u.call<ProfileBody>('PUT', '/risk-profile', { maxOpenPositions: 2, minRewardRisk: '3' });
    expect(r.status).toBe(200);
    expect(r.body.profile).toMatchObject({ maxOpenPositions: 2, minRewardRisk: '3' });
    expect(r.body.change).toEqual({ applied: ['minRewardRisk', 'maxOpenPositions'], scheduled: [], cancelled: [] });
    expect(r.body.pending).toEqual([]);
    const audit = await u.call<AuditBody>('GET', '/audit');
    expect(audit.body.entries[0]).toMatchObject({
      action: 'risk-profile-changed',
      actorUserId: u.id,
      subjectUserId: u.id,
      details: { changes: { maxOpenPositions: { from: 5, to: 2 }, minRewardRisk: { from: '2', to: '3' } } },
    });
  });

  it('holds a loosening as pending for 24 h on the server clock, then applies it when read', async () => {
    const start = w.clock.now;
    const u = await signUp(w);
    const r = await u.call<ProfileBody>('PUT', '/risk-profile', {
      dailyLossLimitPct: '5',
      riskPerTradePct: '1.5',
      cooldownMinutes: 60,
    });
    expect(r.status).toBe(200);
    expect(r.body.change).toEqual({
      applied: [],
      scheduled: ['riskPerTradePct', 'dailyLossLimitPct', 'cooldownMinutes'],
      cancelled: [],
    });
    expect(r.body.profile).toMatchObject({ riskPerTradePct: '1', dailyLossLimitPct: '3', cooldownMinutes: 240 });
    const due = iso(start + DAY);
    expect(r.body.pending).toEqual([
      { field: 'riskPerTradePct', value: '1.5', requestedAt: iso(start), effectiveAt: due },
      { field: 'dailyLossLimitPct', value: '5', requestedAt: iso(start), effectiveAt: due },
      { field: 'cooldownMinutes', value: 60, requestedAt: iso(start), effectiveAt: due },
    ]);
    expect(r.body.fields.dailyLossLimitPct).toMatchObject({
      value: '3',
      pending: { value: '5', effectiveAt: due },
    });

    try {
      w.clock.now = start + DAY - 1;
      const before = await u.call<ProfileBody>('GET', '/risk-profile');
      expect(before.body.profile.dailyLossLimitPct).toBe('3');
      expect(before.body.pending).toHaveLength(3);

      w.clock.now = start + DAY;
      const after = await u.call<ProfileBody>('GET', '/risk-profile');
      expect(after.body.profile).toMatchObject({ riskPerTradePct: '1.5', dailyLossLimitPct: '5', cooldownMinutes: 60 });
      expect(after.body.pending).toEqual([]);
      expect(after.body.fields.dailyLossLimitPct?.pending).toBeNull();
    } finally {
      w.clock.now = start;
    }
    const audit = await u.call<AuditBody>('GET', '/audit');
    expect(audit.body.entries.map((e) => [e.action, e.actorUserId]).reverse()).toEqual([
      ['risk-profile-change-scheduled', u.id],
      ['risk-profile-change-applied', null],
      ['risk-profile-change-applied', null],
      ['risk-profile-change-applied', null],
    ]);
    expect(audit.body.entries[0]!.details).toMatchObject({ field: 'cooldownMinutes', from: 240, to: 60 });
  });

  it('counts a due loosening in the next sizing and submission without a profile read first', async () => {
    const start = w.clock.now;
    const u = await signUp(w);
    expect((await u.call('PUT', '/risk-profile', { riskPerTradePct: '1.5' })).status).toBe(200);
    // A limit entry needs no feed price: equity 10,000, entry 100, stop 95 → the requested risk is what counts.
    const setup = { symbol: 'BTC-USDT', side: 'buy', entryPrice: '100', stopLoss: '95', takeProfit: '120' };
    type Preview = { sizing: { requestedRiskPct: string } };
    try {
      w.clock.now = start + DAY - 1;
      const early = await u.call<Preview>('POST', '/sizing', setup);
      expect([early.status, early.body.sizing.requestedRiskPct]).toEqual([200, '1']);
      w.clock.now = start + DAY;
      const due = await u.call<Preview>('POST', '/sizing', setup);
      expect([due.status, due.body.sizing.requestedRiskPct]).toEqual([200, '1.5']);
    } finally {
      w.clock.now = start;
    }
    expect(await actions(u)).toEqual(['risk-profile-change-scheduled', 'risk-profile-change-applied']);
  });

  it('lets the owner cancel a pending change, one field or all', async () => {
    const start = w.clock.now;
    const u = await signUp(w);
    await u.call('PUT', '/risk-profile', { maxOpenRiskPct: '8', lossStreakLimit: 5, requireTakeProfit: false });
    const one = await u.call<ProfileBody>('DELETE', '/risk-profile/pending/maxOpenRiskPct');
    expect(one.status).toBe(200);
    expect(one.body.pending.map((p) => p.field)).toEqual(['requireTakeProfit', 'lossStreakLimit']);
    const again = await u.call<ErrorBody>('DELETE', '/risk-profile/pending/maxOpenRiskPct');
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('no-pending-change');
    const bad = await u.call<ErrorBody>('DELETE', '/risk-profile/pending/colour');
    expect(bad.status).toBe(400);
    expect(fieldCodes(bad.body)).toEqual([['field', 'invalid-value']]);
    const all = await u.call<ProfileBody>('DELETE', '/risk-profile/pending');
    expect(all.body.pending).toEqual([]);
    try {
      w.clock.now = start + 2 * DAY;
      const later = await u.call<ProfileBody>('GET', '/risk-profile');
      expect(later.body.profile).toMatchObject({ maxOpenRiskPct: '6', lossStreakLimit: 3, requireTakeProfit: true });
    } finally {
      w.clock.now = start;
    }
    expect(await actions(u)).toEqual([
      'risk-profile-change-scheduled',
      'risk-profile-change-cancelled',
      'risk-profile-change-cancelled',
      'risk-profile-change-cancelled',
    ]);
  });

  it('cancels a pending loosening when the same field is tightened', async () => {
    const u = await signUp(w);
    await u.call('PUT', '/risk-profile', { maxOpenPositions: 8 });
    const r = await u.call<ProfileBody>('PUT', '/risk-profile', { maxOpenPositions: 3 });
    expect(r.body.profile.maxOpenPositions).toBe(3);
    expect(r.body.pending).toEqual([]);
    expect(r.body.change).toEqual({ applied: ['maxOpenPositions'], scheduled: [], cancelled: ['maxOpenPositions'] });
  });

  it('refuses values above the hard ceilings and a risk above its maximum, writing nothing', async () => {
    const u = await signUp(w);
    const r = await u.call<ErrorBody>('PUT', '/risk-profile', { riskPerTradePct: '2.5', maxDrawdownPct: '30' });
    expect(r.status).toBe(400);
    expect(fieldCodes(r.body)).toEqual([
      ['riskPerTradePct', 'above-hard-ceiling'],
      ['maxDrawdownPct', 'above-hard-ceiling'],
    ]);
    const max = await u.call<ErrorBody>('PUT', '/risk-profile', { maxRiskPerTradePct: '0.5', maxOpenPositions: 1 });
    expect(fieldCodes(max.body)).toEqual([['riskPerTradePct', 'risk-above-max']]);
    const shape = await u.call<ErrorBody>('PUT', '/risk-profile', { maxOpenPositions: 0, colour: 'red' });
    expect(shape.status).toBe(400);
    const after = await u.call<ProfileBody>('GET', '/risk-profile');
    expect(after.body.profile).toMatchObject({ riskPerTradePct: '1', maxDrawdownPct: '10', maxOpenPositions: 5 });
    expect(after.body.pending).toEqual([]);
    expect(await actions(u)).toEqual([]);
  });
});

describe('journal entries', () => {
  let owner: Client;
  let other: Client;
  let tradeA: number;
  let tradeB: number;
  let foreign: number;
  beforeAll(async () => {
    owner = await signUp(w, 'writer');
    other = await signUp(w, 'snoop');
    const base = { netPnl: '10', r: 0.1, openedAt: T0 - 2 * HOUR, closedAt: T0 - HOUR };
    tradeA = await insertClosedTrade(w.sql, owner.id, base);
    tradeB = await insertClosedTrade(w.sql, owner.id, base);
    foreign = await insertClosedTrade(w.sql, other.id, base);
  });

  it('creates an entry linked to own trades, and refuses links to another user’s or a missing trade', async () => {
    const r = await owner.call<Entry>('POST', '/journal/entries', {
      title: 'Breakout playbook',
      body: '# Rules\n\nEnter on **running** volume.',
      tags: ['playbook', 'btc'],
      collection: 'playbook',
      tradeIds: [tradeB, tradeA],
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      title: 'Breakout playbook',
      body: '# Rules\n\nEnter on **running** volume.',
      tags: ['playbook', 'btc'],
      collection: 'playbook',
      tradeIds: [tradeA, tradeB],
    });
    expect(r.body.createdAt).toBe(r.body.updatedAt);

    const bad = await owner.call<ErrorBody>('POST', '/journal/entries', {
      title: 'x',
      tradeIds: [tradeA, foreign, 987_654_321],
    });
    expect(bad.status).toBe(400);
    expect(fieldCodes(bad.body)).toEqual([
      ['tradeIds.1', 'unknown-trade'],
      ['tradeIds.2', 'unknown-trade'],
    ]);
    const [n] = await w.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM journal_entries WHERE user_id = $1', [
      owner.id,
    ]);
    expect(Number(n!.n)).toBe(1);
  });

  it('validates lengths and shapes with field errors', async () => {
    const cases: [object, string[][]][] = [
      [{ title: '' }, [['title', 'too-small']]],
      [{ title: 'x'.repeat(201) }, [['title', 'too-big']]],
      [{ title: 'ok', body: 'x'.repeat(100_001) }, [['body', 'too-big']]],
      [{ title: 'ok', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, [['tags', 'too-big']]],
      [{ title: 'ok', tags: ['x'.repeat(41)] }, [['tags.0', 'too-big']]],
      [{ title: 'ok', collection: 'x'.repeat(61) }, [['collection', 'too-big']]],
      [{ title: 'ok', tradeIds: [0] }, [['tradeIds.0', 'too-small']]],
      [{ title: 'ok', colour: 'red' }, [['colour', 'unknown-field']]],
      [{}, [['title', 'required']]],
    ];
    for (const [payload, codes] of cases) {
      const r = await owner.call<ErrorBody>('POST', '/journal/entries', payload);
      expect(r.status, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(fieldCodes(r.body)).toEqual(codes);
    }
  });

  it('lists with filters, full-text search and cursor pages; only the owner’s entries', async () => {
    const u = await signUp(w, 'lister');
    const t = await insertClosedTrade(w.sql, u.id, { netPnl: '1', r: 0.1, openedAt: T0 - HOUR, closedAt: T0 });
    const make = async (o: object): Promise<number> => (await u.call<Entry>('POST', '/journal/entries', o)).body.id;
    const e1 = await make({ title: 'Weekly review', body: 'I hesitated on the entries', collection: 'review' });
    const e2 = await make({ title: 'Pullback notes', body: 'Stops were running too tight', tags: ['stops'] });
    const e3 = await make({ title: 'Breakout', body: 'Clean run', tags: ['stops', 'a+'], tradeIds: [t] });
    await other.call('POST', '/journal/entries', { title: 'Breakout', body: 'someone else’s run' });

    const ids = async (q: string): Promise<number[]> => {
      const r = await u.call<{ entries: Entry[] }>('GET', `/journal/entries${q}`);
      expect(r.status, q).toBe(200);
      return r.body.entries.map((e) => e.id);
    };
    expect(await ids('')).toEqual([e3, e2, e1]);
    expect(await ids('?tag=stops')).toEqual([e3, e2]);
    expect(await ids('?collection=review')).toEqual([e1]);
    expect(await ids(`?tradeId=${t}`)).toEqual([e3]);
    // English stemming: "run" finds "running" and "run"; "-tight" excludes; a phrase; title words count too
    expect(await ids('?q=run')).toEqual([e3, e2]);
    expect(await ids('?q=run%20-tight')).toEqual([e3]);
    expect(await ids('?q=%22weekly%20review%22')).toEqual([e1]);
    expect(await ids('?q=hesitate&tag=stops')).toEqual([]);

    const p1 = await u.call<{ entries: Entry[]; nextCursor: string | null }>('GET', '/journal/entries?limit=2');
    expect(p1.body.entries.map((e) => e.id)).toEqual([e3, e2]);
    expect(p1.body.nextCursor).toBe(String(e2));
    const p2 = await u.call<{ entries: Entry[]; nextCursor: string | null }>(
      'GET',
      `/journal/entries?limit=2&cursor=${p1.body.nextCursor}`,
    );
    expect(p2.body).toMatchObject({ entries: [{ id: e1 }], nextCursor: null });

    const bad = await u.call<ErrorBody>('GET', '/journal/entries?limit=0&colour=red');
    expect(bad.status).toBe(400);
  });

  it('reads, patches and deletes for the owner only: another user gets 404, nobody signed in 401', async () => {
    const e = (await owner.call<Entry>('POST', '/journal/entries', { title: 'Draft', tags: ['x'], collection: 'c' }))
      .body;
    expect((await owner.call<Entry>('GET', `/journal/entries/${e.id}`)).body.title).toBe('Draft');

    const p = await owner.call<Entry>('PATCH', `/journal/entries/${e.id}`, {
      title: 'Final',
      collection: null,
      tradeIds: [tradeA],
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      id: e.id,
      title: 'Final',
      body: '',
      tags: ['x'],
      collection: null,
      tradeIds: [tradeA],
    });
    expect(p.body.updatedAt >= p.body.createdAt).toBe(true);
    const badLink = await owner.call<ErrorBody>('PATCH', `/journal/entries/${e.id}`, { tradeIds: [foreign] });
    expect(fieldCodes(badLink.body)).toEqual([['tradeIds.0', 'unknown-trade']]);
    expect((await owner.call<Entry>('GET', `/journal/entries/${e.id}`)).body.tradeIds).toEqual([tradeA]);

    for (const [method, payload] of [['GET'], ['PATCH', { title: 'mine' }], ['DELETE']] as const) {
      const r = await other.call<ErrorBody>(method, `/journal/entries/${e.id}`, payload);
      expect(r.status, method).toBe(404);
      expect(r.body.error.code).toBe('entry-not-found');
      const anon = await call<ErrorBody>(w, method, `/journal/entries/${e.id}`, { payload });
      expect(anon.status, method).toBe(401);
    }
    const del = await owner.call('DELETE', `/journal/entries/${e.id}`);
    expect(del.status).toBe(204);
    expect((await owner.call('GET', `/journal/entries/${e.id}`)).status).toBe(404);
    expect((await owner.call('DELETE', `/journal/entries/${e.id}`)).status).toBe(404);
  });
});

describe('journal analytics', () => {
  const MON = Date.UTC(2024, 0, 1); // Monday
  let u: Client;
  let ids: number[];
  beforeAll(async () => {
    u = await signUp(w, 'analyst');
    ids = [];
    const add = async (o: Parameters<typeof insertClosedTrade>[2]): Promise<void> => {
      ids.push(await insertClosedTrade(w.sql, u.id, o));
    };
    // A: Monday 09:00, long breakout, +200 = +2 R, held an hour
    await add({
      setup: 'breakout',
      tags: ['a'],
      netPnl: '200',
      r: 2,
      maeR: -0.25,
      mfeR: 2.5,
      openedAt: MON + 8 * HOUR,
      closedAt: MON + 9 * HOUR,
    });
    // B: Monday 09:30, short breakout, −100 = −1 R
    await add({
      side: 'sell',
      setup: 'breakout',
      tags: ['a', 'b'],
      netPnl: '-100',
      r: -1,
      maeR: -1,
      mfeR: 0.5,
      openedAt: MON + 9 * HOUR,
      closedAt: MON + 9.5 * HOUR,
    });
    // C: Tuesday 23:00, long pullback on BTC-USDT, breakeven
    await add({
      symbol: 'BTC-USDT',
      setup: 'pullback',
      netPnl: '0',
      r: 0,
      openedAt: MON + DAY + 20 * HOUR,
      closedAt: MON + DAY + 23 * HOUR,
    });
    // D: Sunday 01:00, no setup, −50 = −0.5 R
    await add({ tags: ['b'], netPnl: '-50', r: -0.5, openedAt: MON + 6 * DAY, closedAt: MON + 6 * DAY + HOUR });
    const stranger = await signUp(w, 'stranger');
    await insertClosedTrade(w.sql, stranger.id, { netPnl: '999', r: 9, openedAt: MON, closedAt: MON + 9 * HOUR });
  });

  it('breaks down by UTC weekday and hour of exit, setup, tag, side and symbol', async () => {
    const weekday = await u.call<{ by: string; groups: Record<string, unknown>[] }>(
      'GET',
      '/journal/breakdown?by=weekday',
    );
    expect(weekday.status).toBe(200);
    expect(weekday.body.groups).toHaveLength(7);
    expect(weekday.body.groups[0]).toEqual({
      key: 'monday',
      trades: 2,
      wins: 1,
      losses: 1,
      winRate: 0.5,
      rTrades: 2,
      totalR: 1,
      expectancyR: 0.5,
      netPnl: '100',
    });
    expect(weekday.body.groups[6]).toMatchObject({ key: 'sunday', trades: 1, netPnl: '-50' });

    const hour = await u.call<{ groups: { key: string; trades: number }[] }>('GET', '/journal/breakdown?by=hour');
    expect(hour.body.groups.filter((g) => g.trades > 0).map((g) => [g.key, g.trades])).toEqual([
      ['01', 1],
      ['09', 2],
      ['23', 1],
    ]);
    const tag = await u.call<{ groups: { key: string | null; trades: number; netPnl: string }[] }>(
      'GET',
      '/journal/breakdown?by=tag',
    );
    expect(tag.body.groups.map((g) => [g.key, g.trades, g.netPnl])).toEqual([
      ['a', 2, '100'],
      ['b', 2, '-150'],
      [null, 1, '0'],
    ]);
    // the statistics filters apply: closed from Tuesday on
    const setup = await u.call<{ groups: { key: string | null; trades: number }[] }>(
      'GET',
      '/journal/breakdown?by=setup&from=2024-01-02',
    );
    expect(setup.body.groups.map((g) => [g.key, g.trades])).toEqual([
      ['pullback', 1],
      [null, 1],
    ]);
    const side = await u.call<{ groups: { key: string; trades: number }[] }>('GET', '/journal/breakdown?by=side');
    expect(side.body.groups.map((g) => [g.key, g.trades])).toEqual([
      ['buy', 3],
      ['sell', 1],
    ]);
    const symbol = await u.call<{ groups: { key: string; trades: number }[] }>(
      'GET',
      '/journal/breakdown?by=symbol&setup=pullback',
    );
    expect(symbol.body.groups.map((g) => [g.key, g.trades])).toEqual([['BTC-USDT', 1]]);
    const bad = await u.call<ErrorBody>('GET', '/journal/breakdown?by=moon');
    expect(bad.status).toBe(400);
    expect(fieldCodes(bad.body)).toEqual([['by', 'invalid-value']]);
  });

  it('serves the R histogram in half-R buckets with the raw R list', async () => {
    const r = await u.call<{ trades: number; width: number; buckets: unknown[]; rs: number[] }>(
      'GET',
      '/journal/r-distribution',
    );
    expect(r.body).toEqual({
      trades: 4,
      width: 0.5,
      rs: [2, -1, 0, -0.5],
      buckets: [
        { from: -1, to: -0.5, count: 1 },
        { from: -0.5, to: 0, count: 1 },
        { from: 0, to: 0.5, count: 1 },
        { from: 0.5, to: 1, count: 0 },
        { from: 1, to: 1.5, count: 0 },
        { from: 1.5, to: 2, count: 0 },
        { from: 2, to: 2.5, count: 1 },
      ],
    });
    const wide = await u.call<{ buckets: unknown[] }>('GET', '/journal/r-distribution?width=2&tag=a');
    expect(wide.body.buckets).toEqual([
      { from: -2, to: 0, count: 1 },
      { from: 0, to: 2, count: 0 },
      { from: 2, to: 4, count: 1 },
    ]);
  });

  it('lists excursions per closed trade and daily results per UTC day', async () => {
    const ex = await u.call<{ trades: Record<string, unknown>[] }>('GET', '/journal/excursions');
    expect(ex.body.trades[0]).toEqual({
      id: ids[0],
      r: 2,
      maeR: -0.25,
      mfeR: 2.5,
      holdingSeconds: 3600,
      side: 'buy',
      symbol: 'BTC-USD',
      setup: 'breakout',
      closedAt: '2024-01-01T09:00:00.000Z',
    });
    expect(ex.body.trades.map((t) => [t.id, t.holdingSeconds, t.maeR])).toEqual([
      [ids[0], 3600, -0.25],
      [ids[1], 1800, -1],
      [ids[2], 10_800, null],
      [ids[3], 3600, null],
    ]);
    const daily = await u.call<{ days: unknown[] }>('GET', '/journal/daily');
    expect(daily.body.days).toEqual([
      { day: '2024-01-01', trades: 2, wins: 1, losses: 1, netPnl: '100', r: 1 },
      { day: '2024-01-02', trades: 1, wins: 0, losses: 0, netPnl: '0', r: 0 },
      { day: '2024-01-07', trades: 1, wins: 0, losses: 1, netPnl: '-50', r: -0.5 },
    ]);
  });

  it('adds the underwater curve (percent below the running peak) to GET /equity', async () => {
    const r = await u.call<{ curve: { equity: string; drawdown: string; drawdownPct: number | null }[] }>(
      'GET',
      '/equity',
    );
    expect(r.status).toBe(200);
    // 10,000 → 10,200 (peak) → 10,100 (100 under: 0.98039…%) → 10,100 → 10,050 (150 under: 1.47058…%)
    expect(r.body.curve.map((p) => [p.equity, p.drawdown])).toEqual([
      ['10000', '0'],
      ['10200', '0'],
      ['10100', '100'],
      ['10100', '100'],
      ['10050', '150'],
    ]);
    const pct = r.body.curve.map((p) => p.drawdownPct!);
    expect(pct[0]).toBe(0);
    expect(pct[2]).toBeCloseTo((100 / 10_200) * 100, 6);
    expect(pct[4]).toBeCloseTo((150 / 10_200) * 100, 6);
  });
});

describe('access', () => {
  it('answers 401 unauthenticated on every route without credentials', async () => {
    const routes: [string, string, object?][] = [
      ['GET', '/risk-profile'],
      ['PUT', '/risk-profile', { maxOpenPositions: 1 }],
      ['DELETE', '/risk-profile/pending'],
      ['DELETE', '/risk-profile/pending/riskPerTradePct'],
      ['POST', '/risk-profile/reset-halt'],
      ['GET', '/journal/stats'],
      ['GET', '/equity'],
      ['GET', '/journal/breakdown?by=tag'],
      ['GET', '/journal/r-distribution'],
      ['GET', '/journal/excursions'],
      ['GET', '/journal/daily'],
      ['POST', '/journal/entries', { title: 'x' }],
      ['GET', '/journal/entries'],
      ['GET', '/audit'],
    ];
    for (const [method, path, payload] of routes) {
      const r = await call<ErrorBody>(w, method, path, { payload });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
    }
  });

  it('shows each user only their own audit trail', async () => {
    const a = await signUp(w, 'own-a');
    const b = await signUp(w, 'own-b');
    await a.call('PUT', '/risk-profile', { maxOpenPositions: 4 });
    expect(await actions(a)).toEqual(['risk-profile-changed']);
    expect(await actions(b)).toEqual([]);
  });
});
