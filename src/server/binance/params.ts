/**
 * Reading Binance request parameters (query string and form body merged, all text) with Binance's error codes:
 * -1102 mandatory parameter missing, -1100 illegal characters, -1101 duplicate values, -1105 empty, -1111 too much
 * precision, and the enum-specific codes (-1115 timeInForce, -1116 orderType, -1117 side, -1120 interval).
 */
import { decimalPlaces, MONEY_DP } from '../../core/money/decimal.ts';
import { BinanceError, illegal, missing } from './errors.ts';

/** Enum parameters with their own error code and message. */
const ENUM_ERRORS: Record<string, [number, string]> = {
  timeInForce: [-1115, 'Invalid timeInForce.'],
  type: [-1116, 'Invalid orderType.'],
  side: [-1117, 'Invalid side.'],
  interval: [-1120, 'Invalid interval.'],
};

/** The range of `startTime`/`endTime` (ms): what a JavaScript Date can hold (±8.64e15), from the epoch on. */
export const TIME_RANGE = { min: 0, max: 8_640_000_000_000_000 } as const;

/** The parameters of one request. */
export class Params {
  constructor(private readonly raw: Record<string, unknown>) {}

  /** The raw text of `name`, or undefined. @throws -1101 for repeated values. */
  private text(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) throw new BinanceError(400, -1101, `Duplicate values for parameter '${name}'.`);
    return String(v);
  }

  /** True when `name` was sent (even empty). */
  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  /** An optional text parameter; empty counts as absent. */
  opt(name: string, re?: RegExp): string | undefined {
    const v = this.text(name);
    if (v === undefined || v === '') return undefined;
    if (re && !re.test(v)) throw illegal(name, re.source);
    return v;
  }

  /** A required text parameter. @throws -1102 when absent or empty, -1100 when it does not match `re`. */
  req(name: string, re?: RegExp): string {
    const v = this.opt(name, re);
    if (v === undefined) throw missing(name);
    return v;
  }

  /** The `symbol` parameter (required). */
  symbol(): string {
    return this.req('symbol', /^[A-Za-z0-9_.-]{1,20}$/).toUpperCase();
  }

  /** An optional integer within [min, max]; `def` when absent. @throws -1100 for non-integers or out of range. */
  int(name: string, o: { min?: number; max?: number } = {}): number | undefined {
    const v = this.opt(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,16}$/.test(v)) throw illegal(name, '^\\d+$');
    const n = Number(v);
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max))
      throw new BinanceError(
        400,
        -1100,
        `Illegal characters found in parameter '${name}'; legal range is '${o.min ?? ''}..${o.max ?? ''}'.`,
      );
    return n;
  }

  /**
   * An optional positive decimal text, e.g. a price or quantity.
   * @throws -1100 when malformed; -1111 with more significant decimals than the exchange keeps ({@link MONEY_DP}).
   */
  decimal(name: string): string | undefined {
    const v = this.opt(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,20}(\.\d{1,20})?$/.test(v)) throw illegal(name, '^([0-9]{1,20})(\\.[0-9]{1,20})?$');
    if (decimalPlaces(v) > MONEY_DP) throw new BinanceError(400, -1111, `Parameter '${name}' has too much precision.`);
    return v;
  }

  /** An optional enum value. @throws the enum's own code, or -1100. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.opt(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      const e = ENUM_ERRORS[name];
      if (e) throw new BinanceError(400, e[0], e[1]);
      throw illegal(name, values.join('|'));
    }
    return v as T;
  }

  /** A required enum value. */
  reqOneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = this.oneOf(name, values);
    if (v === undefined) throw missing(name);
    return v;
  }

  /** The `side` parameter (required, `BUY` or `SELL`) as the exchange's `buy` / `sell`. */
  side(): 'buy' | 'sell' {
    return this.reqOneOf('side', ['BUY', 'SELL'] as const).toLowerCase() as 'buy' | 'sell';
  }

  /** An optional boolean (`true`/`false`). */
  bool(name: string): boolean | undefined {
    const v = this.oneOf(name, ['true', 'false', 'TRUE', 'FALSE']);
    return v === undefined ? undefined : v.toLowerCase() === 'true';
  }
}
