import { describe, expect, it } from 'vitest';
import {
  defaultLines,
  followLast,
  hitLine,
  moveLine,
  priceAtPointer,
  ratioText,
  rewardRisk,
  wrongSides,
  zoneRects,
} from './lines';

describe('default line placement', () => {
  it('puts a long stop 1.5% below the last price and the target at 2R above', () => {
    expect(defaultLines({ side: 'buy', last: '2410', tick: '0.01' })).toEqual({
      entry: '2410.00',
      stop: '2373.85',
      target: '2482.30',
    });
  });

  it('mirrors a short, rounding the stop and target away from the entry', () => {
    const l = defaultLines({ side: 'sell', last: '2410.07', tick: '0.01' });
    // 1.5% of 2410.07 = 36.15105 → stop 2446.22105 → ceil 2446.23; risk 36.16 → target 2410.07 − 72.32
    expect(l).toEqual({ entry: '2410.07', stop: '2446.23', target: '2337.75' });
    expect(rewardRisk(l)).toBe('2.00');
    expect(wrongSides(l, 'sell')).toEqual([]);
  });

  it('keeps the stop at least one tick from the entry on coarse grids', () => {
    expect(defaultLines({ side: 'buy', last: '10', tick: '1', stopPct: '1' })).toEqual({
      entry: '10',
      stop: '9',
      target: '12',
    });
  });

  it('honours another stop distance and reward:risk', () => {
    const l = defaultLines({ side: 'buy', last: '100', tick: '0.5', stopPct: '2', rewardRisk: '1.5' });
    expect(l).toEqual({ entry: '100.0', stop: '98.0', target: '103.0' });
  });
});

describe('dragging', () => {
  it('snaps the pointer price to the tick exactly', () => {
    expect(priceAtPointer(2410.0371, '0.01')).toBe('2410.04');
    expect(priceAtPointer(2410.0049, '0.01')).toBe('2410.00');
    expect(priceAtPointer(-3, '0.01')).toBe('0.01');
    expect(priceAtPointer(null, '0.01')).toBeNull();
    expect(priceAtPointer(Number.NaN, '0.01')).toBeNull();
  });

  it('grabs the nearest draggable line within the tolerance', () => {
    const ys = { entry: 100, stop: 140, target: 40 };
    expect(hitLine(137, ys, ['stop', 'target'])).toBe('stop');
    expect(hitLine(100, ys, ['stop', 'target'])).toBeNull(); // a market entry is not draggable
    expect(hitLine(103, ys, ['entry', 'stop', 'target'])).toBe('entry');
    expect(hitLine(70, ys, ['entry', 'stop', 'target'])).toBeNull();
    expect(hitLine(40, { ...ys, target: null }, ['target'])).toBeNull();
  });

  it('moves a line, except a market entry, which follows the last price', () => {
    const l = { entry: '100.00', stop: '98.00', target: '104.00' };
    expect(moveLine(l, 'stop', '97.50', 'market')).toEqual({ ...l, stop: '97.50' });
    expect(moveLine(l, 'entry', '99.00', 'market')).toBe(l);
    expect(moveLine(l, 'entry', '99.00', 'limit')).toEqual({ ...l, entry: '99.00' });
    expect(followLast(l, '101.234', '0.01')).toEqual({ ...l, entry: '101.23' });
    expect(followLast(l, '100', '0.01')).toBe(l);
  });
});

describe('reward:risk and zones', () => {
  it('computes reward:risk truncated, null without risk', () => {
    expect(rewardRisk({ entry: '100', stop: '95', target: '109.99' })).toBe('1.99');
    expect(rewardRisk({ entry: '100', stop: '100', target: '110' })).toBeNull();
    expect(rewardRisk({ entry: 'x', stop: '1', target: '2' })).toBeNull();
  });

  it("shows the server's ratio truncated to 2 decimals, without float noise", () => {
    expect(ratioText(1.998)).toBe('1.99');
    expect(ratioText(2)).toBe('2.00');
    expect(ratioText(2.3)).toBe('2.30'); // 2.3 × 100 is 229.99999999999997 in floats
    expect(ratioText(null)).toBe('–');
  });

  it('flags lines on the wrong side', () => {
    expect(wrongSides({ entry: '100', stop: '101', target: '99' }, 'buy')).toEqual(['stop', 'target']);
    expect(wrongSides({ entry: '100', stop: '101', target: '99' }, 'sell')).toEqual([]);
  });

  it('shades entry↔stop as risk and entry↔target as reward, clipped to the pane', () => {
    const z = zoneRects({ entry: 200, stop: 260, target: 80 }, 10, 610, 500);
    expect(z.risk).toEqual({ left: 10, top: 200, width: 600, height: 60 });
    expect(z.reward).toEqual({ left: 10, top: 80, width: 600, height: 120 });
    const clipped = zoneRects({ entry: 450, stop: 700, target: -50 }, 0, 100, 500);
    expect(clipped.risk).toEqual({ left: 0, top: 450, width: 100, height: 50 });
    expect(clipped.reward).toEqual({ left: 0, top: 0, width: 100, height: 450 });
    expect(zoneRects({ entry: null, stop: 10, target: 20 }, 0, 100, 500)).toEqual({ risk: null, reward: null });
  });
});
