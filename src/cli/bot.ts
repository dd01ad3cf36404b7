/**
 * `testudo bot market-maker|noise|momentum`: runs one of the reference bots (src/bots/) against the Binance-compatible
 * gateway of a running Testudo server, through CCXT's `binance` class.
 *
 * Output: one line per action on stdout (`<time> <bot> <what it did>`), never the API secret. The bot stops at
 * Ctrl-C (SIGINT) or SIGTERM, or after `--for`, cleans up (the market maker cancels its quotes) and exits 0; a second
 * Ctrl-C exits at once (130). Failures print `testudo bot <kind>: <code>: <message>` and exit 1 (`server-unreachable`,
 * `authentication-failed`, `permission-denied`, `unknown-market`, `too-many-errors`, `exchange-error`), or 2 for a
 * bad or missing option (`invalid-option`, `missing-credentials`).
 */
import ccxt from 'ccxt';
import { CliError, usageError } from './errors.ts';
import {
  BotError,
  createExchange,
  findMarket,
  parseDuration,
  resolveCredentials,
  shortMessage,
  stopAfter,
  systemClock,
  type BotContext,
  type BotSummary,
} from '../bots/common.ts';

/** The bots there are. */
export const BOT_KINDS = ['market-maker', 'noise', 'momentum'] as const;
export type BotKind = (typeof BOT_KINDS)[number];

/** Flags every bot takes (commander's names). */
export interface BotFlags {
  market: string;
  accountKey?: string;
  apiKey?: string;
  apiSecret?: string;
  url: string;
  /** Run time, e.g. `60s`; unset: until Ctrl-C. */
  for?: string;
  // market-maker
  spread?: string;
  levels?: string;
  step?: string;
  size?: string;
  maxPosition?: string;
  skew?: string;
  fair?: string;
  period?: string;
  // noise
  minSize?: string;
  maxSize?: string;
  interval?: string;
  marketShare?: string;
  slippage?: string;
  seed?: string;
  // momentum
  timeframe?: string;
  fast?: string;
  slow?: string;
  longOnly?: boolean;
}

/** A flag as a number in [min, max] (`integer`: whole). @throws CliError invalid-option (exit 2). */
function num(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Infinity,
  integer = false,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)) || text.trim() === '')
    throw usageError(
      `${flag} ${text}: must be ${integer ? 'a whole number' : 'a number'} from ${min}${max < Infinity ? ` to ${max}` : ''}`,
    );
  return n;
}

/** A flag as a positive decimal amount (text kept). @throws CliError invalid-option (exit 2). */
function amount(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0))
    throw usageError(`${flag} ${text}: must be a positive decimal number`);
  return text;
}

/** A flag as a duration in ms. @throws CliError invalid-option (exit 2). */
function duration(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseDuration(text);
  } catch (e) {
    throw usageError(`${flag}: ${(e as Error).message}`);
  }
}

/**
 * Builds the bot's run function from its flags, checking every flag before anything connects.
 * @throws CliError (exit 2) for a bad value.
 */
async function prepare(kind: BotKind, f: BotFlags): Promise<(ctx: BotContext) => Promise<BotSummary>> {
  if (kind === 'market-maker') {
    const { runMarketMaker } = await import('../bots/market-maker.ts');
    const spread = num('--spread', f.spread, 0.01, 0, 1);
    if (!(spread > 0)) throw usageError('--spread must be above 0');
    const cfg = {
      spread,
      levels: num('--levels', f.levels, 3, 1, 50, true),
      step: f.step === undefined ? undefined : num('--step', f.step, 0, 0, 1),
      size: amount('--size', f.size) ?? '5',
      maxPosition: amount('--max-position', f.maxPosition),
      skew: f.skew === undefined ? undefined : num('--skew', f.skew, 0, 0, 1),
      fair: amount('--fair', f.fair),
      periodMs: duration('--period', f.period, 2000),
    };
    return (ctx) => runMarketMaker(cfg, ctx);
  }
  if (kind === 'noise') {
    const { runNoise } = await import('../bots/noise.ts');
    const cfg = {
      minSize: amount('--min-size', f.minSize) ?? '1',
      maxSize: amount('--max-size', f.maxSize) ?? (Number(f.minSize ?? 1) > 3 ? f.minSize! : '3'),
      meanIntervalMs: duration('--interval', f.interval, 1000),
      marketShare: num('--market-share', f.marketShare, 0.5, 0, 1),
      slippage: num('--slippage', f.slippage, 0.01, 0, 1),
      seed: f.seed === undefined ? undefined : num('--seed', f.seed, 0, 0, 2 ** 32 - 1, true),
    };
    if (Number(cfg.maxSize) < Number(cfg.minSize))
      throw usageError(`--max-size ${cfg.maxSize} is below --min-size ${cfg.minSize}`);
    return (ctx) => runNoise(cfg, ctx);
  }
  const { runMomentum } = await import('../bots/momentum.ts');
  const cfg = {
    timeframe: f.timeframe ?? '1m',
    fast: num('--fast', f.fast, 5, 1, 1000, true),
    slow: num('--slow', f.slow, 20, 2, 1000, true),
    size: amount('--size', f.size) ?? '1',
    longOnly: f.longOnly === true,
    periodMs: duration('--period', f.period, 10_000),
  };
  if (cfg.fast >= cfg.slow) throw usageError(`--fast ${cfg.fast} must be below --slow ${cfg.slow}`);
  if (!/^\d+[smhdwM]$/.test(cfg.timeframe)) throw usageError(`--timeframe ${cfg.timeframe}: e.g. 1s, 1m, 5m, 1h`);
  return (ctx) => runMomentum(cfg, ctx);
}

/** A CCXT or bot failure as the CLI's error (exit 1). */
function toCliError(e: unknown, url: string): unknown {
  if (e instanceof BotError) return new CliError(e.code, e.message);
  if (e instanceof RangeError) return usageError(e.message);
  if (e instanceof ccxt.AuthenticationError)
    return new CliError('authentication-failed', `the gateway refused the API key: ${shortMessage(e)}`);
  if (e instanceof ccxt.PermissionDenied) return new CliError('permission-denied', shortMessage(e));
  if (e instanceof ccxt.BadSymbol) return new CliError('unknown-market', shortMessage(e));
  if (e instanceof ccxt.NetworkError)
    return new CliError(
      'server-unreachable',
      `cannot reach the gateway at ${url}/binance: ${shortMessage(e)} (is \`testudo serve\` running?)`,
    );
  if (e instanceof ccxt.BaseError) return new CliError('exchange-error', shortMessage(e));
  return e;
}

/**
 * `testudo bot <kind>`: checks the flags, connects (loads the gateway's markets), runs the bot until Ctrl-C, SIGTERM
 * or `--for`, and prints a summary line.
 * @param write where the log lines go (default stdout).
 * @throws CliError as described at the top of this file.
 */
export async function runBot(
  kind: BotKind,
  f: BotFlags,
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): Promise<BotSummary> {
  let credentials;
  try {
    credentials = resolveCredentials(f);
  } catch (e) {
    throw usageError((e as Error).message, 'missing-credentials');
  }
  const forMs = f.for === undefined ? undefined : duration('--for', f.for, 0);
  const run = await prepare(kind, f);
  const url = f.url.replace(/\/+$/, '');
  const log = (line: string): void => write(`${new Date().toISOString()} ${kind} ${line}`);
  const stopper = stopAfter(forMs);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(130);
    log(`${sig}: stopping (again to quit at once)`);
    stopper.stop(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const exchange = createExchange(url, credentials);
    const market = await findMarket(exchange, f.market);
    log(
      `connected to ${url}/binance as key ${credentials.apiKey.slice(0, 6)}…, market ${market.symbol} (${market.id})`,
    );
    return await run({ exchange, market, signal: stopper.signal, clock: systemClock, log });
  } catch (e) {
    throw toCliError(e, url);
  } finally {
    stopper.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
