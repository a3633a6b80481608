import { csvCell, csvRow } from './csv';

describe('CSV cells (RFC 4180 + CWE-1236)', () => {
  it('quotes every cell and doubles quotes', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('a "quoted" word')).toBe('"a ""quoted"" word"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell(42)).toBe('"42"');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://evil")'])(
    'neutralises the formula %p',
    (v) => {
      const cell = csvCell(v);
      expect(cell.startsWith(`"'`)).toBe(true);
      expect(cell).toBe(`"'${v.replace(/"/g, '""')}"`);
    },
  );

  it('leaves harmless leading characters alone', () => {
    expect(csvCell('sk-ab12…9xyz')).toBe('"sk-ab12…9xyz"');
    expect(csvCell(' =x')).toBe('" =x"');
  });

  it('ends rows with CRLF', () => {
    expect(csvRow(['a', null, '=b'])).toBe(`"a","","'=b"\r\n`);
  });
});
