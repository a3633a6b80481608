import { EXACT_TOTAL_LIMIT } from '@sentinel/admin-contract';
import type { DataSource } from 'typeorm';
import { AdminApiError } from './admin-errors';
import type { SqlWhere } from './sql';

/** A keyset position: the sort key as PostgreSQL text (microseconds kept) and the row id. */
export interface KeysetPosition {
  key: string;
  id: string;
}

const KEY_TEXT = /^(-?infinity|-?\d{1,19}|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d(:?\d\d)?|Z)?)$/;

/**
 * Cursors are opaque to clients: base64url of `[scope, key, id]`. `scope` names the list, sort and
 * order the cursor was issued for, so a cursor is refused (400) with any other ordering.
 */
export function encodeCursor(scope: string, pos: KeysetPosition): string {
  return Buffer.from(JSON.stringify([scope, pos.key, pos.id]), 'utf8').toString('base64url');
}

/**
 * A keyset page from rows queried with `LIMIT pageSize + 1`: the page, and the cursor of the next
 * one when the extra row shows there is more.
 */
export function keysetPage<R extends { id: string }>(
  rows: R[],
  pageSize: number,
  scope: string,
  keyOf: (row: R) => string,
): { items: R[]; nextCursor: string | null } {
  const more = rows.length > pageSize;
  const items = more ? rows.slice(0, pageSize) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(scope, { key: keyOf(last), id: last.id }) : null };
}

export function decodeCursor(cursor: string, scope: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== scope ||
    typeof parsed[1] !== 'string' ||
    typeof parsed[2] !== 'string' ||
    !KEY_TEXT.test(parsed[1]) ||
    !/^\d{1,19}$/.test(parsed[2])
  ) {
    throw AdminApiError.validation(
      [{ field: 'cursor', messages: ['cursor is not a position of this list with this sort and order'] }],
      'The cursor does not belong to this list, sort and order; start again from the first page.',
    );
  }
  return { key: parsed[1], id: parsed[2] };
}

/**
 * The list's total. The planner's row estimate comes first (planning only, no rows read): above
 * EXACT_TOTAL_LIMIT it is the answer (`totalExact: false`) — an exact count of a million matches
 * costs more than the page. Otherwise the rows are counted, stopping after EXACT_TOTAL_LIMIT + 1,
 * so the count costs at most that many matches; if it overflows (stale statistics), the total is
 * again flagged as an estimate.
 */
export async function cappedTotal(
  db: DataSource,
  from: string,
  where: SqlWhere,
): Promise<{ total: number; totalExact: boolean }> {
  const params = [...where.params];
  const rows: Record<string, unknown>[] = await db.query(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} ${where.sql}`,
    params,
  );
  let plan = rows[0]?.['QUERY PLAN'];
  if (typeof plan === 'string') plan = JSON.parse(plan);
  const estimate = Math.round(
    Number((plan as { Plan?: { 'Plan Rows'?: number } }[] | undefined)?.[0]?.Plan?.['Plan Rows'] ?? 0),
  );
  if (estimate > EXACT_TOTAL_LIMIT) return { total: estimate, totalExact: false };
  const [{ n }] = await db.query(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} ${where.sql} LIMIT ${EXACT_TOTAL_LIMIT + 1}) t`,
    params,
  );
  if (n <= EXACT_TOTAL_LIMIT) return { total: n, totalExact: true };
  return { total: Math.max(estimate, n), totalExact: false };
}
