/**
 * Pure logic of the start form's strategy parameters: the built-in strategies' declared parameters (name, type,
 * default, bounds, description) become form values (text, as typed); on submit each is checked and converted as
 * the server's `coerceParam` does (a number, a whole number, within the bounds, true/false), so mistakes show
 * beside their field before anything is sent. The server checks again; its field errors (`params.<name>`) are
 * shown the same way.
 */
import type { BuiltinStrategies } from './types';

/** The type of a parameter, as strategies declare it. */
export type ParamType = 'int' | 'number' | 'boolean' | 'string';

/** One declared parameter of a strategy. */
export interface ParamField {
  name: string;
  type: ParamType;
  default: number | boolean | string;
  min?: number | undefined;
  max?: number | undefined;
  description: string;
}

/** A strategy that can run on the server, with its parameters. */
export interface StrategyChoice {
  name: string;
  description: string;
  params: ParamField[];
}

/**
 * The start form's choices from `GET /api/v1/builtin-strategies`: each strategy with its parameters as a list, in
 * the order the server declares them.
 */
export function strategyChoices(list: BuiltinStrategies): StrategyChoice[] {
  return list.map((s) => ({
    name: s.name,
    description: s.description,
    params: Object.entries(s.params).map(([name, p]) => ({ name, ...p })),
  }));
}

/** Form values of the parameters by name: text for numbers and strings, `"true"`/`"false"` for booleans. */
export type ParamValues = Record<string, string>;

/** The form values of `fields` at their defaults. */
export function defaultValues(fields: readonly ParamField[]): ParamValues {
  const out: ParamValues = {};
  for (const f of fields) out[f.name] = String(f.default);
  return out;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Result of {@link readParams}: the values to send, or the message of each wrong field. */
export type ReadParams =
  { ok: true; params: Record<string, number | boolean | string> } | { ok: false; errors: Record<string, string> };

/**
 * Checks and converts form `values` against `fields`: numbers must be decimal numbers (whole for `int`) within
 * `min`..`max` inclusive; booleans `true`/`false`. Every parameter is sent, so the run records each value.
 */
export function readParams(fields: readonly ParamField[], values: ParamValues): ReadParams {
  const params: Record<string, number | boolean | string> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = (values[f.name] ?? String(f.default)).trim();
    let v: number | boolean | string;
    if (f.type === 'int' || f.type === 'number') {
      if (!DECIMAL.test(raw)) {
        errors[f.name] = raw === '' ? 'Enter a number.' : `${raw} is not a number.`;
        continue;
      }
      const x = Number(raw);
      if (f.type === 'int' && !Number.isInteger(x)) {
        errors[f.name] = 'Enter a whole number.';
        continue;
      }
      if (f.min !== undefined && x < f.min) {
        errors[f.name] = `At least ${f.min}.`;
        continue;
      }
      if (f.max !== undefined && x > f.max) {
        errors[f.name] = `At most ${f.max}.`;
        continue;
      }
      v = x;
    } else if (f.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') {
        errors[f.name] = 'Choose yes or no.';
        continue;
      }
      v = raw === 'true';
    } else v = raw;
    params[f.name] = v;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, params };
}

/** A field error of the API (`{ field, code, message }`). */
export interface ApiFieldError {
  field: string;
  message: string;
}

/**
 * The form field an error code without field errors is about: the feed does not serve the symbol
 * (`symbol-not-fed`, `no-market-data`) or the timeframe (`timeframe-not-fed`: a server-hosted run uses the feed's
 * timeframe); null for any other code.
 */
export function fieldOfCode(code: string): 'symbol' | 'timeframe' | null {
  if (code === 'timeframe-not-fed') return 'timeframe';
  if (code === 'symbol-not-fed' || code === 'no-market-data') return 'symbol';
  return null;
}

/**
 * The server's field errors by form field: `strategy`, `symbol`, `timeframe`, `connectionId`, `host` as they are,
 * `params.<name>` by parameter (key `params.<name>`); the first message of each field wins. Anything else goes
 * under `''` (shown as a general error).
 */
export function formErrors(fields: readonly ApiFieldError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const path = f.field.replace(/^body\./, '');
    const key =
      /^(strategy|symbol|timeframe|connectionId|host)$/.test(path) || /^params\.[^.]+$/.test(path) ? path : '';
    if (!(key in out)) out[key] = f.message;
  }
  return out;
}
