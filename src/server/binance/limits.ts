/**
 * Binance's rate limits (developers.binance.com/docs/binance-spot-api-docs/rest-api/limits), simulated:
 * - REQUEST_WEIGHT per IP per minute (fixed windows on the minute, like Binance's): every request, good or bad, adds
 *   its endpoint's weight before anything else happens; the weight used is returned in `X-MBX-USED-WEIGHT-1M`.
 *   Over the limit: 429 with -1003 and `Retry-After` (seconds to the next window).
 * - A client that keeps sending while limited is banned: after {@link Limits.violationsBeforeBan} refused requests
 *   in one window, the IP gets 418 for 2 minutes, doubling with each further ban up to 3 days (Binance: "IP bans are
 *   tracked and scale in duration for repeat offenders, from 2 minutes to 3 days").
 * - ORDERS per account: new orders per 10 s and per day (`X-MBX-ORDER-COUNT-10S`, `-1D`); over: 429 with -1015.
 * Limits are configurable (and can be switched off for the benchmark: `weightPerMinute: 0`), the clock injectable.
 */
import { BinanceError } from './errors.ts';

/** The limits in force. 0 switches a limit off. */
export interface Limits {
  weightPerMinute: number;
  ordersPer10s: number;
  ordersPerDay: number;
  /** Requests refused with 429 within one window before the IP is banned (418). */
  violationsBeforeBan: number;
}

/** Binance's spot defaults (weight 6000/min, 100 orders/10 s, 200,000 orders/day). */
export const DEFAULT_LIMITS: Limits = {
  weightPerMinute: 6000,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
  violationsBeforeBan: 10,
};

const BAN_MIN_MS = 120_000;
const BAN_MAX_MS = 3 * 24 * 3600_000;

interface IpState {
  window: number;
  weight: number;
  violations: number;
  bannedUntil: number;
  bans: number;
}

interface OrderState {
  w10: number;
  n10: number;
  day: number;
  nDay: number;
}

/**
 * The limits from the environment: `TESTUDO_BINANCE_WEIGHT_LIMIT`, `TESTUDO_BINANCE_ORDER_LIMIT_10S`,
 * `TESTUDO_BINANCE_ORDER_LIMIT_1D` (0 = off; the benchmark switches them off).
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const n = (v: string | undefined, d: number): number => (v !== undefined && /^\d+$/.test(v) ? Number(v) : d);
  return {
    ...DEFAULT_LIMITS,
    weightPerMinute: n(env.TESTUDO_BINANCE_WEIGHT_LIMIT, DEFAULT_LIMITS.weightPerMinute),
    ordersPer10s: n(env.TESTUDO_BINANCE_ORDER_LIMIT_10S, DEFAULT_LIMITS.ordersPer10s),
    ordersPerDay: n(env.TESTUDO_BINANCE_ORDER_LIMIT_1D, DEFAULT_LIMITS.ordersPerDay),
  };
}

/** Weight and order counters keyed by IP and by account. */
export class GatewayLimiter {
  private readonly ips = new Map<string, IpState>();
  private readonly accounts = new Map<number, OrderState>();

  constructor(
    public limits: Limits = DEFAULT_LIMITS,
    public now: () => number = () => Date.now(),
  ) {}

  /**
   * Adds `weight` for `ip`. Returns the weight used in the current minute (for the header).
   * @throws BinanceError 418 while banned, 429 -1003 over the limit (the refused request still counts).
   */
  take(ip: string, weight: number): number {
    const t = this.now();
    const window = Math.floor(t / 60_000);
    let s = this.ips.get(ip);
    if (!s) {
      s = { window, weight: 0, violations: 0, bannedUntil: 0, bans: 0 };
      this.ips.set(ip, s);
    }
    if (s.window !== window) {
      s.window = window;
      s.weight = 0;
      s.violations = 0;
    }
    s.weight += weight;
    const used = s.weight;
    if (s.bannedUntil > t) {
      const retry = String(Math.ceil((s.bannedUntil - t) / 1000));
      throw new BinanceError(
        418,
        -1003,
        `Way too much request weight used; IP banned until ${s.bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
        { 'retry-after': retry, 'x-mbx-used-weight-1m': String(used) },
      );
    }
    const limit = this.limits.weightPerMinute;
    if (limit > 0 && used > limit) {
      s.violations++;
      if (s.violations > this.limits.violationsBeforeBan) {
        const ms = Math.min(BAN_MAX_MS, BAN_MIN_MS * 2 ** s.bans);
        s.bans++;
        s.bannedUntil = t + ms;
        throw new BinanceError(
          418,
          -1003,
          `Way too much request weight used; IP banned until ${s.bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
          { 'retry-after': String(Math.ceil(ms / 1000)), 'x-mbx-used-weight-1m': String(used) },
        );
      }
      const retry = String(Math.max(1, Math.ceil(((window + 1) * 60_000 - t) / 1000)));
      throw new BinanceError(
        429,
        -1003,
        `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
        { 'retry-after': retry, 'x-mbx-used-weight-1m': String(used) },
      );
    }
    return used;
  }

  /** The weight `ip` has used in the current minute. */
  used(ip: string): number {
    const s = this.ips.get(ip);
    return s && s.window === Math.floor(this.now() / 60_000) ? s.weight : 0;
  }

  /** The account's new orders in the current 10-second window and day (without counting one). */
  orderCounts(accountId: number): { n10: number; nDay: number } {
    const t = this.now();
    const s = this.accounts.get(accountId);
    if (!s) return { n10: 0, nDay: 0 };
    return {
      n10: s.w10 === Math.floor(t / 10_000) ? s.n10 : 0,
      nDay: s.day === Math.floor(t / 86_400_000) ? s.nDay : 0,
    };
  }

  /**
   * Counts one new order of `accountId`. Returns the counts for the `X-MBX-ORDER-COUNT-*` headers.
   * @throws BinanceError 429 -1015 over either order limit.
   */
  order(accountId: number): { n10: number; nDay: number } {
    const t = this.now();
    const w10 = Math.floor(t / 10_000);
    const day = Math.floor(t / 86_400_000);
    let s = this.accounts.get(accountId);
    if (!s) {
      s = { w10, n10: 0, day, nDay: 0 };
      this.accounts.set(accountId, s);
    }
    if (s.w10 !== w10) [s.w10, s.n10] = [w10, 0];
    if (s.day !== day) [s.day, s.nDay] = [day, 0];
    s.n10++;
    s.nDay++;
    const { ordersPer10s: l10, ordersPerDay: lDay } = this.limits;
    if (l10 > 0 && s.n10 > l10)
      throw new BinanceError(429, -1015, `Too many new orders; current limit is ${l10} orders per 10 SECOND.`, {
        'retry-after': String(Math.max(1, Math.ceil(((w10 + 1) * 10_000 - t) / 1000))),
      });
    if (lDay > 0 && s.nDay > lDay)
      throw new BinanceError(429, -1015, `Too many new orders; current limit is ${lDay} orders per 1 DAY.`, {
        'retry-after': String(Math.max(1, Math.ceil(((day + 1) * 86_400_000 - t) / 1000))),
      });
    return { n10: s.n10, nDay: s.nDay };
  }
}
