/** Tags typed as text: `breakout, a+ , breakout` → `['breakout', 'a+']`. Pure. */

/** Splits on commas (and newlines), trims, drops empty ones and repeats (first spelling kept, order kept). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const t = raw.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/** The tags as the text a tag field shows: `a, b`. */
export function formatTags(tags: readonly string[]): string {
  return tags.join(', ');
}
