/**
 * The flags of `testudo serve`, checked before anything heavy is loaded or the database is opened, so a bad flag
 * (`--port 99999`, a missing `--replay` file) exits at once with one error line. Imports nothing heavy.
 */
import { createServer, isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../core/marketdata/candle.ts';
import { CliError, checkReadableFile, describeError, usageError } from './errors.ts';

/** The sample replayed when no feed is chosen and the exchange is not reachable (see `data/README.md`). */
export const SAMPLE_FILE = fileURLToPath(new URL('../../data/coinbase-btcusd-1h.csv.gz', import.meta.url));
/** Symbol and timeframe of {@link SAMPLE_FILE}. */
export const SAMPLE = { symbol: 'BTC-USD', timeframe: '1h' as Timeframe, speed: 1 };

/** Flags of `testudo serve` as commander hands them over (text, or a default from the environment). */
export interface RawServeFlags {
  port: number | string;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  replay?: string;
  symbol: string;
  timeframe: string;
  speed: number | string;
  start?: string;
  exchange: string;
  symbols: string;
  feed: boolean;
  /** false with `--no-record-candles`: the live feed's closed bars are not stored in the candle store. */
  recordCandles?: boolean;
  /** `--exchange` or `--symbols` was given on the command line (a live feed was asked for explicitly). */
  liveExplicit?: boolean;
}

/** Checked flags of `testudo serve`. */
export interface ServeFlags {
  /** 0–65535 (0: any free port). */
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** A readable file to replay; undefined for the live feed (or the sample when offline). */
  replay?: string;
  symbol: string;
  timeframe: Timeframe;
  /** Bars per second, > 0. */
  speed: number;
  /** Replay start, ms UTC. */
  start?: number;
  exchange: string;
  /** Live symbols, `BASE-QUOTE`, at least one. */
  symbols: string[];
  /** false with `--no-feed`. */
  feed: boolean;
  /** Store the live feed's closed bars in the candle store (default true; false with `--no-record-candles`). */
  recordCandles?: boolean;
  liveExplicit: boolean;
}

/**
 * Checks every flag of `testudo serve`.
 * @throws CliError exit 2 (`invalid-option`) for a bad value; exit 1 `file-not-found` when `--replay` names no file.
 */
export async function checkServeFlags(f: RawServeFlags): Promise<ServeFlags> {
  const portText = String(f.port).trim();
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw usageError(`--port ${String(f.port)}: must be a port number, 0 to 65535 (0: any free port)`);
  if (isIP(f.host) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(f.host))
    throw usageError(`--host ${f.host}: must be an IP address or a host name`);
  if (!f.databaseUrl && f.dataDir.trim() === '') throw usageError('--data-dir: must not be empty');
  if (f.databaseUrl && !/^postgres(?:ql)?:\/\/\S+$/.test(f.databaseUrl))
    throw usageError(`--database-url ${f.databaseUrl}: must be a postgres:// URL`);
  if (!isTimeframe(f.timeframe))
    throw usageError(`--timeframe ${f.timeframe}: use ${Object.keys(TIMEFRAMES).join(' ')}`);
  const speed = Number(f.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1_000_000)
    throw usageError(`--speed ${String(f.speed)}: must be a positive number of bars per second (at most 1000000)`);
  let start: number | undefined;
  if (f.start !== undefined) {
    start = Date.parse(f.start);
    if (Number.isNaN(start)) throw usageError(`--start ${f.start}: not an ISO 8601 date or time`);
  }
  if (f.symbol.trim() === '') throw usageError('--symbol: must not be empty');
  const symbols = f.symbols
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (symbols.length === 0) throw usageError(`--symbols ${f.symbols}: give at least one symbol, e.g. BTC-USDT`);
  for (const s of symbols)
    if (!/^[A-Za-z0-9]+-[A-Za-z0-9]+$/.test(s)) throw usageError(`--symbols: ${s} is not BASE-QUOTE (e.g. BTC-USDT)`);
  if (!/^[a-z0-9]+$/.test(f.exchange)) throw usageError(`--exchange ${f.exchange}: not a CCXT exchange id`);
  if (f.replay !== undefined) await checkReadableFile(f.replay, '--replay');
  await checkPortFree(f.host, port);
  return {
    port,
    host: f.host,
    dataDir: f.dataDir,
    databaseUrl: f.databaseUrl || undefined,
    replay: f.replay,
    symbol: f.symbol,
    timeframe: f.timeframe,
    speed,
    start,
    exchange: f.exchange,
    symbols,
    feed: f.feed,
    recordCandles: f.recordCandles !== false,
    liveExplicit: f.liveExplicit ?? false,
  };
}

/**
 * Checks that `host:port` can be listened on now (port 0 always can), so a port in use is reported before the database
 * opens rather than after. (Another process may still take it in between; `listen` then fails the same way.)
 * @throws CliError `port-in-use` (exit 1), or the code of the listen error (e.g. `invalid-option` for a host that is
 *   not an address of this machine).
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e) => {
      const d = describeError(e);
      reject(new CliError(d.code, `--port ${port} --host ${host}: ${d.message}`, d.code === 'invalid-option' ? 2 : 1));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
