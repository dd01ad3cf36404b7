/** The decision record's text. Pure. */

/** What a change decision moved: `stopLoss 95 → 100`, `exitPrice 101`, `cancelled`. */
export function changeText(change: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(change)) {
    if (v && typeof v === 'object' && 'from' in v && 'to' in v) {
      const { from, to } = v as { from: unknown; to: unknown };
      parts.push(`${k} ${from ?? '–'} → ${to ?? 'refused'}`);
    } else if (typeof v === 'boolean') {
      if (v) parts.push(k);
    } else if (v !== null && v !== undefined) parts.push(`${k} ${String(v)}`);
  }
  return parts.join(', ');
}
