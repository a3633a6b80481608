/**
 * A PostgreSQL array column as a string array. node-postgres parses `text[]` itself; PGlite (and
 * any driver without the type parser) hands back the literal `{a,b}` — split here. Elements are
 * addresses and CIDRs, so quoting never needs more than the surrounding quotes removed.
 */
export function pgArray(v: string[] | string | null): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}
