/**
 * Reading PostgreSQL's binary COPY format (`COPY ... TO STDOUT WITH (FORMAT binary)`), as documented in
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4: an 11-byte signature, a 32-bit flags field,
 * a header extension (32-bit length + bytes), then one tuple after another — a 16-bit field count (−1 ends the
 * data), and per field a 32-bit length (−1 for NULL) and that many bytes in the type's binary send format. All
 * integers are big-endian.
 */

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // PGCOPY\n\377\r\n\0

/** A binary COPY output that does not follow the format. */
export class BinaryCopyError extends Error {
  override readonly name = 'BinaryCopyError';
  readonly code = 'bad-binary-copy';
}

/**
 * The tuples of a binary COPY output, each a list of its fields' bytes (views into `bytes`, no copy; null for NULL).
 * @throws BinaryCopyError when `bytes` is not a complete binary COPY output (bad signature, truncated tuple, OIDs).
 */
export function parseBinaryCopy(bytes: Uint8Array): (Uint8Array | null)[][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 19 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new BinaryCopyError('not a binary COPY');
  if (view.getUint32(11) & (1 << 16)) throw new BinaryCopyError('binary COPY with OIDs is not read');
  let at = 19 + view.getUint32(15);
  const rows: (Uint8Array | null)[][] = [];
  for (;;) {
    if (at + 2 > bytes.length) throw new BinaryCopyError('binary COPY ends without its trailer');
    const n = view.getInt16(at);
    at += 2;
    if (n === -1) return rows;
    const row: (Uint8Array | null)[] = [];
    for (let f = 0; f < n; f++) {
      if (at + 4 > bytes.length) throw new BinaryCopyError('binary COPY ends inside a tuple');
      const len = view.getInt32(at);
      at += 4;
      if (len === -1) row.push(null);
      else {
        if (len < 0 || at + len > bytes.length) throw new BinaryCopyError('binary COPY ends inside a field');
        row.push(bytes.subarray(at, at + len));
        at += len;
      }
    }
    rows.push(row);
  }
}

/**
 * An int8 field's binary value as a number.
 * @throws BinaryCopyError when the field is not 8 bytes or the value is beyond ±2^53.
 */
export function int8Field(field: Uint8Array | null): number {
  if (!field || field.length !== 8) throw new BinaryCopyError('an int8 field is not 8 bytes');
  const v = new DataView(field.buffer, field.byteOffset, 8).getBigInt64(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
    throw new BinaryCopyError('an int8 field is beyond 2^53');
  return Number(v);
}
