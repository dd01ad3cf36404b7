/**
 * `testudo size`: offline position sizing from flags, through the same sizing code the server uses.
 */
import { InstrumentError, lotsToQty, priceToTicks, toSpec } from '../core/instruments/instrument.ts';
import {
  formatAtoms,
  fractionToPercent,
  percentToFraction,
  toAtoms,
  toScaled,
  FRACTION_DP,
} from '../core/money/decimal.ts';
import { usageError } from './errors.ts';
import { rewardRiskRatio, sizePosition, sizingCosts, type Sized, type SizingInput } from '../core/sizing/size.ts';

/** Flags of `testudo size` (decimal text as typed). */
export interface SizeFlags {
  equity: string;
  entry: string;
  stop: string;
  risk: string;
  target?: string;
  tick: string;
  lot: string;
  minQty: string;
  minNotional: string;
  makerFee: string;
  takerFee: string;
  limit?: boolean;
  leverage: string;
  available?: string;
  json?: boolean;
}

/**
 * Computes the sizing for the flags; returns the JSON document that `--json` prints.
 * @throws CliError `invalid-option` (exit code 2) for a bad flag.
 */
export function sizeFromFlags(f: SizeFlags): Record<string, unknown> {
  let spec;
  try {
    spec = toSpec({
      symbol: 'CLI',
      base: 'BASE',
      quote: 'QUOTE',
      tickSize: f.tick,
      lotSize: f.lot,
      minQty: f.minQty,
      minNotional: f.minNotional,
      makerFee: f.makerFee,
      takerFee: f.takerFee,
    });
  } catch (e) {
    throw usageError(e instanceof InstrumentError ? e.message : `bad instrument flags: ${String(e)}`);
  }
  const price = (name: string, v: string): bigint => {
    const g = priceToTicks(spec, v);
    if (!g.ok)
      throw usageError(
        `--${name} ${v}: ${g.reason === 'off-grid' ? `not a multiple of the tick ${f.tick}` : 'must be a positive decimal'}`,
      );
    return g.value;
  };
  const num = (name: string, v: string, conv: (s: string) => bigint): bigint => {
    try {
      const x = conv(v);
      if (x <= 0n) throw new Error();
      return x;
    } catch {
      throw usageError(`--${name} ${v}: must be a positive decimal`);
    }
  };
  const entry = price('entry', f.entry);
  const stop = price('stop', f.stop);
  if (entry === stop) throw usageError('--stop must differ from --entry');
  if (f.target !== undefined) {
    const t = price('target', f.target);
    if (stop < entry ? t <= entry : t >= entry)
      throw usageError(`--target must be on the profitable side of --entry (${stop < entry ? 'above' : 'below'} it)`);
  }
  const pct = Number(f.risk);
  if (!(pct > 0 && pct <= 100)) throw usageError('--risk is a percent of equity: greater than 0, at most 100');
  for (const [name, v] of [
    ['maker-fee', f.makerFee],
    ['taker-fee', f.takerFee],
  ] as const)
    if (!(Number(v) >= 0 && Number(v) < 1))
      throw usageError(`--${name} is a fraction of notional: at least 0, below 1`);
  const equity = num('equity', f.equity, toAtoms);
  const sizingInput = {
    spec,
    side: stop < entry ? 'buy' : 'sell',
    entryTicks: entry,
    stopTicks: stop,
    entryIsMarket: !f.limit,
    equity,
    available: f.available ? num('available', f.available, toAtoms) : equity,
    riskFraction: num('risk', f.risk, percentToFraction),
    maxLeverage: num('leverage', f.leverage, (v) => toScaled(v, FRACTION_DP)),
  } as const;
  const s = sizePosition(sizingInput);
  const side = stop < entry ? 'buy' : 'sell';
  const rr = f.target ? rewardRiskRatio(entry, stop, price('target', f.target)) : null;
  if (!s.ok)
    return {
      ok: false,
      code: s.code,
      side,
      qty: lotsToQty(spec, s.lots),
      budget: formatAtoms(s.budget),
      cappedBy: s.cappedBy,
    };
  return {
    ...costs(sizingInput, s),
    ok: true,
    side,
    qty: lotsToQty(spec, s.lots),
    notional: formatAtoms(s.notional),
    risk: formatAtoms(s.risk),
    budget: formatAtoms(s.budget),
    cappedBy: s.cappedBy,
    rewardRisk: rr,
  };
}

function costs(input: SizingInput, s: Sized): Record<string, string> {
  const c = sizingCosts(input, s);
  return {
    riskPct: fractionToPercent(c.riskFraction),
    entryFee: formatAtoms(c.entryFee),
    stopFee: formatAtoms(c.stopFee),
    margin: formatAtoms(c.margin),
  };
}

/** Action of `testudo size`. */
export function runSize(f: SizeFlags): void {
  const r = sizeFromFlags(f); // a bad flag throws a usage error (exit code 2)
  if (f.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    if (!r.ok) process.exitCode = 1;
    return;
  }
  if (!r.ok) {
    process.stdout.write(
      `no trade: ${String(r.code)} (risk budget ${String(r.budget)}, capped by ${String(r.cappedBy)})\n`,
    );
    process.exitCode = 1;
    return;
  }
  const lines = [
    `${r.side === 'buy' ? 'long' : 'short'} ${String(r.qty)} units  (notional ${String(r.notional)})`,
    `risk taken ${String(r.risk)} = ${String(r.riskPct)}% of equity  (budget ${String(r.budget)}, capped by ${String(r.cappedBy)})`,
  ];
  if (r.entryFee !== '0' || r.stopFee !== '0')
    lines.push(`fees: entry ${String(r.entryFee)}, at stop ${String(r.stopFee)}`);
  if (r.rewardRisk !== null) lines.push(`reward:risk ${(r.rewardRisk as number).toFixed(2)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
