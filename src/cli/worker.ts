/**
 * `testudo worker`: takes backtest and optimisation jobs from the pg-boss queue of a PostgreSQL database and runs
 * them, writing results back; run one per machine to share the work. PostgreSQL only: on PGlite the server runs
 * the jobs itself.
 */
import { usageError } from './errors.ts';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { startJobWorker } from '../app/backtests.ts';

/** Flags of `testudo worker`. */
export interface WorkerFlags {
  databaseUrl?: string;
  concurrency: number;
  threads?: number;
}

/** Action of `testudo worker`: runs until SIGINT/SIGTERM, then stops taking jobs (running ones are retried). */
export async function runWorker(f: WorkerFlags): Promise<void> {
  if (!f.databaseUrl)
    throw usageError(
      'the worker needs PostgreSQL: give --database-url (or DATABASE_URL); on PGlite the server runs jobs itself',
    );
  const sql = await openDatabase({ url: f.databaseUrl, poolSize: Math.max(4, f.concurrency + 3) });
  await migrate(sql);
  const log = (o: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
  };
  const worker = await startJobWorker(sql, {
    concurrency: f.concurrency,
    threads: f.threads,
    onError: (err, context) => log({ level: 'error', ...context, error: String(err) }),
  });
  process.stdout.write(`testudo worker: taking backtest jobs (${f.concurrency} at a time); Ctrl-C to stop\n`);
  const stop = async (): Promise<void> => {
    await worker.stop();
    await sql.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
