/**
 * The exit plan of a live bracket: given what has filled (entry and exits, in lots), where the stop and target
 * should be (ticks) and which exit orders are live on the venue, the list of actions that makes the venue match.
 * Pure: no I/O; the live engine (src/app/live) runs the actions in order against the venue.
 *
 * Shape of the wanted exits, for `open = entryLots − exitLots − feeLots` (lots still held and sellable):
 * - `open ≤ 0`: no exit at all (every live exit is cancelled: the survivor of a filled leg, orphans).
 * - `oco` capability and a target: one exchange-side OCO list of `open` lots at (stop, target).
 * - otherwise: one reduce-only stop-market of `open` lots at the stop and, with a target, one reduce-only limit of
 *   `open` lots at the target.
 *
 * Invariants (property-tested in exit-plan.property.test.ts):
 * - After the actions run, the live exits cover exactly the open lots: one stop (alone or as an OCO leg) and, with
 *   a target, one target, each of `open` lots at the wanted price; flat ⇒ no live exit.
 * - Never two stops live once the actions have run; the plan of the resulting state is empty (idempotent).
 * - With separate orders a replaced stop is placed BEFORE the old one is cancelled, so a position that had a stop
 *   never has a moment without one. A replaced OCO list is cancelled first and then placed again (on spot the old
 *   list locks the balance the new one needs); the engine re-places the old list at once if the new one fails.
 * - A target being replaced is cancelled before the new one is placed (reduce-only venues refuse exits larger than
 *   the position).
 */
import type { Side } from '../sizing/size.ts';

/** An exit order live on the venue. `oco` is a whole list (both legs). */
export interface LiveExit {
  kind: 'stop' | 'target' | 'oco';
  /** The venue's order id (list id for an OCO). */
  id: string;
  lots: bigint;
  /** Stop trigger, ticks (kind `stop` and `oco`). */
  stopTicks: bigint | null;
  /** Target limit, ticks (kind `target` and `oco`). */
  targetTicks: bigint | null;
}

/** The state of a live bracket as the plan reads it. */
export interface ExitPlanInput {
  /** The entry's side (exits are the opposite side). */
  side: Side;
  /** Entry quantity filled so far, lots. */
  entryLots: bigint;
  /** Exit quantity filled so far (stop, target, manual), lots. */
  exitLots: bigint;
  /** Lots the position cannot sell because the venue took its fee in the base asset (spot), lots; default 0. */
  feeLots?: bigint;
  stopTicks: bigint;
  targetTicks: bigint | null;
  /** Whether the venue places the pair as one exchange-side OCO list. */
  oco: boolean;
  /** Exit orders live on the venue. */
  live: readonly LiveExit[];
}

/** One step of the plan, run in order. */
export type ExitAction =
  | { type: 'place-oco'; lots: bigint; stopTicks: bigint; targetTicks: bigint }
  | { type: 'place-stop'; lots: bigint; stopTicks: bigint }
  | { type: 'place-target'; lots: bigint; targetTicks: bigint }
  | { type: 'cancel'; kind: LiveExit['kind']; id: string };

/** Lots still open and sellable: entry − exits − fee lots, never below zero. */
export function openLots(i: Pick<ExitPlanInput, 'entryLots' | 'exitLots' | 'feeLots'>): bigint {
  const open = i.entryLots - i.exitLots - (i.feeLots ?? 0n);
  return open > 0n ? open : 0n;
}

const cancel = (e: LiveExit): ExitAction => ({ type: 'cancel', kind: e.kind, id: e.id });

/** The actions that make the live exits match the bracket (empty when they already do). See the module doc. */
export function planExits(i: ExitPlanInput): ExitAction[] {
  const open = openLots(i);
  if (open === 0n) return i.live.map(cancel);
  const out: ExitAction[] = [];
  if (i.oco && i.targetTicks !== null) {
    const t = i.targetTicks;
    const ok = (e: LiveExit): boolean =>
      e.kind === 'oco' && e.lots === open && e.stopTicks === i.stopTicks && e.targetTicks === t;
    const keep = i.live.find(ok);
    if (keep && i.live.length === 1) return [];
    // Cancel first: on spot the old list (and any single exit) locks the balance the new list needs.
    for (const e of i.live) if (e !== keep) out.push(cancel(e));
    if (!keep) out.push({ type: 'place-oco', lots: open, stopTicks: i.stopTicks, targetTicks: t });
    return out;
  }
  // Separate orders. A live OCO list cannot be kept (no target, or no OCO support): cancelled after the new stop.
  const stopOk = (e: LiveExit): boolean => e.kind === 'stop' && e.lots === open && e.stopTicks === i.stopTicks;
  const keepStop = i.live.find(stopOk);
  const targetOk = (e: LiveExit): boolean =>
    e.kind === 'target' && i.targetTicks !== null && e.lots === open && e.targetTicks === i.targetTicks;
  const keepTarget = i.live.find(targetOk);
  // 1. The stop: the new one first, then every other stop (and OCO list, which holds a stop leg).
  if (!keepStop) out.push({ type: 'place-stop', lots: open, stopTicks: i.stopTicks });
  for (const e of i.live) if ((e.kind === 'stop' || e.kind === 'oco') && e !== keepStop) out.push(cancel(e));
  // 2. The target: wrong ones cancelled, then the wanted one placed.
  for (const e of i.live) if (e.kind === 'target' && e !== keepTarget) out.push(cancel(e));
  if (i.targetTicks !== null && !keepTarget) out.push({ type: 'place-target', lots: open, targetTicks: i.targetTicks });
  return out;
}
