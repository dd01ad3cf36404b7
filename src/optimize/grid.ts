/**
 * Parameter grids for the optimiser: axes (`fast=5:30:5`, `fast=5,10,20`, `fast=5`), their Cartesian product in
 * parameter order, constraints such as `fast<slow`, and the deterministic ranking of results by one statistic.
 *
 * Pure code: no I/O. Failures are {@link OptimizeError}s with stable kebab-case codes.
 */
import { STAT_KEYS, type BacktestStats, type Params, type RStats, type StatKey } from '../core/backtest/types.ts';

/** One parameter value. */
export type ParamValue = number | boolean | string;

/** The values one parameter takes in the grid, in the order given. */
export interface GridAxis {
  name: string;
  values: ParamValue[];
}

/** Stable codes of {@link OptimizeError}. */
export type OptimizeErrorCode =
  'bad-param-range' | 'bad-constraint' | 'unknown-stat' | 'empty-grid' | 'grid-too-large' | 'duplicate-param';

/** A grid, constraint or statistic was refused. `field` names the offending input (e.g. `params.fast`). */
export class OptimizeError extends Error {
  override readonly name = 'OptimizeError';
  constructor(
    readonly code: OptimizeErrorCode,
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Statistics that are not numbers (times and durations) and so cannot be maximised. */
const NON_NUMERIC: ReadonlySet<string> = new Set([
  'Start',
  'End',
  'Duration',
  'Max. Drawdown Duration',
  'Avg. Drawdown Duration',
  'Max. Trade Duration',
  'Avg. Trade Duration',
]);

/** The statistics that can be maximised (every numeric {@link STAT_KEYS} entry). */
export const RANKABLE_STATS: readonly StatKey[] = STAT_KEYS.filter((k) => !NON_NUMERIC.has(k));

/**
 * Resolves a statistic name: exact, else case-insensitive.
 * @throws OptimizeError `unknown-stat` (field `maximize`) for an unknown or non-numeric statistic.
 */
export function resolveStat(name: string): StatKey {
  const exact = RANKABLE_STATS.find((k) => k === name);
  if (exact) return exact;
  const lower = name.trim().toLowerCase();
  const loose = RANKABLE_STATS.find((k) => k.toLowerCase() === lower);
  if (loose) return loose;
  throw new OptimizeError(
    'unknown-stat',
    `cannot maximize "${name}": use one of ${RANKABLE_STATS.map((k) => `"${k}"`).join(', ')}`,
    'maximize',
  );
}

/** Decimal places of a number's shortest text form (for exact range steps). */
function places(n: number): number {
  const s = String(n);
  const e = /^-?\d+(?:\.(\d+))?e-(\d+)$/.exec(s); // 1.5e-7: 1 decimal of the mantissa + 7
  if (e) return (e[1]?.length ?? 0) + Number(e[2]);
  if (s.includes('e+')) return 0; // ≥ 1e21: whole
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Most decimal places of a range's start and step (a double has about 17 significant digits). */
const MAX_RANGE_DECIMALS = 20;

/**
 * The values `start, start+step, …` up to and including `stop` (when on the step), computed without accumulating
 * float error (each value is rounded to the decimals of start and step).
 * @throws OptimizeError `bad-param-range` when a bound is not finite, `step ≤ 0`, `stop < start`, start or step has
 *   more than 20 decimal places (e.g. `5e-324`), or `grid-too-large` when more than `max` values would result.
 */
export function rangeValues(start: number, stop: number, step: number, field = 'params', max = 1_000_000): number[] {
  if (![start, stop, step].every(Number.isFinite))
    throw new OptimizeError('bad-param-range', 'range bounds and step must be finite numbers', field);
  if (step <= 0) throw new OptimizeError('bad-param-range', `step ${step} must be greater than zero`, field);
  if (stop < start) throw new OptimizeError('bad-param-range', `stop ${stop} is below start ${start}`, field);
  const n = Math.floor((stop - start) / step + 1e-9) + 1;
  if (n > max) throw new OptimizeError('grid-too-large', `the range has ${n} values (at most ${max})`, field);
  const dp = Math.max(places(start), places(step));
  if (dp > MAX_RANGE_DECIMALS)
    throw new OptimizeError(
      'bad-param-range',
      `start and step may have at most ${MAX_RANGE_DECIMALS} decimal places (got ${dp})`,
      field,
    );
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(Number((start + k * step).toFixed(dp)));
  return out;
}

/** A CLI/JSON scalar: a number when numeric, a boolean for true/false, text otherwise. */
export function parseScalar(text: string): ParamValue {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/**
 * Parses one `--param` argument: `name=start:stop:step` (inclusive range), `name=a,b,c` (a list) or `name=v`.
 * @throws OptimizeError `bad-param-range` (field `params.<name>` or `params`) when malformed.
 */
export function parseAxis(arg: string): GridAxis {
  const eq = arg.indexOf('=');
  const name = eq > 0 ? arg.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))
    throw new OptimizeError(
      'bad-param-range',
      `--param ${arg}: expected name=start:stop:step, name=a,b,c or name=v`,
      'params',
    );
  const field = `params.${name}`;
  const body = arg.slice(eq + 1).trim();
  if (body === '') throw new OptimizeError('bad-param-range', `--param ${arg}: no value`, field);
  if (body.includes(':')) {
    const parts = body.split(':');
    if (parts.length !== 3 || parts.some((p) => p.trim() === '' || !Number.isFinite(Number(p))))
      throw new OptimizeError('bad-param-range', `--param ${arg}: a range is start:stop:step, three numbers`, field);
    const [a, b, c] = parts.map(Number) as [number, number, number];
    return { name, values: rangeValues(a, b, c, field) };
  }
  const values = body.split(',').map((v) => v.trim());
  if (values.some((v) => v === ''))
    throw new OptimizeError('bad-param-range', `--param ${arg}: empty list item`, field);
  return { name, values: values.map(parseScalar) };
}

/**
 * The Cartesian product of `axes` over `base` (fixed values for the other parameters), first axis varying slowest:
 * the order of the axes and of each axis's values is the grid's order (the ranking's tie-break).
 * @throws OptimizeError `duplicate-param` when a name repeats, `empty-grid` when an axis is empty, `grid-too-large`
 *   above `max` combinations.
 */
export function expandGrid(axes: readonly GridAxis[], base: Params = {}, max = 1_000_000): Params[] {
  const seen = new Set<string>();
  let total = 1;
  for (const a of axes) {
    if (seen.has(a.name))
      throw new OptimizeError('duplicate-param', `parameter ${a.name} is given twice`, `params.${a.name}`);
    seen.add(a.name);
    if (a.values.length === 0)
      throw new OptimizeError('empty-grid', `parameter ${a.name} has no values`, `params.${a.name}`);
    total *= a.values.length;
    if (total > max) throw new OptimizeError('grid-too-large', `the grid has more than ${max} combinations`, 'params');
  }
  let out: Params[] = [{ ...base }];
  for (const a of axes) {
    const next: Params[] = [];
    for (const p of out) for (const v of a.values) next.push({ ...p, [a.name]: v });
    out = next;
  }
  return out;
}

/** A parsed constraint: its text and a test on a parameter set. */
export interface Constraint {
  text: string;
  test(p: Params): boolean;
}

type Operand = { name: string } | { value: number };
const OPS = ['<=', '>=', '==', '!=', '<', '>', '='] as const;
type Op = (typeof OPS)[number];

/**
 * Parses a constraint: comparisons `a op b` (op one of `< <= > >= == = !=`; each side a parameter name or a number)
 * joined by `&&`, `and` or `,`, e.g. `fast<slow`. Arithmetic is not supported.
 * @param names the parameter names the constraint may use.
 * @throws OptimizeError `bad-constraint` (field `constraint`) when malformed or naming an unknown parameter.
 */
export function parseConstraint(text: string, names: readonly string[]): Constraint {
  const parts = text
    .split(/&&|,|\band\b/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new OptimizeError('bad-constraint', 'the constraint is empty', 'constraint');
  const operand = (s: string, part: string): Operand => {
    const t = s.trim();
    if (t !== '' && Number.isFinite(Number(t))) return { value: Number(t) };
    if (!names.includes(t))
      throw new OptimizeError(
        'bad-constraint',
        `constraint "${part}": "${t}" is not a parameter (${names.join(', ') || 'none'}) or a number`,
        'constraint',
      );
    return { name: t };
  };
  const checks = parts.map((part) => {
    const op = OPS.find((o) => part.includes(o));
    if (!op)
      throw new OptimizeError(
        'bad-constraint',
        `constraint "${part}": expected a comparison like fast<slow`,
        'constraint',
      );
    const i = part.indexOf(op);
    const l = operand(part.slice(0, i), part);
    const r = operand(part.slice(i + op.length), part);
    return { l, r, op };
  });
  const val = (o: Operand, p: Params): number => ('value' in o ? o.value : Number(p[o.name]));
  const cmp = (a: number, b: number, op: Op): boolean => {
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '!=':
        return a !== b;
      default:
        return a === b;
    }
  };
  return { text, test: (p) => checks.every((c) => cmp(val(c.l, p), val(c.r, p), c.op)) };
}

/** The outcome of one parameter set: its statistics, or the error that stopped it. */
export interface GridResult {
  /** Position in the grid (0-based), the ranking's tie-break. */
  index: number;
  params: Params;
  stats: BacktestStats | null;
  rStats: RStats | null;
  /** Why this set has no statistics (e.g. `bad-param` when the strategy refused it). */
  error: { code: string; message: string } | null;
}

/** The value of `stat` in a result as a finite number, or null (missing, NaN, error). */
export function statValue(r: GridResult, stat: StatKey): number | null {
  const v = r.stats?.[stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Ranks results by `stat`, highest first; results without a finite value (null, NaN, errors) last; ties (and the
 * unranked tail) in grid order. Returns a new array.
 */
export function rankResults(results: readonly GridResult[], stat: StatKey): GridResult[] {
  return [...results].sort((a, b) => {
    const x = statValue(a, stat);
    const y = statValue(b, stat);
    if (x === null && y === null) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    return y - x || a.index - b.index;
  });
}
