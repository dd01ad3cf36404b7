import { describe, expect, it } from 'vitest';
import { confirmStep, IDLE, setupKey, type ConfirmEvent, type ConfirmState } from './confirm';

const run = (events: ConfirmEvent[], from: ConfirmState = IDLE) => events.reduce(confirmStep, from);
const press = (key = 'a', canPlace = true): ConfirmEvent => ({ t: 'press', key, canPlace });

describe('two-step confirmation', () => {
  it('arms on the first press and sends on the second press of the same setup', () => {
    expect(run([press()])).toEqual({ s: 'armed', key: 'a' });
    expect(run([press(), press()])).toEqual({ s: 'sending', key: 'a' });
  });

  it('disarms on Escape and on any change of the setup', () => {
    expect(run([press(), { t: 'escape' }])).toEqual(IDLE);
    expect(run([press(), { t: 'change', key: 'b' }])).toEqual(IDLE);
    expect(run([press(), { t: 'change', key: 'a' }])).toEqual({ s: 'armed', key: 'a' });
    // a press on a different setup re-arms for that one instead of sending
    expect(run([press('a'), press('b')])).toEqual({ s: 'armed', key: 'b' });
  });

  it('never arms or sends a setup the latest preview refuses', () => {
    expect(run([press('a', false)])).toEqual(IDLE);
    expect(run([press(), press('a', false)])).toEqual(IDLE);
  });

  it('ignores presses, Escape and changes while sending, then shows the result until the next change', () => {
    const sending = run([press(), press()]);
    expect(run([press(), { t: 'escape' }, { t: 'change', key: 'z' }], sending)).toBe(sending);
    const placed = confirmStep(sending, { t: 'placed', tradeId: 42 });
    expect(placed).toEqual({ s: 'placed', key: 'a', tradeId: 42 });
    expect(confirmStep(placed, { t: 'change', key: 'b' })).toEqual(IDLE);
    const failed = confirmStep(sending, { t: 'failed', message: 'rejected' });
    expect(failed).toEqual({ s: 'failed', key: 'a', message: 'rejected' });
    expect(confirmStep(IDLE, { t: 'placed', tradeId: 1 })).toBe(IDLE);
  });

  it('fingerprints a setup regardless of key order and undefined fields', () => {
    expect(setupKey({ b: 1, a: '2', c: undefined })).toBe(setupKey({ a: '2', b: 1 }));
    expect(setupKey({ a: '2' })).not.toBe(setupKey({ a: '3' }));
  });
});
