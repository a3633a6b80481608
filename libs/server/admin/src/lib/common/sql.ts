/** Builds a parameterised WHERE clause: `add('x = $?', v)` numbers the placeholders. */
export class SqlWhere {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  add(fragment: string, ...values: unknown[]): this {
    let text = fragment;
    for (const v of values) {
      this.params.push(v);
      text = text.replace('$?', `$${this.params.length}`);
    }
    this.parts.push(text);
    return this;
  }

  /** The next placeholder for a value outside the WHERE clause (LIMIT, OFFSET, cursors). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.parts.length === 0 ? '' : `WHERE ${this.parts.join(' AND ')}`;
  }
}

/** Escapes LIKE wildcards so user input is matched literally (used with `ESCAPE '\\'`). */
export function likePrefix(value: string): string {
  return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The one PostgreSQL array parser lives in server-storage. */
export { pgArray } from '@sentinel/server-storage';

export function iso(v: Date | string | null): string | null {
  if (v === null) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/** `token` filter: a mask prefix (`sk-ab12`, `ab12`) or a token id (hex) prefix. */
export function tokenFilter(where: SqlWhere, token: string, table = ''): void {
  const t = token.trim();
  const col = (c: string) => (table ? `${table}.${c}` : c);
  const masks = [likePrefix(t)];
  if (!t.startsWith('sk-')) masks.push(likePrefix(`sk-${t}`));
  const hex = /^[0-9a-f]{4,64}$/i.test(t);
  const conditions = masks.map(() => `${col('token_mask')} LIKE $? ESCAPE '\\'`);
  if (hex) conditions.push(`${col('token_hash')} LIKE $? ESCAPE '\\'`);
  where.add(`(${conditions.join(' OR ')})`, ...masks, ...(hex ? [likePrefix(t.toLowerCase())] : []));
}

/**
 * The rows of an UPDATE/DELETE … RETURNING: TypeORM's pg driver answers `[rows, count]` for
 * those, the embedded driver the rows alone.
 */
export function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return (Array.isArray(result) ? result : []) as T[];
}
