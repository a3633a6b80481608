import { describeEachBackend } from '@sentinel/server-storage/testing';
import { csvCell, csvRow, csvRowSql } from './csv';

/** Cells a spreadsheet or a naive parser gets wrong: formulas, quotes, separators, line breaks. */
const CELLS: (string | null)[] = [
  null,
  '',
  'plain',
  '=1+2',
  '+cmd',
  '-2',
  '@SUM(A1)',
  '\tTAB',
  '\rCR',
  'a "quoted" word',
  '"=already quoted',
  'comma, separated',
  'line\r\nbreak',
  ' =not at start',
  'ünïcødé…',
  "'single",
];

describeEachBackend('csvRowSql on %s', (db) => {
  it('formats every cell exactly as csvCell/csvRow do', async () => {
    const params = CELLS.map((c) => c);
    const exprs = CELLS.map((_, i) => `$${i + 1}::text`);
    const [row] = await db().dataSource.query(`SELECT ${csvRowSql(exprs)} AS line`, params);
    expect(row.line).toBe(csvRow(CELLS));
    for (const c of CELLS) {
      const [one] = await db().dataSource.query(`SELECT ${csvRowSql(['$1::text'])} AS line`, [c]);
      expect(one.line).toBe(`${csvCell(c)}\r\n`);
    }
  });
});
