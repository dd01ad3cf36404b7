/**
 * Exchange connections: a user's accounts on venues outside the paper engine (the built-in simulated exchange
 * through its Binance gateway, Binance/Bybit/OKX through CCXT, Hyperliquid), each with its own risk account.
 *
 * - Creating a connection validates the input, TESTS the credentials with the venue (a refusal stores nothing), then
 *   in one transaction inserts the risk account (`accounts`: balance = the venue's total of the quote currency, risk
 *   profile copied from the user's first, paper, account) and the `connections` row with the credentials sealed by
 *   {@link SecretBox} (AES-256-GCM; `key_id` names the sealing key).
 * - Credentials are opened in memory only to open a venue; views, events, errors and logs never carry them.
 * - Every venue of a connection is opened once, cached, and wrapped by `guardVenue` with the connection's own
 *   {@link CircuitBreaker}; a breaker transition publishes a `connection` event to the owner.
 * - `baseUrl` (an API origin replacing the exchange's own) is accepted only when its origin is listed in
 *   `TESTUDO_VENUE_URLS` (comma-separated origins): the server must not be made to send signed requests, or
 *   connections, to arbitrary hosts (SSRF). The simulated exchange is always `<the server's own URL>/binance`.
 * - {@link rotateConnectionSecrets} reseals every stored secret (connections and simulated-exchange API keys) under
 *   the current key (`testudo secrets rotate`).
 */
import type { Sql, Row } from '../db/sql.ts';
import { toInt } from '../db/sql.ts';
import { CircuitBreaker, type BreakerState } from '../core/risk/breaker.ts';
import {
  ConflictError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type FieldIssue,
} from './errors.ts';
import type { EventBus } from './events.ts';
import { openSecretBox, SecretBox, SecretBoxError } from './secrets.ts';
import {
  VenueError,
  type MarketType,
  type Venue,
  type VenueBalance,
  type VenueConfig,
  type VenueCredentials,
  type VenueKind,
  type VenueMarket,
} from './venues/types.ts';

/** Per-connection settings (stored as JSON). */
export interface ConnectionSettings {
  /** What reconciliation does with an open position that has no stop on the venue: place one (default) or report. */
  missingStop?: 'place' | 'report';
  /** The venue symbols this connection trades and watches (empty or absent: all it trades). */
  symbols?: string[];
}

/** What `POST /api/v1/connections` takes. */
export interface ConnectionInput {
  venue: VenueKind;
  /** CCXT exchange id: binance | bybit | okx for `ccxt`; implied for `sim` (`testudo`) and `hyperliquid`. */
  exchange?: string | undefined;
  /** 1–64 characters, unique per user. */
  label: string;
  /** Default spot; Hyperliquid is swap only. */
  marketType?: MarketType | undefined;
  sandbox?: boolean | undefined;
  /** An allowlisted API origin (`TESTUDO_VENUE_URLS`); not for `sim`. */
  baseUrl?: string | undefined;
  /** Quote currency of the risk account: default USDT; sim USD; hyperliquid USDC. */
  currency?: string | undefined;
  credentials: VenueCredentials;
  settings?: ConnectionSettings | undefined;
  /** Enqueue a history import after creating (default true). */
  import?: boolean | undefined;
}

/** A connection as shown to its owner: never the credentials. */
export interface ConnectionView {
  id: number;
  venue: VenueKind;
  exchange: string;
  marketType: MarketType;
  label: string;
  sandbox: boolean;
  /** The allowlisted API origin, or null (the exchange's own; for `sim`, this server's gateway). */
  baseUrl: string | null;
  status: 'active' | 'disabled';
  /** The risk account (`accounts.id`) sizing and rules run on. */
  accountId: number;
  /** Quote currency of the risk account. */
  currency: string;
  settings: ConnectionSettings;
  /** ISO time of the last credentials test, or null. */
  lastTestedAt: string | null;
  /** The venue's reason the last test failed, or null. */
  lastError: string | null;
  createdAt: string;
  /** State of the connection's circuit breaker. */
  breaker: BreakerState;
}

/** A connection as the live engine reads it (no ownership check, no credentials); DB column names. */
export interface ConnectionRow {
  id: number;
  user_id: number;
  account_id: number;
  venue: VenueKind;
  exchange: string;
  market_type: MarketType;
  label: string;
  sandbox: boolean;
  base_url: string | null;
  status: 'active' | 'disabled';
  settings: ConnectionSettings;
  /** Quote currency of the risk account. */
  currency: string;
  key_id: string;
  last_tested_at: Date | null;
  last_error: string | null;
  created_at: Date;
}

/** What changed, for {@link ConnectionService.onChange} listeners (the live engine, the importer). */
export type ConnectionChange = 'created' | 'enabled' | 'disabled' | 'deleted';

/** A listener of {@link ConnectionService.onChange}. */
export type ConnectionListener = (
  c: ConnectionView & { userId: number },
  what: ConnectionChange,
  opts?: { import?: boolean },
) => void;

/** How venues are opened: `createVenue` of src/app/venues/registry.ts and `guardVenue` of guard.ts. */
export interface VenueFactory {
  create(config: VenueConfig): Venue | Promise<Venue>;
  guard(venue: Venue, breaker: CircuitBreaker): Venue;
}

/** CCXT exchanges a `ccxt` connection may name. */
export const CCXT_EXCHANGES = ['binance', 'bybit', 'okx'] as const;

const DEFAULT_CURRENCY: Record<VenueKind, string> = { sim: 'USD', ccxt: 'USDT', hyperliquid: 'USDC' };
const DECIMAL = /^\d+(\.\d+)?$/;

/** The default {@link VenueFactory}: the registry and the guard of src/app/venues (loaded on first use: CCXT). */
async function defaultFactory(): Promise<VenueFactory> {
  const [{ createVenue }, { guardVenue }] = await Promise.all([
    import('./venues/registry.ts'),
    import('./venues/guard.ts'),
  ]);
  return { create: createVenue, guard: guardVenue };
}

/** The allowlisted API origins of `TESTUDO_VENUE_URLS` (comma-separated), normalised. */
export function allowedVenueOrigins(env: NodeJS.ProcessEnv): Set<string> {
  const out = new Set<string>();
  for (const s of (env.TESTUDO_VENUE_URLS ?? '').split(',')) {
    const t = s.trim();
    if (!t) continue;
    try {
      out.add(new URL(t).origin);
    } catch {
      // an unparsable entry allows nothing
    }
  }
  return out;
}

/** A validated input, with the implied fields filled in. */
interface Checked {
  venue: VenueKind;
  exchange: string;
  label: string;
  marketType: MarketType;
  sandbox: boolean;
  baseUrl: string | null;
  currency: string;
  credentials: VenueCredentials;
  settings: ConnectionSettings;
}

const str = (v: unknown): v is string => typeof v === 'string';

/**
 * Validates a connection input (field-level, stable codes: `required`, `invalid-value`, `invalid-format`,
 * `too-big`, `base-url-not-allowed`).
 * @throws ValidationError listing every bad field.
 */
export function checkConnectionInput(input: ConnectionInput, env: NodeJS.ProcessEnv): Checked {
  const issues: FieldIssue[] = [];
  const bad = (field: string, code: string, message: string): void => {
    issues.push({ field, code, message });
  };
  const venue = input.venue;
  if (!['sim', 'ccxt', 'hyperliquid'].includes(venue as string))
    bad('venue', venue === undefined ? 'required' : 'invalid-value', 'must be sim, ccxt or hyperliquid');
  let exchange = '';
  if (venue === 'ccxt') {
    if (input.exchange === undefined) bad('exchange', 'required', 'is required for ccxt: binance, bybit or okx');
    else if (!(CCXT_EXCHANGES as readonly string[]).includes(input.exchange))
      bad('exchange', 'invalid-value', 'must be binance, bybit or okx');
    else exchange = input.exchange;
  } else if (venue === 'sim') {
    exchange = 'testudo';
    if (input.exchange !== undefined && input.exchange !== 'testudo')
      bad('exchange', 'invalid-value', 'is implied (testudo) for sim');
  } else if (venue === 'hyperliquid') {
    exchange = 'hyperliquid';
    if (input.exchange !== undefined && input.exchange !== 'hyperliquid')
      bad('exchange', 'invalid-value', 'is implied (hyperliquid) for hyperliquid');
  }
  const label = str(input.label) ? input.label.trim() : '';
  if (!str(input.label) || label === '') bad('label', 'required', 'is required');
  else if (label.length > 64) bad('label', 'too-big', 'must be at most 64 characters');
  const marketType = input.marketType ?? (venue === 'hyperliquid' ? 'swap' : 'spot');
  if (marketType !== 'spot' && marketType !== 'swap') bad('marketType', 'invalid-value', 'must be spot or swap');
  else if (venue === 'hyperliquid' && marketType !== 'swap')
    bad('marketType', 'invalid-value', 'hyperliquid connections trade perpetual swaps only');
  const sandbox = input.sandbox ?? false;
  if (typeof sandbox !== 'boolean') bad('sandbox', 'invalid-type', 'must be true or false');
  let baseUrl: string | null = null;
  if (input.baseUrl !== undefined && input.baseUrl !== null) {
    let u: URL | null = null;
    try {
      u = new URL(input.baseUrl);
    } catch {
      bad('baseUrl', 'invalid-format', 'must be an http(s) URL');
    }
    if (u) {
      if (venue === 'sim') bad('baseUrl', 'invalid-value', "is this server's own gateway for sim");
      else if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash)
        bad('baseUrl', 'invalid-format', 'must be an http(s) origin with an optional path');
      else if (!allowedVenueOrigins(env).has(u.origin))
        bad('baseUrl', 'base-url-not-allowed', `${u.origin} is not an allowed venue origin (TESTUDO_VENUE_URLS)`);
      else baseUrl = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    }
  }
  const currency = input.currency ?? (venue ? DEFAULT_CURRENCY[venue] : 'USDT');
  if (!str(currency) || !/^[A-Z0-9]{2,12}$/.test(currency))
    bad('currency', 'invalid-format', 'must be 2–12 capital letters or digits (USDT)');
  const c: Record<string, unknown> = (input.credentials ?? {}) as Record<string, unknown>;
  const credentials: VenueCredentials = {};
  if (typeof input.credentials !== 'object' || input.credentials === null) bad('credentials', 'required', 'required');
  else {
    const need = (k: keyof VenueCredentials, why: string): void => {
      const v = c[k];
      if (v === undefined || v === '') bad(`credentials.${k}`, 'required', `is required ${why}`);
      else if (!str(v) || v.length > 512 || /\s/.test(v))
        bad(`credentials.${k}`, 'invalid-format', 'must be text without spaces');
      else credentials[k] = v;
    };
    if (venue === 'ccxt' || venue === 'sim') {
      const why = venue === 'sim' ? '(an API key of a simulated-exchange account)' : `for ${exchange || 'ccxt'}`;
      need('apiKey', why);
      need('secret', why);
      if (exchange === 'okx') need('password', 'for okx (the API passphrase)');
      else if (c.password !== undefined) bad('credentials.password', 'invalid-value', 'only okx has a passphrase');
    } else if (venue === 'hyperliquid') {
      need('walletAddress', 'for hyperliquid (the main account address)');
      need('privateKey', "for hyperliquid (the agent wallet's private key)");
      if (credentials.walletAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(credentials.walletAddress)) {
        delete credentials.walletAddress;
        bad('credentials.walletAddress', 'invalid-format', 'must be 0x and 40 hex digits');
      }
      if (credentials.privateKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(credentials.privateKey)) {
        delete credentials.privateKey;
        bad('credentials.privateKey', 'invalid-format', 'must be 0x and 64 hex digits');
      }
    }
  }
  const settings: ConnectionSettings = {};
  const s = input.settings;
  if (s !== undefined && s !== null) {
    if (s.missingStop !== undefined) {
      if (s.missingStop !== 'place' && s.missingStop !== 'report')
        bad('settings.missingStop', 'invalid-value', 'must be place or report');
      else settings.missingStop = s.missingStop;
    }
    if (s.symbols !== undefined) {
      if (!Array.isArray(s.symbols) || s.symbols.length > 200)
        bad('settings.symbols', 'invalid-value', 'must be a list of at most 200 symbols');
      else {
        s.symbols.forEach((x, i) => {
          if (!str(x) || x.length < 1 || x.length > 40)
            bad(`settings.symbols.${i}`, 'invalid-format', 'must be a venue symbol (1–40 characters)');
        });
        settings.symbols = [...s.symbols];
      }
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return {
    venue: venue,
    exchange,
    label,
    marketType: marketType as MarketType,
    sandbox: venue === 'sim' ? false : sandbox,
    baseUrl,
    currency: currency as string,
    credentials,
    settings,
  };
}

function parseSettings(v: unknown): ConnectionSettings {
  if (typeof v === 'string') return JSON.parse(v) as ConnectionSettings;
  return (v ?? {}) as ConnectionSettings;
}

const SELECT = `SELECT c.id, c.user_id, c.account_id, c.venue, c.exchange, c.market_type, c.label, c.sandbox,
  c.base_url, c.status, c.settings, c.key_id, c.last_tested_at, c.last_error, c.created_at, a.currency
  FROM connections c JOIN accounts a ON a.id = c.account_id`;

function toRow(r: Row): ConnectionRow {
  return {
    id: toInt(r.id),
    user_id: toInt(r.user_id),
    account_id: toInt(r.account_id),
    venue: r.venue as VenueKind,
    exchange: String(r.exchange),
    market_type: r.market_type as MarketType,
    label: String(r.label),
    sandbox: r.sandbox === true,
    base_url: r.base_url === null ? null : String(r.base_url),
    status: r.status as 'active' | 'disabled',
    settings: parseSettings(r.settings),
    currency: String(r.currency),
    key_id: String(r.key_id),
    last_tested_at: r.last_tested_at === null ? null : new Date(r.last_tested_at as string | Date),
    last_error: r.last_error === null ? null : String(r.last_error),
    created_at: new Date(r.created_at as string | Date),
  };
}

/** Options of {@link ConnectionService}. */
export interface ConnectionServiceOptions {
  sql: Sql;
  events: EventBus;
  /** The secret box; default {@link openSecretBox} from `env`, opened on first use. */
  box?: SecretBox;
  /** Environment: `TESTUDO_VENUE_URLS`, and the secret key when `box` is absent. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Clock of the breakers, ms. Default the wall clock. */
  now?: () => number;
  /** How venues are opened; default src/app/venues/registry.ts `createVenue` + guard.ts `guardVenue`. */
  venues?: VenueFactory;
}

/** Creates, lists, tests, enables/disables and removes connections; opens their venues. */
export class ConnectionService {
  private readonly sql: Sql;
  private readonly events: EventBus;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private boxValue: SecretBox | null;
  private factory: Promise<VenueFactory> | null;
  private selfUrl: string | null = null;
  private readonly venues = new Map<number, Promise<Venue>>();
  private readonly breakers = new Map<number, CircuitBreaker>();
  private readonly listeners = new Set<ConnectionListener>();
  private closed = false;

  /** See {@link ConnectionServiceOptions}. */
  constructor(o: ConnectionServiceOptions) {
    this.sql = o.sql;
    this.events = o.events;
    this.env = o.env ?? process.env;
    this.now = o.now ?? (() => Date.now());
    this.boxValue = o.box ?? null;
    this.factory = o.venues ? Promise.resolve(o.venues) : null;
  }

  private get box(): SecretBox {
    return (this.boxValue ??= openSecretBox(this.env));
  }

  private venueFactory(): Promise<VenueFactory> {
    return (this.factory ??= defaultFactory());
  }

  /** The server's own origin (`http://127.0.0.1:3000`): `sim` venues use `<url>/binance`. */
  setSelfUrl(url: string): void {
    this.selfUrl = url.replace(/\/+$/, '');
  }

  /** The base URL a venue of `kind` opens with. @throws UnprocessableError when the server's URL is unknown. */
  private baseUrlOf(kind: VenueKind, stored: string | null): string | undefined {
    if (kind !== 'sim') return stored ?? undefined;
    if (!this.selfUrl)
      throw new UnprocessableError(
        'self-url-unknown',
        "the simulated exchange's address is not known yet (the server is not listening)",
      );
    return `${this.selfUrl}/binance`;
  }

  /** Subscribes to connection changes; returns an unsubscribe function. Listener errors are swallowed. */
  onChange(fn: ConnectionListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(r: ConnectionRow, what: ConnectionChange, opts?: { import?: boolean }): void {
    const v = { ...this.view(r), userId: r.user_id };
    this.events.publish({ type: 'connection', userId: r.user_id, data: { connection: this.view(r), change: what } });
    for (const l of this.listeners) {
      try {
        l(v, what, opts);
      } catch {
        // a listener's failure must not undo the change
      }
    }
  }

  /** The view of a row (with the live breaker state). */
  private view(r: ConnectionRow): ConnectionView {
    return {
      id: r.id,
      venue: r.venue,
      exchange: r.exchange,
      marketType: r.market_type,
      label: r.label,
      sandbox: r.sandbox,
      baseUrl: r.base_url,
      status: r.status,
      accountId: r.account_id,
      currency: r.currency,
      settings: r.settings,
      lastTestedAt: r.last_tested_at?.toISOString() ?? null,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      breaker: this.breakers.get(r.id)?.state() ?? 'closed',
    };
  }

  /**
   * Tests the credentials with the venue, then stores the connection and its risk account in one transaction.
   * @throws ValidationError (fields), ConflictError `connection-label-taken`, UnprocessableError
   *   `invalid-credentials` (the venue's reason; nothing stored) or `self-url-unknown`, UnavailableError
   *   `venue-unavailable` when the venue cannot be reached.
   */
  async create(userId: number, input: ConnectionInput): Promise<ConnectionView> {
    const c = checkConnectionInput(input, this.env);
    await this.assertLabelFree(this.sql, userId, c.label);
    const config: VenueConfig = {
      kind: c.venue,
      exchange: c.exchange,
      marketType: c.marketType,
      sandbox: c.sandbox,
      baseUrl: this.baseUrlOf(c.venue, c.baseUrl),
      credentials: c.credentials,
    };
    const f = await this.venueFactory();
    let balances: VenueBalance[];
    // guarded by a breaker of its own (the connection has none yet), for the guard's error mapping
    const v = f.guard(await this.openRaw(f, config), new CircuitBreaker(this.now));
    try {
      balances = (await v.test()).balances;
    } catch (e) {
      throw venueFailure(e);
    } finally {
      await v.close().catch(() => undefined);
    }
    const total = balances.find((b) => b.asset === c.currency)?.total;
    const balance = total !== undefined && DECIMAL.test(total) ? total : '0';
    const sealed = this.box.seal(JSON.stringify(c.credentials));
    const keyId = this.box.keyId;
    const row = await this.sql.tx(async (q) => {
      await this.assertLabelFree(q, userId, c.label);
      const [paper] = await q.query('SELECT risk_profile FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1', [
        userId,
      ]);
      if (!paper) throw new NotFoundError('user-not-found', `no user ${userId}`);
      const profile = typeof paper.risk_profile === 'string' ? paper.risk_profile : JSON.stringify(paper.risk_profile);
      const [a] = await q.query(
        `INSERT INTO accounts (user_id, name, currency, exchange, initial_balance, balance, peak_equity, risk_profile)
         VALUES ($1, $2, $3, $4, $5, $5, $5, $6) RETURNING id`,
        [userId, c.label, c.currency, c.exchange, balance, profile],
      );
      try {
        const [r] = await q.query(
          `INSERT INTO connections (user_id, account_id, venue, exchange, market_type, label, sandbox, base_url,
             credentials, key_id, settings, last_tested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [
            userId,
            a!.id,
            c.venue,
            c.exchange,
            c.marketType,
            c.label,
            c.sandbox,
            c.baseUrl,
            sealed,
            keyId,
            JSON.stringify(c.settings),
            new Date(this.now()),
          ],
        );
        return r!;
      } catch (e) {
        if (String((e as { code?: string }).code) === '23505') throw labelTaken(c.label);
        throw e;
      }
    });
    const r = await this.row(toInt(row.id));
    this.changed(r, 'created', { import: input.import !== false });
    return this.view(r);
  }

  private async assertLabelFree(q: Sql, userId: number, label: string): Promise<void> {
    const [t] = await q.query('SELECT 1 FROM connections WHERE user_id = $1 AND label = $2', [userId, label]);
    if (t) throw labelTaken(label);
  }

  /** The user's connections, oldest first. */
  async list(userId: number): Promise<ConnectionView[]> {
    const rows = await this.sql.query(`${SELECT} WHERE c.user_id = $1 ORDER BY c.id`, [userId]);
    return rows.map((r) => this.view(toRow(r)));
  }

  /** One of the user's connections. @throws NotFoundError `connection-not-found` (also for others' ids). */
  async get(userId: number, id: number): Promise<ConnectionView> {
    return this.view(await this.owned(userId, id));
  }

  private async owned(userId: number, id: number): Promise<ConnectionRow> {
    const [r] = await this.sql.query(`${SELECT} WHERE c.id = $1 AND c.user_id = $2`, [id, userId]);
    if (!r) throw new NotFoundError('connection-not-found', `no connection ${id} of yours`);
    return toRow(r);
  }

  /** A connection by id, without ownership check (the live engine). @throws NotFoundError `connection-not-found`. */
  async row(id: number): Promise<ConnectionRow> {
    const [r] = await this.sql.query(`${SELECT} WHERE c.id = $1`, [id]);
    if (!r) throw new NotFoundError('connection-not-found', `no connection ${id}`);
    return toRow(r);
  }

  /** Ids of the active connections (every user), ascending. */
  async activeIds(): Promise<number[]> {
    const rows = await this.sql.query(`SELECT id FROM connections WHERE status = 'active' ORDER BY id`);
    return rows.map((r) => toInt(r.id));
  }

  /**
   * Tests the stored credentials with the venue (a private call) and records the outcome (`lastTestedAt`,
   * `lastError`). A disabled connection is tested with a venue opened for this call only.
   * @throws NotFoundError `connection-not-found`; UnprocessableError `invalid-credentials` (or the venue's other
   *   refusal code), `credentials-unreadable`, `venue-paused`; UnavailableError `venue-unavailable`.
   */
  async test(userId: number, id: number): Promise<{ ok: true; balances: VenueBalance[] }> {
    const r = await this.owned(userId, id);
    let temp: Venue | null = null;
    try {
      let v: Venue;
      if (r.status === 'active') v = await this.venue(id);
      else {
        const [f, config] = await this.open(r);
        v = temp = f.guard(await this.openRaw(f, config), new CircuitBreaker(this.now));
      }
      const { balances } = await v.test();
      await this.sql.query('UPDATE connections SET last_tested_at = $2, last_error = NULL WHERE id = $1', [
        id,
        new Date(this.now()),
      ]);
      return { ok: true, balances };
    } catch (e) {
      const err = venueFailure(e);
      await this.sql.query('UPDATE connections SET last_tested_at = $2, last_error = $3 WHERE id = $1', [
        id,
        new Date(this.now()),
        err.message.slice(0, 500),
      ]);
      throw err;
    } finally {
      await temp?.close().catch(() => undefined);
    }
  }

  /**
   * Enables or disables a connection. Disabling closes its venue (the live engine stops using it).
   * @throws NotFoundError `connection-not-found`.
   */
  async setStatus(userId: number, id: number, status: 'active' | 'disabled'): Promise<ConnectionView> {
    const before = await this.owned(userId, id);
    if (before.status === status) return this.view(before);
    await this.sql.query('UPDATE connections SET status = $2 WHERE id = $1', [id, status]);
    if (status === 'disabled') await this.drop(id);
    const r = await this.row(id);
    this.changed(r, status === 'active' ? 'enabled' : 'disabled');
    return this.view(r);
  }

  /**
   * Deletes a connection (its imports go with it; its trades and fills stay in the journal). Its risk account is
   * deleted too when nothing was ever traded on it.
   * @throws NotFoundError `connection-not-found`; ConflictError `connection-has-open-trades` while a trade through
   *   it is pending or open.
   */
  async remove(userId: number, id: number): Promise<void> {
    const r = await this.owned(userId, id);
    await this.sql.tx(async (q) => {
      await q.query('SELECT id FROM connections WHERE id = $1 FOR UPDATE', [id]);
      const [open] = await q.query(
        `SELECT count(*)::int AS n FROM trades WHERE connection_id = $1 AND status IN ('pending', 'open')`,
        [id],
      );
      if (Number(open!.n) > 0)
        throw new ConflictError(
          'connection-has-open-trades',
          `connection ${id} has ${Number(open!.n)} pending or open trade(s); close them first`,
        );
      await q.query('DELETE FROM connections WHERE id = $1', [id]);
      const [used] = await q.query(
        `SELECT (EXISTS (SELECT 1 FROM trades WHERE account_id = $1)
              OR EXISTS (SELECT 1 FROM decisions WHERE account_id = $1)) AS used`,
        [r.account_id],
      );
      if (used?.used !== true) await q.query('DELETE FROM accounts WHERE id = $1', [r.account_id]);
    });
    await this.drop(id);
    this.changed(r, 'deleted');
    this.breakers.delete(id);
  }

  /**
   * The venue's markets of this connection's type (cached by the venue).
   * @throws NotFoundError `connection-not-found`; UnprocessableError `connection-disabled`, `venue-paused`, the
   *   venue's refusal; UnavailableError `venue-unavailable`.
   */
  async markets(userId: number, id: number): Promise<VenueMarket[]> {
    await this.owned(userId, id);
    const v = await this.venue(id);
    try {
      return await v.markets();
    } catch (e) {
      throw venueFailure(e);
    }
  }

  /**
   * The connection's venue: opened once and cached, every call through the connection's breaker.
   * @throws NotFoundError `connection-not-found`; UnprocessableError `connection-disabled`,
   *   `credentials-unreadable` (the stored ciphertext cannot be opened: tampered, or sealed under an unknown key),
   *   `self-url-unknown`.
   */
  async venue(id: number): Promise<Venue> {
    if (this.closed) throw new UnavailableError('shutting-down', 'the server is shutting down');
    let p = this.venues.get(id);
    if (!p) {
      p = (async () => {
        const r = await this.row(id);
        if (r.status !== 'active')
          throw new UnprocessableError('connection-disabled', `connection ${id} is disabled; enable it first`);
        const [f, config] = await this.open(r);
        return f.guard(await this.openRaw(f, config), this.breaker(id));
      })();
      this.venues.set(id, p);
      p.catch(() => {
        if (this.venues.get(id) === p) this.venues.delete(id);
      });
    }
    return p;
  }

  /** The factory and the venue config of a stored connection (credentials opened). */
  private async open(r: ConnectionRow): Promise<[VenueFactory, VenueConfig]> {
    const [c] = await this.sql.query('SELECT credentials FROM connections WHERE id = $1', [r.id]);
    if (!c) throw new NotFoundError('connection-not-found', `no connection ${r.id}`);
    let credentials: VenueCredentials;
    try {
      credentials = JSON.parse(this.box.open(String(c.credentials))) as VenueCredentials;
    } catch (e) {
      const why = e instanceof SecretBoxError ? e.code : 'malformed-ciphertext';
      throw new UnprocessableError(
        'credentials-unreadable',
        `the stored credentials of connection ${r.id} cannot be opened (${why}); delete and re-create the connection`,
      );
    }
    const config: VenueConfig = {
      kind: r.venue,
      exchange: r.exchange,
      marketType: r.market_type,
      sandbox: r.sandbox,
      baseUrl: this.baseUrlOf(r.venue, r.base_url),
      credentials,
    };
    return [await this.venueFactory(), config];
  }

  private async openRaw(f: VenueFactory, config: VenueConfig): Promise<Venue> {
    try {
      return await f.create(config);
    } catch (e) {
      throw venueFailure(e);
    }
  }

  /** The connection's circuit breaker (one per connection); its transitions publish a `connection` event. */
  breaker(id: number): CircuitBreaker {
    let b = this.breakers.get(id);
    if (!b) {
      b = new CircuitBreaker(this.now);
      b.onTransition(() => {
        void this.row(id)
          .then((r) =>
            this.events.publish({
              type: 'connection',
              userId: r.user_id,
              data: { connection: this.view(r), change: 'breaker' },
            }),
          )
          .catch(() => undefined);
      });
      this.breakers.set(id, b);
    }
    return b;
  }

  private async drop(id: number): Promise<void> {
    const p = this.venues.get(id);
    this.venues.delete(id);
    if (p) await p.then((v) => v.close()).catch(() => undefined);
  }

  /** Closes every cached venue; later {@link venue} calls fail with `shutting-down`. */
  async close(): Promise<void> {
    this.closed = true;
    const ids = [...this.venues.keys()];
    await Promise.all(ids.map((id) => this.drop(id)));
  }
}

function labelTaken(label: string): ConflictError {
  return new ConflictError('connection-label-taken', `you already have a connection labelled "${label}"`);
}

/** A venue failure as a typed application error (the venue's reason in the message, never credentials). */
function venueFailure(e: unknown): Error {
  if (!(e instanceof VenueError)) return e as Error;
  if (e.code === 'breaker-open')
    return new UnprocessableError('venue-paused', `the venue is failing; calls are paused: ${e.message}`);
  if (!e.refused) return new UnavailableError('venue-unavailable', `the venue could not be reached: ${e.message}`);
  return new UnprocessableError(e.code, e.message);
}

/**
 * Reseals every stored secret that is not under `box.keyId`: `connections.credentials` and the simulated exchange's
 * `ex_api_keys.secret_sealed`, opened with the box's old keys (`TESTUDO_SECRET_KEYS_OLD`). One transaction: either
 * every row is resealed or none.
 * @returns how many rows were resealed.
 * @throws SecretBoxError when a ciphertext cannot be opened (its key is not configured, or it was tampered with);
 *   the message names the table and row, never a secret.
 */
export async function rotateConnectionSecrets(sql: Sql, box: SecretBox): Promise<{ resealed: number }> {
  return sql.tx(async (q) => {
    let resealed = 0;
    const reseal = (table: string, id: unknown, sealed: string): string => {
      try {
        return box.seal(box.open(sealed));
      } catch (e) {
        if (e instanceof SecretBoxError) throw new SecretBoxError(e.code, `${table} row ${String(id)}: ${e.message}`);
        throw e;
      }
    };
    const conns = await q.query('SELECT id, credentials FROM connections WHERE key_id <> $1 FOR UPDATE', [box.keyId]);
    for (const r of conns) {
      const next = reseal('connections', r.id, String(r.credentials));
      await q.query('UPDATE connections SET credentials = $2, key_id = $3 WHERE id = $1', [r.id, next, box.keyId]);
      resealed++;
    }
    const keys = await q.query('SELECT id, secret_sealed FROM ex_api_keys FOR UPDATE');
    for (const r of keys) {
      const sealed = String(r.secret_sealed);
      if (sealed.split('.')[1] === box.keyId) continue;
      await q.query('UPDATE ex_api_keys SET secret_sealed = $2 WHERE id = $1', [
        r.id,
        reseal('ex_api_keys', r.id, sealed),
      ]);
      resealed++;
    }
    return { resealed };
  });
}
