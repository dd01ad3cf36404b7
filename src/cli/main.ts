/**
 * The `testudo` command: `serve`, `size`, `candles import`, `trade`, `journal stats`, `backtest`, `optimize`, `worker`,
 * `bot`, `secrets rotate`, `run` (a strategy on the feed through the risk gate), `parity` (a run against its backtest).
 * Output for people on stdout; `--json` prints one JSON document and nothing else.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, type CommanderError } from 'commander';
import { CliError, describeError, formatError } from './errors.ts';
import { DEFAULT_URL } from './client.ts'; // small: the HTTP client loads nothing else
import type { RawServeFlags } from './serve-flags.ts';
import type { SizeFlags } from './size.ts';
import type { DownloadFlags, ExportFlags, GapsFlags, ImportFlags, ResampleFlags } from './candles.ts';
import type { StatsFlags, TradeFlags } from './client.ts';
import type { BacktestFlags } from './backtest.ts';
import type { BotFlags, BotKind } from './bot.ts';

// Subcommands load lazily: `testudo size` need not import the server, the database or CCXT.
const runServe = async (f: RawServeFlags, cmd: Command): Promise<void> => {
  // Every flag is checked before anything heavy loads or the database opens (a bad flag exits at once).
  const { checkServeFlags } = await import('./serve-flags.ts');
  const live = ['exchange', 'symbols'].some((k) => cmd.getOptionValueSource(k) === 'cli');
  const checked = await checkServeFlags({ ...f, liveExplicit: live });
  return (await import('./serve.ts')).runServe(checked);
};
const runSize = async (f: SizeFlags): Promise<void> => (await import('./size.ts')).runSize(f);
const runCandlesImport = async (file: string | undefined, f: ImportFlags): Promise<void> =>
  (await import('./candles.ts')).runCandlesImport(file, f);
const runCandlesDownload = async (f: DownloadFlags): Promise<void> =>
  (await import('./candles.ts')).runCandlesDownload(f);
const runCandlesResample = async (f: ResampleFlags): Promise<void> =>
  (await import('./candles.ts')).runCandlesResample(f);
const runCandlesGaps = async (f: GapsFlags): Promise<void> => (await import('./candles.ts')).runCandlesGaps(f);
const runCandlesExport = async (f: ExportFlags): Promise<void> => (await import('./candles.ts')).runCandlesExport(f);
const runTrade = async (f: TradeFlags): Promise<void> => (await import('./client.ts')).runTrade(f);
const runJournalStats = async (f: StatsFlags): Promise<void> => (await import('./client.ts')).runJournalStats(f);
const runBotCmd =
  (kind: BotKind) =>
  async (f: BotFlags): Promise<void> => {
    await (await import('./bot.ts')).runBot(kind, f);
  };
const runBacktestCmd = async (f: BacktestFlags): Promise<void> => (await import('./backtest.ts')).runBacktestCommand(f);

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
};
/** `--data-dir` and `--database-url`: where the commands that open the database find it. */
const database = (c: Command, urlHelp = 'PostgreSQL URL'): Command =>
  c
    .option('--data-dir <dir>', 'PGlite data directory', process.env.TESTUDO_DATA_DIR ?? '.testudo/data')
    .option('--database-url <url>', urlHelp, process.env.DATABASE_URL);

/** `--url` and `--token`: the running server the client commands talk to. */
const server = (c: Command): Command =>
  c
    .option('--url <url>', 'server URL (or TESTUDO_URL)', process.env.TESTUDO_URL ?? DEFAULT_URL)
    .option('--token <token>', 'API token (or TESTUDO_TOKEN)', process.env.TESTUDO_TOKEN);

/** The candle source of `backtest` and `optimize`: a file, or a stored series and range. */
const candleSource = (c: Command): Command =>
  database(
    c
      .option('--data <file>', 'candle file (CSV, Yahoo, CryptoDataDownload, JSON; .gz ok)')
      .option('--symbol <symbol>', 'read candles of this symbol from the candle store instead')
      .option('--timeframe <tf>', 'bar length with --symbol: 1m 5m 15m 1h 4h 1d 1w')
      .option('--from <date>', 'first bar time, inclusive (ISO 8601)')
      .option('--to <date>', 'last bar time, exclusive (ISO 8601)'),
  );

/** The simulation options shared by `backtest` and `optimize` (backtesting.py's, and Testudo's risk mode). */
const simulation = (c: Command): Command =>
  c
    .option('--cash <amount>', 'starting cash, quote currency (default 10000)')
    .option('--commission <rate>', 'per fill: a fraction (0.002) or fixed+fraction (1+0.001)')
    .option('--spread <fraction>', 'spread as a fraction of price, against the trader')
    .option('--exclusive-orders', 'each new order closes the open position first')
    .option('--trade-on-close', "market orders fill at the signal bar's close")
    .option('--finalize-trades', 'close trades still open at the end, so they count')
    .option('--lot-size <units>', 'quantity step in units (default 1)');

const risk = (c: Command): Command =>
  c.option('--risk <percent>', 'Testudo mode: size from the stop at this % of equity, apply the default rules');

/** Builds the command tree (exported for tests). */
export function program(): Command {
  const p = new Command('testudo')
    .description('Risk-first trading: size from the stop, enforce the rules, journal in R')
    .version(VERSION, '-V, --version', 'print the version');

  database(
    p
      .command('serve')
      .description('start the API server with paper trading (PGlite in --data-dir unless DATABASE_URL is set)')
      .option('--port <n>', 'HTTP port (0: any free port)', process.env.PORT ?? '3000')
      .option('--host <host>', 'interface to listen on', process.env.HOST ?? '127.0.0.1'),
    'PostgreSQL URL (overrides --data-dir)',
  )
    .option('--replay <file>', 'replay an OHLCV file as the live feed (CSV, Yahoo, CryptoDataDownload, JSON)')
    .option('--symbol <symbol>', 'symbol of the replayed file', 'BTC-USD')
    .option('--timeframe <tf>', 'bar length of the replayed file', '1h')
    .option('--speed <barsPerSecond>', 'replay speed in bars per second', '1')
    .option('--start <iso>', 'start the replay at this time (ISO 8601)')
    .option('--exchange <id>', 'live market data from this CCXT exchange when not replaying', 'binance')
    .option('--symbols <list>', 'live symbols, comma-separated', 'BTC-USDT,ETH-USDT')
    .option('--no-feed', 'start without any market data feed')
    .option('--no-record-candles', "do not store the live feed's closed bars in the candle store")
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
  const candleDb = (c: Command): Command => database(c).option('--json', 'print JSON');
  candleDb(
    candles
      .command('import [file]')
      .description('import an OHLCV file (or public trades as 1m candles) and roll up the higher timeframes')
      .requiredOption('--symbol <symbol>', 'symbol, e.g. BTC-USD')
      .option('--timeframe <tf>', 'bar length: 1m 5m 15m 1h 4h 1d 1w (default: from the file)')
      .option('--format <format>', 'csv | yahoo | cryptodatadownload | json | trades (default: detected)')
      .option('--from-trades <file>', 'build 1m candles from a freqtrade trades file (.json or .json.gz)')
      .option('--no-rollup', 'do not update the higher timeframes'),
  ).action(runCandlesImport);
  candleDb(
    candles
      .command('download')
      .description("fill the store from a venue's REST history (closed bars; resumes after what is stored)")
      .requiredOption('--symbol <symbol>', "the venue's market, e.g. BTC/USDT")
      .requiredOption('--since <time>', 'first bar time (ISO date or time, UTC)')
      .option('--until <time>', 'bars before this time (default: up to the last closed bar)')
      .option('--exchange <id>', 'CCXT exchange id', 'binance')
      .option('--timeframe <tf>', 'bar length: 1m 5m 15m 1h 4h 1d 1w', '1m')
      .option('--store-symbol <symbol>', 'store under this symbol (default: BASE-QUOTE)')
      .option('--base-url <url>', "the exchange API's URL instead of its own (a proxy, the simulated exchange)")
      .option('--limit <n>', 'bars per request (default 1000)')
      .option('--full', 'fetch the whole range again, whatever is stored'),
  ).action(runCandlesDownload);
  candleDb(
    candles
      .command('resample')
      .description('(re)build every timeframe above --from-timeframe from the stored candles')
      .requiredOption('--symbol <symbol>', 'symbol')
      .requiredOption('--from-timeframe <tf>', 'source timeframe, e.g. 1m'),
  ).action(runCandlesResample);
  candleDb(
    candles
      .command('gaps')
      .description('list the missing bars of a stored series (reported, never filled)')
      .requiredOption('--symbol <symbol>', 'symbol')
      .requiredOption('--timeframe <tf>', 'timeframe')
      .option('--from <time>', 'from (ISO date or time, UTC)')
      .option('--to <time>', 'to, exclusive'),
  ).action(runCandlesGaps);
  candleDb(
    candles
      .command('export')
      .description('write stored candles as CSV or JSON to stdout or --out')
      .requiredOption('--symbol <symbol>', 'symbol')
      .requiredOption('--timeframe <tf>', 'timeframe')
      .option('--from <time>', 'from (ISO date or time, UTC)')
      .option('--to <time>', 'to, exclusive')
      .option('--format <format>', 'csv | json', 'csv')
      .option('--out <file>', 'write to this file instead of stdout')
      .option('--include-incomplete', 'also write an unfinished last bucket of a rolled-up timeframe'),
  ).action(runCandlesExport);

  const trade = p
    .command('trade')
    .description('submit a setup to a running server')
    .requiredOption('--symbol <symbol>', 'symbol, e.g. BTC-USD')
    .requiredOption('--side <side>', 'buy|sell (or long|short)')
    .option('--stop <price>', 'stop-loss price')
    .option('--stop-pct <percent>', 'or: stop this % away from the current price (read from the server)')
    .option('--target <price>', 'take-profit price')
    .option('--target-r <multiple>', 'or: take-profit at this multiple of the stop distance, e.g. 3')
    .option('--entry <price>', 'limit entry price (default: market)')
    .option('--risk <percent>', 'risk per trade override, percent of equity')
    .option('--setup <name>', 'setup name for the journal')
    .option('--tag <tag>', 'tag (repeatable)', collect, [])
    .option('--notes <text>', 'notes')
    .option('--preview', 'size and check only (POST /sizing), send nothing')
    .option('--idempotency-key <key>', 'Idempotency-Key header');
  server(trade).option('--json', 'print JSON').action(runTrade);

  const journal = p.command('journal').description('the trade journal');
  server(
    journal
      .command('stats')
      .description('statistics in R over closed trades')
      .option('--from <date>', 'from (ISO date or time)')
      .option('--to <date>', 'to, exclusive')
      .option('--symbol <symbol>')
      .option('--setup <name>')
      .option('--tag <tag>'),
  )
    .option('--json', 'print JSON')
    .action(runJournalStats);

  risk(
    simulation(
      candleSource(
        p
          .command('backtest')
          .description('backtest a strategy over candles; prints backtesting.py statistics (and R statistics)'),
      )
        .option('--tick-size <size>', 'price tick (default: inferred from the data)')
        .requiredOption('--strategy <name|path>', 'built-in strategy (sma-cross, breakout) or a module path')
        .option('--param <name=value>', 'strategy parameter (repeatable)', collect, []),
    ),
  )
    .option('--json', 'print the statistics as one JSON object')
    .option('--trades-csv <file>', 'write the closed trades as CSV')
    .option('--equity-csv <file>', 'write the equity curve as CSV')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .option('--strict', 'refuse data with gaps or rows out of time order (default: warn on stderr)')
    .action(runBacktestCmd);

  // --- optimize and worker (src/cli/optimize.ts, src/cli/worker.ts) ---
  risk(
    simulation(
      candleSource(
        p
          .command('optimize')
          .description('run a parameter grid in parallel (worker threads) and rank it by a statistic'),
      )
        .requiredOption('--strategy <name>', 'built-in strategy (sma-cross, breakout)')
        .option('--param <name=start:stop:step|a,b,c|v>', 'a grid axis or a fixed value (repeatable)', collect, [])
        .option('--maximize <stat>', 'statistic to maximise (any numeric statistic name)', 'SQN')
        .option('--constraint <expr>', 'keep only grid points satisfying it, e.g. "fast<slow"')
        .option('--workers <n>', 'worker threads (default: cores)', int)
        .option('--top <k>', 'rows to print', int, 20),
    ).option('--tick-size <size>', 'price tick (default: inferred from the data; local runs only)'),
  )
    .option('--url <url>', 'run on this server as an optimisation job (or TESTUDO_URL)', process.env.TESTUDO_URL)
    .option('--token <token>', 'API token for --url (or TESTUDO_TOKEN)', process.env.TESTUDO_TOKEN)
    .option('--json', 'print one JSON document')
    .action(async (f) => (await import('./optimize.ts')).runOptimize(f));

  // --- strategy runs and their parity (src/cli/run.ts, src/cli/parity.ts) ---
  server(
    p
      .command('run')
      .description(
        "run a strategy on the server's live or replayed feed, every order through the risk gate: a built-in NAME runs on the server; a module PATH runs here, on your machine, and posts its orders to the server: your code is never uploaded, so the server never has to sandbox it",
      )
      .requiredOption('--strategy <name|path>', 'built-in strategy (sma-cross, breakout) or the path of your module')
      .option('--symbol <symbol>', 'symbol, e.g. BTC-USD')
      .option('--timeframe <tf>', "bar length: the feed's timeframe, e.g. 1h")
      .option('--param <name=value>', 'strategy parameter (repeatable)', collect, [])
      .option('--account <paper|id>', 'paper (default) or the id of one of your exchange connections')
      .option('--stop-on-exit', 'stop the run on Ctrl-C (a server-hosted run keeps running otherwise)')
      .option('--resume <id>', 'follow (built-in) or continue (module) an existing run after its cursor')
      .option('--warmup <bars>', 'bars of history a module starts with (default 500)', int)
      .option('--verbose', 'a module run prints every bar it evaluated'),
  ).action(async (f) => (await import('./run.ts')).runStrategy(f));
  server(
    p
      .command('parity')
      .description('where a strategy run and the backtest of its bars differ, trade by trade, with totals in R')
      .requiredOption('--run <id>', 'the strategy run (testudo run prints its id)')
      .option('--from <date>', 'only trades that entered at or after this time (ISO 8601)')
      .option('--to <date>', 'only trades that entered before this time')
      .option('--html <file>', 'also write a self-contained HTML report'),
  )
    .option('--json', 'print the report as JSON')
    .action(async (f) => (await import('./parity.ts')).runParity(f));

  // --- bot (src/cli/bot.ts, the bots in src/bots/) ---
  const bot = p
    .command('bot')
    .description("reference trading bots on the simulated exchange's Binance gateway, written with CCXT");
  /** The flags every bot takes: market, API key, server, run time. */
  const botCommand = (name: BotKind, description: string): Command =>
    bot
      .command(name)
      .description(description)
      .requiredOption('--market <symbol>', 'gateway symbol (TUDOUSD) or CCXT symbol (TUDO/USD)')
      .option('--account-key <key:secret>', 'API key and secret of the exchange account, joined by a colon')
      .option('--api-key <key>', 'API key (or TESTUDO_BOT_API_KEY)')
      .option('--api-secret <secret>', 'API secret (or TESTUDO_BOT_API_SECRET)')
      .option('--url <url>', 'server URL (or TESTUDO_URL)', process.env.TESTUDO_URL ?? DEFAULT_URL)
      .option('--for <duration>', 'stop by itself after this long, e.g. 60s, 5m (default: until Ctrl-C)');
  botCommand('market-maker', 'quote bids and asks around a fair value, skewed against its position')
    .option('--spread <fraction>', 'best ask minus best bid, as a fraction of the fair value', '0.01')
    .option('--levels <n>', 'quotes per side', '3')
    .option('--step <fraction>', 'distance between levels as a fraction of fair (default: spread/2)')
    .option('--size <amount>', 'size of each quote, base units', '5')
    .option('--max-position <amount>', 'position limit, base units (default: 2 × levels × size)')
    .option('--skew <fraction>', 'quote shift at the position limit, fraction of fair (default: spread)')
    .option('--fair <price>', 'fair value to start from while the book is empty')
    .option('--period <duration>', 'time between requotes', '2s')
    .action(runBotCmd('market-maker'));
  botCommand('noise', 'random market and marketable limit orders of random side and size')
    .option('--min-size <amount>', 'smallest order, base units', '1')
    .option('--max-size <amount>', 'largest order, base units (default: 3, or --min-size if larger)')
    .option('--interval <duration>', 'mean time between orders (exponential waits)', '1s')
    .option('--market-share <fraction>', 'share of market orders; the rest are IOC limits', '0.5')
    .option('--slippage <fraction>', 'how far past the best price an IOC limit may trade', '0.01')
    .option('--seed <n>', 'random seed, to repeat a run')
    .action(runBotCmd('noise'));
  botCommand('momentum', "trend follower on the market's own candles (fast/slow moving averages)")
    .option('--timeframe <tf>', 'candle length: 1s 1m 5m 15m 1h ...', '1m')
    .option('--fast <n>', 'bars of the fast average', '5')
    .option('--slow <n>', 'bars of the slow average', '20')
    .option('--size <amount>', 'position limit, base units (long in an up-trend, short in a down-trend)', '1')
    .option('--long-only', 'flat instead of short in a down-trend')
    .option('--period <duration>', 'time between looks at the candles', '10s')
    .action(runBotCmd('momentum'));

  p.command('worker')
    .description('take backtest and optimisation jobs from the PostgreSQL queue (pg-boss) and run them')
    .option('--database-url <url>', 'PostgreSQL URL', process.env.DATABASE_URL)
    .option('--concurrency <n>', 'jobs at a time', int, 1)
    .option('--threads <n>', 'worker threads per optimisation (default: cores)', int)
    .action(async (f) => (await import('./worker.ts')).runWorker(f));

  // --- secrets (src/cli/secrets.ts) ---
  database(
    p
      .command('secrets')
      .description('stored secrets (exchange connections, API keys)')
      .command('rotate')
      .description('reseal every stored secret under TESTUDO_SECRET_KEY (old keys in TESTUDO_SECRET_KEYS_OLD)'),
  )
    .option('--json', 'print JSON')
    .action(async (f) => (await import('./secrets.ts')).runSecretsRotate(f));
  // Parse errors are thrown (not printed by commander) and tagged with the command, so main prints them in the
  // CLI's one error shape.
  const tag = (c: Command): void => {
    c.configureOutput({ outputError: () => {} });
    c.exitOverride((err) => {
      throw new CommandLineError(err, commandPath(c));
    });
    for (const sub of c.commands) tag(sub);
  };
  tag(p);
  return p;
}

/** The version of the package (from package.json, read once). */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** `candles import` for the `import` subcommand of `candles` (the root program's name left out). */
function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** A commander parse error (or help/version exit) with the command it happened in. */
class CommandLineError extends Error {
  constructor(
    readonly error: CommanderError,
    readonly command: string,
  ) {
    super(error.message);
  }
}

/** commander's error codes and the CLI's (all usage errors, exit code 2). */
const COMMANDER_CODES: Record<string, string> = {
  'commander.unknownOption': 'unknown-option',
  'commander.unknownCommand': 'unknown-command',
  'commander.missingMandatoryOptionValue': 'missing-option',
  'commander.optionMissingArgument': 'missing-option-value',
  'commander.missingArgument': 'missing-argument',
  'commander.excessArguments': 'too-many-arguments',
  'commander.invalidArgument': 'invalid-option',
  'commander.conflictingOption': 'conflicting-options',
};

/**
 * Runs the CLI with `argv` (as `process.argv`). On failure prints one line `testudo <command>: <code>: <message>` on
 * stderr and sets the exit code: 1 for bad input, 2 for usage errors (unknown or missing options, bad values).
 */
export async function main(argv: string[]): Promise<void> {
  let command = '';
  const p = program().hook('preAction', (_root, action) => {
    command = commandPath(action);
  });
  try {
    await p.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommandLineError) {
      const err = e.error;
      if (err.exitCode === 0) return; // --help, --version
      if (err.code === 'commander.help' || err.code === 'commander.helpDisplayed') {
        process.exitCode = 2; // no subcommand: the help went to stderr
        return;
      }
      const msg = err.message.replace(/^error: /, '');
      const help = `testudo${e.command ? ` ${e.command}` : ''} --help`;
      process.stderr.write(
        formatError(e.command, COMMANDER_CODES[err.code] ?? 'usage', `${msg} (see \`${help}\`)`) + '\n',
      );
      process.exitCode = 2;
      return;
    }
    const d = describeError(e);
    // the first line has the CLI's shape; a CliError's indented detail lines (failed fields) follow it
    const [first = '', ...rest] = d.message.split('\n');
    const details = e instanceof CliError ? rest.filter((l) => /^\s/.test(l)) : [];
    const head = e instanceof CliError ? [first, ...rest.filter((l) => !/^\s/.test(l))].join(' ') : d.message;
    process.stderr.write([formatError(command, d.code, head.replace(/\s*\n\s*/g, ' ')), ...details].join('\n') + '\n');
    process.exitCode = d.exitCode;
  }
}
