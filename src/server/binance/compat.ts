/**
 * The endpoints of Binance's other API families that CCXT's `binance` class calls by default, answered minimally so
 * an unchanged script works against the gateway:
 * - `loadMarkets` → `fetchMarkets` asks spot (`/api/v3/exchangeInfo`), USDⓈ-M futures (`/fapi/v1/exchangeInfo`) and
 *   COIN-M futures (`/dapi/v1/exchangeInfo`): the futures ones answer with no symbols (options `/eapi/v1/exchangeInfo`
 *   too, for scripts that enable them).
 * - with API keys set, `loadMarkets` → `fetchCurrencies` calls `/sapi/v1/capital/config/getall` (the account's
 *   assets, without networks: no deposits or withdrawals here) and, with `fetchMargins`, `/sapi/v1/margin/allPairs`
 *   and `/sapi/v1/margin/isolated/allPairs` (no margin pairs: empty lists).
 * - `fetchStatus` → `/sapi/v1/system/status`; `fetchTradingFees` → `/sapi/v1/asset/tradeFee` (zero fees);
 *   `fetchTime` of futures → `/fapi/v1/time`, `/dapi/v1/time`.
 */
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Router } from './plugin.ts';
import { accountBalances, accountMarkets } from './ops.ts';
import { clockRoutes } from './public.ts';

/** Registers the compatibility endpoints. */
export function compatRoutes(route: Router, ctx: AppContext): void {
  const EmptyInfo = z.object({
    timezone: z.string(),
    serverTime: z.number().int(),
    rateLimits: z.array(z.unknown()),
    exchangeFilters: z.array(z.unknown()),
    symbols: z.array(z.unknown()).optional(),
    optionSymbols: z.array(z.unknown()).optional(),
    assets: z.array(z.unknown()).optional(),
  });
  // futures list assets and symbols, options optionSymbols: all empty here
  const families: [string, Record<string, never[]>][] = [
    ['fapi', { assets: [], symbols: [] }],
    ['dapi', { assets: [], symbols: [] }],
    ['eapi', { optionSymbols: [] }],
  ];
  for (const [family, empty] of families)
    route({
      method: 'GET',
      url: `/${family}/v1/exchangeInfo`,
      weight: 1,
      security: 'NONE',
      response: EmptyInfo,
      handler: async ({ now }) => ({ timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], ...empty }),
    });
  for (const family of ['fapi', 'dapi']) clockRoutes(route, `/${family}/v1`);
  route({
    method: 'GET',
    url: '/sapi/v1/system/status',
    weight: 1,
    security: 'NONE',
    response: z.object({ status: z.number().int(), msg: z.string() }),
    handler: async () => ({ status: 0, msg: 'normal' }),
  });
  route({
    method: 'GET',
    url: '/sapi/v1/capital/config/getall',
    weight: 10,
    security: 'USER_DATA',
    response: z.array(z.record(z.string(), z.unknown())),
    handler: async ({ key }) =>
      (await accountBalances(ctx, key!)).map((b) => ({
        coin: b.asset,
        name: b.asset,
        depositAllEnable: false,
        withdrawAllEnable: false,
        free: b.free,
        locked: b.locked,
        freeze: '0',
        withdrawing: '0',
        ipoing: '0',
        ipoable: '0',
        storage: '0',
        isLegalMoney: false,
        trading: true,
        networkList: [],
      })),
  });
  for (const url of ['/sapi/v1/margin/allPairs', '/sapi/v1/margin/isolated/allPairs'])
    route({
      method: 'GET',
      url,
      weight: 1,
      security: 'USER_DATA',
      response: z.array(z.unknown()),
      handler: async () => [],
    });
  route({
    method: 'GET',
    url: '/sapi/v1/asset/tradeFee',
    weight: 1,
    security: 'USER_DATA',
    response: z.array(z.object({ symbol: z.string(), makerCommission: z.string(), takerCommission: z.string() })),
    handler: async ({ key, p }) => {
      const sym = p.opt('symbol');
      const markets = await accountMarkets(ctx, key!);
      return markets
        .filter((m) => sym === undefined || m.symbol === sym.toUpperCase())
        .map((m) => ({ symbol: m.symbol, makerCommission: '0', takerCommission: '0' }));
    },
  });
}
