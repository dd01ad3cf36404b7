/**
 * The two engines under test, each with two loops over a pre-generated stream: `plain` (throughput only, one
 * clock read around the whole run) and `timed` (process.hrtime.bigint() around every operation).
 *
 * Command objects are built from the stream before timing (`prepare`), in each engine's native form: our
 * `NewOrder` with integer ids; nodejs-order-book's `{ id, side, size, price }` with string ids.
 *
 * Every loop also checks, per operation, that the engine agrees with the reference run: a cancel must hit a
 * resting order (else a miss), and a limit order must fill exactly the lots it filled in the reference run
 * (else a divergence). The loops are deliberately written out per engine, so that each stays monomorphic.
 */
import { OrderBook as NobBook, type LimitOrderOptions, type Side as NobSide } from 'nodejs-order-book';
import { OrderBook } from '../../src/core/orderbook/engine.ts';
import type { MatchEvent, NewOrder } from '../../src/core/orderbook/types.ts';
import { CANCEL, digest, digestOurs, type BookDigest, type Stream } from './stream.ts';

/**
 * `testudo` uses our engine as its API defaults (each call returns a new event array);
 * `testudo-reused-out` passes one reusable `out` array, reset with `out.length = 0` (opt-in: V8 shrinks the array's
 * storage on that reset, which costs more than allocating a fresh one).
 */
export const ENGINES = ['testudo', 'nodejs-order-book', 'testudo-reused-out'] as const;
/** The engines run when `--engines` is not given. */
export const DEFAULT_ENGINES = ['testudo', 'nodejs-order-book'] as const;
/** The name of an engine under test. */
export type EngineName = (typeof ENGINES)[number];

/** Outcome of one loop over a stream. */
export interface LoopResult {
  ns: number;
  /** Cancels whose target was not resting. */
  misses: number;
  /** Operations whose fill differs from the reference run. */
  divergences: number;
  /** Operations the engine reported as an error / rejection (other than cancel misses). */
  errors: number;
  filled: number;
  final: BookDigest;
}

/** An engine prepared for one stream. */
export interface Runner {
  plain(): LoopResult;
  /** Writes the latency of operation i, ns, into lat[i]. */
  timed(lat: Float64Array): LoopResult;
}

/** Builds `engine`'s command objects from the stream `s` (untimed) and returns its two loops. */
export function prepare(engine: EngineName, s: Stream): Runner {
  return engine === 'nodejs-order-book' ? prepareNob(s) : prepareOurs(s, engine !== 'testudo-reused-out');
}

// ---------------------------------------------------------------------------------------------------------------
// Testudo

function prepareOurs(s: Stream, freshOut: boolean): Runner {
  const n = s.n;
  const kind = s.kind;
  const ids = s.id;
  const fill = s.fill;
  const cmds: (NewOrder | null)[] = new Array<NewOrder | null>(n);
  for (let i = 0; i < n; i++) {
    cmds[i] =
      kind[i] === CANCEL
        ? null
        : {
            id: ids[i]!,
            account: ids[i]!, // one account per order: no self-trade prevention (nodejs-order-book has none here)
            side: kind[i] === 0 ? 'buy' : 'sell',
            type: 'limit',
            size: s.size[i]!,
            price: s.price[i]!,
          };
  }

  return {
    plain(): LoopResult {
      const book = new OrderBook();
      let out: MatchEvent[] = [];
      let misses = 0;
      let div = 0;
      let errors = 0;
      let filled = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        if (freshOut) out = [];
        else out.length = 0;
        if (kind[i] === CANCEL) {
          book.cancel(ids[i]!, out);
          if (out[0]!.type !== 'cancelled') misses++;
        } else {
          book.submit(cmds[i]!, out);
          let f = 0;
          for (let k = 0; k < out.length; k++) {
            const e = out[k]!;
            if (e.type === 'trade') f += e.size;
            else if (e.type === 'rejected') errors++;
          }
          if (f !== fill[i]) div++;
          filled += f;
        }
      }
      const ns = Number(process.hrtime.bigint() - t0);
      return { ns, misses, divergences: div, errors, filled, final: digestOurs(book) };
    },

    timed(lat: Float64Array): LoopResult {
      const book = new OrderBook();
      let out: MatchEvent[] = [];
      let misses = 0;
      let div = 0;
      let errors = 0;
      let filled = 0;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        if (freshOut) out = [];
        else out.length = 0;
        if (kind[i] === CANCEL) {
          book.cancel(ids[i]!, out);
          if (out[0]!.type !== 'cancelled') misses++;
        } else {
          book.submit(cmds[i]!, out);
          let f = 0;
          for (let k = 0; k < out.length; k++) {
            const e = out[k]!;
            if (e.type === 'trade') f += e.size;
            else if (e.type === 'rejected') errors++;
          }
          if (f !== fill[i]) div++;
          filled += f;
        }
        lat[i] = Number(process.hrtime.bigint() - t0);
      }
      const ns = Number(process.hrtime.bigint() - start);
      return { ns, misses, divergences: div, errors, filled, final: digestOurs(book) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// nodejs-order-book (journaling off — the default — no snapshot, no journal; ids are strings)

function digestNob(ob: NobBook): BookDigest {
  const [asks, bids] = ob.depth();
  return digest(bids, asks);
}

function prepareNob(s: Stream): Runner {
  const n = s.n;
  const kind = s.kind;
  const fill = s.fill;
  const size = s.size;
  let maxId = 0;
  for (let i = 0; i < n; i++) if (s.id[i]! > maxId) maxId = s.id[i]!;
  const names: string[] = new Array<string>(maxId + 1);
  for (let id = 0; id <= maxId; id++) names[id] = String(id);
  const cmds: (LimitOrderOptions | null)[] = new Array<LimitOrderOptions | null>(n);
  const cancelIds: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const id = names[s.id[i]!]!;
    cancelIds[i] = id;
    cmds[i] =
      kind[i] === CANCEL
        ? null
        : { id, side: (kind[i] === 0 ? 'buy' : 'sell') as NobSide, size: size[i]!, price: s.price[i]! };
  }

  return {
    plain(): LoopResult {
      const ob = new NobBook({ enableJournaling: false });
      let misses = 0;
      let div = 0;
      let errors = 0;
      let filled = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        if (kind[i] === CANCEL) {
          if (ob.cancel(cancelIds[i]!) === undefined) misses++;
        } else {
          const r = ob.limit(cmds[i]!);
          if (r.err !== null) errors++;
          const f = size[i]! - r.quantityLeft;
          if (f !== fill[i]) div++;
          filled += f;
        }
      }
      const ns = Number(process.hrtime.bigint() - t0);
      return { ns, misses, divergences: div, errors, filled, final: digestNob(ob) };
    },

    timed(lat: Float64Array): LoopResult {
      const ob = new NobBook({ enableJournaling: false });
      let misses = 0;
      let div = 0;
      let errors = 0;
      let filled = 0;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        if (kind[i] === CANCEL) {
          if (ob.cancel(cancelIds[i]!) === undefined) misses++;
        } else {
          const r = ob.limit(cmds[i]!);
          if (r.err !== null) errors++;
          const f = size[i]! - r.quantityLeft;
          if (f !== fill[i]) div++;
          filled += f;
        }
        lat[i] = Number(process.hrtime.bigint() - t0);
      }
      const ns = Number(process.hrtime.bigint() - start);
      return { ns, misses, divergences: div, errors, filled, final: digestNob(ob) };
    },
  };
}
