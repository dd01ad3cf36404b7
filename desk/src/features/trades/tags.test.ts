import { describe, expect, it } from 'vitest';
import { formatTags, parseTags } from './tags';

describe('tags typed as text', () => {
  it('splits on commas and newlines, trims, and drops empty and repeated tags', () => {
    expect(parseTags(' breakout, a+ ,, breakout\nreview ')).toEqual(['breakout', 'a+', 'review']);
    expect(parseTags('   ')).toEqual([]);
  });

  it('round-trips through the field text', () => {
    expect(parseTags(formatTags(['x', 'y z']))).toEqual(['x', 'y z']);
  });
});
