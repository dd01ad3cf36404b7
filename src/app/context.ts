/**
 * The composition root: opens the database, runs migrations, seeds instruments, and wires the services to the
 * market data feed. Used by `testudo serve`, the tests and the benchmarks alike.
 */
import { openDatabase, type Sql } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../core/instruments/instrument.ts';
import { CircuitBreaker } from '../core/risk/breaker.ts';
import type { MarketFeed } from '../feed/feed.ts';
import { AuthService } from './auth.ts';
import { EventBus } from './events.ts';
import { JournalService } from './journal.ts';
import { TradingService } from './trading.ts';
import { ExchangeService } from './exchange/service.ts';
import { BacktestService, type BacktestServiceOptions } from './backtests.ts';
import { MarketService } from './market.ts';
import { ProfileService } from './profile.ts';
import { ConnectionService } from './connections.ts';
import { LiveEngine } from './live/engine.ts';
import { ImportService } from './live/import.ts';
import { MfaService } from './mfa.ts';
import { PlanService } from './plans.ts';
import { StrategyRunService } from './strategies/service.ts';

/** Everything the interfaces need. */
export interface AppContext {
  sql: Sql;
  auth: AuthService;
  trading: TradingService;
  journal: JournalService;
  exchange: ExchangeService;
  /** Saved strategies and backtest/optimisation jobs. */
  backtests: BacktestService;
  /** Risk-profile reads and edits with the cooling-off period, ceilings and audit (`./profile.ts`). */
  profiles: ProfileService;
  /** Chart bars, chartable symbols, `candle`/`replay` events and candle file imports (`./market.ts`). */
  market: MarketService;
  events: EventBus;
  /** Exchange connections (venues) and their risk accounts, breakers and cached venues (`./connections.ts`). */
  connections: ConnectionService;
  /** The live bracket engine: trades through connections, their fills, exits and reconciliation (`./live/`). */
  live: LiveEngine;
  /** History imports of connections: venue fills grouped into journal trades (`./live/import.ts`). */
  imports: ImportService;
  /** The optional second factor: TOTP, recovery codes, sign-in challenges (`./mfa.ts`). */
  mfa: MfaService;
  /** Optional Stripe subscriptions: users' plans and the feature gate (`./plans.ts`; off by default). */
  plans: PlanService;
  /** Strategy runs on the feed, every order through the trading service's submission (`./strategies/`). */
  strategies: StrategyRunService;
  breaker: CircuitBreaker;
  feed: MarketFeed | null;
  /** Market clock (the feed's time), ms UTC. */
  now: () => number;
  close(): Promise<void>;
}

/** Options of {@link createContext}. */
export interface ContextOptions {
  /** PostgreSQL URL; PGlite when absent. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; in memory when absent. */
  dataDir?: string | undefined;
  /** An already open database (tests); takes precedence over the two above. */
  sql?: Sql;
  feed?: MarketFeed | null;
  /** Extra instruments to seed (upserted) besides the defaults. */
  instruments?: Instrument[];
  /** Clock override; default: the feed's clock, or the wall clock without a feed. */
  now?: () => number;
  poolSize?: number;
  /** Where unexpected errors met while processing bars go (the server's log); default: nowhere. */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** The exchange circuit breaker, when the caller wires it to the feed first; a new one otherwise. */
  breaker?: CircuitBreaker;
  /** How backtest jobs run (pg-boss on PostgreSQL, in-process on PGlite by default; see `./backtests.ts`). */
  backtests?: Omit<BacktestServiceOptions, 'sql' | 'events'>;
}

/** Upserts instruments by symbol. */
export async function seedInstruments(sql: Sql, list: readonly Instrument[]): Promise<void> {
  for (const i of list) {
    await sql.query(
      `INSERT INTO instruments (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee, taker_fee)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (symbol) DO UPDATE SET base = $2, quote = $3, tick_size = $4, lot_size = $5, min_qty = $6,
         min_notional = $7, maker_fee = $8, taker_fee = $9`,
      [i.symbol, i.base, i.quote, i.tickSize, i.lotSize, i.minQty, i.minNotional, i.makerFee, i.takerFee],
    );
  }
}

/** Opens and wires everything. The feed is attached but not started. */
export async function createContext(o: ContextOptions = {}): Promise<AppContext> {
  const sql = o.sql ?? (await openDatabase({ url: o.databaseUrl, dataDir: o.dataDir, poolSize: o.poolSize }));
  await migrate(sql);
  const [{ n } = { n: 0 }] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM instruments');
  if (Number(n) === 0) await seedInstruments(sql, DEFAULT_INSTRUMENTS);
  if (o.instruments?.length) await seedInstruments(sql, o.instruments);
  const feed = o.feed ?? null;
  const now = o.now ?? (feed ? () => feed.now() : () => Date.now());
  const events = new EventBus();
  const breaker = o.breaker ?? new CircuitBreaker(() => Date.now());
  breaker.onTransition((t) =>
    events.publish({
      type: 'breaker',
      userId: null,
      data: { from: t.from, to: t.to, at: new Date(t.at).toISOString(), failures: t.failures },
    }),
  );
  const profiles = new ProfileService({ sql, now, breaker });
  const trading = new TradingService({
    sql,
    feed,
    breaker,
    events,
    now,
    onError: o.onError,
    beforeDecide: (userId) => profiles.applyDue(userId),
  });
  await trading.init();
  const exchange = await ExchangeService.open(sql, events);
  const backtests = await BacktestService.open({ onError: o.onError, ...o.backtests, sql, events });
  const market = new MarketService({
    sql,
    feed,
    events,
    instruments: () => trading.listInstruments().map((i) => i.symbol),
    onError: o.onError,
  });
  const connections = new ConnectionService({ sql, events });
  const live = new LiveEngine({ sql, events, connections, onError: o.onError });
  trading.setLive(live);
  await live.start();
  const imports = new ImportService({ sql, events, connections, onError: o.onError });
  await imports.start();
  // After the trading service: its bar listener runs first, so a run sees each bar's fills before it acts.
  const strategies = new StrategyRunService({ sql, trading, events, feed, now, onError: o.onError });
  await strategies.init();
  return {
    sql,
    auth: new AuthService(sql),
    trading,
    journal: new JournalService(sql),
    exchange,
    backtests,
    market,
    profiles,
    events,
    connections,
    live,
    imports,
    mfa: new MfaService({ sql }),
    plans: new PlanService({ sql }),
    strategies,
    breaker,
    feed,
    now,
    close: async () => {
      await feed?.stop();
      await strategies.close();
      await live.stop();
      await imports.close();
      await connections.close();
      await trading.drain();
      await exchange.drain();
      await backtests.close();
      await market.close();
      if (!o.sql) await sql.close();
    },
  };
}
