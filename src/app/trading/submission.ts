/**
 * Submission: observe (instrument + price) → orient (size) → decide (rules) → act (the bracket on the paper
 * exchange), and the sizing preview. Every decision is persisted, approved or not, in the same transaction as the
 * trade it creates; the account row is locked (`FOR UPDATE`) so concurrent submissions and fills see each other's
 * open risk, positions and balance.
 */
import { createHash } from 'node:crypto';
import type { Row } from '../../db/sql.ts';
import { toInt, toMs } from '../../db/sql.ts';
import {
  type InstrumentSpec,
  lotsToQty,
  priceToNearestTicks,
  priceToTicks,
  ticksToPrice,
} from '../../core/instruments/instrument.ts';
import { formatAtoms, fractionToPercent, percentToFraction } from '../../core/money/decimal.ts';
import { decide, type Decision, type Setup } from '../../core/risk/decide.ts';
import { rewardRiskRatio, sizingCosts, type Side } from '../../core/sizing/size.ts';
import { fillMarketEntry, newBracket } from '../../core/execution/bracket.ts';
import { ConflictError, UnprocessableError, ValidationError } from '../errors.ts';
import { fillView, orderView, tradeView } from '../views.ts';
import type { ActiveTrade, TradingState } from './state.ts';

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
  /**
   * The exchange connection to trade through (src/app/live); absent: the paper account. The live path sizes on the
   * connection's risk account and the venue's instrument.
   */
  connectionId?: number | undefined;
}

/** Result of a submission: the HTTP status it maps to and the JSON body (also what an Idempotency-Key replays). */
export interface SubmitResult {
  status: 201 | 422;
  body: Record<string, unknown>;
}

/**
 * Converts a validated setup to integer form, checking prices against the instrument's tick grid. The market price is
 * `last` when given (a venue's ticker), else the feed's last price.
 * @throws ValidationError on off-grid prices; UnprocessableError `no-market-price` for a market entry without a price.
 */
export function toSetup(
  st: TradingState,
  input: SetupInput,
  spec: InstrumentSpec,
  last: string | undefined = st.feed?.lastPrice(input.symbol),
): { setup: Setup; marketTicks: bigint | null } {
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

/** The sizing part of a preview or a submission's decision (decimal text; see the `Sizing` reply schema). */
export function sizingView(spec: InstrumentSpec, d: Decision, setup: Setup, equity: bigint): Record<string, unknown> {
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

/** Sizes a setup and evaluates the rules without sending anything (the decision is not persisted). */
export async function preview(st: TradingState, userId: number, input: SetupInput): Promise<Record<string, unknown>> {
  const { spec } = st.instrument(input.symbol);
  const { setup } = toSetup(st, input, spec);
  const acc = await st.account(st.sql, userId, false);
  const state = st.riskState(acc, st.now());
  const d = decide(spec, setup, st.compiled(acc), state);
  return {
    approved: d.approved,
    verdicts: d.verdicts,
    failed: d.verdicts.filter((v) => !v.passed),
    sizing: sizingView(spec, d, setup, state.equity),
  };
}

/**
 * Submits a setup: decides, persists the decision, and when approved sends the bracket to the paper exchange.
 * With an Idempotency-Key, a repeat with the same body replays the stored result.
 * @throws ValidationError on unknown symbol or off-grid prices; ConflictError when the key was used with another
 *   body; UnprocessableError when a market entry has no price yet.
 */
export async function submit(
  st: TradingState,
  userId: number,
  input: SetupInput,
  idempotencyKey?: string,
): Promise<SubmitResult> {
  const hash = idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : '';
  if (idempotencyKey) {
    const prior = await st.sql.query(
      'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, idempotencyKey],
    );
    if (prior[0]) return replay(prior[0], hash);
  }
  const { spec } = st.instrument(input.symbol);
  if (!st.feed || !st.feed.symbols().includes(input.symbol))
    throw new UnprocessableError(
      'no-market-data',
      st.feed
        ? `the market data feed (${st.feed.name}) does not serve ${input.symbol}, so the bracket could never fill; it serves ${st.feed.symbols().join(', ')}`
        : 'the server has no market data feed, so a bracket could never fill (start it with --replay FILE or online)',
    );
  const { setup } = toSetup(st, input, spec);
  let activated: ActiveTrade | null = null;
  let marketFill: Record<string, unknown> | null = null;
  const result = await st.sql.tx(async (q) => {
    const acc = await st.account(q, userId, true);
    if (idempotencyKey) {
      // Re-check under the account lock: a concurrent request with the same key may have committed meanwhile.
      const prior = await q.query(
        'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, idempotencyKey],
      );
      if (prior[0]) return replay(prior[0], hash);
    }
    const now = st.now();
    const state = st.riskState(acc, now);
    const d = decide(spec, setup, st.compiled(acc), state);
    const sizing = sizingView(spec, d, setup, state.equity);
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
      kind: 'submit',
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
  if (activated) st.active.set((activated as ActiveTrade).id, activated);
  if (!('replayed' in result)) {
    const body = result.body;
    st.events.publish({ type: 'decision', userId, data: (body.decision as Record<string, unknown>) ?? {} });
    const trade = body.trade as Record<string, unknown> | undefined;
    if (trade) {
      for (const o of trade.orders as Record<string, unknown>[]) st.events.publish({ type: 'order', userId, data: o });
      if (trade.status === 'open') {
        if (marketFill) st.events.publish({ type: 'fill', userId, data: marketFill });
        st.events.publish({ type: 'position', userId, data: trade });
      }
    }
  }
  return result;
}

/**
 * The stored answer of an Idempotency-Key used before. @throws ConflictError `idempotency-key-reused` when that
 * request's body hash differs from `hash`.
 */
export function replay(prior: Row, hash: string): SubmitResult & { replayed: true } {
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
