/**
 * Pure logic of a run's event stream: merging the live events of `WS /ws/strategies/:id` with the pages of
 * `GET /api/v1/strategy-runs/:id/events` (newest first, each event once), reading the socket's messages, and the
 * one-line description the Desk shows for each event (signal, decision approved or rejected with its rule codes,
 * order, fill, status). Event `data` is free-form JSON: every field is read defensively.
 */

/** The kinds of run events. */
export type EventKind = 'signal' | 'decision' | 'order' | 'fill' | 'status';

/** What this module reads of an event (`EventView` of the API). */
export interface RunEventLike {
  id: number;
  kind: string;
  barTime: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * `incoming` folded into `known`: one event per id (a later copy replaces an earlier one), newest (highest id)
 * first. Neither input is changed.
 */
export function mergeEvents<E extends RunEventLike>(known: readonly E[], incoming: readonly E[]): E[] {
  const byId = new Map<number, E>();
  for (const e of known) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** A message of `WS /ws/strategies/:id`: the run (first, then on each change) or one of its events. */
export type StreamMessage<R, E> = { type: 'run'; run: R } | { type: 'event'; event: E };

const KINDS = new Set<string>(['signal', 'decision', 'order', 'fill', 'status']);

/**
 * Parses one socket message (`{type:'run', data: RunView}` or `{type: kind, data: EventView}`); null for anything
 * else (unparseable text, an unknown type, an event without a numeric id).
 */
export function parseStreamMessage<R, E extends RunEventLike>(text: string): StreamMessage<R, E> | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { type, data } = m as { type?: unknown; data?: unknown };
  if (typeof data !== 'object' || data === null) return null;
  if (type === 'run') return { type: 'run', run: data as R };
  if (typeof type === 'string' && KINDS.has(type) && typeof (data as { id?: unknown }).id === 'number')
    return { type: 'event', event: data as E };
  return null;
}

/** Tone of an event line (badge colour). */
export type Tone = 'neutral' | 'profit' | 'loss' | 'warn' | 'accent';

/** How an event is shown: a label, a one-line summary, rule codes (rejections) and a tone. */
export interface EventLine {
  label: string;
  summary: string;
  codes: string[];
  tone: Tone;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
/**
 * A number for display: a float (a strategy's raw price) to 8 significant digits (`2300.4911483366423` →
 * `2300.4911`); decimal text (a price or quantity the server wrote) as it is.
 */
export function numText(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(8))) : null;
  return typeof v === 'string' && v !== '' ? v : null;
}
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const sideWord = (v: unknown): string | null => (v === 'buy' ? 'Buy' : v === 'sell' ? 'Sell' : null);

/** `Buy · SL 9,800 · TP 10,400 · limit 9,900 · tag x` of an order intent (missing parts left out). */
export function intentText(intent: unknown): string {
  const i = obj(intent);
  const kind = str(i.kind) ?? str(i.side);
  if (kind === 'close') return 'Close position';
  if (kind === 'cancel') return 'Cancel pending entries';
  const parts = [sideWord(kind) ?? (kind ? kind : 'Order')];
  const sl = numText(i.sl);
  const tp = numText(i.tp);
  const limit = numText(i.limit);
  const tag = str(i.tag);
  parts.push(sl === null ? 'no stop' : `SL ${sl}`);
  if (tp !== null) parts.push(`TP ${tp}`);
  if (limit !== null) parts.push(`limit ${limit}`);
  if (tag !== null) parts.push(`tag ${tag}`);
  return parts.join(' · ');
}

/** The line shown for `e` (see {@link EventLine}). */
export function describeEvent(e: RunEventLike): EventLine {
  const d = obj(e.data);
  switch (e.kind) {
    case 'signal': {
      if (d.client === true) return { label: 'Signal', summary: 'client signal', codes: [], tone: 'accent' };
      return { label: 'Signal', summary: intentText(d.intent), codes: [], tone: 'accent' };
    }
    case 'decision': {
      const approved = d.approved === true;
      const codes = Array.isArray(d.codes) ? d.codes.filter((c): c is string => typeof c === 'string') : [];
      const kind = str(d.kind);
      let summary: string;
      if (kind === 'close' || kind === 'cancel') {
        const ended = Array.isArray(d.closed) ? d.closed.length : Array.isArray(d.cancelled) ? d.cancelled.length : 0;
        summary =
          ended === 0
            ? `${kind === 'close' ? 'Close position' : 'Cancel pending entries'}: nothing to ${kind}`
            : `${kind === 'close' ? 'closed' : 'cancelled'} ${ended} trade${ended === 1 ? '' : 's'}`;
      } else {
        const what = d.intent === undefined ? '' : intentText(d.intent);
        const trade = typeof d.tradeId === 'number' ? ` → trade #${d.tradeId}` : '';
        const msg = !approved ? str(d.message) : null;
        summary = [what + trade, msg].filter((s) => s).join(': ');
      }
      return { label: approved ? 'Approved' : 'Rejected', summary, codes, tone: approved ? 'profit' : 'loss' };
    }
    case 'order': {
      const parts = [sideWord(d.side) ?? 'Order'];
      const qty = numText(d.qty);
      if (qty !== null) parts.push(qty);
      const type = str(d.entryType);
      if (type !== null)
        parts.push(type === 'limit' && numText(d.entryPrice) ? `limit ${numText(d.entryPrice)}` : type);
      const sl = numText(d.stopLoss);
      const tp = numText(d.takeProfit);
      if (sl !== null) parts.push(`SL ${sl}`);
      if (tp !== null) parts.push(`TP ${tp}`);
      const risk = numText(d.riskPct);
      if (risk !== null) parts.push(`risk ${risk}%`);
      const trade = typeof d.tradeId === 'number' ? ` (trade #${d.tradeId})` : '';
      return { label: 'Order', summary: parts.join(' · ') + trade, codes: [], tone: 'neutral' };
    }
    case 'fill': {
      const liquidity = str(d.liquidity);
      const leg = str(d.leg) ?? (liquidity ? `${liquidity} fill` : 'fill');
      const qty = numText(d.qty);
      const price = numText(d.price);
      const fee = numText(d.fee);
      const parts = [leg];
      if (qty !== null && price !== null) parts.push(`${qty} @ ${price}`);
      else if (price !== null) parts.push(`@ ${price}`);
      if (fee !== null) parts.push(`fee ${fee}`);
      const trade = typeof d.tradeId === 'number' ? ` (trade #${d.tradeId})` : '';
      return { label: 'Fill', summary: parts.join(' · ') + trade, codes: [], tone: 'warn' };
    }
    case 'status': {
      const status = str(d.status) ?? 'status';
      const err = obj(d.error);
      const extra =
        d.resumed === true
          ? 'resumed'
          : typeof d.warmupBars === 'number'
            ? `warm-up ${d.warmupBars} bars`
            : (str(err.message) ?? '');
      return {
        label: 'Status',
        summary: [status, extra].filter((s) => s).join(': '),
        codes: str(err.code) ? [str(err.code)!] : [],
        tone: status === 'failed' ? 'loss' : 'neutral',
      };
    }
    default:
      return { label: e.kind, summary: '', codes: [], tone: 'neutral' };
  }
}
