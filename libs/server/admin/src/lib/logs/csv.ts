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
