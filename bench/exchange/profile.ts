/**
 * Summaries of the server's CPU profile (`node --cpu-prof`) restricted to the benchmark's measured windows, so the
 * server's start, the set-up and the idle gaps between runs do not dilute the hot spots. V8 stamps samples with the
 * monotonic clock in µs, the clock of `process.hrtime` in every process of the machine: the windows are recorded
 * with it (see {@link monoNow}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import type { CallFrame, CpuProfile, ProfileNode } from '../profile-summary.ts';

/** A measured window on the monotonic clock, µs. */
export interface MonoWindow {
  label: string;
  from: number;
  to: number;
}

/** The monotonic clock V8's profiles use, µs. */
export const monoNow = (): number => Number(process.hrtime.bigint() / 1000n);

/** The monotonic time (µs) of the wall-clock time `wallMs`. */
export const monoAt = (wallMs: number): number => monoNow() + (wallMs - Date.now()) * 1000;

/** Self and inclusive time by function, and self time by area, over the samples inside one window. */
export interface WindowSummary {
  label: string;
  /** ms sampled inside the window, and of those idle. */
  sampledMs: number;
  idleMs: number;
  areas: [string, number][];
  self: [string, number][];
  /** Functions of the server's own sources (`src/`) by inclusive time. */
  project: [string, number][];
}

function shorten(url: string, root: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) u = u.slice(root.length);
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) u = u.slice(nm);
  return u;
}

function area(f: CallFrame, root: string): string {
  const u = shorten(f.url, root);
  if (!u) return f.functionName.startsWith('(') ? f.functionName : '(native/builtin)';
  if (u.startsWith('node_modules/')) {
    const rest = u.slice('node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (u.startsWith('node:')) return 'node: (internals)';
  if (u.startsWith('wasm://')) return 'wasm (PGlite)';
  return u;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a source map's `mappings` into, per generated line, [generated column, original line] pairs (0-based). */
export function decodeMappings(mappings: string): [number, number][][] {
  const lines: [number, number][][] = [];
  let srcLine = 0;
  for (const line of mappings.split(';')) {
    const segs: [number, number][] = [];
    let genCol = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const vals: number[] = [];
      let shift = 0;
      let value = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += vals[0] ?? 0;
      if (vals.length >= 4) {
        srcLine += vals[2]!;
        segs.push([genCol, srcLine]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/**
 * Maps positions in the code tsx runs back to lines of the TypeScript sources: tsx transforms each module with
 * esbuild (`minifyWhitespace`, `keepNames`, format esm, target this Node) into one line, so a profile's columns are
 * re-derived by the same transform of the file as it is now (exact while the file is unchanged since the run).
 */
class SourceLines {
  private readonly cache = new Map<string, { map: [number, number][][]; lines: string[] } | null>();

  /** `path:line  source text` of a frame of a .ts file, or null when it cannot be mapped. */
  describe(file: string, line: number, col: number): { line: number; text: string } | null {
    let entry = this.cache.get(file);
    if (entry === undefined) {
      entry = null;
      try {
        if (file.endsWith('.ts') && existsSync(file)) {
          const src = readFileSync(file, 'utf8');
          const r = transformSync(src, {
            target: `node${process.versions.node}`,
            loader: 'ts',
            format: 'esm',
            sourcemap: true,
            minifyWhitespace: true,
            keepNames: true,
            sourcefile: file,
          });
          const map = JSON.parse(r.map) as { mappings: string };
          entry = { map: decodeMappings(map.mappings), lines: src.split('\n') };
        }
      } catch {
        entry = null;
      }
      this.cache.set(file, entry);
    }
    if (!entry) return null;
    const segs = entry.map[line];
    if (!segs?.length) return null;
    let best: [number, number] | undefined;
    for (const s of segs) {
      if (s[0] > col) break;
      best = s;
    }
    if (!best) return null;
    return { line: best[1] + 1, text: (entry.lines[best[1]] ?? '').trim().slice(0, 60) };
  }
}

const sources = new SourceLines();

function label(f: CallFrame, root: string): string {
  const u = shorten(f.url, root);
  const name = f.functionName || '(anonymous)';
  if (!u) return name;
  if (u.startsWith('src/') && u.endsWith('.ts')) {
    const at = sources.describe(root + u, f.lineNumber, f.columnNumber);
    if (at) return `${name}  ${u}:${at.line}${name === '(anonymous)' ? `  «${at.text}»` : ''}`;
  }
  return `${name}  ${u}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
}

/**
 * Summarises the samples of the profile at `path` inside each of `windows`. `root` is the server's checkout (with a
 * trailing slash), cut from file URLs.
 */
export function summariseWindows(path: string, windows: MonoWindow[], root: string, top = 15): WindowSummary[] {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return windows.map((w) => {
    const self = new Map<string, number>();
    const incl = new Map<string, number>();
    const areas = new Map<string, number>();
    let sampled = 0;
    let idle = 0;
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (t < w.from || t > w.to) continue;
      const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
      const node = byId.get(p.samples[i]!);
      if (!node) continue;
      sampled += dt;
      if (node.callFrame.functionName === '(idle)') {
        idle += dt;
        continue;
      }
      const l = label(node.callFrame, root);
      self.set(l, (self.get(l) ?? 0) + dt);
      const a = area(node.callFrame, root);
      areas.set(a, (areas.get(a) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const f = byId.get(id)!.callFrame;
        if (f.functionName === '(root)') break;
        const k = label(f, root);
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
    }
    return {
      label: w.label,
      sampledMs: sampled,
      idleMs: idle,
      areas: sorted(areas),
      self: sorted(self),
      project: sorted(new Map([...incl].filter(([k]) => / {2}src\//.test(k)))),
    };
  });
}

/** The summary as indented text lines. */
export function formatSummary(s: WindowSummary): string[] {
  const busy = s.sampledMs - s.idleMs;
  const pct = (v: number): string => `${((v / Math.max(busy, 1e-9)) * 100).toFixed(1).padStart(5)} %`;
  const rows = (xs: [string, number][]): string[] =>
    xs.map(([k, v]) => `    ${pct(v)}  ${Math.round(v).toString().padStart(6)} ms  ${k.slice(0, 120)}`);
  return [
    `  server CPU in the ${s.label} window: ${Math.round(s.sampledMs)} ms sampled, ` +
      `${((busy / Math.max(s.sampledMs, 1e-9)) * 100).toFixed(0)} % busy (shares below are of busy time; V8 samples ` +
      `wall-clock time, so a function also collects time the thread was preempted in it)`,
    '   self time by area:',
    ...rows(s.areas.slice(0, 10)),
    '   functions by self time:',
    ...rows(s.self),
    '   server functions (src/) by inclusive time:',
    ...rows(s.project),
  ];
}
