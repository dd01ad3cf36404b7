/**
 * Checks parameter values against a strategy's {@link ParamSpec}s at the boundary, before a job is queued, giving
 * field-level issues with stable codes (the same shape as the API's validation errors).
 */
import type { ParamSpec, StrategyDefinition } from '../core/backtest/types.ts';
import type { ParamValue } from './grid.ts';

/** One invalid parameter: field path (e.g. `params.fast`), stable code and message. */
export interface ParamIssue {
  field: string;
  code: 'unknown-param' | 'invalid-type' | 'not-an-integer' | 'too-small' | 'too-big';
  message: string;
}

/** A value as it appears in messages: text quoted (`"abc"`), numbers and booleans as is. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * The issue with one value against its spec, or null when it fits. Messages name the value, not the parameter
 * (the field does): `"abc" is not a whole number`, `"maybe" is not a boolean`, `0 is below the minimum 1`.
 */
export function checkValue(spec: ParamSpec, v: unknown, field: string): ParamIssue | null {
  const want = spec.type === 'int' || spec.type === 'number' ? 'number' : spec.type;
  if (typeof v !== want || (typeof v === 'number' && !Number.isFinite(v)))
    return {
      field,
      code: 'invalid-type',
      message: `${shown(v)} is not ${spec.type === 'int' ? 'a whole number' : `a ${want}`}`,
    };
  if (typeof v !== 'number') return null;
  if (spec.type === 'int' && !Number.isInteger(v))
    return { field, code: 'not-an-integer', message: `${v} is not a whole number` };
  if (spec.min !== undefined && v < spec.min)
    return { field, code: 'too-small', message: `${v} is below the minimum ${spec.min}` };
  if (spec.max !== undefined && v > spec.max)
    return { field, code: 'too-big', message: `${v} is above the maximum ${spec.max}` };
  return null;
}

/**
 * The name of the parameter a field path names: `params.fast` and `params.fast.2` (an axis value) → `fast`; null
 * for another field.
 */
export function paramOfField(field: string): string | null {
  const m = /^(?:params|grid)\.([^.]+)/.exec(field);
  return m ? m[1]! : null;
}

/**
 * Checks each parameter (a single value, or the list of values of a grid axis) against `strategy.params`.
 * @param prefix field prefix, e.g. `params` → `params.fast`, `params.fast.2` for the third value of an axis.
 * @returns every issue (empty when all fit); unknown names are `unknown-param`.
 */
export function checkParams(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  strategy: StrategyDefinition<any>,
  params: Record<string, ParamValue | readonly ParamValue[]>,
  prefix = 'params',
): ParamIssue[] {
  const specs = strategy.params as Record<string, ParamSpec>;
  const out: ParamIssue[] = [];
  for (const [name, v] of Object.entries(params)) {
    const field = `${prefix}.${name}`;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) {
      out.push({
        field,
        code: 'unknown-param',
        message: `${strategy.name} has no parameter "${name}" (it has ${Object.keys(specs).join(', ') || 'none'})`,
      });
      continue;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        const issue = checkValue(spec, x, `${field}.${i}`);
        if (issue) out.push(issue);
      });
    } else {
      const issue = checkValue(spec, v, field);
      if (issue) out.push(issue);
    }
  }
  return out;
}
