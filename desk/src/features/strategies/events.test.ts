import { describe, expect, it } from 'vitest';
import { describeEvent, intentText, mergeEvents, parseStreamMessage, type RunEventLike } from './events';

const ev = (id: number, kind: string, data: Record<string, unknown> = {}): RunEventLike => ({
  id,
  kind,
  barTime: '2017-07-13T10:00:00.000Z',
  data,
  createdAt: '2017-07-13T11:00:00.000Z',
});

describe('mergeEvents', () => {
  it('keeps each event once, newest first, a later copy replacing an earlier one', () => {
    const page = [ev(5, 'fill'), ev(3, 'order'), ev(2, 'signal')];
    const live = [ev(6, 'signal'), ev(5, 'fill', { price: '1' }), ev(7, 'decision')];
    const merged = mergeEvents(page, live);
    expect(merged.map((e) => e.id)).toEqual([7, 6, 5, 3, 2]);
    expect(merged.find((e) => e.id === 5)!.data).toEqual({ price: '1' });
    expect(page.map((e) => e.id)).toEqual([5, 3, 2]); // inputs untouched
  });
});

describe('parseStreamMessage', () => {
  it('reads the run and events, and ignores anything else', () => {
    expect(parseStreamMessage('{"type":"run","data":{"id":1}}')).toEqual({ type: 'run', run: { id: 1 } });
    const e = ev(9, 'decision');
    expect(parseStreamMessage(JSON.stringify({ type: 'decision', data: e }))).toEqual({ type: 'event', event: e });
    expect(parseStreamMessage('not json')).toBeNull();
    expect(parseStreamMessage('{"type":"hello","data":{"id":1}}')).toBeNull();
    expect(parseStreamMessage('{"type":"fill","data":{"id":"x"}}')).toBeNull();
    expect(parseStreamMessage('{"type":"run"}')).toBeNull();
    expect(parseStreamMessage('null')).toBeNull();
  });
});

describe('describeEvent', () => {
  it('describes a signal by its intent', () => {
    const d = describeEvent(ev(1, 'signal', { seq: 0, intent: { kind: 'buy', sl: 9800.5, tp: 10400, limit: null } }));
    expect(d).toEqual({ label: 'Signal', summary: 'Buy · SL 9800.5 · TP 10400', codes: [], tone: 'accent' });
    expect(intentText({ kind: 'sell', sl: null, tp: null })).toBe('Sell · no stop');
    expect(intentText({ kind: 'sell', sl: 2300.4911483366423, tp: 0.000123456789 })).toBe(
      'Sell · SL 2300.4911 · TP 0.00012345679',
    );
    expect(intentText({ kind: 'close' })).toBe('Close position');
  });

  it('shows an approved decision with its trade, a rejected one with its rule codes and message', () => {
    const ok = describeEvent(
      ev(2, 'decision', { approved: true, codes: [], tradeId: 12, intent: { side: 'buy', sl: 1, tp: 3 } }),
    );
    expect(ok.label).toBe('Approved');
    expect(ok.tone).toBe('profit');
    expect(ok.summary).toBe('Buy · SL 1 · TP 3 → trade #12');
    const no = describeEvent(
      ev(3, 'decision', {
        approved: false,
        codes: ['max-open-risk', 'cooldown'],
        message: 'refused by the protocol',
        intent: { side: 'sell', sl: null },
      }),
    );
    expect(no).toEqual({
      label: 'Rejected',
      summary: 'Sell · no stop: refused by the protocol',
      codes: ['max-open-risk', 'cooldown'],
      tone: 'loss',
    });
    expect(describeEvent(ev(4, 'decision', { kind: 'close', approved: true, closed: [4], failed: [] })).summary).toBe(
      'closed 1 trade',
    );
    expect(describeEvent(ev(4, 'decision', { kind: 'close', approved: true, closed: [], failed: [] })).summary).toBe(
      'Close position: nothing to close',
    );
  });

  it('describes orders, fills and status changes', () => {
    expect(
      describeEvent(
        ev(5, 'order', {
          side: 'buy',
          qty: '0.25',
          entryType: 'market',
          stopLoss: '9800',
          takeProfit: '10400',
          riskPct: '1',
          tradeId: 7,
        }),
      ).summary,
    ).toBe('Buy · 0.25 · market · SL 9800 · TP 10400 · risk 1% (trade #7)');
    expect(
      describeEvent(ev(6, 'fill', { leg: 'entry', qty: '0.25', price: '10000', fee: '2.5', tradeId: 7 })).summary,
    ).toBe('entry · 0.25 @ 10000 · fee 2.5 (trade #7)');
    expect(describeEvent(ev(7, 'status', { status: 'running', warmupBars: 500 })).summary).toBe(
      'running: warm-up 500 bars',
    );
    const failed = describeEvent(ev(8, 'status', { status: 'failed', error: { code: 'boom', message: 'it threw' } }));
    expect(failed).toEqual({ label: 'Status', summary: 'failed: it threw', codes: ['boom'], tone: 'loss' });
  });
});
