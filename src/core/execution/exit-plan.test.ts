import { describe, expect, it } from 'vitest';
import { planExits, type LiveExit } from './exit-plan.ts';

const oco = (id: string, lots: bigint, stop: bigint, target: bigint): LiveExit => ({
  kind: 'oco',
  id,
  lots,
  stopTicks: stop,
  targetTicks: target,
});
const stop = (id: string, lots: bigint, at: bigint): LiveExit => ({
  kind: 'stop',
  id,
  lots,
  stopTicks: at,
  targetTicks: null,
});
const target = (id: string, lots: bigint, at: bigint): LiveExit => ({
  kind: 'target',
  id,
  lots,
  stopTicks: null,
  targetTicks: at,
});
const base = { side: 'buy' as const, stopTicks: 90n, targetTicks: 120n };

describe('exit plan', () => {
  it('places one OCO for the filled lots when the entry first fills on an OCO venue', () => {
    expect(planExits({ ...base, entryLots: 5n, exitLots: 0n, oco: true, live: [] })).toEqual([
      { type: 'place-oco', lots: 5n, stopTicks: 90n, targetTicks: 120n },
    ]);
  });

  it('does nothing when the live OCO already matches', () => {
    expect(planExits({ ...base, entryLots: 5n, exitLots: 0n, oco: true, live: [oco('L1', 5n, 90n, 120n)] })).toEqual(
      [],
    );
  });

  it('resizes an OCO after a further entry fill: the old list is cancelled, then the new one placed', () => {
    expect(planExits({ ...base, entryLots: 8n, exitLots: 0n, oco: true, live: [oco('L1', 5n, 90n, 120n)] })).toEqual([
      { type: 'cancel', kind: 'oco', id: 'L1' },
      { type: 'place-oco', lots: 8n, stopTicks: 90n, targetTicks: 120n },
    ]);
  });

  it('places the new stop before cancelling the old one with separate orders', () => {
    const live = [stop('S0', 5n, 80n), target('T0', 5n, 120n)];
    expect(planExits({ ...base, entryLots: 5n, exitLots: 0n, oco: false, live })).toEqual([
      { type: 'place-stop', lots: 5n, stopTicks: 90n },
      { type: 'cancel', kind: 'stop', id: 'S0' },
    ]);
  });

  it('cancels the surviving target once the stop filled the position', () => {
    expect(planExits({ ...base, entryLots: 5n, exitLots: 5n, oco: false, live: [target('T0', 5n, 120n)] })).toEqual([
      { type: 'cancel', kind: 'target', id: 'T0' },
    ]);
  });

  it('sizes exits to what can be sold after a fee taken in the base asset', () => {
    expect(planExits({ ...base, entryLots: 5n, exitLots: 0n, feeLots: 1n, oco: false, live: [] })).toEqual([
      { type: 'place-stop', lots: 4n, stopTicks: 90n },
      { type: 'place-target', lots: 4n, targetTicks: 120n },
    ]);
  });

  it('uses a lone stop on an OCO venue when the trade has no target', () => {
    expect(
      planExits({ ...base, targetTicks: null, entryLots: 5n, exitLots: 0n, oco: true, live: [oco('L', 5n, 90n, 1n)] }),
    ).toEqual([
      { type: 'place-stop', lots: 5n, stopTicks: 90n },
      { type: 'cancel', kind: 'oco', id: 'L' },
    ]);
  });
});
