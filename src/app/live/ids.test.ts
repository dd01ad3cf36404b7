import { describe, expect, it } from 'vitest';
import { clientId, parseClientId } from './ids.ts';

describe('client order ids', () => {
  it('derive every leg from the decision id and parse back, within 36 characters', () => {
    const big = Number.MAX_SAFE_INTEGER;
    for (const [leg, n] of [
      ['entry', 0],
      ['stop', 3],
      ['target', 12],
      ['oco', 1],
      ['close', 0],
    ] as const) {
      const id = clientId(big, leg, n);
      expect(id.length).toBeLessThanOrEqual(36);
      expect(id).toMatch(/^[a-z0-9]+$/);
      expect(parseClientId(id)).toEqual({ decisionId: big, leg, n });
    }
    expect(clientId(42, 'entry')).toBe('tdo42e');
    expect(clientId(42, 'stop', 1)).toBe('tdo42s1');
  });

  it('does not claim orders placed by someone else', () => {
    expect(parseClientId('web_123')).toBeNull();
    expect(parseClientId('tdo12x1')).toBeNull();
    expect(parseClientId(null)).toBeNull();
  });
});
