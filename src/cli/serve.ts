/**
 * `testudo serve` (what `npm start` runs): opens the database (PGlite in a data directory by default), starts the
 * market data feed (a replayed file, or live public data through CCXT), creates a demo user on an empty database,
 * and serves the API.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createContext } from '../app/context.ts';
import { buildServer } from '../server/app.ts';
import { ensureDeskBuilt } from '../server/desk.ts';
import { corsOriginsOf, trustProxyOf } from '../server/web-security.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { loadCandleFile } from '../feed/load.ts';
import { LiveFeed, createExchange, fetchInstruments } from '../feed/live.ts';
import { CandleRecorder } from '../feed/venue-candles.ts';
import type { Exchange } from 'ccxt';
import { SAMPLE, SAMPLE_FILE, type ServeFlags } from './serve-flags.ts';
import { usageError } from './errors.ts';
import { DEFAULT_URL } from './client.ts';
import type { MarketFeed } from '../feed/feed.ts';
import type { Candle, Timeframe } from '../core/marketdata/candle.ts';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../core/instruments/instrument.ts';
import { CircuitBreaker } from '../core/risk/breaker.ts';
import { decimalPlaces } from '../core/money/decimal.ts';

const say = (s: string): void => {
  process.stdout.write(s + '\n');
};

/** An instrument for a replayed symbol the database does not know: tick from the file's finest price. */
export function instrumentForReplay(symbol: string, candles: readonly Candle[]): Instrument {
  let dp = 0;
  for (const c of candles.slice(0, 5000))
    for (const p of [c.open, c.high, c.low, c.close]) dp = Math.max(dp, decimalPlaces(p));
  dp = Math.min(dp, 8);
  const [base = symbol, quote = 'USD'] = symbol.split('-');
  return {
    symbol,
    base,
    quote,
    tickSize: dp === 0 ? '1' : `0.${'0'.repeat(dp - 1)}1`,
    lotSize: '0.0001',
    minQty: '0.0001',
    minNotional: '1',
    makerFee: '0.001',
    takerFee: '0.001',
  };
}

/** `TESTUDO_EXCHANGE_API`: the scheme and host the exchange's API is reached at instead of its own (a proxy, a test). */
const EXCHANGE_API = process.env.TESTUDO_EXCHANGE_API || undefined;
/** `TESTUDO_EXCHANGE_WS`: the scheme and host of the exchange's WebSocket streams (default: from the API's). */
const EXCHANGE_WS = process.env.TESTUDO_EXCHANGE_WS || undefined;

/**
 * Whether the exchange answers one light request (its server time) within `ms`: null when it does, else the reason.
 * Keeps an offline start fast: without a network the first request fails in milliseconds (DNS) or at the timeout.
 */
async function probeExchange(exchangeId: string, ms = 3000): Promise<string | null> {
  let ex: Exchange;
  try {
    ex = createExchange({ exchangeId, apiBaseUrl: EXCHANGE_API, ccxtConfig: { timeout: ms } });
  } catch (e) {
    throw usageError(`--exchange ${exchangeId}: ${(e as Error).message}`);
  }
  if (!ex.has['fetchTime']) return null;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ex.fetchTime(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms + 500);
      }),
    ]);
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!.slice(0, 200);
  } finally {
    clearTimeout(timer);
    await ex.close().catch(() => undefined);
  }
}

/** A replay of `file` as the market feed, with an instrument for its symbol when the defaults have none. */
async function replayFeed(
  file: string,
  opts: { symbol: string; timeframe: Timeframe; speed: number; start?: number },
  instruments: Instrument[],
): Promise<{ feed: ReplayFeed; bars: number; format: string }> {
  const { candles, format } = await loadCandleFile(file);
  const replay = new ReplayFeed({
    symbol: opts.symbol,
    timeframe: opts.timeframe,
    candles,
    speed: opts.speed,
    name: `replay:${basename(file)}`,
  });
  if (opts.start !== undefined) replay.seek(opts.start);
  else replay.step(1); // one bar so there is a price at once
  if (!DEFAULT_INSTRUMENTS.some((i) => i.symbol === opts.symbol))
    instruments.push(instrumentForReplay(opts.symbol, candles));
  return { feed: replay, bars: candles.length, format };
}

/**
 * Action of `testudo serve` (flags checked by `checkServeFlags`). The feed: `--replay FILE`; else, unless
 * `--no-feed`, the live exchange when it answers a short probe, and the sample shipped in `data/` when it does not
 * (offline), saying so.
 * @throws CliError `port-in-use` and the like when the server cannot listen (everything opened is closed again).
 */
export async function runServe(f: ServeFlags): Promise<void> {
  let feed: MarketFeed | null = null;
  // The breaker wraps every call to the exchange: repeated errors open it, and trading pauses until a probe succeeds.
  const breaker = new CircuitBreaker(() => Date.now());
  const instruments: Instrument[] = [];
  if (f.replay) {
    const r = await replayFeed(f.replay, f, instruments);
    feed = r.feed;
    say(
      `market data: replaying ${r.bars} ${f.timeframe} bars of ${f.symbol} from ${f.replay} (${r.format}) at ${f.speed} bar/s`,
    );
  } else if (f.feed) {
    const offline = await probeExchange(f.exchange);
    if (offline === null) {
      const live = new LiveFeed({
        exchangeId: f.exchange,
        apiBaseUrl: EXCHANGE_API,
        wsBaseUrl: EXCHANGE_WS,
        symbols: f.symbols,
        timeframe: '1m',
        pollMs: 5000,
        // closed bars from the kline stream; the REST poll only while the stream fails or is silent
        stream: true,
        wrapCall: (_op, call) => breaker.run(call),
      });
      try {
        await live.start();
        instruments.push(
          ...(await fetchInstruments(live.exchange ?? { exchangeId: f.exchange, apiBaseUrl: EXCHANGE_API }, {
            symbols: f.symbols,
          })),
        );
        feed = live;
        say(
          `market data: live 1m bars of ${f.symbols.join(', ')} from ${f.exchange} (WebSocket kline stream, REST poll as fallback)`,
        );
      } catch (e) {
        await live.stop().catch(() => undefined);
        say(`market data: ${f.exchange} did not start (${(e as Error).message.split('\n')[0]}).`);
      }
    } else say(`market data: ${f.exchange} is not reachable (${offline}): this machine looks offline.`);
    if (feed === null) {
      const r = await replayFeed(SAMPLE_FILE, SAMPLE, instruments);
      feed = r.feed;
      say(
        `market data: replaying the bundled sample instead: ${r.bars} ${SAMPLE.timeframe} bars of ${SAMPLE.symbol} ` +
          `(Coinbase 2017-07 → 2019-10, data/README.md) at ${SAMPLE.speed} bar/s` +
          (f.liveExplicit ? ` — not ${f.symbols.join(', ')}` : ''),
      );
      say('  (choose another file with --replay FILE, or start without prices with --no-feed)');
    }
  }
  const cleanup: (() => Promise<unknown>)[] = [async () => feed?.stop?.()];
  try {
    await serve(f, feed, breaker, instruments, cleanup);
  } catch (e) {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

async function serve(
  f: ServeFlags,
  feed: MarketFeed | null,
  breaker: CircuitBreaker,
  instruments: Instrument[],
  cleanup: (() => Promise<unknown>)[],
): Promise<void> {
  const web = webSecurityOf(process.env); // a bad value stops the start before anything is opened
  if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
  // The exchange's API-key secrets are sealed under a key kept beside the data directory (see src/app/secrets.ts)
  // unless the environment names the key or its file.
  if (!process.env.TESTUDO_SECRET_KEY && !process.env.TESTUDO_SECRET_KEY_FILE && !process.env.TESTUDO_DATA_DIR)
    process.env.TESTUDO_SECRET_KEY_FILE = `${resolve(f.dataDir)}.secret-key`;
  // Errors met while processing bars (a failed fill write, say) go to stderr as JSON lines.
  const onError = (err: unknown, context: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ level: 'error', ...context, error: String(err) })}\n`);
  };
  const ctx = await createContext({
    onError,
    breaker,
    databaseUrl: f.databaseUrl,
    dataDir: f.databaseUrl ? undefined : f.dataDir,
    feed,
    instruments,
  });
  cleanup.push(() => ctx.close());
  say(`database: ${f.databaseUrl ? 'PostgreSQL' : `PGlite in ${f.dataDir}`}`);
  // The live feed's closed bars go into the candle store as they close (MAE/MFE, charts, later backtests).
  let recorder: CandleRecorder | undefined;
  if (feed instanceof LiveFeed && f.recordCandles !== false) {
    recorder = new CandleRecorder(ctx.sql, {
      timeframe: feed.timeframe,
      onError: (err, symbol) => onError(err, { where: 'record-candles', symbol }),
    });
    recorder.attach(feed);
    const rec = recorder;
    cleanup.push(() => rec.close()); // run in reverse: before the database closes
    say('market data: closed bars are stored in the candle store (--no-record-candles to turn off)');
  }
  if (feed instanceof ReplayFeed && f.start === undefined) {
    // A restarted replay resumes after the latest trade submitted on it, never before an open trade.
    const symbol = feed.symbols()[0]!;
    const resume = await ctx.trading.lastSubmission(symbol);
    if (resume !== null && resume > feed.now()) {
      feed.seek(resume);
      say(`market data: resuming the replay at ${new Date(resume).toISOString()}, after the latest trade`);
    }
  }
  let firstRun: { email: string; password: string; token: string } | null = null;
  if ((await ctx.auth.userCount()) === 0) {
    const { email, password, generated } = firstAdminOf(process.env);
    const user = await ctx.auth.register(email, password);
    await ctx.auth.setAdmin(email, true); // the first user runs the exchange (a teacher, say)
    firstRun = {
      email,
      password: generated ? password : 'in TESTUDO_ADMIN_PASSWORD',
      token: await ctx.auth.createApiToken(user.id, 'first-run'),
    };
  }
  try {
    // A checkout installed without its build step (npm install --ignore-scripts) builds the Desk on first start.
    if (await ensureDeskBuilt(say)) say('the Desk is built (dist/desk)');
  } catch (e) {
    say(
      `the Desk could not be built (${e instanceof Error ? e.message : String(e)}): the API works; run npm run build:desk`,
    );
  }
  const app = await buildServer(ctx, {
    logger: { level: process.env.LOG_LEVEL ?? 'warn' },
    // a benchmark may raise every rate limit (a factor; "off" turns them off, sign-in back-off included): never the default
    rateLimitFactor: rateLimitFactorOf(process.env.TESTUDO_RATE_LIMIT_FACTOR),
    ...web,
  });
  cleanup.push(() => app.close());
  await app.listen({ port: f.port, host: f.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : f.port;
  const host = f.host === '0.0.0.0' || f.host === '::' ? '127.0.0.1' : f.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  say(
    `Testudo is listening on ${url}/  (API ${url}/api/v1, OpenAPI ${url}/api/v1/openapi.json, events ws${url.slice(4)}/ws)`,
  );
  if (firstRun) {
    // the password and the token never reach stdout (logs): they go to a file only the owner can read
    const file = firstLoginFile(f.dataDir);
    await writeOwnerOnly(file, firstRunMessage({ ...firstRun, url, symbol: feed?.symbols()[0] }).join('\n') + '\n');
    for (const line of firstRunNotice({ email: firstRun.email, url, file })) say(line);
  }
  if (!(feed instanceof LiveFeed)) await feed?.start(); // the live feed was started (and probed) in runServe
  const shutdown = async (): Promise<void> => {
    await app.close();
    await feed?.stop();
    await recorder?.close();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/**
 * The first admin of an empty database: `TESTUDO_ADMIN_EMAIL` and `TESTUDO_ADMIN_PASSWORD` when both are set (an
 * operator's choice), else `demo@testudo.local` with a generated password (`generated`).
 */
export function firstAdminOf(env: NodeJS.ProcessEnv): { email: string; password: string; generated: boolean } {
  const email = env.TESTUDO_ADMIN_EMAIL?.trim();
  const password = env.TESTUDO_ADMIN_PASSWORD;
  if (email && password) return { email, password, generated: false };
  return { email: 'demo@testudo.local', password: randomBytes(9).toString('base64url'), generated: true };
}

/** The file the first start writes the first admin's login to: beside the data directory (`<dir>.first-login.txt`). */
export function firstLoginFile(dataDir: string): string {
  return `${resolve(dataDir)}.first-login.txt`;
}

/** Writes `text` to `file` readable and writable only by its owner (mode 0600, also when it existed). */
async function writeOwnerOnly(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** The lines printed on the first start: who the admin is, the Desk URL, and where the login was written. */
export function firstRunNotice(o: { email: string; url: string; file: string }): string[] {
  return [
    '',
    `First start: created the admin ${o.email} with a paper account of 10,000 USDT`,
    `  Desk:  ${o.url}/`,
    `  Login: the password, an API token and CLI commands are in ${o.file} (readable only by you)`,
  ];
}

/**
 * The first start's login, written to {@link firstLoginFile} (never printed): the Desk URL, the login (e-mail and
 * the one-time password), the API token and a CLI command that works as printed (`--url` included when the server is
 * not at the CLI's default address).
 */
export function firstRunMessage(o: {
  email: string;
  password: string;
  token: string;
  url: string;
  symbol?: string;
}): string[] {
  const urlFlag = o.url === DEFAULT_URL ? '' : ` --url ${o.url}`;
  const symbol = o.symbol ?? 'BTC-USD';
  return [
    '',
    `First start: created a paper account with 10,000 USDT for ${o.email}`,
    `  Desk:      ${o.url}/  (log in as ${o.email}, password ${o.password})`,
    `  API token: ${o.token}`,
    `  CLI:       export TESTUDO_TOKEN=${o.token}`,
    `             npx testudo trade${urlFlag} --symbol ${symbol} --side buy --stop-pct 2 --target-r 3 --preview`,
    `             npx testudo journal stats${urlFlag}`,
    '  (keep the password and token somewhere safe, then delete this file)',
  ];
}

/** `TESTUDO_RATE_LIMIT_FACTOR`: a positive number multiplies every rate limit, `off` disables them (back-off included). */
export function rateLimitFactorOf(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (v.trim().toLowerCase() === 'off') return Infinity;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The web settings of the environment: `TESTUDO_TRUST_PROXY` (which reverse proxies' `X-Forwarded-*` count, default
 * none) and `TESTUDO_CORS_ORIGINS` (origins allowed cross-origin with credentials, default none).
 * @throws CliError `invalid-option` naming the variable when a value cannot be parsed (the server does not start).
 */
export function webSecurityOf(env: NodeJS.ProcessEnv): {
  trustProxy: ReturnType<typeof trustProxyOf>;
  corsOrigins: string[];
} {
  try {
    return { trustProxy: trustProxyOf(env.TESTUDO_TRUST_PROXY), corsOrigins: corsOriginsOf(env.TESTUDO_CORS_ORIGINS) };
  } catch (e) {
    throw usageError((e as Error).message);
  }
}
