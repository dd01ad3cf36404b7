/**
 * `testudo parity --run ID [--from] [--to] [--html FILE] [--json]`: the parity report of a strategy run, from the
 * server (`GET /api/v1/strategy-runs/:id/parity`): trade by trade where the backtest of the run's bars and the live
 * record differ, with totals in R. Prints a summary and the trades that differ; `--json` prints the report as the
 * server sent it; `--html` also writes the self-contained HTML report (`src/report/parity-report.ts`).
 */
import { writeFile } from 'node:fs/promises';
import type { ParityView } from '../app/strategies/parity.ts';
import { parityVerdict } from '../core/backtest/parity.ts';
import { readChartsBundle } from '../report/bundle.ts';
import { parityReportHtml } from '../report/parity-report.ts';
import type { ClientFlags } from './client.ts';
import { usageError } from './errors.ts';
import { api } from './run-api.ts';

/** Flags of `testudo parity`. */
export interface ParityFlags extends ClientFlags {
  run: string;
  from?: string;
  to?: string;
  html?: string;
}

const r3 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(3));
const t = (iso: string | null | undefined): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');

/** The report as text: the verdict, the totals and one line per row that is not equal. */
export function parityText(v: ParityView): string {
  const s = v.totals;
  const lines = [
    `run ${v.run.id}: ${v.run.strategy} on ${v.run.symbol} ${v.run.timeframe} (${v.run.host}, ${v.run.status})`,
    parityVerdict(v.equal, s),
    `trades        backtest ${s.backtestTrades}  live ${s.liveTrades}  matched ${s.matched}`,
    `refusals      live ${s.liveRejections}  backtest ${s.backtestRejections}`,
    `R             backtest ${r3(s.backtestR)}  live ${r3(s.liveR)}  difference ${r3(s.diffR)}`,
    `R by cause    slippage ${r3(s.slippageR)}  fees ${r3(s.feesR)}  missed ${r3(s.missedR)}  extra ${r3(s.extraR)}`,
    `money         fees ${s.fees}  net P&L ${s.pnl} (live − backtest)`,
  ];
  for (const w of v.warnings) lines.push(`warning: ${w}`);
  for (const r of v.rows) {
    if (r.equal) continue;
    const b = r.backtest;
    const l = r.live;
    if (r.status === 'missed')
      lines.push(
        `missed  ${b!.side} ${t(b!.entryTime)} at ${b!.entryPrice} (${r3(b!.r)}R)${r.rejectedBy.length ? ` refused live: ${r.rejectedBy.join(', ')}` : ''}`,
      );
    else if (r.status === 'extra')
      lines.push(`extra   ${l!.side} ${t(l!.entryTime)} at ${l!.entryPrice} (${r3(l!.r)}R) trade #${l!.tradeId}`);
    else {
      const d = r.diff!;
      lines.push(
        `differs ${b!.side} ${t(b!.entryTime)} trade #${l!.tradeId}: ${r.differences.join(', ')}; entry ${b!.entryPrice}→${l!.entryPrice}, exit ${b!.exitPrice ?? '-'}→${l!.exitPrice ?? 'open'}, slippage ${r3(d.slippageR)}R, fees ${r3(d.feesR)}R, ΔR ${r3(d.r)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** Action of `testudo parity`. @throws CliError `invalid-option` (exit 2) for a bad --run; the server's refusals. */
export async function runParity(f: ParityFlags): Promise<void> {
  if (!/^[1-9]\d*$/.test(f.run)) throw usageError(`--run ${f.run}: the id of a strategy run (testudo run prints it)`);
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  const qs = q.size ? `?${q.toString()}` : '';
  const { json } = await api<ParityView>(f, 'GET', `/api/v1/strategy-runs/${f.run}/parity${qs}`);
  if (f.html) await writeFile(f.html, parityReportHtml({ report: json, chartsBundle: await readChartsBundle() }));
  process.stdout.write(f.json ? JSON.stringify(json, null, 2) + '\n' : parityText(json));
}
