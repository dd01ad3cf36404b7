/**
 * The trading service: observe (instrument + price) → orient (size) → decide (rules) → act (bracket on the paper
 * exchange) → fill (market data bars) → journal (P&L and R on close).
 *
 * Invariants:
 * - Every decision is persisted, approved or not, in the same transaction as the trade it creates.
 * - The account row is locked (`FOR UPDATE`) by every transaction that changes it, so concurrent submissions and
 *   fills see each other's open risk, positions and balance.
 * - In-memory bracket state changes only after its transaction commits; on restart it is rebuilt from the trades
 *   table.
 * - Bars are processed one at a time per service (a queue), in feed order.
 */
import { createHash } from 'node:crypto';
import type { Sql, Row } from '../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../db/sql.ts';
import type { MarketFeed } from '../feed/feed.ts';
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import {
  type Instrument,
  type InstrumentSpec,
  lotsToQty,
  priceToNearestTicks,
  priceToTicks,
  qtyToLots,
  ticksToPrice,
  toSpec,
} from '../core/instruments/instrument.ts';
import { FRACTION_SCALE, formatAtoms, fractionToPercent, percentToFraction, toAtoms } from '../core/money/decimal.ts';
import { decide, type AccountRiskState, type Decision, type Setup } from '../core/risk/decide.ts';
import { compileProfile, type CompiledProfile, type RiskProfile } from '../core/risk/profile.ts';
import type { CircuitBreaker } from '../core/risk/breaker.ts';
import { rewardRiskRatio, sizingCosts, type Side } from '../core/sizing/size.ts';
import {
  type Bracket,
  type Fill,
  type TickBar,
  bracketResult,
  cancelBracket,
  closeManually,
  fillMarketEntry,
  newBracket,
  stepBracket,
} from '../core/execution/bracket.ts';
import { utcDay } from '../core/journal/stats.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from './errors.ts';
import type { EventBus } from './events.ts';
import { decisionView, fillView, orderView, tradeView } from './views.ts';

function toTickBar(spec: InstrumentSpec, c: Candle): TickBar {
  return {
    time: c.time,
    open: priceToNearestTicks(spec, c.open),
    high: priceToNearestTicks(spec, c.high),
    low: priceToNearestTicks(spec, c.low),
    close: priceToNearestTicks(spec, c.close),
  };
}

/**
 * Writes an approved submission in one statement: the decision, the trade, its legs (entry, reduce-only
 * stop-market stop-loss, limit take-profit when given), the entry fill of a market entry, and the account's totals.
 * Parameters: see `TradingService.submit`.
 */
const SUBMIT_SQL = `
WITH d AS (
  INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing)
  VALUES ($1::bigint, $2::timestamptz, $3::text, $4::text, true, $5::jsonb, $6::jsonb, $7::jsonb)
  RETURNING id, created_at
), t AS (
  INSERT INTO trades (account_id, decision_id, symbol, side, entry_type, entry_price, stop_price, target_price, qty,
    risk_pct, planned_risk, margin, setup, tags, notes, status, opened_at, entry_fill_price, entry_fee, submitted_at)
  SELECT $1::bigint, d.id, $3::text, $4::text, $8::text, $9::numeric, $10::numeric, $11::numeric, $12::numeric,
    $13::numeric, $14::numeric, $15::numeric, $16::text, $17::text[], $18::text, $19::text, $20::timestamptz,
    $21::numeric, $22::numeric, $2::timestamptz
  FROM d
  RETURNING id
), o AS (
  INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status, created_at, updated_at)
  SELECT t.id, $1::bigint, v.leg, v.type, v.side, v.price, $12::numeric, v.reduce_only, v.oco, v.status, now(), now()
  FROM t CROSS JOIN (VALUES
    (1, 'entry', $8::text, $4::text, $23::numeric, false, false, $24::text),
    (2, 'stop', 'stop-market', $25::text, $10::numeric, true, true, $26::text),
    (3, 'target', 'limit', $25::text, $11::numeric, true, true, $26::text)
  ) AS v(n, leg, type, side, price, reduce_only, oco, status)
  WHERE v.n < 3 OR $11::numeric IS NOT NULL
  ORDER BY v.n
  RETURNING id, leg, trade_id
), f AS (
  INSERT INTO fills (order_id, trade_id, account_id, price, qty, fee, liquidity, filled_at)
  SELECT o.id, o.trade_id, $1::bigint, $21::numeric, $12::numeric, $22::numeric, 'taker', $20::timestamptz
  FROM o WHERE o.leg = 'entry' AND $20::timestamptz IS NOT NULL
  RETURNING id
), a AS (
  UPDATE accounts SET open_risk = open_risk + $14::numeric, reserved = reserved + $15::numeric,
    open_positions = open_positions + 1, balance = balance - $27::numeric
  WHERE id = $1::bigint
)
SELECT d.id AS decision_id, d.created_at, t.id AS trade_id,
  (SELECT array_agg(o.id ORDER BY o.id) FROM o) AS order_ids, (SELECT id FROM f) AS fill_id
FROM d, t`;

/** A setup as validated at the boundary: prices and percents are decimal text. */
export interface SetupInput {
  symbol: string;
  side: Side;
  entryType: 'market' | 'limit';
  /** Limit price; required for a limit entry, ignored for a market entry. */
  entryPrice?: string | undefined;
  stopLoss: string;
  takeProfit?: string | undefined;
  /** Risk per trade override, percent of equity. */
  riskPct?: string | undefined;
  setup?: string | undefined;
  tags?: string[] | undefined;
  notes?: string | undefined;
}

/** Result of a submission: the HTTP status it maps to and the JSON body (also what an Idempotency-Key replays). */
export interface SubmitResult {
  status: 201 | 422;
  body: Record<string, unknown>;
}

interface ActiveTrade {
  id: number;
  accountId: number;
  userId: number;
  symbol: string;
  spec: InstrumentSpec;
  bracket: Bracket;
  plannedRisk: bigint;
  margin: bigint;
  /** Market time (ms) the trade was submitted: bars that opened before it never fill it. */
  since: number;
}

interface AccountRow extends Row {
  id: unknown;
  user_id: unknown;
  balance: string;
  initial_balance: string;
  peak_equity: string;
  halted_at: unknown;
  consecutive_losses: number;
  last_loss_at: unknown;
  pnl_day: string | null;
  pnl_day_realized: string;
  open_risk: string;
  open_positions: number;
  reserved: string;
  risk_profile: RiskProfile;
  /** The profile as stored (jsonb text): the cache key of its compiled form. */
  risk_profile_text: string;
}

/** Options of the {@link TradingService}. */
export interface TradingOptions {
  sql: Sql;
  feed: MarketFeed | null;
  breaker: CircuitBreaker;
  events: EventBus;
  /** The market clock, ms UTC (the replay's time during a replay). */
  now: () => number;
  /** Where unexpected errors met while processing bars are reported (the server's logger). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

/** Orchestrates sizing, rules, brackets, fills and the journal for paper accounts. */
export class TradingService {
  private readonly sql: Sql;
  private readonly events: EventBus;
  readonly breaker: CircuitBreaker;
  private feed: MarketFeed | null;
  private readonly now: () => number;
  private readonly instruments = new Map<string, { instrument: Instrument; spec: InstrumentSpec }>();
  private readonly active = new Map<number, ActiveTrade>();
  private readonly profiles = new Map<string, CompiledProfile>();
  private barQueue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(o: TradingOptions) {
    this.sql = o.sql;
    this.feed = o.feed;
    this.breaker = o.breaker;
    this.events = o.events;
    this.now = o.now;
    this.reportError = o.onError ?? (() => {});
  }

  private readonly reportError: (err: unknown, context: Record<string, unknown>) => void;

  /** Loads instruments and the active (pending and open) trades, and subscribes to the feed's bars. */
  async init(): Promise<void> {
    await this.loadInstruments();
    const rows = await this.sql.query(
      `SELECT t.*, a.user_id FROM trades t JOIN accounts a ON a.id = t.account_id
        WHERE t.status IN ('pending', 'open') ORDER BY t.id`,
    );
    for (const r of rows) this.active.set(toInt(r.id), this.activeFromRow(r));
    if (this.feed) this.attachFeed(this.feed);
  }

  /** Switches to another feed (the replay controls use this). */
  attachFeed(feed: MarketFeed): void {
    this.unsubscribe?.();
    this.feed = feed;
    this.unsubscribe = feed.onCandle((symbol, candle) => {
      this.barQueue = this.barQueue.then(() => this.onBar(symbol, candle)).catch((e) => this.onBarError(e));
    });
  }

  /** Resolves once every bar received so far has been processed. */
  async drain(): Promise<void> {
    await this.barQueue;
  }

  /** The last error met while processing a bar, if any (also reported to `onError`). */
  lastBarError: unknown = null;
  private onBarError(e: unknown, context: Record<string, unknown> = {}): void {
    this.lastBarError = e;
    this.reportError(e, { where: 'bar processing', ...context });
  }

  /** Reloads instruments from the database. */
  async loadInstruments(): Promise<void> {
    const rows = await this.sql.query('SELECT * FROM instruments');
    this.instruments.clear();
    for (const r of rows) {
      const instrument: Instrument = {
        symbol: String(r.symbol),
        base: String(r.base),
        quote: String(r.quote),
        tickSize: String(r.tick_size),
        lotSize: String(r.lot_size),
        minQty: String(r.min_qty),
        minNotional: String(r.min_notional),
        makerFee: String(r.maker_fee),
        takerFee: String(r.taker_fee),
      };
      this.instruments.set(instrument.symbol, { instrument, spec: toSpec(instrument) });
    }
  }

  /** Every known instrument. */
  listInstruments(): Instrument[] {
    return [...this.instruments.values()].map((i) => i.instrument);
  }

  /** The current price of `symbol` from the feed, or undefined. */
  lastPrice(symbol: string): string | undefined {
    return this.feed?.lastPrice(symbol);
  }

  private instrument(symbol: string): { instrument: Instrument; spec: InstrumentSpec } {
    const i = this.instruments.get(symbol);
    if (!i)
      throw new ValidationError([
        {
          field: 'symbol',
          code: 'unknown-symbol',
          message: `unknown symbol ${symbol}; known: ${[...this.instruments.keys()].join(', ')}`,
        },
      ]);
    return i;
  }

  /** The account's compiled profile, cached by the profile's stored text (no serialising on the hot path). */
  private compiled(acc: AccountRow): CompiledProfile {
    const key = acc.risk_profile_text;
    let c = this.profiles.get(key);
    if (!c) {
      c = compileProfile(acc.risk_profile);
      if (this.profiles.size >= 10_000) this.profiles.clear();
      this.profiles.set(key, c);
    }
    return c;
  }

  /** Converts a validated setup to integer form, checking prices against the instrument's tick grid. */
  private toSetup(input: SetupInput, spec: InstrumentSpec): { setup: Setup; marketTicks: bigint | null } {
    const issues: { field: string; code: string; message: string }[] = [];
    const grid = (field: string, v: string): bigint => {
      const g = priceToTicks(spec, v);
      if (g.ok) return g.value;
      const msg = {
        'not-a-number': 'must be a decimal number',
        'off-grid': `must be a multiple of the tick size ${ticksToPrice(spec, 1n)}`,
        'not-positive': 'must be greater than zero',
      }[g.reason];
      issues.push({ field, code: g.reason === 'off-grid' ? 'price-off-tick' : 'invalid-price', message: msg });
      return 0n;
    };
    let entryTicks = 0n;
    let marketTicks: bigint | null = null;
    const last = this.feed?.lastPrice(input.symbol);
    if (last !== undefined) marketTicks = priceToNearestTicks(spec, last);
    if (input.entryType === 'limit') {
      if (input.entryPrice === undefined)
        issues.push({ field: 'entryPrice', code: 'required', message: 'a limit entry needs an entryPrice' });
      else entryTicks = grid('entryPrice', input.entryPrice);
    } else {
      if (marketTicks === null)
        throw new UnprocessableError(
          'no-market-price',
          `no market price for ${input.symbol} yet: the feed has not delivered a bar (use a limit entry or wait)`,
        );
      entryTicks = marketTicks;
    }
    const stopTicks = grid('stopLoss', input.stopLoss);
    const targetTicks = input.takeProfit === undefined ? null : grid('takeProfit', input.takeProfit);
    let riskFraction: bigint | null = null;
    if (input.riskPct !== undefined) {
      try {
        riskFraction = percentToFraction(input.riskPct);
        if (riskFraction <= 0n)
          issues.push({ field: 'riskPct', code: 'invalid-percent', message: 'must be greater than zero' });
      } catch {
        issues.push({
          field: 'riskPct',
          code: 'invalid-percent',
          message: 'must be a percent with at most 6 decimals',
        });
      }
    }
    if (issues.length) throw new ValidationError(issues);
    return {
      setup: {
        side: input.side,
        entryTicks,
        entryIsMarket: input.entryType === 'market',
        stopTicks,
        targetTicks,
        riskFraction,
      },
      marketTicks,
    };
  }

  private riskState(acc: AccountRow, now: number): AccountRiskState {
    const today = utcDay(now);
    return {
      equity: toAtoms(acc.balance),
      available: toAtoms(acc.balance) - toAtoms(acc.reserved),
      realizedPnlToday: acc.pnl_day === today ? toAtoms(acc.pnl_day_realized) : 0n,
      peakEquity: toAtoms(acc.peak_equity),
      haltedAt: toMsOrNull(acc.halted_at),
      openRisk: toAtoms(acc.open_risk),
      openPositions: acc.open_positions,
      consecutiveLosses: acc.consecutive_losses,
      lastLossAt: toMsOrNull(acc.last_loss_at),
      breaker: this.breaker.state(),
      now,
    };
  }

  private sizingView(spec: InstrumentSpec, d: Decision, setup: Setup, equity: bigint): Record<string, unknown> {
    const s = d.sizing;
    const base = {
      entryPrice: ticksToPrice(spec, setup.entryTicks),
      requestedRiskPct: fractionToPercent(d.riskFraction),
      rewardRisk:
        setup.targetTicks === null ? null : rewardRiskRatio(setup.entryTicks, setup.stopTicks, setup.targetTicks),
      budget: formatAtoms(s.budget),
      lossPerUnit: s.lossPerLot === 0n ? null : formatAtoms((s.lossPerLot * 10n ** BigInt(spec.lotDp)) / spec.lotUnits),
      equity: formatAtoms(equity),
    };
    if (!s.ok) return { ...base, ok: false, code: s.code, qty: lotsToQty(spec, s.lots), cappedBy: s.cappedBy };
    const c = sizingCosts(d.sizingInput, s);
    return {
      ...base,
      ok: true,
      qty: lotsToQty(spec, s.lots),
      notional: formatAtoms(s.notional),
      entryFee: formatAtoms(c.entryFee),
      stopFee: formatAtoms(c.stopFee),
      risk: formatAtoms(s.risk),
      riskPct: fractionToPercent(c.riskFraction),
      margin: formatAtoms(c.margin),
      cappedBy: s.cappedBy,
      rewardAtTarget:
        setup.targetTicks === null
          ? null
          : formatAtoms(
              (setup.side === 'buy' ? setup.targetTicks - setup.entryTicks : setup.entryTicks - setup.targetTicks) *
                s.lots *
                spec.atomsPerTickLot,
            ),
    };
  }

  private async account(q: Sql, userId: number, lock: boolean): Promise<AccountRow> {
    const rows = await q.query<AccountRow>(
      `SELECT *, risk_profile::text AS risk_profile_text FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
      [userId],
    );
    const acc = rows[0];
    if (!acc) throw new NotFoundError('account-not-found', 'this user has no trading account');
    return acc;
  }

  /** Sizes a setup and evaluates the rules without sending anything (the decision is not persisted). */
  async preview(userId: number, input: SetupInput): Promise<Record<string, unknown>> {
    const { spec } = this.instrument(input.symbol);
    const { setup } = this.toSetup(input, spec);
    const acc = await this.account(this.sql, userId, false);
    const state = this.riskState(acc, this.now());
    const d = decide(spec, setup, this.compiled(acc), state);
    return {
      approved: d.approved,
      verdicts: d.verdicts,
      failed: d.verdicts.filter((v) => !v.passed),
      sizing: this.sizingView(spec, d, setup, state.equity),
    };
  }

  /**
   * Submits a setup: decides, persists the decision, and when approved sends the bracket to the paper exchange.
   * With an Idempotency-Key, a repeat with the same body replays the stored result.
   * @throws ValidationError on unknown symbol or off-grid prices; ConflictError when the key was used with another
   *   body; UnprocessableError when a market entry has no price yet.
   */
  async submit(userId: number, input: SetupInput, idempotencyKey?: string): Promise<SubmitResult> {
    const hash = idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : '';
    if (idempotencyKey) {
      const prior = await this.sql.query(
        'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, idempotencyKey],
      );
      if (prior[0]) return this.replay(prior[0], hash);
    }
    const { spec } = this.instrument(input.symbol);
    if (!this.feed || !this.feed.symbols().includes(input.symbol))
      throw new UnprocessableError(
        'no-market-data',
        this.feed
          ? `the market data feed (${this.feed.name}) does not serve ${input.symbol}, so the bracket could never fill; it serves ${this.feed.symbols().join(', ')}`
          : 'the server has no market data feed, so a bracket could never fill (start it with --replay FILE or online)',
      );
    const { setup } = this.toSetup(input, spec);
    let activated: ActiveTrade | null = null;
    let marketFill: Record<string, unknown> | null = null;
    const result = await this.sql.tx(async (q) => {
      const acc = await this.account(q, userId, true);
      if (idempotencyKey) {
        // Re-check under the account lock: a concurrent request with the same key may have committed meanwhile.
        const prior = await q.query(
          'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
          [userId, idempotencyKey],
        );
        if (prior[0]) return this.replay(prior[0], hash);
      }
      const now = this.now();
      const state = this.riskState(acc, now);
      const d = decide(spec, setup, this.compiled(acc), state);
      const sizing = this.sizingView(spec, d, setup, state.equity);
      const accountId = toInt(acc.id);
      const decisionJson = {
        input: JSON.stringify(input),
        verdicts: JSON.stringify(d.verdicts),
        sizing: JSON.stringify(sizing),
      };
      // The decision as the response shows it; approved exactly when it opened a trade.
      const decisionBody = (id: unknown, createdAt: unknown, tradeId: number | null): Record<string, unknown> => ({
        id: toInt(id),
        approved: tradeId !== null,
        symbol: input.symbol,
        side: input.side,
        createdAt: new Date(toMs(createdAt)).toISOString(),
        verdicts: d.verdicts,
        sizing,
        tradeId,
      });
      let out: SubmitResult;
      if (!d.approved || !d.sizing.ok) {
        const [dec] = await q.query(
          `INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing)
           VALUES ($1, $2, $3, $4, false, $5, $6, $7) RETURNING id, created_at`,
          [
            accountId,
            new Date(now),
            input.symbol,
            input.side,
            decisionJson.input,
            decisionJson.verdicts,
            decisionJson.sizing,
          ],
        );
        const failed = d.verdicts.filter((v) => !v.passed);
        out = {
          status: 422,
          body: {
            error: {
              code: 'rule-rejected',
              message: `rejected by ${failed.length} rule${failed.length === 1 ? '' : 's'}: ${failed.map((f) => f.message).join('; ')}`,
              rules: failed,
            },
            decision: decisionBody(dec!.id, dec!.created_at, null),
          },
        };
      } else {
        const s = d.sizing;
        const { margin } = sizingCosts(d.sizingInput, s);
        const bracket = newBracket({
          side: setup.side,
          lots: s.lots,
          entryIsMarket: setup.entryIsMarket,
          entryTicks: setup.entryTicks,
          stopTicks: setup.stopTicks,
          targetTicks: setup.targetTicks,
        });
        const entryFill = setup.entryIsMarket ? fillMarketEntry(bracket, spec, setup.entryTicks, now) : null;
        const row = {
          account_id: accountId,
          symbol: input.symbol,
          side: input.side,
          entry_type: input.entryType,
          entry_price: ticksToPrice(spec, setup.entryTicks),
          stop_price: ticksToPrice(spec, setup.stopTicks),
          target_price: setup.targetTicks === null ? null : ticksToPrice(spec, setup.targetTicks),
          qty: lotsToQty(spec, s.lots),
          risk_pct: fractionToPercent(d.riskFraction),
          planned_risk: formatAtoms(s.risk),
          margin: formatAtoms(margin),
          setup: input.setup ?? null,
          tags: input.tags ?? [],
          notes: input.notes ?? null,
          status: entryFill ? 'open' : 'pending',
          opened_at: entryFill ? new Date(now) : null,
          entry_fill_price: entryFill ? ticksToPrice(spec, entryFill.price) : null,
          entry_fee: entryFill ? formatAtoms(entryFill.fee) : null,
        };
        const exitSide = setup.side === 'buy' ? 'sell' : 'buy';
        const legState = entryFill ? 'open' : 'held';
        // One statement writes the decision, the trade, its legs, the entry fill and the account totals.
        const [ins] = await q.query(SUBMIT_SQL, [
          accountId,
          new Date(now),
          row.symbol,
          row.side,
          decisionJson.input,
          decisionJson.verdicts,
          decisionJson.sizing,
          row.entry_type,
          row.entry_price,
          row.stop_price,
          row.target_price,
          row.qty,
          row.risk_pct,
          row.planned_risk,
          row.margin,
          row.setup,
          row.tags,
          row.notes,
          row.status,
          row.opened_at,
          row.entry_fill_price,
          row.entry_fee,
          setup.entryIsMarket ? null : row.entry_price,
          entryFill ? 'filled' : 'open',
          exitSide,
          legState,
          formatAtoms(entryFill ? entryFill.fee : 0n),
        ]);
        const tradeId = toInt(ins!.trade_id);
        const decisionId = toInt(ins!.decision_id);
        const createdAt = ins!.created_at;
        const orderIds = (ins!.order_ids as unknown[]).map(toInt);
        if (entryFill)
          marketFill = fillView({
            id: ins!.fill_id,
            order_id: orderIds[0],
            trade_id: tradeId,
            price: row.entry_fill_price,
            qty: row.qty,
            fee: row.entry_fee,
            liquidity: entryFill.liquidity,
            filled_at: new Date(entryFill.time),
          });
        const legs: Row[] = [
          {
            leg: 'entry',
            type: row.entry_type,
            side: row.side,
            price: setup.entryIsMarket ? null : row.entry_price,
            reduce_only: false,
            oco: false,
            status: entryFill ? 'filled' : 'open',
          },
          {
            leg: 'stop',
            type: 'stop-market',
            side: exitSide,
            price: row.stop_price,
            reduce_only: true,
            oco: true,
            status: legState,
          },
          ...(row.target_price === null
            ? []
            : [
                {
                  leg: 'target',
                  type: 'limit',
                  side: exitSide,
                  price: row.target_price,
                  reduce_only: true,
                  oco: true,
                  status: legState,
                },
              ]),
        ];
        const orders = legs.map((l, i) =>
          orderView({ ...l, id: orderIds[i], trade_id: tradeId, qty: row.qty, updated_at: createdAt }),
        );
        activated = {
          id: tradeId,
          accountId,
          userId,
          symbol: input.symbol,
          spec,
          bracket,
          plannedRisk: s.risk,
          margin,
          since: now,
        };
        out = {
          status: 201,
          body: {
            decision: decisionBody(decisionId, createdAt, tradeId),
            trade: {
              ...tradeView({
                ...row,
                id: tradeId,
                decision_id: decisionId,
                created_at: createdAt,
                submitted_at: new Date(now),
              }),
              orders,
            },
          },
        };
      }
      if (idempotencyKey) {
        await q.query(
          'INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, $5)',
          [userId, idempotencyKey, hash, out.status, JSON.stringify(out.body)],
        );
      }
      return out;
    });
    if (activated) this.active.set((activated as ActiveTrade).id, activated);
    if (!('replayed' in result)) {
      const body = result.body;
      this.events.publish({ type: 'decision', userId, data: (body.decision as Record<string, unknown>) ?? {} });
      const trade = body.trade as Record<string, unknown> | undefined;
      if (trade) {
        for (const o of trade.orders as Record<string, unknown>[])
          this.events.publish({ type: 'order', userId, data: o });
        if (trade.status === 'open') {
          if (marketFill) this.events.publish({ type: 'fill', userId, data: marketFill });
          this.events.publish({ type: 'position', userId, data: trade });
        }
      }
    }
    return result;
  }

  private replay(prior: Row, hash: string): SubmitResult & { replayed: true } {
    if (prior.request_hash !== hash)
      throw new ConflictError(
        'idempotency-key-reused',
        'this Idempotency-Key was already used with a different request body; use a new key for a new request',
      );
    return {
      status: Number(prior.status_code) as 201 | 422,
      body: prior.response as Record<string, unknown>,
      replayed: true,
    };
  }

  /** Processes one closed bar: advances every active bracket on `symbol` and persists what filled. */
  async onBar(symbol: string, candle: Candle): Promise<void> {
    const trades = [...this.active.values()].filter((t) => t.symbol === symbol);
    if (trades.length === 0) return;
    let sub: Candle[] | null = null;
    for (const t of trades) {
      // A bar from before the trade (a replay sought backwards, or restarted) must not fill it.
      if (candle.time < t.since) continue;
      try {
        sub = await this.stepTrade(t, symbol, candle, sub);
      } catch (e) {
        // One trade's failure must not stop the others on this bar; its state stays as committed.
        this.onBarError(e, { tradeId: t.id, symbol, barTime: new Date(candle.time).toISOString() });
      }
    }
  }

  /**
   * Advances one trade through `candle`. `sub`: the bar's lower-timeframe candles when already read for another
   * trade (null: not read yet); returns them, read here when this trade's bar touches both exits.
   */
  private async stepTrade(
    t: ActiveTrade,
    symbol: string,
    candle: Candle,
    sub: Candle[] | null,
  ): Promise<Candle[] | null> {
    const bar = toTickBar(t.spec, candle);
    const b = t.bracket;
    // A bar that touches both the stop and the take-profit: lower-timeframe bars, when stored, decide the order.
    if (b.status === 'open' && b.targetTicks !== null) {
      const [lo, hi] = b.stopTicks < b.targetTicks ? [b.stopTicks, b.targetTicks] : [b.targetTicks, b.stopTicks];
      if (bar.low <= lo && bar.high >= hi) sub ??= await this.lowerTimeframeBars(symbol, candle.time);
    }
    const next = structuredClone(b);
    const fills = stepBracket(
      next,
      t.spec,
      bar,
      sub?.map((c) => toTickBar(t.spec, c)),
    );
    if (fills.length > 0) await this.persistFills(t, next, fills);
    else if (next.maeTicks !== b.maeTicks || next.mfeTicks !== b.mfeTicks) {
      // Excursions still move while a position is open.
      await this.sql.query('UPDATE trades SET mae_ticks = $2, mfe_ticks = $3 WHERE id = $1', [
        t.id,
        next.maeTicks.toString(),
        next.mfeTicks.toString(),
      ]);
      t.bracket = next;
    }
    return sub;
  }

  /**
   * Stored candles of `symbol` finer than the feed's timeframe inside the bar opening at `time`, from the finest
   * timeframe that has any; empty when none are stored.
   */
  private async lowerTimeframeBars(symbol: string, time: number): Promise<Candle[]> {
    const tf = this.feed?.timeframe;
    if (!tf) return [];
    const len = TIMEFRAMES[tf];
    const finer = (Object.keys(TIMEFRAMES) as Timeframe[]).filter((k) => TIMEFRAMES[k] < len);
    if (finer.length === 0) return [];
    const rows = await this.sql.query(
      `SELECT timeframe, open_time, open::text AS open, high::text AS high, low::text AS low, close::text AS close
         FROM candles WHERE symbol = $1 AND timeframe = ANY($2) AND open_time >= $3 AND open_time < $4
        ORDER BY open_time`,
      [symbol, finer, new Date(time), new Date(time + len)],
    );
    for (const k of finer) {
      const bars = rows.filter((r) => r.timeframe === k);
      if (bars.length > 0)
        return bars.map((r) => ({
          time: toMs(r.open_time),
          open: String(r.open),
          high: String(r.high),
          low: String(r.low),
          close: String(r.close),
          volume: '0',
        }));
    }
    return [];
  }

  /**
   * Closes a trade by hand: an open position at the current price (market, taker), a pending entry by cancelling it.
   * @throws NotFoundError for an unknown or foreign trade; ConflictError when it is already closed.
   */
  async close(userId: number, tradeId: number): Promise<Record<string, unknown>> {
    // Queued behind the bars already received and any earlier close, so the bracket read below is current: when a
    // bar (or another close) ended the trade first, this close is a 409, never a second exit.
    const run = this.barQueue.then(() => this.closeNow(userId, tradeId));
    this.barQueue = run.then(
      () => undefined,
      () => undefined,
    );
    await run;
    return this.getTrade(userId, tradeId);
  }

  private async closeNow(userId: number, tradeId: number): Promise<void> {
    const t = this.active.get(tradeId);
    if (!t || t.userId !== userId) {
      const rows = await this.sql.query(
        'SELECT t.status FROM trades t JOIN accounts a ON a.id = t.account_id WHERE t.id = $1 AND a.user_id = $2',
        [tradeId, userId],
      );
      if (!rows[0]) throw new NotFoundError('trade-not-found', `no trade ${tradeId}`);
      throw new ConflictError('trade-not-active', `trade ${tradeId} is already ${String(rows[0].status)}`);
    }
    const next = structuredClone(t.bracket);
    const now = this.now();
    if (next.status === 'pending') {
      cancelBracket(next);
      await this.persistFills(t, next, []);
    } else {
      const last = this.feed?.lastPrice(t.symbol);
      if (last === undefined)
        throw new UnprocessableError('no-market-price', `no market price for ${t.symbol} to close at`);
      const f = closeManually(next, t.spec, priceToNearestTicks(t.spec, last), now);
      await this.persistFills(t, next, f ? [f] : []);
    }
  }

  private async persistFills(t: ActiveTrade, next: Bracket, fills: Fill[]): Promise<void> {
    const spec = t.spec;
    const events: { type: 'order' | 'fill' | 'position' | 'trade-closed'; data: Record<string, unknown> }[] = [];
    await this.sql.tx(async (q) => {
      const [acc] = await q.query<AccountRow>(
        'SELECT *, risk_profile::text AS risk_profile_text FROM accounts WHERE id = $1 FOR UPDATE',
        [t.accountId],
      );
      if (!acc) throw new NotFoundError('account-not-found', 'account vanished');
      let balanceDelta = 0n;
      const orders = await q.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [t.id]);
      const byLeg = (leg: string): Row | undefined => orders.find((o) => o.leg === leg && o.status !== 'cancelled');
      for (const f of fills) {
        let order = byLeg(f.leg);
        if (f.leg === 'manual') {
          const exitSide = t.bracket.side === 'buy' ? 'sell' : 'buy';
          [order] = await q.query(
            `INSERT INTO orders (trade_id, account_id, leg, type, side, price, qty, reduce_only, oco, status)
             VALUES ($1, $2, 'manual', 'market', $3, NULL, $4, true, false, 'filled') RETURNING *`,
            [t.id, t.accountId, exitSide, lotsToQty(spec, f.lots)],
          );
        } else {
          [order] = await q.query(`UPDATE orders SET status = 'filled', updated_at = now() WHERE id = $1 RETURNING *`, [
            toInt(order!.id),
          ]);
        }
        events.push({ type: 'order', data: orderView(order!) });
        const [fr] = await q.query(
          `INSERT INTO fills (order_id, trade_id, account_id, price, qty, fee, liquidity, filled_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            toInt(order!.id),
            t.id,
            t.accountId,
            ticksToPrice(spec, f.price),
            lotsToQty(spec, f.lots),
            formatAtoms(f.fee),
            f.liquidity,
            new Date(f.time),
          ],
        );
        events.push({ type: 'fill', data: fillView(fr!) });
        if (f.leg === 'entry') {
          balanceDelta -= f.fee;
          const legs = await q.query(
            `UPDATE orders SET status = 'open', updated_at = now() WHERE trade_id = $1 AND status = 'held' RETURNING *`,
            [t.id],
          );
          for (const o of legs) events.push({ type: 'order', data: orderView(o) });
          await q.query(
            `UPDATE trades SET status = 'open', opened_at = $2, entry_fill_price = $3, entry_fee = $4 WHERE id = $1`,
            [t.id, new Date(f.time), ticksToPrice(spec, f.price), formatAtoms(f.fee)],
          );
        }
      }
      // OCO: whatever closed the position cancels the remaining legs.
      if (next.status === 'closed' || next.status === 'cancelled') {
        const cancelled = await q.query(
          `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE trade_id = $1 AND status IN ('open', 'held') RETURNING *`,
          [t.id],
        );
        for (const o of cancelled) events.push({ type: 'order', data: orderView(o) });
      }
      let accountSql = 'UPDATE accounts SET balance = balance + $2';
      const params: unknown[] = [t.accountId, formatAtoms(balanceDelta)];
      if (next.status === 'cancelled') {
        await q.query(`UPDATE trades SET status = 'cancelled', closed_at = $2 WHERE id = $1`, [
          t.id,
          new Date(this.now()),
        ]);
        accountSql += ', open_risk = open_risk - $3, reserved = reserved - $4, open_positions = open_positions - 1';
        params.push(formatAtoms(t.plannedRisk), formatAtoms(t.margin));
      } else if (next.status === 'closed') {
        const res = bracketResult(next, spec);
        const exit = next.exit!;
        const closedAt = exit.time;
        await q.query(
          `UPDATE trades SET status = 'closed', closed_at = $2, exit_fill_price = $3, exit_fee = $4, exit_reason = $5,
             gross_pnl = $6, fees = $7, net_pnl = $8, initial_risk = $9, r_multiple = $10, mae_r = $11, mfe_r = $12,
             mae_ticks = $13, mfe_ticks = $14 WHERE id = $1`,
          [
            t.id,
            new Date(closedAt),
            ticksToPrice(spec, exit.price),
            formatAtoms(exit.fee),
            next.exitReason,
            formatAtoms(res.grossPnl),
            formatAtoms(res.fees),
            formatAtoms(res.netPnl),
            formatAtoms(res.initialRisk),
            res.r,
            res.maeR,
            res.mfeR,
            next.maeTicks.toString(),
            next.mfeTicks.toString(),
          ],
        );
        // Balance: the entry fee was charged at entry; now the gross P&L less the exit fee.
        const balance = toAtoms(acc.balance) + balanceDelta + res.grossPnl - exit.fee;
        const peak = toAtoms(acc.peak_equity) > balance ? toAtoms(acc.peak_equity) : balance;
        const profile = this.compiled(acc);
        const haltNow =
          acc.halted_at === null && (peak - balance) * FRACTION_SCALE >= profile.maxDrawdown * peak && peak > 0n;
        const day = utcDay(closedAt);
        const loss = res.netPnl < 0n;
        // Losses in a row; a streak that already served its cooldown starts again from this loss.
        const lastLoss = toMsOrNull(acc.last_loss_at);
        const served =
          acc.consecutive_losses >= profile.lossStreakLimit &&
          lastLoss !== null &&
          lastLoss + profile.cooldownMs <= closedAt;
        const streak = loss ? (served ? 1 : acc.consecutive_losses + 1) : res.netPnl > 0n ? 0 : acc.consecutive_losses;
        params[1] = formatAtoms(balanceDelta + res.grossPnl - exit.fee);
        params.push(
          formatAtoms(t.plannedRisk),
          formatAtoms(t.margin),
          formatAtoms(peak),
          haltNow ? new Date(closedAt) : null,
          day,
          formatAtoms(res.netPnl),
          loss,
          new Date(closedAt),
          streak,
        );
        accountSql += `, open_risk = open_risk - $3, reserved = reserved - $4, open_positions = open_positions - 1,
          peak_equity = $5, halted_at = COALESCE(halted_at, $6),
          pnl_day_realized = CASE WHEN pnl_day = $7 THEN pnl_day_realized + $8 ELSE $8 END, pnl_day = $7,
          consecutive_losses = $11::int,
          last_loss_at = CASE WHEN $9::boolean THEN $10 ELSE last_loss_at END`;
      }
      await q.query(accountSql + ' WHERE id = $1', params);
    });
    // Committed: now the in-memory state may move.
    if (next.status === 'closed' || next.status === 'cancelled') this.active.delete(t.id);
    else t.bracket = next;
    for (const e of events) this.events.publish({ type: e.type, userId: t.userId, data: e.data });
    if (next.status !== 'pending') {
      const [row] = await this.sql.query('SELECT * FROM trades WHERE id = $1', [t.id]);
      if (row) {
        const view = tradeView(row);
        this.events.publish({
          type: next.status === 'closed' ? 'trade-closed' : 'position',
          userId: t.userId,
          data: view,
        });
      }
    }
  }

  private activeFromRow(r: Row): ActiveTrade {
    const { spec } = this.instrument(String(r.symbol));
    const tick = (v: unknown): bigint => {
      const g = priceToTicks(spec, String(v));
      if (!g.ok) throw new Error(`trade ${String(r.id)}: price ${String(v)} is off the ${spec.symbol} grid`);
      return g.value;
    };
    const q = qtyToLots(spec, String(r.qty));
    if (!q.ok) throw new Error(`trade ${String(r.id)}: quantity ${String(r.qty)} is off the ${spec.symbol} lot grid`);
    const lots = q.value;
    const b = newBracket({
      side: r.side as Side,
      lots,
      entryIsMarket: r.entry_type === 'market',
      entryTicks: tick(r.entry_price),
      stopTicks: tick(r.stop_price),
      targetTicks: r.target_price === null ? null : tick(r.target_price),
    });
    if (r.status === 'open') {
      const price = tick(r.entry_fill_price);
      b.status = 'open';
      b.entry = {
        leg: 'entry',
        price,
        lots,
        fee: toAtoms(String(r.entry_fee)),
        liquidity: r.entry_type === 'market' ? 'taker' : 'maker',
        time: toMs(r.opened_at),
      };
      b.maeTicks = BigInt(String(r.mae_ticks).split('.')[0]!);
      b.mfeTicks = BigInt(String(r.mfe_ticks).split('.')[0]!);
    }
    return {
      id: toInt(r.id),
      accountId: toInt(r.account_id),
      userId: toInt(r.user_id),
      symbol: String(r.symbol),
      spec,
      bracket: b,
      plannedRisk: toAtoms(String(r.planned_risk)),
      margin: toAtoms(String(r.margin)),
      since: toMs(r.submitted_at),
    };
  }

  /** One trade with its orders and fills. @throws NotFoundError when unknown or not the user's. */
  async getTrade(userId: number, tradeId: number): Promise<Record<string, unknown>> {
    const [row] = await this.sql.query(
      'SELECT t.* FROM trades t JOIN accounts a ON a.id = t.account_id WHERE t.id = $1 AND a.user_id = $2',
      [tradeId, userId],
    );
    if (!row) throw new NotFoundError('trade-not-found', `no trade ${tradeId}`);
    const orders = await this.sql.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [tradeId]);
    const fills = await this.sql.query('SELECT * FROM fills WHERE trade_id = $1 ORDER BY id', [tradeId]);
    return { ...tradeView(row), orders: orders.map(orderView), fills: fills.map(fillView) };
  }

  /** Open positions with their mark price and unrealized P&L (quote currency, before the exit fee). */
  async positions(userId: number): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(
      `SELECT t.* FROM trades t JOIN accounts a ON a.id = t.account_id
        WHERE a.user_id = $1 AND t.status = 'open' ORDER BY t.id`,
      [userId],
    );
    return rows.map((r) => {
      const v = tradeView(r);
      const active = this.active.get(toInt(r.id));
      const last = this.feed?.lastPrice(String(r.symbol));
      let unrealized: string | null = null;
      if (active && active.bracket.entry && last !== undefined) {
        const mark = priceToNearestTicks(active.spec, last);
        const dir = active.bracket.side === 'buy' ? 1n : -1n;
        unrealized = formatAtoms(
          dir * (mark - active.bracket.entry.price) * active.bracket.lots * active.spec.atomsPerTickLot,
        );
      }
      return { ...v, markPrice: last ?? null, unrealizedPnl: unrealized };
    });
  }

  /** The user's decisions, newest first. */
  async decisions(
    userId: number,
    opts: { approved?: boolean; limit: number; before?: number },
  ): Promise<Record<string, unknown>[]> {
    const params: unknown[] = [userId, opts.limit];
    let where = 'a.user_id = $1';
    if (opts.approved !== undefined) {
      params.push(opts.approved);
      where += ` AND d.approved = $${params.length}`;
    }
    if (opts.before !== undefined) {
      params.push(opts.before);
      where += ` AND d.id < $${params.length}`;
    }
    const rows = await this.sql.query(
      `SELECT d.*, t.id AS trade_id FROM decisions d JOIN accounts a ON a.id = d.account_id
        LEFT JOIN trades t ON t.decision_id = d.id WHERE ${where} ORDER BY d.id DESC LIMIT $2`,
      params,
    );
    return rows.map(decisionView);
  }

  /** Number of active (pending or open) brackets, on one symbol or all. */
  activeCount(symbol?: string): number {
    if (symbol === undefined) return this.active.size;
    let n = 0;
    for (const t of this.active.values()) if (t.symbol === symbol) n++;
    return n;
  }

  /** Market time (ms) of the latest submission on `symbol`, or null: where a restarted replay resumes. */
  async lastSubmission(symbol: string): Promise<number | null> {
    const [r] = await this.sql.query('SELECT max(submitted_at) AS t FROM trades WHERE symbol = $1', [symbol]);
    return r && r.t !== null ? toMs(r.t) : null;
  }
}
