import { describe, expect, it } from 'vitest';
import { needsOnboarding, onboardedKey, rememberOnboarded, type FlagStore } from './state';

function memory(): FlagStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('when the first-run onboarding is shown', () => {
  it('follows the server flag when there is one', () => {
    expect(needsOnboarding(1, true, memory())).toBe(false);
    expect(needsOnboarding(1, false, memory())).toBe(true);
  });
  it('falls back to the per-user local flag, also when the server has not recorded it yet', () => {
    const s = memory();
    expect(needsOnboarding(7, undefined, s)).toBe(true);
    rememberOnboarded(7, s);
    expect(s.data.get(onboardedKey(7))).toBe('1');
    expect(needsOnboarding(7, undefined, s)).toBe(false);
    expect(needsOnboarding(7, false, s)).toBe(false);
    expect(needsOnboarding(8, undefined, s)).toBe(true);
  });
  it('shows it without any storage and ignores a failing one', () => {
    expect(needsOnboarding(1, undefined, null)).toBe(true);
    const broken: FlagStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(() => rememberOnboarded(1, broken)).not.toThrow();
  });
});
