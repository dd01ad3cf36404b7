/**
 * Request values generated from an OpenAPI (JSON Schema) document for the fuzzer: a seeded random source, values
 * that are valid or nearly so ({@link validish}, steered by property-name hints towards ids and symbols that exist so
 * requests reach the services), and hostile mutations of them ({@link mutate}: wrong types, huge, tiny, negative and
 * NaN-like numbers, long and odd Unicode strings, nesting near and past the depth limit, missing and extra fields).
 */

/** A JSON Schema node as `@fastify/swagger` emits it (only the keywords the generator reads). */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
  default?: unknown;
}

/** A seeded pseudo-random source (mulberry32): the same seed gives the same run. */
export class Rng {
  private s: number;
  /** @param seed any integer (taken modulo 2^32). */
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

/** Values to prefer for properties of these names (ids of the world's resources, symbols that exist, …). */
export type Hints = Record<string, readonly unknown[]>;

/** Numbers and numeric strings that break naive code: huge, tiny, negative, NaN-like, odd notations. */
export const NASTY_NUMBERS: readonly unknown[] = [
  0,
  -1,
  -0,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 63,
  -(2 ** 63),
  1e21,
  0.1 + 0.2,
  '0',
  '-1',
  '-0',
  '1e21',
  '1e-400',
  '1e400',
  '5e-324',
  '99999999999999999999999999999999',
  '0.000000000000000000000000000001',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_000',
  ' 1',
  '1.',
  '.5',
  '+1',
  '1,5',
  '١٢٣',
  '',
  '9'.repeat(400),
];

/** Strings that break naive code: long, odd Unicode, control characters, injection-looking text. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  'x'.repeat(10_001),
  '💥'.repeat(300),
  'e\u0301\u0301\u0301',
  '\u202eevil',
  '\u2028\u2029',
  '\u200b',
  '\u0000',
  '\ud800',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '{{7*7}}',
  '${7*7}',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
  'null',
  'true',
  '[]',
  '__proto__',
  'constructor',
];

const DECIMALS = ['1', '0.5', '100', '0.01', '10', '95', '105', '2.5', '1000', '0.1', '99.99', '120'];

/** Whether `s` is the `string | number` union the API uses for decimals. */
function isDecimal(s: Schema): boolean {
  const u = s.anyOf ?? s.oneOf;
  return !!u && u.length === 2 && u.some((x) => x.type === 'string') && u.some((x) => x.type === 'number');
}

/** A string meeting `s` as far as the generator knows (format, pattern shape, length). */
function validString(s: Schema, rng: Rng, name: string): string {
  if (s.format === 'email') return `fuzz${rng.int(0, 1e6)}@fuzz.test`;
  if (s.format === 'date-time') return new Date(Date.UTC(2024, 0, 1) + rng.int(0, 200) * 3_600_000).toISOString();
  if (s.format === 'date') return `2024-01-0${rng.int(1, 9)}`;
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.pattern?.startsWith('^[A-Z0-9]')) return `F${rng.int(10, 99999)}`;
  const min = s.minLength ?? 1;
  const max = Math.min(s.maxLength ?? 24, Math.max(min, 24));
  const len = rng.int(min, max);
  const base = `${name || 's'}${rng.int(0, 9999)}`;
  return base.padEnd(len, 'x').slice(0, Math.max(len, min));
}

/**
 * A value for `schema` that is valid or nearly so: enums, formats, bounds and required properties respected, optional
 * properties present about half the time, and a property named in `hints` given one of its hinted values most of the
 * time. `depth` guards against recursive schemas.
 */
export function validish(schema: Schema, rng: Rng, hints: Hints = {}, name = '', depth = 0): unknown {
  if (name in hints && rng.chance(0.8)) return rng.pick(hints[name]!);
  if (schema.nullable && rng.chance(0.05)) return null;
  if (schema.enum) return rng.pick(schema.enum);
  if (isDecimal(schema)) return rng.chance(0.85) ? rng.pick(DECIMALS) : Number(rng.pick(DECIMALS));
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return validish(rng.pick(union), rng, hints, name, depth + 1);
  if (depth > 8) return null;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const req = new Set(schema.required ?? []);
      for (const [k, p] of Object.entries(schema.properties ?? {}))
        if (req.has(k) || rng.chance(0.5)) out[k] = validish(p, rng, hints, k, depth + 1);
      if (!schema.properties && typeof schema.additionalProperties === 'object')
        for (let i = rng.int(0, 3); i > 0; i--)
          out[rng.pick(['fast', 'slow', 'period', 'n', 'x'])] = validish(
            schema.additionalProperties,
            rng,
            hints,
            '',
            depth + 1,
          );
      return out;
    }
    case 'array': {
      const n = rng.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4));
      return Array.from({ length: n }, () => validish(schema.items ?? {}, rng, hints, name, depth + 1));
    }
    case 'string':
      return validString(schema, rng, name);
    case 'integer':
    case 'number': {
      const lo = Math.max(schema.minimum ?? 0, -1e6) + (schema.exclusiveMinimum === true ? 1 : 0);
      const hi = Math.min(schema.maximum ?? 1000, 1e6);
      const v = lo + rng.next() * Math.max(0, Math.min(hi - lo, 1000));
      return schema.type === 'integer' ? Math.floor(v) : Number(v.toFixed(2));
    }
    case 'boolean':
      return rng.chance(0.5);
    default:
      return rng.pick(['x', 1, true, null]);
  }
}

/** A value nested `depth` arrays or objects deep. */
export function nested(depth: number, rng: Rng): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = rng.chance(0.5) ? [v] : { a: v };
  return v;
}

/** A value of a random wrong kind. */
function wrongValue(rng: Rng): unknown {
  switch (rng.int(0, 7)) {
    case 0:
      return rng.pick(NASTY_NUMBERS);
    case 1:
      return rng.pick(NASTY_STRINGS);
    case 2:
      return rng.pick([null, true, false, [], {}, [1, 2], { x: 1 }]);
    case 3:
      return nested(rng.pick([10, 63, 64, 65, 200]), rng);
    case 4:
      return Array.from({ length: rng.pick([100, 5000]) }, (_, i) => i);
    case 5:
      return Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    default:
      return rng.pick([...NASTY_NUMBERS, ...NASTY_STRINGS]);
  }
}

/** The paths (property chains) of every value inside `v`, for picking one to damage. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object' && prefix.length < 10) {
    for (const [k, c] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(c, p, out);
    }
  }
  return out;
}

/**
 * A hostile variant of `body` (a value from {@link validish} for `schema`): one to three of — a value replaced by a
 * wrong kind or a nasty number or string, a property removed, an unknown property added, a deep nest inserted — or
 * the whole body replaced by something that is not the expected object at all. Returns the new value, or a
 * `{ raw: string }` marker for a body that must be sent as raw (possibly broken) JSON text.
 */
export function mutate(body: unknown, schema: Schema, rng: Rng): unknown {
  if (rng.chance(0.08))
    return rng.pick<unknown>([
      null,
      [],
      'text',
      42,
      [body],
      nested(rng.pick([64, 65, 1000]), rng),
      { raw: '{"a":' },
      { raw: '{"a":1,"a":2}' },
      { raw: `{"x":${'1'.repeat(5000)}}` },
      { raw: '\ufeff{}' },
      { raw: '' },
    ]);
  const copy: unknown = structuredClone(body);
  const rounds = rng.int(1, 3);
  for (let r = 0; r < rounds; r++) {
    const all = paths(copy);
    const kind = rng.int(0, 9);
    if (copy === null || typeof copy !== 'object') break;
    if (kind <= 5 && all.length > 0) {
      const p = rng.pick(all);
      setAt(copy, p, wrongValue(rng));
    } else if (kind <= 7 && all.length > 0) {
      const p = rng.pick(all);
      deleteAt(copy, p);
    } else {
      const props = Object.keys(schema.properties ?? {});
      const key = rng.chance(0.5) && props.length ? `${rng.pick(props)}X` : rng.pick(['__proto__', 'extra', 'id']);
      (copy as Record<string, unknown>)[key] = wrongValue(rng);
    }
  }
  return copy;
}

function setAt(root: object, p: (string | number)[], v: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[p.at(-1)!] = v;
}

function deleteAt(root: object, p: (string | number)[]): void {
  let o = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (Array.isArray(o)) o.splice(Number(p.at(-1)), 1);
  else delete o[p.at(-1)!];
}
