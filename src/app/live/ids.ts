/**
 * Client order ids of live brackets, derived from the submission's decision id so a retried placement can never
 * double an order on the venue (a venue refuses a second order with a live client id, and finds an order by it):
 * `tdo<decisionId>e` entry, `tdo<decisionId>s<n>` stop, `t<n>` target, `o<n>` OCO list, `c<n>` manual close, with
 * `n` = 0, 1, 2… per replacement. At most 36 characters of `[a-z0-9]`.
 */

/** What a client order id names. */
export type ClientLeg = 'entry' | 'stop' | 'target' | 'oco' | 'close';

const LETTER: Record<ClientLeg, string> = { entry: 'e', stop: 's', target: 't', oco: 'o', close: 'c' };
const LEG: Record<string, ClientLeg> = { e: 'entry', s: 'stop', t: 'target', o: 'oco', c: 'close' };

/** The client order id of `leg` of the trade submitted by `decisionId` (`n`: the replacement number, not for entry). */
export function clientId(decisionId: number, leg: ClientLeg, n = 0): string {
  return leg === 'entry' ? `tdo${decisionId}e` : `tdo${decisionId}${LETTER[leg]}${n}`;
}

/** Parses a Testudo client order id; null when it is not one (an order placed by someone else). */
export function parseClientId(id: string | null | undefined): { decisionId: number; leg: ClientLeg; n: number } | null {
  const m = /^tdo(\d+)([estoc])(\d*)$/.exec(id ?? '');
  if (!m) return null;
  return { decisionId: Number(m[1]), leg: LEG[m[2]!]!, n: m[3] === '' ? 0 : Number(m[3]) };
}
