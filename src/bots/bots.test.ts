/**
 * The reference bots against a real listening test server (./test-world.ts): CCXT's `binance` class over HTTP to the
 * gateway under `/binance`, with API keys made by the account owners.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBot } from '../cli/bot.ts';
import { createExchange, findMarket } from './common.ts';
import { startBotWorld, type BotWorld } from './test-world.ts';

describe('reference bots on a test server', () => {
  let w: BotWorld;
  let url: string;
  let key: Record<string, string>;
  const call: BotWorld['call'] = (...args) => w.call(...args);

  beforeAll(async () => {
    w = await startBotWorld(['TUDOUSD', 'TRNDUSD', 'DOWNUSD'], ['maker', 'noise', 'trend', 'flat', 'seller', 'buyer']);
    ({ url, key } = w);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('market maker and noise trader trade with each other; the maker skews its quotes and leaves no order behind', async () => {
    const lines: Record<string, string[]> = { 'market-maker': [], noise: [] };
    const started = Date.now();
    const [mm, noise] = await Promise.all([
      runBot(
        'market-maker',
        {
          market: 'TUDOUSD',
          accountKey: key.maker,
          url,
          for: '5s',
          fair: '100',
          spread: '0.02',
          levels: '3',
          size: '2',
          maxPosition: '10',
          period: '250ms',
        },
        (l) => lines['market-maker']!.push(l),
      ),
      // the noise trader starts once the maker has quoted
      new Promise((r) => setTimeout(r, 800)).then(() =>
        runBot(
          'noise',
          {
            market: 'TUDO/USD',
            accountKey: key.noise,
            url,
            for: '4s',
            minSize: '1',
            maxSize: '3',
            interval: '100ms',
            seed: '7',
          },
          (l) => lines.noise!.push(l),
        ),
      ),
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(12_000); // both stopped by themselves at --for (plus a last round trip)
    expect(mm.orders).toBeGreaterThanOrEqual(6); // at least the first ladder of 3 bids and 3 asks
    expect(noise.orders).toBeGreaterThanOrEqual(2); // ~10/s asked for; a loaded machine manages far fewer

    // trades happened between the two accounts, as both sides see them through CCXT
    const [kk, ks] = key.noise!.split(':') as [string, string];
    const noiseClient = createExchange(url, { apiKey: kk, secret: ks });
    const m = await findMarket(noiseClient, 'TUDOUSD');
    const trades = await noiseClient.fetchMyTrades(m.symbol);
    expect(trades.length).toBeGreaterThanOrEqual(2);
    const [mk, ms] = key.maker!.split(':') as [string, string];
    const makerClient = createExchange(url, { apiKey: mk, secret: ms });
    await makerClient.loadMarkets();
    const makerTrades = await makerClient.fetchMyTrades(m.symbol);
    expect(makerTrades.length).toBe(trades.length);
    expect(makerTrades.every((t) => t.takerOrMaker === 'maker')).toBe(true);
    // every fill of the maker was at one of its quote prices around 100 (spread 2 %, 3 levels of 1 % steps, skew)
    for (const t of makerTrades) expect(Math.abs((t.price ?? 0) - 100)).toBeLessThan(10);

    // on stop the maker cancelled every quote
    expect(await makerClient.fetchOpenOrders(m.symbol)).toEqual([]);
    expect(lines['market-maker']!.at(-1)).toMatch(/market-maker stopped: cancelled \d+ open quotes/);

    // one line per action, none with a secret
    expect(
      lines['market-maker']!.some((l) => /quote fair [\d.]+ \(.+\) position [+-]?\d+: bids .* \| asks /.test(l)),
    ).toBe(true);
    expect(lines.noise!.some((l) => /noise (buy|sell) \d+ TUDO (market|IOC limit [\d.]+): filled/.test(l))).toBe(true);
    const secrets = [ms, ks];
    for (const l of [...lines['market-maker']!, ...lines.noise!]) for (const s of secrets) expect(l).not.toContain(s);
  });

  it('momentum trader buys into an up-trend and sells into a down-trend of 1-second candles, up to its limit', async () => {
    // an up-trend on TRND and a down-trend on DOWN: one trade a second, 1 higher (lower) each time, between two
    // other accounts
    const trade = async (symbol: string, price: string) => {
      const marketId = w.market[symbol];
      await call('seller', 'POST', '/api/v1/exchange/orders', { marketId, side: 'sell', size: '1', price });
      await call('buyer', 'POST', '/api/v1/exchange/orders', { marketId, side: 'buy', size: '1', price });
    };
    for (let i = 0; i < 6; i++) {
      await Promise.all([trade('TRNDUSD', (100 + i).toFixed(2)), trade('DOWNUSD', (100 - i).toFixed(2))]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // liquidity for the bots to take
    await call('seller', 'POST', '/api/v1/exchange/orders', {
      marketId: w.market.TRNDUSD,
      side: 'sell',
      size: '10',
      price: '106',
    });
    await call('buyer', 'POST', '/api/v1/exchange/orders', {
      marketId: w.market.DOWNUSD,
      side: 'buy',
      size: '10',
      price: '94',
    });
    // slow 8: the trend shows once two flat seconds have been added to the 6 trend bars, and lasts 6 more seconds
    const flags = { url, for: '4s', timeframe: '1s', fast: '2', slow: '8', size: '3', period: '200ms' };
    const lines: string[][] = [[], [], []];
    const [up, down, longOnly] = await Promise.all([
      runBot('momentum', { ...flags, market: 'TRNDUSD', accountKey: key.trend }, (l) => lines[0]!.push(l)),
      runBot('momentum', { ...flags, market: 'DOWNUSD', accountKey: key.trend }, (l) => lines[1]!.push(l)),
      runBot('momentum', { ...flags, market: 'DOWNUSD', accountKey: key.flat, longOnly: true }, (l) =>
        lines[2]!.push(l),
      ),
    ]);
    // one order each to the limit, none after; long-only stays flat in a down-trend
    expect([up.orders, down.orders, longOnly.orders]).toEqual([1, 1, 0]);
    expect(lines[0]!.some((l) => /momentum up-trend \(fast [\d.]+ > slow [\d.]+\): buy 3 TRND at market/.test(l))).toBe(
      true,
    );
    expect(
      lines[1]!.some((l) => /momentum down-trend \(fast [\d.]+ < slow [\d.]+\): sell 3 DOWN at market/.test(l)),
    ).toBe(true);
    expect(lines[2]!.some((l) => /down-trend .*: position 0 is where it should be/.test(l))).toBe(true);
    const [k, s] = key.trend!.split(':') as [string, string];
    const balance = await createExchange(url, { apiKey: k, secret: s }).fetchBalance();
    expect(balance.TRND?.total).toBe(203); // 200 deposited + 3 bought
    expect(balance.DOWN?.total).toBe(197); // 200 deposited − 3 sold
  });

  it("reads a bounded market's price range from exchangeInfo, so the bots quote within it", async () => {
    await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: 'Will it rain',
      symbol: 'RAINUSD',
      baseAsset: 'RAIN',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      minPrice: '0',
      maxPrice: '1',
    });
    const [k, s] = key.maker!.split(':') as [string, string];
    const rain = await findMarket(createExchange(url, { apiKey: k, secret: s }), 'RAINUSD');
    expect(rain).toMatchObject({ symbol: 'RAIN/USD', tick: '0.01', lot: '1', minTicks: 1, maxTicks: 100 });
    const tudo = await findMarket(createExchange(url, { apiKey: k, secret: s }), 'TUDO/USD');
    expect(tudo).toMatchObject({ id: 'TUDOUSD', minTicks: 1, maxTicks: Infinity });
  });
});
