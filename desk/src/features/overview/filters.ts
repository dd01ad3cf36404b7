/**
 * The journal filters of the Overview and Trades pages (date range, symbol, setup, tag, and for trades the status),
 * kept in the URL query so a view can be shared and reloaded. Pure: no DOM.
 *
 * Dates are UTC calendar days `YYYY-MM-DD`, both ends inclusive in the Desk; the API's `to` is exclusive, so
 * {@link toApiQuery} sends the day after `to`.
 */

/** A filter of the journal. Absent fields do not filter. */
export interface JournalFilter {
  /** First UTC day, `YYYY-MM-DD`, inclusive. */
  from?: string;
  /** Last UTC day, `YYYY-MM-DD`, inclusive. */
  to?: string;
  symbol?: string;
  setup?: string;
  tag?: string;
  /** Trades page only: `pending`, `open`, `closed`, `cancelled`. */
  status?: string;
}

/** The keys of {@link JournalFilter}, in the order they are written to the URL. */
export const FILTER_KEYS = ['from', 'to', 'symbol', 'setup', 'tag', 'status'] as const;

/** The trade statuses the API knows. */
export const STATUSES = ['pending', 'open', 'closed', 'cancelled', 'rejected'] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `s` is a real UTC calendar day `YYYY-MM-DD` (not 2024-02-30). */
export function isDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The UTC day after `day` (`2024-02-28` → `2024-02-29`). @throws RangeError when `day` is not a day. */
export function nextDay(day: string): string {
  if (!isDay(day)) throw new RangeError(`not a day: ${day}`);
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * Reads a filter from a URL query. Unknown keys, empty values, malformed days and unknown statuses are ignored (a
 * hand-edited URL never breaks the page); `allowStatus` false drops the status (the Overview has none).
 */
export function parseFilter(params: URLSearchParams, allowStatus = false): JournalFilter {
  const f: JournalFilter = {};
  const text = (k: 'symbol' | 'setup' | 'tag'): void => {
    const v = params.get(k)?.trim();
    if (v) f[k] = v.slice(0, 80);
  };
  const from = params.get('from');
  const to = params.get('to');
  if (from && isDay(from)) f.from = from;
  if (to && isDay(to)) f.to = to;
  text('symbol');
  text('setup');
  text('tag');
  const status = params.get('status');
  if (allowStatus && status && (STATUSES as readonly string[]).includes(status)) f.status = status;
  return f;
}

/**
 * Writes `f` into a copy of `params` (other keys kept, empty fields removed), for `setSearchParams`. Keys keep the
 * order of {@link FILTER_KEYS} so equal filters give equal URLs.
 */
export function writeFilter(params: URLSearchParams, f: JournalFilter): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of params) if (!(FILTER_KEYS as readonly string[]).includes(k)) out.append(k, v);
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) out.set(k, v);
  }
  return out;
}

/** The filter as the API's query: `from` at 00:00 UTC, `to` exclusive (the day after the inclusive last day). */
export function toApiQuery(f: JournalFilter): Record<string, string | undefined> {
  return {
    from: f.from,
    to: f.to ? nextDay(f.to) : undefined,
    symbol: f.symbol,
    setup: f.setup,
    tag: f.tag,
    status: f.status,
  };
}

/** How many fields of `f` filter (for a "clear filters" button and summaries). */
export function activeFilterCount(f: JournalFilter): number {
  return FILTER_KEYS.filter((k) => Boolean(f[k])).length;
}

/** A one-line description of the filter: `2024-01-01 → 2024-01-31 · BTC-USD · setup breakout`, or `all trades`. */
export function describeFilter(f: JournalFilter): string {
  const parts: string[] = [];
  if (f.from || f.to) parts.push(`${f.from ?? '…'} → ${f.to ?? '…'}`);
  if (f.symbol) parts.push(f.symbol);
  if (f.setup) parts.push(`setup ${f.setup}`);
  if (f.tag) parts.push(`tag ${f.tag}`);
  if (f.status) parts.push(f.status);
  return parts.length ? parts.join(' · ') : 'all trades';
}
