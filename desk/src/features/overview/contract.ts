import type { Reply } from './http';
import type * as A from './api';
import type * as T from '../trades/api';
import type * as J from '../journal/api';

/**
 * The Overview, Trades and Journal pages fetch through `getJson<T>` with narrow types of their own (`api.ts` of each
 * feature). These compile-time checks tie them to the server's contract: every reply type generated from the
 * response schemas (`npm run gen:api`) must be assignable to the narrow type the page reads, so a changed or
 * removed field fails `tsc -p desk` here instead of at run time. Nothing is emitted.
 */

/** Compile-time checks: the Desk's narrow types accept what the generated response types say the server sends. */
type Assignable<From, To> = [From] extends [never] ? false : [From] extends [To] ? true : false;
type Check<X extends true> = X;
export type Checks = [
  Check<Assignable<Reply<'/api/v1/journal/stats'>, A.JournalStats>>,
  Check<Assignable<Reply<'/api/v1/equity'>, A.EquityReply>>,
  Check<Assignable<Reply<'/api/v1/journal/breakdown'>, A.BreakdownReply>>,
  Check<Assignable<Reply<'/api/v1/journal/r-distribution'>, A.RDistributionReply>>,
  Check<Assignable<Reply<'/api/v1/journal/excursions'>, A.ExcursionsReply>>,
  Check<Assignable<Reply<'/api/v1/journal/daily'>, A.DailyReply>>,
  Check<Assignable<Reply<'/api/v1/trades'>, { trades: T.TradeRow[] }>>,
  Check<Assignable<Reply<'/api/v1/trades/{id}'>, T.TradeDetail>>,
  Check<Assignable<Reply<'/api/v1/trades/{id}', 'patch'>, T.TradeDetail>>,
  Check<Assignable<Reply<'/api/v1/candles'>, { bars: T.Bar[] }>>,
  Check<Assignable<Reply<'/api/v1/journal/entries'>, { entries: J.Entry[]; nextCursor: string | null }>>,
  Check<Assignable<Reply<'/api/v1/journal/entries', 'post', 201>, J.Entry>>,
  Check<Assignable<Reply<'/api/v1/journal/entries/{id}', 'patch'>, J.Entry>>,
  Check<Assignable<Reply<'/api/v1/journal/entries'>, { entries: T.LinkedEntry[] }>>,
  Check<Assignable<Reply<'/api/v1/instruments'>, { symbol: string }[]>>,
  Check<Assignable<Reply<'/api/v1/market/symbols'>, { symbols: { symbol: string; timeframes: string[] }[] }>>,
];
