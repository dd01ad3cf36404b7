/**
 * The `testudo` command: `serve`, `size`, `candles import`, `trade`, `journal stats`.
 * Output for people on stdout; `--json` prints one JSON document and nothing else.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ServeFlags } from './serve.ts';
import type { SizeFlags } from './size.ts';
import type { ImportFlags } from './candles.ts';
import type { StatsFlags, TradeFlags } from './client.ts';

// Subcommands load lazily: `testudo size` need not import the server, the database or CCXT.
const runServe = async (f: ServeFlags): Promise<void> => (await import('./serve.ts')).runServe(f);
const runSize = async (f: SizeFlags): Promise<void> => (await import('./size.ts')).runSize(f);
const runCandlesImport = async (file: string, f: ImportFlags): Promise<void> =>
  (await import('./candles.ts')).runCandlesImport(file, f);
const runTrade = async (f: TradeFlags): Promise<void> => (await import('./client.ts')).runTrade(f);
const runJournalStats = async (f: StatsFlags): Promise<void> => (await import('./client.ts')).runJournalStats(f);

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
};
const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

/** Builds the command tree (exported for tests). */
export function program(): Command {
  const p = new Command('testudo').description(
    'Risk-first trading: size from the stop, enforce the rules, journal in R',
  );
  p.showHelpAfterError();

  p.command('serve')
    .description('start the API server with paper trading (PGlite in --data-dir unless DATABASE_URL is set)')
    .option('--port <n>', 'HTTP port', int, Number(process.env.PORT ?? 3000))
    .option('--host <host>', 'interface to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--data-dir <dir>', 'PGlite data directory', process.env.TESTUDO_DATA_DIR ?? '.testudo/data')
    .option('--database-url <url>', 'PostgreSQL URL (overrides --data-dir)', process.env.DATABASE_URL)
    .option('--replay <file>', 'replay an OHLCV file as the live feed (CSV, Yahoo, CryptoDataDownload, JSON)')
    .option('--symbol <symbol>', 'symbol of the replayed file', 'BTC-USD')
    .option('--timeframe <tf>', 'bar length of the replayed file', '1h')
    .option('--speed <barsPerSecond>', 'replay speed in bars per second', positive, 1)
    .option('--start <iso>', 'start the replay at this time (ISO 8601)')
    .option('--exchange <id>', 'live market data from this CCXT exchange when not replaying', 'binance')
    .option('--symbols <list>', 'live symbols, comma-separated', 'BTC-USDT,ETH-USDT')
    .option('--no-feed', 'start without any market data feed')
    .action(runServe);

  p.command('size')
    .description('size a position from its stop, offline (Van Tharp percent-risk model)')
    .requiredOption('--equity <amount>', 'account equity, quote currency')
    .requiredOption('--entry <price>', 'entry price')
    .requiredOption('--stop <price>', 'stop-loss price')
    .option('--risk <percent>', 'risk per trade, percent of equity', '1')
    .option('--target <price>', 'take-profit price, for reward:risk')
    .option('--tick <size>', 'tick size', '0.000001')
    .option('--lot <size>', 'lot size (quantity step)', '0.000001')
    .option('--min-qty <qty>', 'minimum quantity', '0')
    .option('--min-notional <amount>', 'minimum notional', '0')
    .option('--maker-fee <fraction>', 'maker fee as a fraction (0.001 = 0.1%)', '0')
    .option('--taker-fee <fraction>', 'taker fee as a fraction', '0')
    .option('--limit', 'the entry is a limit order (maker fee) rather than market (taker fee)')
    .option('--leverage <x>', 'maximum leverage', '1')
    .option('--available <amount>', 'available balance (default: equity)')
    .option('--json', 'print JSON')
    .action(runSize);

  const candles = p.command('candles').description('market data');
  candles
    .command('import <file>')
    .description('import an OHLCV file into the candle store')
    .requiredOption('--symbol <symbol>', 'symbol, e.g. BTC-USD')
    .requiredOption('--timeframe <tf>', 'bar length: 1m 5m 15m 1h 4h 1d 1w')
    .option('--format <format>', 'csv | yahoo | cryptodatadownload | json (default: detected)')
    .option('--data-dir <dir>', 'PGlite data directory', process.env.TESTUDO_DATA_DIR ?? '.testudo/data')
    .option('--database-url <url>', 'PostgreSQL URL', process.env.DATABASE_URL)
    .option('--json', 'print JSON')
    .action(runCandlesImport);

  p.command('trade')
    .description('submit a setup to a running server')
    .requiredOption('--symbol <symbol>', 'symbol, e.g. BTC-USD')
    .requiredOption('--side <side>', 'buy|sell (or long|short)')
    .requiredOption('--stop <price>', 'stop-loss price')
    .option('--target <price>', 'take-profit price')
    .option('--entry <price>', 'limit entry price (default: market)')
    .option('--risk <percent>', 'risk per trade override, percent of equity')
    .option('--setup <name>', 'setup name for the journal')
    .option('--tag <tag>', 'tag (repeatable)', collect, [])
    .option('--notes <text>', 'notes')
    .option('--preview', 'size and check only (POST /sizing), send nothing')
    .option('--idempotency-key <key>', 'Idempotency-Key header')
    .option('--url <url>', 'server URL', process.env.TESTUDO_URL ?? 'http://127.0.0.1:3000')
    .option('--token <token>', 'API token (or TESTUDO_TOKEN)', process.env.TESTUDO_TOKEN)
    .option('--json', 'print JSON')
    .action(runTrade);

  const journal = p.command('journal').description('the trade journal');
  journal
    .command('stats')
    .description('statistics in R over closed trades')
    .option('--from <date>', 'from (ISO date or time)')
    .option('--to <date>', 'to, exclusive')
    .option('--symbol <symbol>')
    .option('--setup <name>')
    .option('--tag <tag>')
    .option('--url <url>', 'server URL', process.env.TESTUDO_URL ?? 'http://127.0.0.1:3000')
    .option('--token <token>', 'API token (or TESTUDO_TOKEN)', process.env.TESTUDO_TOKEN)
    .option('--json', 'print JSON')
    .action(runJournalStats);
  return p;
}

/** Runs the CLI with `argv` (as `process.argv`). Sets the exit code on failure. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`testudo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
