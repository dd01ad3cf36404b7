/**
 * Crash recovery of the exchange with a real `kill -9`.
 *
 * A child process (`exchange-crash-child.ts`) streams random commands into the exchange on a durable database — a
 * PGlite data directory, or a fresh schema on the PostgreSQL test server with `TESTUDO_TEST_DB=postgres` — and
 * prints a line before each command and one once it is acknowledged. The parent kills it with SIGKILL mid-stream,
 * opens a new context on the same database (which rebuilds the books from it) and compares with a reference:
 * exactly the acknowledged commands replayed on fresh in-memory engines.
 *
 * At most one command was in flight at the kill (the child awaits each one); it may or may not have committed, so
 * the recovered state must equal the reference either without it or with it — nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../src/app/context.ts';
import { OrderBook } from '../src/core/orderbook/engine.ts';
import type { MatchEvent, OrderView } from '../src/core/orderbook/types.ts';
import { crashHarness, durableDatabase } from './crash-harness.ts';
import type { CrashCommand, CrashSetup } from './exchange-crash-child.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHILD = join(ROOT, 'test', 'exchange-crash-child.ts');
/** Acknowledged commands to wait for before the kill. */
const KILL_AFTER_ACKS = 400;
/** Atoms (10^-12) of one tick (0.01) × one lot (1). */
const ATOMS_PER_TICK_LOT = 10_000_000_000n;

type Line =
  | CrashSetup
  | { t: 'cmd'; i: number; cmd: CrashCommand }
  | { t: 'ack'; i: number; id: number | null; hash: string }
  | { t: 'rej'; i: number; code: string };

interface Trade {
  market: number;
  maker: number;
  taker: number;
  makerAccount: number;
  takerAccount: number;
  price: number;
  size: number;
  takerSide: string;
}

/** What must survive the crash: the books (as the engine holds them), every trade, cash and positions. */
interface State {
  books: Record<number, { last: number | null; orders: Omit<OrderView, 'size' | 'filled'>[] }>;
  /** Live orders' full size and filled amount (the rebuilt engine only knows their remaining size; the DB knows all). */
  sizes: Record<number, { size: number; filled: number }>;
  trades: Trade[];
  positions: Record<string, string>;
  cash: Record<number, string>;
}

/** Decimal text → atoms (independent of the production parser). */
function atoms(s: string): bigint {
  const neg = s.startsWith('-');
  const [int = '0', frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(int + frac.replace(/0+$/, '').padEnd(12, '0'));
  return neg ? -v : v;
}

const snapshotOf = (books: Map<number, OrderBook>): Record<number, unknown> => {
  const out: Record<number, unknown> = {};
  for (const [id, b] of books) out[id] = { orders: b.allOrders(), last: b.lastPrice() };
  return out;
};
const hashOf = (snap: unknown): string => createHash('sha256').update(JSON.stringify(snap)).digest('hex');
const project = (snap: Record<number, unknown>): State['books'] => {
  const out: State['books'] = {};
  for (const [id, v] of Object.entries(snap)) {
    const b = v as { last: number | null; orders: OrderView[] };
    out[Number(id)] = { last: b.last, orders: b.orders.map(({ size: _s, filled: _f, ...o }) => o) };
  }
  return out;
};

/**
 * Replays commands on fresh engines, the way the service drives its engine. `check` is called after each command
 * with the snapshot hash of the reference books.
 */
function replay(
  setup: CrashSetup,
  cmds: { cmd: CrashCommand; id: number | null }[],
  check: (k: number, hash: string) => void = () => {},
): State {
  const books = new Map<number, OrderBook>();
  const max = new Map<number, number>();
  for (const m of setup.markets) {
    books.set(m.id, new OrderBook());
    max.set(m.id, m.max);
  }
  const trades: Trade[] = [];
  cmds.forEach(({ cmd, id }, k) => {
    const book = books.get(cmd.market)!;
    let ev: MatchEvent[];
    if (cmd.op === 'place')
      ev = book.submit({
        id: id!,
        account: cmd.account,
        side: cmd.side,
        type: cmd.type,
        size: cmd.size,
        price: cmd.price,
        stopPrice: cmd.stopPrice,
        tif: cmd.tif,
        postOnly: cmd.postOnly,
        stp: cmd.stp,
        bandTicks: max.get(cmd.market),
      });
    else if (cmd.op === 'cancel') ev = book.cancel(cmd.id);
    else ev = book.amend(cmd.id, { size: cmd.size, price: cmd.price });
    for (const e of ev)
      if (e.type === 'trade')
        trades.push({
          market: cmd.market,
          maker: e.makerOrderId,
          taker: e.takerOrderId,
          makerAccount: e.makerAccount,
          takerAccount: e.takerAccount,
          price: e.price,
          size: e.size,
          takerSide: e.takerSide,
        });
    check(k, hashOf(snapshotOf(books)));
  });
  const cash = new Map<number, bigint>(setup.accounts.map((a) => [a.id, atoms(a.minted)]));
  const pos = new Map<string, bigint>();
  const add = (acct: number, market: number, lots: bigint, value: bigint): void => {
    cash.set(acct, cash.get(acct)! + value);
    const k = `${acct}/${market}`;
    pos.set(k, (pos.get(k) ?? 0n) + lots);
  };
  for (const t of trades) {
    const v = BigInt(t.price) * BigInt(t.size) * ATOMS_PER_TICK_LOT;
    const buyer = t.takerSide === 'buy' ? t.takerAccount : t.makerAccount;
    const seller = t.takerSide === 'buy' ? t.makerAccount : t.takerAccount;
    add(buyer, t.market, BigInt(t.size), -v);
    add(seller, t.market, -BigInt(t.size), v);
  }
  const sizes: State['sizes'] = {};
  for (const b of books.values()) for (const o of b.allOrders()) sizes[o.id] = { size: o.size, filled: o.filled };
  return {
    books: project(snapshotOf(books)),
    sizes,
    trades,
    positions: Object.fromEntries([...pos].filter(([, v]) => v !== 0n).map(([k, v]) => [k, v.toString()])),
    cash: Object.fromEntries([...cash].map(([k, v]) => [k, v.toString()])),
  };
}

/** The recovered state: books from the new engine, everything else from the database. */
async function recovered(ctx: AppContext): Promise<State> {
  const q = ctx.sql;
  const sizes: State['sizes'] = {};
  for (const r of await q.query(
    `SELECT id, size, filled FROM ex_orders WHERE status IN ('open', 'pending') ORDER BY id`,
  ))
    sizes[Number(r.id)] = { size: Number(r.size), filled: Number(r.filled) };
  const trades = (
    await q.query(
      `SELECT market_id, maker_order_id, taker_order_id, maker_account_id, taker_account_id, price, size, taker_side
         FROM ex_trades ORDER BY id`,
    )
  ).map((r) => ({
    market: Number(r.market_id),
    maker: Number(r.maker_order_id),
    taker: Number(r.taker_order_id),
    makerAccount: Number(r.maker_account_id),
    takerAccount: Number(r.taker_account_id),
    price: Number(r.price),
    size: Number(r.size),
    takerSide: String(r.taker_side),
  }));
  const positions: Record<string, string> = {};
  for (const r of await q.query('SELECT account_id, market_id, position FROM ex_positions WHERE position <> 0'))
    positions[`${Number(r.account_id)}/${Number(r.market_id)}`] = String(r.position);
  const cash: Record<number, string> = {};
  for (const r of await q.query('SELECT id, cash FROM ex_accounts'))
    cash[Number(r.id)] = atoms(String(r.cash)).toString();
  return { books: project(ctx.exchange.snapshot()), sizes, trades, positions, cash };
}

/** Runs the child until `KILL_AFTER_ACKS` acknowledgements, kills it with SIGKILL and returns its lines. */
async function runAndKill(env: Record<string, string>): Promise<{ lines: Line[]; signal: string | null }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Line[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let acks = 0;
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    const parsed = JSON.parse(l) as Line;
    lines.push(parsed);
    // Then kill at a random moment within the next few commands: before, inside or just after a transaction.
    if (parsed.t === 'ack' && ++acks === KILL_AFTER_ACKS)
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 6));
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((res) =>
    child.on('close', (c, s) => res([c, s])),
  );
  if (signal !== 'SIGKILL') throw new Error(`child ended with code ${code} before the kill:\n${stderr}`);
  return { lines, signal };
}

const { children, cleanups } = crashHarness();

describe('exchange crash recovery (kill -9)', () => {
  it(
    'rebuilds the books of exactly the acknowledged commands and loses no order or trade',
    { timeout: 180_000 },
    async () => {
      // The database the child writes and the parent reopens.
      let dir = '';
      const { pgUrl, reopen } = await durableDatabase(cleanups, () => {
        dir = mkdtempSync(join(tmpdir(), 'testudo-crash-'));
        cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
        return dir;
      });
      const env: Record<string, string> =
        pgUrl !== null
          ? { CRASH_PG_URL: pgUrl, CRASH_SEED: process.env.CRASH_SEED ?? '7' }
          : { CRASH_DATA_DIR: dir, CRASH_SEED: process.env.CRASH_SEED ?? '7' };

      const { lines, signal } = await runAndKill(env);
      expect(signal).toBe('SIGKILL');
      const setup = lines.find((l): l is CrashSetup => l.t === 'setup')!;
      expect(setup.markets).toHaveLength(2);

      // The acknowledged commands, in order, and the one in flight at the kill (if any).
      const cmds = new Map<number, CrashCommand>();
      const acked: { cmd: CrashCommand; id: number | null; hash: string }[] = [];
      const answered = new Set<number>();
      let rejected = 0;
      for (const l of lines) {
        if (l.t === 'cmd') cmds.set(l.i, l.cmd);
        else if (l.t === 'ack') {
          acked.push({ cmd: cmds.get(l.i)!, id: l.id, hash: l.hash });
          answered.add(l.i);
        } else if (l.t === 'rej') {
          answered.add(l.i);
          rejected++;
        }
      }
      expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(rejected).toBeGreaterThan(0); // the stream did include refused commands, which must leave no trace
      const pending = [...cmds].filter(([i]) => !answered.has(i));
      expect(pending.length).toBeLessThanOrEqual(1);
      const kinds = new Set(acked.map((a) => (a.cmd.op === 'place' ? `${a.cmd.type}` : a.cmd.op)));
      expect([...kinds].sort()).toEqual(['amend', 'cancel', 'limit', 'market', 'stop-limit', 'stop-market']);

      // The reference replays the acknowledged commands and, after each, reproduces the child's own book hash:
      // the reference engine is exactly the child's engine as of every acknowledgement.
      const reference = replay(setup, acked, (k, hash) => {
        if (hash !== acked[k]!.hash) throw new Error(`reference diverges from the child at acknowledgement ${k}`);
      });
      expect(reference.trades.length).toBeGreaterThan(50);
      const candidates = [reference];
      if (pending.length === 1) {
        const cmd = pending[0]![1];
        // A new order would have taken the next id (ids are assigned in sequence to accepted orders).
        const lastId = Math.max(0, ...acked.filter((a) => a.id !== null).map((a) => a.id!));
        candidates.push(replay(setup, [...acked, { cmd, id: cmd.op === 'place' ? lastId + 1 : null }]));
      }

      // Reopen the same database: a new context, whose exchange rebuilds its books from the database.
      const sql = await reopen();
      const ctx = await createContext({ sql });
      const got = await recovered(ctx);
      const match = candidates.find((c) => isDeepStrictEqual(c, got));
      if (!match) expect(got).toEqual(reference); // shows the difference
      expect(match).toBeDefined();

      // Every acknowledged order is stored, with its account, market and side.
      const stored = new Map(
        (await sql.query('SELECT id, account_id, market_id, side FROM ex_orders')).map((r) => [
          Number(r.id),
          `${Number(r.account_id)}/${Number(r.market_id)}/${String(r.side)}`,
        ]),
      );
      for (const a of acked)
        if (a.cmd.op === 'place') expect(stored.get(a.id!)).toBe(`${a.cmd.account}/${a.cmd.market}/${a.cmd.side}`);

      // Money is conserved: cash changed only by trades (buyers paid what sellers received), positions net to zero.
      const minted = setup.accounts.reduce((s, a) => s + atoms(a.minted), 0n);
      expect(Object.values(got.cash).reduce((s, v) => s + BigInt(v), 0n)).toBe(minted);
      for (const m of setup.markets) {
        const net = Object.entries(got.positions)
          .filter(([k]) => k.endsWith(`/${m.id}`))
          .reduce((s, [, v]) => s + BigInt(v), 0n);
        expect(net).toBe(0n);
      }
      for (const v of Object.values(got.cash)) expect(BigInt(v)).toBeGreaterThanOrEqual(0n);

      // The recovered exchange trades on: a sell into the best bid of the first market hits the order that was first
      // in time priority there before the crash, and new ids continue after the stored ones.
      const m = setup.markets[0]!;
      const best = match!.books[m.id]!.orders.find((o) => o.side === 'buy' && o.state === 'resting');
      if (best) {
        const seller = setup.accounts.find((a) => a.id !== best.account && a.minted !== '3')!;
        const [{ maxId }] = (await sql.query('SELECT max(id)::int AS "maxId" FROM ex_orders')) as [{ maxId: number }];
        const r = await ctx.exchange.placeOrder(seller.user, {
          accountId: seller.id,
          marketId: m.id,
          side: 'sell',
          type: 'limit',
          size: '1',
          price: (best.price! / 100).toFixed(2),
        });
        expect((r.order as { id: number }).id).toBe(Number(maxId) + 1);
        expect(r.events).toContainEqual(expect.objectContaining({ type: 'trade', makerOrderId: best.id, size: '1' }));
      }
      await ctx.close();
    },
  );
});
