/**
 * The exchange connection form and the import progress of a connection, as pure functions: which fields a venue
 * needs, the `POST /api/v1/connections` body a form makes (only the credentials the venue uses are sent), the
 * form's own checks before anything is sent, and the one-line text of a history import from its WebSocket events
 * (`import-progress`, `import-complete`).
 */

/** A venue a connection can name: the built-in simulated exchange, a CCXT exchange, or Hyperliquid. */
export type VenueKind = 'sim' | 'ccxt' | 'hyperliquid';

/** CCXT exchanges a `ccxt` connection may name (the server's `CCXT_EXCHANGES`). */
export const CCXT_EXCHANGES = ['binance', 'bybit', 'okx'] as const;

/** A credential field of the form (the names of `credentials` in the request body). */
export type CredentialKey = 'apiKey' | 'secret' | 'password' | 'walletAddress' | 'privateKey';

/** One credential input: its label, whether it is a secret (a password input), and a hint. */
export interface CredentialField {
  key: CredentialKey;
  label: string;
  secret: boolean;
  hint?: string;
}

/** What the add-connection form holds (as typed). */
export interface ConnectionForm {
  venue: VenueKind;
  /** CCXT exchange id (ccxt only). */
  exchange: (typeof CCXT_EXCHANGES)[number];
  label: string;
  marketType: 'spot' | 'swap';
  sandbox: boolean;
  /** Import the last 90 days of fills once the connection exists. */
  importHistory: boolean;
  credentials: Partial<Record<CredentialKey, string>>;
}

/** The body of `POST /api/v1/connections`. */
export interface ConnectionBody {
  venue: VenueKind;
  exchange?: string;
  label: string;
  marketType?: 'spot' | 'swap';
  sandbox?: boolean;
  credentials: Partial<Record<CredentialKey, string>>;
  import?: boolean;
}

/** The venues the form offers, with their names as the trader reads them. */
export const VENUE_OPTIONS: readonly { value: VenueKind; label: string }[] = [
  { value: 'sim', label: 'Simulated exchange' },
  { value: 'ccxt', label: 'Binance / Bybit / OKX (CCXT)' },
  { value: 'hyperliquid', label: 'Hyperliquid' },
];

/** A fresh form: the simulated exchange, spot, history import on. */
export const EMPTY_FORM: ConnectionForm = {
  venue: 'sim',
  exchange: 'binance',
  label: '',
  marketType: 'spot',
  sandbox: false,
  importHistory: true,
  credentials: {},
};

/** The credential inputs `form`'s venue needs (OKX also asks for its API passphrase). */
export function credentialFields(form: Pick<ConnectionForm, 'venue' | 'exchange'>): CredentialField[] {
  switch (form.venue) {
    case 'sim':
      return [
        { key: 'apiKey', label: 'API key', secret: false, hint: 'Exchange → API keys (trade permission)' },
        { key: 'secret', label: 'API secret', secret: true },
      ];
    case 'ccxt':
      return [
        { key: 'apiKey', label: 'API key', secret: false },
        { key: 'secret', label: 'API secret', secret: true },
        ...(form.exchange === 'okx'
          ? [{ key: 'password' as const, label: 'API passphrase', secret: true, hint: 'OKX asks for it' }]
          : []),
      ];
    case 'hyperliquid':
      return [
        { key: 'walletAddress', label: 'Wallet address', secret: false, hint: 'your main account, 0x…' },
        { key: 'privateKey', label: 'Agent wallet private key', secret: true, hint: 'an API (agent) wallet, 0x…' },
      ];
  }
}

/** Whether `form`'s venue lets the trader choose spot or perpetual swaps (Hyperliquid: swaps only; sim: spot). */
export function choosesMarketType(venue: VenueKind): boolean {
  return venue === 'ccxt';
}

/** Whether `form`'s venue has a testnet switch. */
export function hasSandbox(venue: VenueKind): boolean {
  return venue !== 'sim';
}

/** The request body for `form`: implied fields left to the server, only the venue's own credentials, trimmed. */
export function connectionBody(form: ConnectionForm): ConnectionBody {
  const credentials: Partial<Record<CredentialKey, string>> = {};
  for (const f of credentialFields(form)) {
    const v = (form.credentials[f.key] ?? '').trim();
    if (v) credentials[f.key] = v;
  }
  return {
    venue: form.venue,
    ...(form.venue === 'ccxt' ? { exchange: form.exchange } : {}),
    label: form.label.trim(),
    ...(form.venue === 'ccxt' ? { marketType: form.marketType } : {}),
    ...(form.venue === 'hyperliquid' ? { marketType: 'swap' as const } : {}),
    ...(hasSandbox(form.venue) ? { sandbox: form.sandbox } : {}),
    credentials,
    import: form.importHistory,
  };
}

/** The form's own field errors (by body field name: `label`, `apiKey`, …) before anything is sent. */
export function formErrors(form: ConnectionForm): Partial<Record<'label' | CredentialKey, string>> {
  const out: Partial<Record<'label' | CredentialKey, string>> = {};
  if (!form.label.trim()) out.label = 'is required';
  else if (form.label.trim().length > 64) out.label = 'must be at most 64 characters';
  for (const f of credentialFields(form)) if (!(form.credentials[f.key] ?? '').trim()) out[f.key] = 'is required';
  return out;
}

/** The venue as a trader reads it: "Simulated exchange", "Binance (CCXT)", "Hyperliquid". */
export function venueName(c: { venue: VenueKind | string; exchange: string }): string {
  if (c.venue === 'sim') return 'Simulated exchange';
  if (c.venue === 'hyperliquid') return 'Hyperliquid';
  const name = c.exchange === 'okx' ? 'OKX' : c.exchange.charAt(0).toUpperCase() + c.exchange.slice(1);
  return `${name} (CCXT)`;
}

/** An `import-progress` or `import-complete` event's data (counts so far; `status` on completion). */
export interface ImportEvent {
  connectionId: number;
  importId?: number | string;
  fillsSeen?: number;
  fillsNew?: number;
  tradesCreated?: number;
  /** Symbols fetched so far and in all (progress events). */
  symbolsDone?: number;
  symbols?: number;
  status?: string;
  /** Why it failed, or what it skipped (a done import may skip symbols the venue refused). */
  error?: string | null;
}

/** What the connection shows about its history import. */
export interface ImportLine {
  state: 'running' | 'done' | 'failed';
  text: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The line for the latest import event of a connection (`complete` when it came as `import-complete`). Returns null
 * for an event of the candle import, which shares the `import-progress` type but names no connection.
 */
export function importLine(data: Record<string, unknown>, complete: boolean): (ImportLine & ImportEvent) | null {
  if (typeof data.connectionId !== 'number') return null;
  const e = data as unknown as ImportEvent;
  const counts = `${plural(e.fillsSeen ?? 0, 'fill')} read, ${e.fillsNew ?? 0} new, ${plural(e.tradesCreated ?? 0, 'trade')} added to the journal`;
  const failed = e.status === 'failed' || e.status === 'error';
  if (complete || failed || e.status === 'done' || e.status === 'completed') {
    if (failed) return { ...e, state: 'failed', text: `Import failed${e.error ? `: ${e.error}` : ''} (${counts})` };
    return { ...e, state: 'done', text: `Import done: ${counts}${e.error ? ` (${e.error})` : ''}` };
  }
  const of = e.symbols ? `, symbol ${e.symbolsDone ?? 0} of ${e.symbols}` : '';
  return { ...e, state: 'running', text: `Importing: ${counts}${of}…` };
}
