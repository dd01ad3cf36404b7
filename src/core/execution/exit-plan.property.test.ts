import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openLots, planExits, type ExitAction, type ExitPlanInput, type LiveExit } from './exit-plan.ts';

/** Runs the actions on a copy of the live exits (placed orders get fresh ids); also the fewest stops seen between steps. */
function apply(live: readonly LiveExit[], actions: ExitAction[]): { live: LiveExit[]; minStops: number } {
  let cur = [...live];
  let n = 0;
  const stops = (): number => cur.filter((e) => e.kind !== 'target').length;
  let minStops = stops();
  for (const a of actions) {
    if (a.type === 'cancel') cur = cur.filter((e) => e.id !== a.id);
    else if (a.type === 'place-oco')
      cur.push({ kind: 'oco', id: `n${n++}`, lots: a.lots, stopTicks: a.stopTicks, targetTicks: a.targetTicks });
    else if (a.type === 'place-stop')
      cur.push({ kind: 'stop', id: `n${n++}`, lots: a.lots, stopTicks: a.stopTicks, targetTicks: null });
    else cur.push({ kind: 'target', id: `n${n++}`, lots: a.lots, stopTicks: null, targetTicks: a.targetTicks });
    minStops = Math.min(minStops, stops());
  }
  return { live: cur, minStops };
}

const tick = fc.bigInt({ min: 1n, max: 6n });
const lots = fc.bigInt({ min: 0n, max: 6n });
const liveExit = fc.tuple(fc.constantFrom('stop', 'target', 'oco'), lots, tick, tick).map(([kind, l, s, t]) => ({
  kind,
  lots: l,
  stopTicks: kind === 'target' ? null : s,
  targetTicks: kind === 'stop' ? null : t,
}));
const state = fc
  .record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    entryLots: lots,
    exitLots: lots,
    feeLots: fc.bigInt({ min: 0n, max: 1n }),
    stopTicks: tick,
    targetTicks: fc.option(tick, { nil: null }),
    oco: fc.boolean(),
    live: fc.array(liveExit, { maxLength: 4 }),
  })
  .map((s): ExitPlanInput => ({
    ...s,
    exitLots: s.exitLots > s.entryLots ? s.entryLots : s.exitLots,
    live: s.live.map((e, i) => ({ ...e, kind: e.kind as LiveExit['kind'], id: `L${i}` })),
  }));

describe('exit plan properties', () => {
  it('after the actions the live exits cover exactly the open lots, with one stop, and nothing when flat', () => {
    fc.assert(
      fc.property(state, (s) => {
        const { live } = apply(s.live, planExits(s));
        const open = openLots(s);
        if (open === 0n) {
          expect(live).toEqual([]);
          return;
        }
        const stops = live.filter((e) => e.kind !== 'target');
        expect(stops).toHaveLength(1);
        expect(stops[0]!.lots).toBe(open);
        expect(stops[0]!.stopTicks).toBe(s.stopTicks);
        const targets = live.filter((e) => e.kind !== 'stop');
        if (s.targetTicks === null) expect(targets).toEqual([]);
        else {
          expect(targets).toHaveLength(1);
          expect(targets[0]!.lots).toBe(open);
          expect(targets[0]!.targetTicks).toBe(s.targetTicks);
          expect(targets[0]!.kind).toBe(s.oco ? 'oco' : 'target');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent: the plan of the state it produces is empty', () => {
    fc.assert(
      fc.property(state, (s) => {
        const { live } = apply(s.live, planExits(s));
        expect(planExits({ ...s, live })).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('with separate orders a position that had a stop never goes without one while the plan runs', () => {
    fc.assert(
      fc.property(state, (s) => {
        const sep = { ...s, oco: false };
        const hadStop = sep.live.some((e) => e.kind === 'stop');
        const { minStops } = apply(sep.live, planExits(sep));
        if (hadStop && openLots(sep) > 0n) expect(minStops).toBeGreaterThanOrEqual(1);
        // The new stop comes before the cancel of any old stop.
        const acts = planExits(sep);
        const place = acts.findIndex((a) => a.type === 'place-stop');
        const firstCancelStop = acts.findIndex((a) => a.type === 'cancel' && a.kind === 'stop');
        if (place >= 0 && firstCancelStop >= 0) expect(place).toBeLessThan(firstCancelStop);
      }),
      { numRuns: 1000 },
    );
  });
});
