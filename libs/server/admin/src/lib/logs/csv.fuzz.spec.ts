import fc from 'fast-check';
import { csvCell, csvRow } from './csv';

/**
 * Security matrix case 22 (OWASP CSV injection, CWE-1236; RFC 4180 quoting) as properties: every
 * row written by csvRow parses back, with a strict RFC 4180 parser written here, to exactly the
 * cells written (after the documented `'` prefix), and no parsed cell starts with a formula
 * character unless it starts with `'`. Fixed seed, bounded runs.
 */
const SEED = 0x5e471e1;
const RUNS = 500;

/** Strict RFC 4180: fields separated by `,`, records ended by CRLF, quoted fields with `""`. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quoted field');
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += text[i++];
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          if (text[i] === '"') throw new Error('quote inside an unquoted field');
          field += text[i++];
        }
      }
      record.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') {
        i += 2;
        break;
      }
      throw new Error(`bad record end at ${i}`);
    }
    records.push(record);
  }
  return records;
}

const FORMULA = ['=', '+', '-', '@', '\t', '\r'];
const SEEDS = [
  '=1+1',
  '+1',
  '-1',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
  '=HYPERLINK("http://x","y")',
  'a,b',
  'a"b',
  '"',
  '""',
  'line\r\nbreak',
  'lf\nonly',
  "'=already",
  '',
  ' =1',
  'é漢字',
  '\u0000',
];
const cellValue = fc.oneof(
  fc.constantFrom(...SEEDS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', ',', '"', "'", 'a', ' '), maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const expected = (v: string | number | boolean | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return FORMULA.includes(s[0] ?? '') ? `'${s}` : s;
};

describe('case 22: CSV export cells (property)', () => {
  it('every row round-trips through an RFC 4180 parser', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(cellValue, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const text = rows.map(csvRow).join('');
          const parsed = parseCsv(text);
          expect(parsed).toEqual(rows.map((r) => r.map(expected)));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('no cell starts with = + - @ TAB CR unless prefixed with a quote mark', () => {
    fc.assert(
      fc.property(cellValue, (v) => {
        const [[cell]] = parseCsv(`${csvCell(v)}\r\n`);
        if (cell.length > 0) expect(FORMULA).not.toContain(cell[0]);
        const raw = v === null || v === undefined ? '' : String(v);
        if (FORMULA.includes(raw[0] ?? '')) expect(cell).toBe(`'${raw}`);
        // The written cell is always fully quoted.
        expect(csvCell(v)).toMatch(/^"[\s\S]*"$/);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });
});
