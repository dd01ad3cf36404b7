/**
 * Summarises V8 CPU profiles (from `npm run bench:profile` or `node --cpu-prof`): self time by package / source
 * file, top functions by self time, and project functions by inclusive time.
 * Usage: `npm run bench:profile-summary -- [--top N] [FILE_OR_DIR...]` (default: every profile in bench/.prof).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { heading, num, table } from './format.ts';

/** A V8 CPU profile's call frame. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
/** A node of a V8 CPU profile's call tree. */
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** A V8 CPU profile as `node --cpu-prof` writes it (times in µs). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = new URL('../', import.meta.url).pathname;

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  return u;
}

/** Package or area a frame belongs to: `fastify`, `pg`, `src/app/trading.ts`, `node:internal`, `(gc)`… */
function area(f: CallFrame): string {
  const u = shortUrl(f.url);
  if (!u) return f.functionName.startsWith('(') ? f.functionName : '(native/builtin)';
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (u.startsWith('node:')) return 'node: (internals)';
  return u;
}

function label(f: CallFrame): string {
  const u = shortUrl(f.url);
  // tsx emits each module on one line, so the column is what tells two functions of a .ts file apart.
  return `${f.functionName || '(anonymous)'}${u ? `  ${u}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
}

/** Prints the summary of one profile. `full` adds the inclusive table over every frame (node internals too). */
export function summarise(path: string, top: number, full = true): void {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000; // ms; the delta after a sample is its duration
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const l = label(node.callFrame);
    self.set(l, (self.get(l) ?? 0) + dt);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.functionName === '(root)') break;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const pc = (ms: number) => `${num((ms / busy) * 100, 1)} %`;
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k.length > 110 ? k.slice(0, 107) + '…' : k, `${num(v, 0)} ms`, pc(v)]);
  console.log(heading(`CPU profile ${path}`));
  console.log(
    `  ${num(total / 1000, 1)} s sampled, ${num(idle / 1000, 1)} s idle, ${num(busy / 1000, 1)} s busy (percentages are of busy time)`,
  );
  console.log(
    '  note: V8 samples on wall-clock time, so a function also collects the time the thread was preempted inside it\n' +
      '  (e.g. a socket writev when the machine has no idle core).',
  );
  console.log('\n  self time by area (package or source file):');
  console.log(table([['area', 'self', 'share'], ...rows(areas, top)]));
  console.log('\n  top functions by self time:');
  console.log(table([['function', 'self', 'share'], ...rows(self, top)]));
  const project = new Map([...incl].filter(([k]) => / {2}src\//.test(k)));
  console.log('\n  project (src/) functions by inclusive time (time with the function on the stack):');
  console.log(table([['function', 'inclusive', 'share'], ...rows(project, top)]));
  if (full) {
    console.log('\n  all functions by inclusive time:');
    console.log(table([['function', 'inclusive', 'share'], ...rows(incl, top)]));
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { top: { type: 'string' } },
    allowPositionals: true,
  });
  const top = Number(values.top ?? 25);
  const files: string[] = [];
  const inputs = positionals.length ? positionals : [new URL('./.prof', import.meta.url).pathname];
  for (const f of inputs) {
    if (statSync(f).isDirectory()) {
      // `node --cpu-prof` names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; only thread 0 is the main
      // thread (thread 1 is e.g. the tsx loader). The bench's own window profiles have other names.
      const list = readdirSync(f)
        .filter((x) => x.endsWith('.cpuprofile') && (!x.startsWith('CPU.') || /\.\d+\.0\.\d+\.cpuprofile$/.test(x)))
        .map((x) => join(f, x))
        .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
      files.push(...list);
    } else files.push(f);
  }
  if (!files.length) {
    console.error(`no .cpuprofile found in ${inputs.join(', ')}`);
    process.exit(1);
  }
  for (const f of new Set(files)) summarise(f, top);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
