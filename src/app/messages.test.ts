/**
 * Research messages service on a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`): tag
 * normalisation, full-text search with the `simple` configuration (words, phrases, exclusions, case), filters,
 * cursor pages, owner-only access and the trade link. Users and trades are written through the server's helpers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertClosedTrade, openClockWorld, signUp, type ClockWorld } from '../server/journal-test-world.ts';
import { ValidationError } from './errors.ts';
import { Messages, normaliseTag, normaliseTags } from './messages.ts';

const T0 = Date.UTC(2024, 0, 2, 12);
let w: ClockWorld;
let svc: Messages;
beforeAll(async () => {
  w = await openClockWorld(T0);
  svc = new Messages(w.sql);
}, 60_000);
afterAll(async () => {
  await w.close();
});

describe('normaliseTag', () => {
  it('lowercases and turns separators into single dashes, dropping other characters', () => {
    expect(normaliseTag('Mean Reversion')).toBe('mean-reversion');
    expect(normaliseTag('  #BTC_idea! ')).toBe('btc-idea');
    expect(normaliseTag('a -- b//c.d')).toBe('a-b-c-d');
    expect(normaliseTag('-x-')).toBe('x');
    expect(normaliseTag('!!!')).toBe('');
  });
  it('drops duplicates after normalising and reports tags that normalise to nothing', () => {
    expect(normaliseTags(['Swing', 'swing', ' SWING ', 'macro'])).toEqual(['swing', 'macro']);
    try {
      normaliseTags(['ok', '???']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => [i.field, i.code])).toEqual([['tags.1', 'invalid-tag']]);
    }
  });
});

describe('Messages', () => {
  it('searches title and body word by word (simple configuration: no stemming, case-insensitive), filters and pages', async () => {
    const u = await signUp(w, 'msg-svc');
    const a = await svc.create(u.id, { title: 'ETH breakout', body: 'Watching the **range** high.', tags: ['Swing'] });
    const b = await svc.create(u.id, { body: 'Funding flipped negative on BTC-USD', symbol: 'BTC-USD' });
    const c = await svc.create(u.id, { title: 'Weekly', body: 'eth and btc both ranging', strategy: 'sma-cross' });
    const ids = async (f: Partial<Parameters<Messages['list']>[1]>): Promise<number[]> =>
      (await svc.list(u.id, { limit: 50, ...f })).messages.map((m) => m.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ q: 'eth' })).toEqual([c.id, a.id]); // title of a, body of c
    expect(await ids({ q: 'range' })).toEqual([a.id]); // "ranging" is another word without stemming
    expect(await ids({ q: 'FUNDING' })).toEqual([b.id]);
    expect(await ids({ q: '"funding flipped"' })).toEqual([b.id]);
    expect(await ids({ q: 'eth -btc' })).toEqual([a.id]);
    expect(await ids({ q: '   ' })).toEqual([c.id, b.id, a.id]);
    expect(await ids({ tag: 'SWING' })).toEqual([a.id]);
    expect(await ids({ symbol: 'BTC-USD' })).toEqual([b.id]);
    expect(await ids({ strategy: 'sma-cross' })).toEqual([c.id]);
    const p1 = await svc.list(u.id, { limit: 2 });
    expect(p1.messages.map((m) => m.id)).toEqual([c.id, b.id]);
    const p2 = await svc.list(u.id, { limit: 2, cursor: Number(p1.nextCursor) });
    expect(p2).toEqual({ messages: [a], nextCursor: null });
  });

  it('keeps messages to their owner and links only the owner’s trades', async () => {
    const owner = await signUp(w, 'msg-owner');
    const other = await signUp(w, 'msg-other');
    const mine = await insertClosedTrade(w.sql, owner.id, { netPnl: '10', r: 1, openedAt: T0, closedAt: T0 + 1000 });
    const theirs = await insertClosedTrade(w.sql, other.id, { netPnl: '5', r: 1, openedAt: T0, closedAt: T0 + 1 });
    const m = await svc.create(owner.id, { body: 'note', tradeId: mine, title: '  ' });
    expect(m).toMatchObject({ title: null, tradeId: mine, symbol: null, strategy: null, tags: [] });
    await expect(svc.get(other.id, m.id)).rejects.toMatchObject({ code: 'message-not-found' });
    await expect(svc.update(other.id, m.id, { body: 'x' })).rejects.toMatchObject({ code: 'message-not-found' });
    await expect(svc.delete(other.id, m.id)).rejects.toMatchObject({ code: 'message-not-found' });
    expect((await svc.list(other.id, { limit: 50 })).messages).toEqual([]);
    await expect(svc.create(owner.id, { body: 'n', tradeId: theirs })).rejects.toMatchObject({ code: 'unknown-trade' });
    await expect(svc.update(owner.id, m.id, { tradeId: theirs })).rejects.toMatchObject({ code: 'unknown-trade' });
    const u2 = await svc.update(owner.id, m.id, { tradeId: null, symbol: 'ETH-USD', tags: ['A b'] });
    expect(u2).toMatchObject({ tradeId: null, symbol: 'ETH-USD', tags: ['a-b'], body: 'note' });
    await svc.delete(owner.id, m.id);
    await expect(svc.get(owner.id, m.id)).rejects.toMatchObject({ code: 'message-not-found' });
  });
});
