/**
 * Display formatting for the Desk. Amounts arrive from the API as exact decimal strings; they are shown as the
 * server wrote them (grouped, never re-rounded) unless a number of decimals is asked for. Statistics are floats.
 */

/** Groups the integer part of a decimal string with thin commas: `"12345.678"` → `"12,345.678"`. */
export function groupDecimal(s: string): string {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int = '0', frac] = body.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (frac !== undefined ? '.' + frac : '');
}

/**
 * A decimal string rounded half away from zero to `dp` decimals, for display only (exact: works on the digits).
 * `roundDecimal("1.005", 2)` → `"1.01"`.
 */
export function roundDecimal(s: string, dp: number): string {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int = '0', frac = ''] = body.split('.');
  if (frac.length <= dp) return (neg ? '-' : '') + int + (dp > 0 ? '.' + frac.padEnd(dp, '0') : '');
  const digits = (int + frac.slice(0, dp)).split('').map(Number);
  if (Number(frac[dp]) >= 5) {
    let i = digits.length - 1;
    while (i >= 0) {
      if (digits[i]! < 9) {
        digits[i]!++;
        break;
      }
      digits[i] = 0;
      i--;
    }
    if (i < 0) digits.unshift(1);
  }
  const all = digits.join('');
  const ip = all.slice(0, all.length - dp) || '0';
  const fp = all.slice(all.length - dp);
  const out = dp > 0 ? `${ip}.${fp}` : ip;
  return (neg && /[1-9]/.test(out) ? '-' : '') + out;
}

/** Money in quote currency for display: grouped, 2 decimals (`"-1234.5"` → `"-1,234.50"`); `–` for null. */
export function money(s: string | null | undefined, dp = 2): string {
  if (s === null || s === undefined || s === '') return '–';
  return groupDecimal(roundDecimal(s, dp));
}

/** A signed amount with an explicit `+` for gains (`"+12.30"`, `"-4.00"`); `–` for null. */
export function signedMoney(s: string | null | undefined, dp = 2): string {
  if (s === null || s === undefined || s === '') return '–';
  const m = money(s, dp);
  return m.startsWith('-') || /^0(\.0*)?$/.test(m) ? m : `+${m}`;
}

/** An R-multiple: `+1.25R`, `-1.00R`; `–` for null or non-finite. */
export function rMultiple(r: number | string | null | undefined, dp = 2): string {
  const n = typeof r === 'string' ? Number(r) : r;
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return `${n > 0 ? '+' : ''}${n.toFixed(dp)}R`;
}

/** A percentage from a fraction or percent value: `pct(12.345)` → `"12.35%"`; `–` for null. */
export function pct(p: number | string | null | undefined, dp = 2): string {
  const n = typeof p === 'string' ? Number(p) : p;
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return `${n.toFixed(dp)}%`;
}

/** Tailwind text colour for a signed value: profit green, loss red, zero muted. */
export function signClass(v: number | string | null | undefined): string {
  const n = typeof v === 'string' ? Number(v) : v;
  if (n === null || n === undefined || !Number.isFinite(n) || n === 0) return 'text-muted';
  return n > 0 ? 'text-profit' : 'text-loss';
}

/** A date-time in UTC, compact: `2019-10-17 09:00`. */
export function utc(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A duration in seconds as `3d 4h`, `2h 5m`, `45s`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}
