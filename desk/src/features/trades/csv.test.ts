import { describe, expect, it } from 'vitest';
import { trade } from './fixtures';
import { csvField, csvFileName, toCsv, tradesCsv, TRADE_COLUMNS } from './csv';

describe('CSV export (RFC 4180)', () => {
  it('quotes fields with commas, quotes, CR or LF and doubles the quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
  });

  it('defuses spreadsheet formulas in text but keeps signed numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-12.50')).toBe('-12.50');
    expect(csvField('+3')).toBe('+3');
    expect(csvField('-rf')).toBe("'-rf");
  });

  it('writes a header and one CRLF-terminated line per row', () => {
    const csv = toCsv(
      [
        { header: 'a', cell: (r: { a: string }) => r.a },
        { header: 'b,c', cell: () => null },
      ],
      [{ a: 'x' }, { a: 'y"' }],
    );
    expect(csv).toBe('a,"b,c"\r\nx,\r\n"y""",\r\n');
  });

  it('exports trades with exact decimal text, tags space-separated and notes quoted', () => {
    const csv = tradesCsv([
      trade(1, { netPnl: '-10.123456789012', tags: ['a', 'b'], notes: 'line 1\nline, 2', setup: 'breakout' }),
    ]);
    const [header, row, end] = csv.split('\r\n');
    expect(header!.split(',')).toEqual(TRADE_COLUMNS.map((c) => c.header));
    expect(row).toContain(',breakout,a b,1,100,95,110,110,target,0.2,-10.123456789012,1.88,-0.2,2,"line 1\nline, 2"');
    expect(end).toBe('');
    expect(tradesCsv([])).toBe(TRADE_COLUMNS.map((c) => c.header).join(',') + '\r\n');
  });

  it('names the file after the UTC day', () => {
    expect(csvFileName(Date.UTC(2024, 0, 31, 23, 59))).toBe('testudo-trades-2024-01-31.csv');
  });
});
