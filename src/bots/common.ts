/**
 * What every reference bot shares: a CCXT `binance` client pointed at Testudo's Binance-compatible gateway, the
 * market's tick and lot, durations and credentials from the command line, a stop signal (Ctrl-C or `--for`), a clock
 * that can sleep until stopped, a seeded random source and the one-line log.
 *
 * The bots are meant to be copied: a CCXT script written for Binance runs against the simulated exchange when only the
 * client's `urls` are changed (see {@link createExchange}).
 */
import ccxt from 'ccxt';
import { decimalPlaces, fromScaled, numberToDecimalText, toScaled } from '../core/money/decimal.ts';

/** A CCXT `binance` client (the class students use against the real Binance). */
export type BinanceClient = InstanceType<typeof ccxt.binance>;

/** An API key and its secret. The secret is never logged or printed. */
export interface Credentials {
  apiKey: string;
  secret: string;
}

/**
 * A CCXT `binance` client whose REST URLs point at the gateway of the Testudo server at `url`
 * (`http://127.0.0.1:3000` → `http://127.0.0.1:3000/binance/api/v3`, and likewise for `sapi`, `fapi`, ...).
 *
 * The two options only save round trips the simulated exchange has nothing to answer with: `fetchMarkets` loads the
 * spot markets only (no futures exchangeInfo) and `fetchCurrencies` is skipped (it is a private `sapi` call). A
 * script against the real Binance works without them.
 */
export function createExchange(
  url: string,
  credentials: Credentials,
  extra: Record<string, unknown> = {},
): BinanceClient {
  const base = `${url.replace(/\/+$/, '')}/binance`;
  const exchange = new ccxt.binance({
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    enableRateLimit: true,
    timeout: 10_000,
    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false },
    ...extra,
  });
  // Every REST root (https://api.binance.com/api/v3, https://fapi.binance.com/fapi/v1, ...) re-hosted under /binance.
  const api = exchange.urls['api'] as Record<string, string>;
  for (const [name, root] of Object.entries(api)) api[name] = root.replace(/^https?:\/\/[^/]+/, base);
  return exchange;
}

/** A market as a bot needs it: the CCXT symbol, the assets, and the price tick and quantity step as decimal text. */
export interface BotMarket {
  /** CCXT unified symbol, e.g. `TUDO/USD`. */
  symbol: string;
  /** Gateway symbol, e.g. `TUDOUSD`. */
  id: string;
  base: string;
  quote: string;
  /** Price tick as decimal text, e.g. `"0.01"`. */
  tick: string;
  /** Quantity step as decimal text, e.g. `"1"`. */
  lot: string;
  /** Lowest and highest price an order may have, in ticks (a bounded market's range; else 1 tick and no limit). */
  minTicks: number;
  maxTicks: number;
}

/**
 * Loads the markets and finds `market`, given as the gateway symbol (`TUDOUSD`) or CCXT's (`TUDO/USD`).
 * @throws BotError `unknown-market` (listing the symbols there are) when the gateway has no such spot market.
 */
export async function findMarket(exchange: BinanceClient, market: string): Promise<BotMarket> {
  const markets = Object.values(await exchange.loadMarkets());
  const m = markets.find((x) => x?.symbol === market) ?? markets.find((x) => x?.id === market.toUpperCase() && x.spot);
  if (!m) {
    const known = markets
      .map((x) => x?.id)
      .filter(Boolean)
      .join(', ');
    throw new BotError('unknown-market', `no market ${market} on the gateway (there are: ${known || 'none'})`);
  }
  const tick = m.precision.price;
  const lot = m.precision.amount;
  if (typeof tick !== 'number' || typeof lot !== 'number' || !(tick > 0) || !(lot > 0))
    throw new BotError('bad-market', `market ${m.symbol} has no price tick or quantity step`);
  return {
    symbol: m.symbol,
    id: String(m.id),
    base: m.base,
    quote: m.quote,
    tick: numberToDecimalText(tick),
    lot: numberToDecimalText(lot),
    minTicks: Math.max(1, toUnits(m.limits.price?.min ?? 0, numberToDecimalText(tick), 'ceil')),
    maxTicks: m.limits.price?.max ? toUnits(m.limits.price.max, numberToDecimalText(tick), 'floor') : Infinity,
  };
}

/**
 * A whole number of `step`s as decimal text: `toText(1234, "0.01")` → `"12.34"`. Exact (integer arithmetic).
 * @param units a safe integer count of steps (ticks or lots).
 */
export function toText(units: number, step: string): string {
  const dp = decimalPlaces(step);
  return fromScaled(BigInt(units) * toScaled(step, dp), dp);
}

/** The product of two decimal texts, exact: `multiplySteps("0.01", "0.5")` → `"0.005"`. */
export function multiplySteps(a: string, b: string): string {
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  return fromScaled(toScaled(a, da) * toScaled(b, db), da + db);
}

/**
 * A price or quantity from CCXT (a number) as a whole number of `step`s, rounded to the nearest one
 * (`mode: 'nearest'`), down (`'floor'`) or up (`'ceil'`). `toUnits(12.345, "0.01", 'floor')` → `1234`.
 */
export function toUnits(value: number, step: string, mode: 'nearest' | 'floor' | 'ceil' = 'nearest'): number {
  const text = numberToDecimalText(value);
  const dp = Math.max(decimalPlaces(step), decimalPlaces(text));
  const v = toScaled(text, dp);
  const s = toScaled(step, dp);
  const q = v / s;
  const r = v - q * s; // same sign as v
  if (r === 0n) return Number(q);
  if (mode === 'floor') return Number(r > 0n ? q : q - 1n);
  if (mode === 'ceil') return Number(r > 0n ? q + 1n : q);
  const twice = 2n * (r < 0n ? -r : r);
  return Number(twice >= s ? (r > 0n ? q + 1n : q - 1n) : q);
}

/** A failure a bot cannot carry on after, with a stable kebab-case `code` (the CLI prints it and exits 1). */
export class BotError extends Error {
  override readonly name = 'BotError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A duration such as `500ms`, `30s`, `2m`, `1h` (a bare number is seconds) in milliseconds.
 * @throws RangeError when it is not a positive duration.
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m
    ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
    : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`not a duration (e.g. 500ms, 30s, 2m, 1h): ${text}`);
  return Math.round(ms);
}

/**
 * The API key and secret from, in this order: `--account-key KEY:SECRET`, `--api-key` with `--api-secret`, the
 * environment's `TESTUDO_BOT_API_KEY` and `TESTUDO_BOT_API_SECRET`.
 * @throws RangeError `missing credentials` or a malformed `--account-key` (the message never contains the secret).
 */
export function resolveCredentials(
  flags: { accountKey?: string; apiKey?: string; apiSecret?: string },
  env: Record<string, string | undefined> = process.env,
): Credentials {
  if (flags.accountKey !== undefined) {
    const at = flags.accountKey.indexOf(':');
    if (at <= 0 || at === flags.accountKey.length - 1)
      throw new RangeError('--account-key must be KEY:SECRET (the API key and its secret joined by a colon)');
    return { apiKey: flags.accountKey.slice(0, at), secret: flags.accountKey.slice(at + 1) };
  }
  const apiKey = flags.apiKey ?? env.TESTUDO_BOT_API_KEY;
  const secret = flags.apiSecret ?? env.TESTUDO_BOT_API_SECRET;
  if (!apiKey || !secret)
    throw new RangeError(
      'no API key: pass --account-key KEY:SECRET (or --api-key and --api-secret, or set TESTUDO_BOT_API_KEY and ' +
        'TESTUDO_BOT_API_SECRET); create one with POST /api/v1/exchange/accounts/:id/api-keys',
    );
  return { apiKey, secret };
}

/** Time as a bot sees it: the wall clock and a sleep that ends early when the bot is stopped. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms` or until `signal` aborts, whichever comes first; never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

/**
 * A stop signal that aborts after `forMs` (if given) or when `stop()` is called, e.g. from a SIGINT handler.
 * `dispose()` clears the timer.
 */
export function stopAfter(forMs?: number): {
  signal: AbortSignal;
  stop: (reason: string) => void;
  dispose: () => void;
} {
  const ctl = new AbortController();
  const timer = forMs === undefined ? undefined : setTimeout(() => ctl.abort('time is up'), forMs);
  return {
    signal: ctl.signal,
    stop: (reason) => ctl.abort(reason),
    dispose: () => clearTimeout(timer),
  };
}

/**
 * A seeded pseudo-random source in [0, 1) (mulberry32, by Tommy Ettinger; public domain): the same seed gives the same
 * sequence, so a noise run can be repeated. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What each bot's run function is given besides its own settings. */
export interface BotContext {
  exchange: BinanceClient;
  market: BotMarket;
  /** Aborts when the bot must stop (Ctrl-C, `--for`); the bot then cleans up and returns. */
  signal: AbortSignal;
  clock: Clock;
  /** Writes one line (no newline); never given secrets. */
  log: (line: string) => void;
}

/** What a bot did, returned when it stops. */
export interface BotSummary {
  /** Orders the bot placed. */
  orders: number;
  /** Orders it cancelled. */
  cancels: number;
  /** Calls that failed (each one logged) and were carried on from. */
  errors: number;
}

/**
 * Runs `step` once, logging a failure as one line and counting it instead of stopping the bot, except for the
 * failures no retry can fix (bad key, no permission), which are thrown. Returns `undefined` when the step failed.
 * @throws BotError `authentication-failed`, `permission-denied`, `too-many-errors` (after `maxConsecutive` failures
 * in a row, default 10).
 */
export function errorBudget(
  log: (line: string) => void,
  maxConsecutive = 10,
): { run: <T>(what: string, step: () => Promise<T>) => Promise<T | undefined>; count: () => number } {
  let total = 0;
  let inRow = 0;
  return {
    count: () => total,
    run: async (what, step) => {
      try {
        const r = await step();
        inRow = 0;
        return r;
      } catch (e) {
        if (e instanceof ccxt.AuthenticationError)
          throw new BotError('authentication-failed', `the gateway refused the API key: ${shortMessage(e)}`);
        if (e instanceof ccxt.PermissionDenied)
          throw new BotError('permission-denied', `the API key may not do this: ${shortMessage(e)}`);
        total++;
        inRow++;
        log(`error ${what}: ${errorName(e)}: ${shortMessage(e)}`);
        if (inRow >= maxConsecutive)
          throw new BotError('too-many-errors', `${inRow} failures in a row, the last: ${shortMessage(e)}`);
        return undefined;
      }
    },
  };
}

/** CCXT's error class name (`InsufficientFunds`, `InvalidOrder`, ...) or `Error`. */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.constructor.name : 'Error';
}

/** An error's message on one line, without CCXT's `binance ` prefix, at most 200 characters. */
export function shortMessage(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).replace(/^binance\s+/, '').replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Signed quantity text with an explicit `+` for positives, for logs: `+3`, `-1.5`, `0`. */
export function signed(text: string): string {
  return /^-|^0$/.test(text) ? text : `+${text}`;
}
