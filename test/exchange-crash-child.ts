/**
 * Child process of `exchange-crash.test.ts`. Opens the exchange on a durable database (a PGlite data directory from
 * `CRASH_DATA_DIR`, or the PostgreSQL URL in `CRASH_PG_URL`), sets up users, accounts and two bounded markets, then
 * streams seeded random commands until it is killed: limit (GTC, IOC, FOK, post-only), market and stop orders from
 * several accounts, crossing and resting, cancels and amends.
 *
 * One JSON line on stdout per event, written synchronously:
 * - `{ t: 'setup', ... }` once, after the setup committed;
 * - `{ t: 'cmd', i, cmd }` before command `i` is issued (prices in ticks, sizes in lots);
 * - `{ t: 'ack', i, id, hash }` once it was acknowledged (its transaction committed): the order id for a new order,
 *   and the SHA-256 of `ctx.exchange.snapshot()` after it;
 * - `{ t: 'rej', i, code }` when it was refused.
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { createContext } from '../src/app/context.ts';
import { openDatabase } from '../src/db/sql.ts';
import type { NewOrder, Side } from '../src/core/orderbook/types.ts';

/** A command in engine units, as the parent replays it. */
export type CrashCommand =
  | ({ op: 'place'; user: number; market: number } & Omit<NewOrder, 'id' | 'bandTicks'>)
  | { op: 'cancel'; user: number; market: number; id: number }
  | { op: 'amend'; user: number; market: number; id: number; size?: number; price?: number };

/** What the child set up. */
export interface CrashSetup {
  t: 'setup';
  /** Accounts with their owner and the cash minted into them (decimal text). */
  accounts: { id: number; user: number; minted: string }[];
  /** Markets with their bounds in ticks (tick 0.01, lot 1). */
  markets: { id: number; min: number; max: number }[];
}

const line = (o: unknown): void => {
  writeSync(1, `${JSON.stringify(o)}\n`);
};

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const url = process.env.CRASH_PG_URL;
  const dataDir = process.env.CRASH_DATA_DIR;
  if (!url && !dataDir) throw new Error('set CRASH_DATA_DIR or CRASH_PG_URL');
  const rnd = prng(Number(process.env.CRASH_SEED ?? '1'));
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  const sql = await openDatabase(url ? { url, poolSize: 2 } : { dataDir });
  const ctx = await createContext({ sql });
  const ex = ctx.exchange;

  const admin = await ctx.auth.register('admin@crash.test', 'password1');
  await ctx.auth.setAdmin('admin@crash.test', true);
  const accounts: CrashSetup['accounts'] = [];
  // Four well-funded traders and one that can barely afford anything (its orders are often refused).
  for (const [i, minted] of ['100000', '100000', '100000', '100000', '3'].entries()) {
    const u = await ctx.auth.register(`trader${i}@crash.test`, 'password1');
    const id = await ex.personalAccount(u.id);
    await ex.transfer({ id: admin.id, isAdmin: true }, null, id, minted);
    accounts.push({ id, user: u.id, minted });
  }
  const markets: CrashSetup['markets'] = [];
  for (const [name, min, max] of [
    ['Will it rain?', '0', '1'],
    ['Turnout', '0.2', '0.8'],
  ] as const) {
    const m = await ex.createMarket(admin.id, {
      name,
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      minPrice: min,
      maxPrice: max,
    });
    markets.push({ id: m.id as number, min: Math.round(Number(min) * 100), max: Math.round(Number(max) * 100) });
  }
  line({ t: 'setup', accounts, markets } satisfies CrashSetup);

  const px = (ticks: number): string => (ticks / 100).toFixed(2);
  /** Orders that were accepted and may still be live: id → owner and market. */
  const live = new Map<number, { user: number; market: number }>();

  for (let i = 0; i < 1_000_000; i++) {
    const acct = rnd() < 0.05 ? accounts[4]! : pick(accounts.slice(0, 4));
    const mk = pick(markets);
    const mid = Math.round((mk.min + mk.max) / 2);
    const clamp = (p: number): number => Math.min(mk.max, Math.max(mk.min + 1, p));
    const r = rnd();
    let cmd: CrashCommand;
    if (r < 0.55 || live.size === 0) {
      const side: Side = rnd() < 0.5 ? 'buy' : 'sell';
      // buys a little below the middle, sells a little above, overlapping: some cross, most rest
      const price = clamp(side === 'buy' ? mid - 5 + int(0, 8) : mid - 3 + int(0, 8));
      const f = rnd();
      cmd = {
        op: 'place',
        user: acct.user,
        account: acct.id,
        market: mk.id,
        side,
        type: 'limit',
        size: int(1, 20),
        price,
      };
      if (f < 0.08) cmd.tif = 'IOC';
      else if (f < 0.15) cmd.tif = 'FOK';
      else if (f < 0.22) cmd.postOnly = true;
      if (rnd() < 0.1) cmd.stp = pick(['cancel-resting', 'cancel-incoming', 'cancel-both'] as const);
    } else if (r < 0.63) {
      cmd = {
        op: 'place',
        user: acct.user,
        account: acct.id,
        market: mk.id,
        side: rnd() < 0.5 ? 'buy' : 'sell',
        type: 'market',
        size: int(1, 10),
      };
    } else if (r < 0.7) {
      const side: Side = rnd() < 0.5 ? 'buy' : 'sell';
      const stopPrice = clamp(side === 'buy' ? mid + int(1, 5) : mid - int(1, 5));
      cmd =
        rnd() < 0.5
          ? {
              op: 'place',
              user: acct.user,
              account: acct.id,
              market: mk.id,
              side,
              type: 'stop-market',
              size: int(1, 8),
              stopPrice,
            }
          : {
              op: 'place',
              user: acct.user,
              account: acct.id,
              market: mk.id,
              side,
              type: 'stop-limit',
              size: int(1, 8),
              stopPrice,
              price: clamp(side === 'buy' ? stopPrice + int(0, 2) : stopPrice - int(0, 2)),
            };
    } else {
      const id = pick([...live.keys()]);
      const o = live.get(id)!;
      if (r < 0.85) cmd = { op: 'cancel', user: o.user, market: o.market, id };
      else {
        const m = markets.find((x) => x.id === o.market)!;
        const c = Math.round((m.min + m.max) / 2);
        const a: CrashCommand = { op: 'amend', user: o.user, market: o.market, id };
        const k = rnd();
        if (k < 0.45) a.size = int(1, 25);
        else if (k < 0.9) a.price = Math.min(m.max, Math.max(m.min + 1, c - 5 + int(0, 10)));
        else {
          a.size = int(1, 25);
          a.price = Math.min(m.max, Math.max(m.min + 1, c - 5 + int(0, 10)));
        }
        cmd = a;
      }
    }

    line({ t: 'cmd', i, cmd });
    try {
      let id: number | null = null;
      if (cmd.op === 'place') {
        const res = await ex.placeOrder(cmd.user, {
          accountId: cmd.account,
          marketId: cmd.market,
          side: cmd.side,
          type: cmd.type,
          size: String(cmd.size),
          price: cmd.price === undefined ? undefined : px(cmd.price),
          stopPrice: cmd.stopPrice === undefined ? undefined : px(cmd.stopPrice),
          tif: cmd.tif,
          postOnly: cmd.postOnly,
          stp: cmd.stp,
        });
        const order = res.order as { id: number; status: string };
        id = order.id;
        if (order.status === 'open' || order.status === 'pending') live.set(id, { user: cmd.user, market: cmd.market });
      } else if (cmd.op === 'cancel') {
        await ex.cancelOrder(cmd.user, cmd.id);
        live.delete(cmd.id);
      } else {
        await ex.amendOrder(cmd.user, cmd.id, {
          ...(cmd.size === undefined ? {} : { size: String(cmd.size) }),
          ...(cmd.price === undefined ? {} : { price: px(cmd.price) }),
        });
      }
      const hash = createHash('sha256').update(JSON.stringify(ex.snapshot())).digest('hex');
      line({ t: 'ack', i, id, hash });
    } catch (e) {
      const code = (e as { code?: string }).code ?? String(e);
      if (code === 'order-not-live' && cmd.op === 'cancel') live.delete(cmd.id);
      line({ t: 'rej', i, code });
    }
  }
  await ctx.close();
  await sql.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
