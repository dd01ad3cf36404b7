/**
 * `/api/v1/messages` over the real server and database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`):
 * create/get/patch/delete with their statuses, owner-only 404 message-not-found, field-level validation codes, the
 * trade link (422 unknown-trade), full-text search by word, the tag filter and cursor pagination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../app/messages.ts';
import { insertClosedTrade, openClockWorld, signUp, type ClockWorld, type ErrorBody } from './journal-test-world.ts';

interface Page {
  messages: MessageView[];
  nextCursor: string | null;
}
const fieldCodes = (b: unknown): string[][] =>
  ((b as ErrorBody).error.fields ?? []).map((f) => [f.field, f.code]).sort((x, y) => x[0]!.localeCompare(y[0]!));

const T0 = Date.UTC(2024, 0, 2, 12);
let w: ClockWorld;
beforeAll(async () => {
  w = await openClockWorld(T0);
}, 60_000);
afterAll(async () => {
  await w.close();
});

describe('/api/v1/messages', () => {
  it('creates (201), gets, patches and deletes (204) a message; another user gets 404 message-not-found', async () => {
    const alice = await signUp(w, 'msg-alice');
    const bob = await signUp(w, 'msg-bob');
    const trade = await insertClosedTrade(w.sql, alice.id, { netPnl: '10', r: 1, openedAt: T0, closedAt: T0 + 1 });
    const c = await alice.call<MessageView>('POST', '/messages', {
      title: 'BTC idea',
      body: '## Thesis\nHigher lows.',
      tags: ['Trend Following', 'trend-following', 'BTC'],
      symbol: 'BTC-USD',
      strategy: 'sma-cross',
      tradeId: trade,
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      title: 'BTC idea',
      body: '## Thesis\nHigher lows.',
      tags: ['trend-following', 'btc'],
      symbol: 'BTC-USD',
      strategy: 'sma-cross',
      tradeId: trade,
    });
    const id = c.body.id;
    expect((await alice.call<MessageView>('GET', `/messages/${id}`)).body).toEqual(c.body);

    for (const [method, payload] of [['GET'], ['PATCH', { body: 'mine now' }], ['DELETE']] as const) {
      const r = await bob.call<ErrorBody>(method, `/messages/${id}`, payload);
      expect([method, r.status, r.body.error.code]).toEqual([method, 404, 'message-not-found']);
    }
    expect((await bob.call<Page>('GET', '/messages')).body).toEqual({ messages: [], nextCursor: null });

    const p = await alice.call<MessageView>('PATCH', `/messages/${id}`, { title: null, tags: [], tradeId: null });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ title: null, tags: [], tradeId: null, symbol: 'BTC-USD', body: c.body.body });

    const d = await alice.call('DELETE', `/messages/${id}`);
    expect([d.status, d.body]).toEqual([204, null]);
    expect((await alice.call<ErrorBody>('GET', `/messages/${id}`)).status).toBe(404);
    expect((await alice.call<ErrorBody>('DELETE', `/messages/${id}`)).body.error.code).toBe('message-not-found');
  });

  it('refuses invalid fields with field-level codes and another user’s trade with 422 unknown-trade', async () => {
    const u = await signUp(w, 'msg-valid');
    const other = await signUp(w, 'msg-valid-other');
    const theirs = await insertClosedTrade(w.sql, other.id, { netPnl: '1', r: 1, openedAt: T0, closedAt: T0 + 1 });
    const bad = await u.call('POST', '/messages', {
      title: 't'.repeat(201),
      body: 'b'.repeat(20_001),
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
      symbol: 's'.repeat(41),
      strategy: 'x'.repeat(81),
      colour: 'red',
    });
    expect(bad.status).toBe(400);
    expect(fieldCodes(bad.body)).toEqual([
      ['body', 'too-big'],
      ['colour', 'unknown-field'],
      ['strategy', 'too-big'],
      ['symbol', 'too-big'],
      ['tags', 'too-big'],
      ['title', 'too-big'],
    ]);
    expect(fieldCodes((await u.call('POST', '/messages', {})).body)).toEqual([['body', 'required']]);
    expect(fieldCodes((await u.call('POST', '/messages', { body: '' })).body)).toEqual([['body', 'too-small']]);
    expect(fieldCodes((await u.call('POST', '/messages', { body: '   ' })).body)).toEqual([['body', 'invalid-value']]);
    expect(fieldCodes((await u.call('POST', '/messages', { body: 'x', tags: ['ok', '#!?'] })).body)).toEqual([
      ['tags.1', 'invalid-tag'],
    ]);
    expect(fieldCodes((await u.call('POST', '/messages', { body: 'x', tags: ['a'.repeat(41)] })).body)).toEqual([
      ['tags.0', 'too-big'],
    ]);
    expect(fieldCodes((await u.call('POST', '/messages', { body: 'x', tradeId: 'one' })).body)).toEqual([
      ['tradeId', 'invalid-type'],
    ]);
    const foreign = await u.call<ErrorBody>('POST', '/messages', { body: 'x', tradeId: theirs });
    expect([foreign.status, foreign.body.error.code]).toEqual([422, 'unknown-trade']);
    const list = await u.call<ErrorBody>('GET', '/messages?limit=0&sort=asc');
    expect(fieldCodes(list.body)).toEqual([
      ['limit', 'too-small'],
      ['sort', 'unknown-field'],
    ]);
    expect((await u.call<Page>('GET', '/messages')).body.messages).toEqual([]); // nothing was stored
  });

  it('searches by word over title and body, filters by tag, symbol and strategy, and pages newest first', async () => {
    const u = await signUp(w, 'msg-search');
    const made: MessageView[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        (
          await u.call<MessageView>('POST', '/messages', {
            title: i === 0 ? 'Liquidity sweep' : `Idea ${i}`,
            body: i === 3 ? 'The liquidity grab under the lows' : `Plain note ${i}`,
            tags: i % 2 === 0 ? ['Even'] : ['odd'],
            symbol: i === 4 ? 'ETH-USD' : null,
            strategy: i === 1 ? 'breakout' : undefined,
          })
        ).body,
      );
    const ids = async (qs: string): Promise<number[]> =>
      (await u.call<Page>('GET', `/messages${qs}`)).body.messages.map((m) => m.id);
    const [m0, m1, m2, m3, m4] = made.map((m) => m.id);
    expect(await ids('?q=liquidity')).toEqual([m3, m0]);
    expect(await ids('?q=LIQUIDITY%20grab')).toEqual([m3]);
    expect(await ids('?q=nothing-like-this')).toEqual([]);
    expect(await ids('?tag=even')).toEqual([m4, m2, m0]);
    expect(await ids('?tag=Even&q=liquidity')).toEqual([m0]);
    expect(await ids('?symbol=ETH-USD')).toEqual([m4]);
    expect(await ids('?strategy=breakout')).toEqual([m1]);

    const seen: number[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const r: { body: Page } = await u.call<Page>('GET', `/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.messages.map((m) => m.id));
      cursor = r.body.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([m4, m3, m2, m1, m0]);
  });
});
