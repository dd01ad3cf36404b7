import { describe, expect, it } from 'vitest';
import type { Entry } from './api';
import { byDay, checkDraft, draftOf, emptyDraft, serverErrors } from './entry-form';

const entry = (id: number, createdAt: string, over: Partial<Entry> = {}): Entry => ({
  id,
  title: `e${id}`,
  body: '',
  tags: [],
  collection: null,
  tradeIds: [],
  createdAt,
  updatedAt: createdAt,
  ...over,
});

describe('the entry editor', () => {
  it('builds the request from what was typed: trimmed title, parsed tags and trade numbers, empty collection null', () => {
    const r = checkDraft({ title: '  Review  ', body: '# x', tags: 'a, b, a', collection: ' ', trades: '#12, 7 12' });
    expect(r).toEqual({
      input: { title: 'Review', body: '# x', tags: ['a', 'b'], collection: null, tradeIds: [12, 7] },
      errors: null,
    });
  });

  it('names every field that cannot be sent', () => {
    const r = checkDraft({ title: ' ', body: '', tags: 'x'.repeat(41), collection: 'c'.repeat(61), trades: '12, abc' });
    expect(r.errors).toEqual({
      title: 'Give the entry a title',
      tags: 'Each tag at most 40 characters',
      collection: 'At most 60 characters',
      trades: '"abc" is not a trade number',
    });
    expect(checkDraft({ ...emptyDraft(), title: 't', trades: '0' }).errors).toEqual({
      trades: '"0" is not a trade number',
    });
  });

  it('starts a draft linked to a trade, and edits an entry as it is', () => {
    expect(emptyDraft(5, 'review')).toEqual({ title: '', body: '', tags: '', collection: 'review', trades: '5' });
    const e = entry(1, '2024-01-01T00:00:00Z', { tags: ['a', 'b'], tradeIds: [3, 4], collection: 'playbook' });
    expect(draftOf(e)).toEqual({ title: 'e1', body: '', tags: 'a, b', collection: 'playbook', trades: '3, 4' });
  });

  it("maps the server's field errors to the form's fields", () => {
    expect(
      serverErrors([
        { field: 'tradeIds.1', code: 'unknown-trade', message: 'no trade 9 of yours' },
        { field: 'tradeIds.2', code: 'unknown-trade', message: 'no trade 10 of yours' },
        { field: 'title', code: 'too-big', message: 'too long' },
        { field: 'other', code: 'x', message: 'y' },
      ]),
    ).toEqual({ trades: 'no trade 9 of yours', title: 'too long' });
  });

  it('groups the timeline by UTC day, newest first', () => {
    const g = byDay([
      entry(1, '2024-01-01T10:00:00.000Z'),
      entry(3, '2024-01-02T09:00:00.000Z'),
      entry(2, '2024-01-01T23:59:00.000Z'),
    ]);
    expect(g.map((d) => [d.day, d.entries.map((e) => e.id)])).toEqual([
      ['2024-01-02', [3]],
      ['2024-01-01', [2, 1]],
    ]);
  });
});
