/**
 * RFC 4180 CSV with formula neutralisation (OWASP CSV injection, CWE-1236): a cell starting with
 * = + - @ TAB or CR gets a leading `'` so a spreadsheet shows it as text; every cell is quoted,
 * quotes doubled; lines end with CRLF.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvRow(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * The same cell as `csvCell`, computed by PostgreSQL from a text expression (NULL → `""`), so
 * the export's rows are formatted by the database and reach Node as one string per batch.
 * `csv.int.spec.ts` checks it against `csvCell` on both backends.
 */
export function csvCellSql(expr: string): string {
  return `('"' || replace(coalesce(CASE WHEN left(${expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${expr} ELSE ${expr} END, ''), '"', '""') || '"')`;
}

/** One CSV line (CRLF-terminated) from text expressions, as `csvRow` makes it. */
export function csvRowSql(exprs: readonly string[]): string {
  return `(${exprs.map(csvCellSql).join(` || ',' || `)} || chr(13) || chr(10))`;
}
