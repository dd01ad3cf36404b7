import { describe, expect, it } from 'vitest';
import { changeText } from './decisions';

describe("a decision's change in words", () => {
  it('shows moves from → to, a refused move, flags and values', () => {
    expect(changeText({ stopLoss: { from: '95', to: '100' } })).toBe('stopLoss 95 → 100');
    expect(changeText({ takeProfit: { from: '110', to: null } })).toBe('takeProfit 110 → refused');
    expect(changeText({ cancelled: true, exitPrice: '101.5', markPrice: null })).toBe('cancelled, exitPrice 101.5');
    expect(changeText({ cancelled: false })).toBe('');
  });
});
