/**
 * `testudo serve` (what `npm start` runs): opens the database (PGlite in a data directory by default), starts the
 * market data feed (a replayed file, or live public data through CCXT), creates a demo user on an empty database,
 * and serves the API.
 */
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createContext } from '../app/context.ts';
import { buildServer } from '../server/app.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { loadCandleFile } from '../feed/load.ts';
import { LiveFeed, fetchInstruments } from '../feed/live.ts';
import type { MarketFeed } from '../feed/feed.ts';
import { isTimeframe, type Candle } from '../core/marketdata/candle.ts';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../core/instruments/instrument.ts';
import { CircuitBreaker } from '../core/risk/breaker.ts';
import { decimalPlaces } from '../core/money/decimal.ts';

/** Flags of `testudo serve`. */
export interface ServeFlags {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  replay?: string;
  symbol: string;
  timeframe: string;
  speed: number;
  start?: string;
  exchange: string;
  symbols: string;
  feed: boolean;
}

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

/** Action of `testudo serve`. */
export async function runServe(f: ServeFlags): Promise<void> {
  let feed: MarketFeed | null = null;
  // The breaker wraps every call to the exchange: repeated errors open it, and trading pauses until a probe succeeds.
  const breaker = new CircuitBreaker(() => Date.now());
  const instruments: Instrument[] = [];
  if (f.replay) {
    if (!isTimeframe(f.timeframe)) throw new Error(`--timeframe ${f.timeframe}: use 1m 5m 15m 1h 4h 1d 1w`);
    const { candles, format } = await loadCandleFile(f.replay);
    const replay = new ReplayFeed({
      symbol: f.symbol,
      timeframe: f.timeframe,
      candles,
      speed: f.speed,
      name: `replay:${basename(f.replay)}`,
    });
    if (f.start) {
      const t = Date.parse(f.start);
      if (Number.isNaN(t)) throw new Error(`--start ${f.start}: not an ISO 8601 date or time`);
      replay.seek(t);
    } else replay.step(1); // one bar so there is a price at once
    feed = replay;
    if (!DEFAULT_INSTRUMENTS.some((i) => i.symbol === f.symbol))
      instruments.push(instrumentForReplay(f.symbol, candles));
    say(
      `market data: replaying ${candles.length} ${f.timeframe} bars of ${f.symbol} from ${f.replay} (${format}) at ${f.speed} bar/s`,
    );
  } else if (f.feed) {
    const symbols = f.symbols
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const live = new LiveFeed({
      exchangeId: f.exchange,
      symbols,
      timeframe: '1m',
      pollMs: 5000,
      wrapCall: (_op, call) => breaker.run(call),
    });
    try {
      await live.start();
      instruments.push(...(await fetchInstruments(live.exchange ?? { exchangeId: f.exchange }, { symbols })));
      feed = live;
      say(`market data: live 1m bars of ${symbols.join(', ')} from ${f.exchange}`);
    } catch (e) {
      say(`market data: ${f.exchange} is not reachable (${(e as Error).message.split('\n')[0]}).`);
      say(
        '  Trading needs prices: restart with --replay FILE (e.g. --replay ../shared/data/coinbase-btcusd-1h.csv --speed 5).',
      );
    }
  }
  if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
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
  say(`database: ${f.databaseUrl ? 'PostgreSQL' : `PGlite in ${f.dataDir}`}`);
  if (feed instanceof ReplayFeed && !f.start) {
    // A restarted replay resumes after the latest trade submitted on it, never before an open trade.
    const resume = await ctx.trading.lastSubmission(f.symbol);
    if (resume !== null && resume > feed.now()) {
      feed.seek(resume);
      say(`market data: resuming the replay at ${new Date(resume).toISOString()}, after the latest trade`);
    }
  }
  let firstRun: { email: string; password: string; token: string } | null = null;
  if ((await ctx.auth.userCount()) === 0) {
    const email = 'demo@testudo.local';
    const password = randomBytes(9).toString('base64url');
    const user = await ctx.auth.register(email, password);
    await ctx.auth.setAdmin(email, true); // the first user runs the exchange (a teacher, say)
    firstRun = { email, password, token: await ctx.auth.createApiToken(user.id, 'first-run') };
  }
  const app = await buildServer(ctx, { logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
  await app.listen({ port: f.port, host: f.host });
  const url = `http://${f.host.includes(':') ? `[${f.host}]` : f.host}:${f.port}`;
  say(
    `Testudo is listening on ${url}  (API ${url}/api/v1, OpenAPI ${url}/api/v1/openapi.json, events ${url.replace('http', 'ws')}/ws)`,
  );
  if (firstRun) {
    say('');
    say(`First start: created a paper account with 10,000 USDT for ${firstRun.email}`);
    say(
      `  log in:    curl -c cookies -H 'content-type: application/json' -d '{"email":"${firstRun.email}","password":"${firstRun.password}"}' ${url}/api/v1/auth/login`,
    );
    say(`  API token: ${firstRun.token}`);
    say(
      `  try:       TESTUDO_TOKEN=${firstRun.token} npx testudo trade --symbol ${feed?.symbols()[0] ?? 'BTC-USD'} --side buy --stop <price> --target <price>`,
    );
    say('  (the password and token are shown only now)');
  }
  await feed?.start();
  const shutdown = async (): Promise<void> => {
    await app.close();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}
