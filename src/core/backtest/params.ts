/**
 * Strategy parameters: raw values (numbers, booleans, or text from a command line) checked against a strategy's
 * declared {@link ParamSpec}s.
 */
import { BacktestError, type ParamSpec, type Params, type StrategyDefinition } from './types.ts';

/** Decimal number text (no hex, binary or `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function bad(name: string, message: string): BacktestError {
  return new BacktestError('bad-param', `parameter ${name}: ${message}`, { param: name });
}

/** Converts one raw value to the spec's type. @throws BacktestError `bad-param` naming the parameter. */
export function coerceParam(name: string, spec: ParamSpec, raw: unknown): number | boolean | string {
  let v: number | boolean | string;
  switch (spec.type) {
    case 'int':
    case 'number': {
      const x = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(x)) throw bad(name, `${JSON.stringify(raw)} is not a number`);
      if (spec.type === 'int' && !Number.isInteger(x)) throw bad(name, `${JSON.stringify(raw)} is not a whole number`);
      v = x;
      if (spec.min !== undefined && x < spec.min) throw bad(name, `${x} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && x > spec.max) throw bad(name, `${x} is above the maximum ${spec.max}`);
      break;
    }
    case 'boolean':
      if (typeof raw === 'boolean') v = raw;
      else if (raw === 'true' || raw === '1') v = true;
      else if (raw === 'false' || raw === '0') v = false;
      else throw bad(name, `${JSON.stringify(raw)} is not true or false`);
      break;
    case 'string':
      if (typeof raw !== 'string') throw bad(name, `${JSON.stringify(raw)} is not text`);
      v = raw;
      break;
  }
  return v;
}

/**
 * Resolves raw parameters against a strategy's specs: defaults for missing ones, conversion of text values.
 * @throws BacktestError `unknown-param` for a name the strategy does not declare, `bad-param` for a wrong type or
 *   an out-of-range value; both name the parameter.
 */
export function resolveParams<P extends Params>(def: StrategyDefinition<P>, raw: Record<string, unknown>): P {
  const specs = def.params as Record<string, ParamSpec>;
  for (const k of Object.keys(raw)) {
    if (!Object.hasOwn(specs, k)) {
      const known = Object.keys(specs).join(', ') || 'none';
      throw new BacktestError(
        'unknown-param',
        `parameter ${k}: strategy ${def.name} has no such parameter (it has: ${known})`,
        { param: k },
      );
    }
  }
  const out: Params = {};
  for (const [k, spec] of Object.entries(specs)) {
    out[k] = Object.hasOwn(raw, k) && raw[k] !== undefined ? coerceParam(k, spec, raw[k]) : spec.default;
  }
  return out as P;
}
