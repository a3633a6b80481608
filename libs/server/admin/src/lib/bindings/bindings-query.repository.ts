import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_PAGE_SIZE,
  type BindingFilter,
  type BindingListQuery,
  type BindingSortField,
  type BindingListResponse,
  type BindingSummary,
} from '@sentinel/admin-contract';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { cappedTotal, decodeCursor, keysetPage } from '../common/paging';
import { SqlWhere, iso, likePrefix, pgArray, tokenFilter } from '../common/sql';

interface SummaryRow {
  id: string;
  token_hash: string;
  token_mask: string;
  rule_kind: BindingSummary['ruleKind'];
  rule_entries: string[] | string;
  status: BindingSummary['status'];
  first_ip: string | null;
  first_used_at: Date | string | null;
  last_ip: string | null;
  last_used_at: Date | string | null;
  note: string | null;
  intercept_count: number | string;
  created_at: Date | string;
  updated_at: Date | string;
  learning: boolean;
  max_addresses: number | string | null;
  label: string | null;
}

const COLUMNS = `b.id::text AS id, b.token_hash, b.token_mask, b.rule_kind, b.rule_entries::text[] AS rule_entries,
  b.status, host(b.first_ip) AS first_ip, b.first_used_at, host(b.last_ip) AS last_ip, b.last_used_at, b.note,
  b.intercept_count, b.created_at, b.updated_at, b.learning, b.max_addresses, b.label`;

/**
 * Each sort is one index walked in either direction (ties broken by id):
 * last_used → ix_token_bindings_last_used_key (never-used bindings sort as -infinity, i.e. last
 * when descending, first when ascending), created → ix_token_bindings_created, intercepts →
 * ix_token_bindings_intercepts (the trigger-maintained intercept_count).
 */
const SORT_KEYS: Record<BindingSortField, { key: string; type: string }> = {
  last_used: { key: `coalesce(b.last_used_at, '-infinity'::timestamptz)`, type: 'timestamptz' },
  created: { key: 'b.created_at', type: 'timestamptz' },
  intercepts: { key: 'b.intercept_count', type: 'bigint' },
};

function toSummary(r: SummaryRow): BindingSummary {
  return {
    id: r.id,
    tokenId: r.token_hash,
    tokenMask: r.token_mask,
    ruleKind: r.rule_kind,
    ruleEntries: pgArray(r.rule_entries),
    status: r.status,
    firstIp: r.first_ip,
    firstUsedAt: iso(r.first_used_at),
    lastIp: r.last_ip,
    lastUsedAt: iso(r.last_used_at),
    note: r.note,
    interceptCount: Number(r.intercept_count),
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
    // The stored flag; AdminBindingsService narrows it by the live cap (learning needs a cap > 1).
    learning: r.learning === true && r.status === 'active' && r.rule_kind !== 'all',
    maxAddresses: r.max_addresses === null ? null : Number(r.max_addresses),
    label: r.label,
  };
}

/** The list's filters as a WHERE clause (also the bulk operations' selection). */
function filterWhere(q: BindingFilter): SqlWhere {
  const lastUsedKey = SORT_KEYS.last_used.key;
  const where = new SqlWhere();
  if (q.token) tokenFilter(where, q.token, 'b');
  if (q.ip) where.add('$?::inet <<= ANY(b.rule_entries)', q.ip);
  if (q.ruleKind) where.add('b.rule_kind = $?', q.ruleKind);
  if (q.status) where.add('b.status = $?', q.status);
  // Spelled on the sort key so a range is an index range; never-used (-infinity) never matches.
  if (q.lastUsedFrom) where.add(`${lastUsedKey} >= $?::timestamptz`, q.lastUsedFrom);
  if (q.lastUsedTo)
    where.add(`${lastUsedKey} < $?::timestamptz AND ${lastUsedKey} > '-infinity'::timestamptz`, q.lastUsedTo);
  if (q.label) {
    const like = `%${likePrefix(q.label)}`; // %text%, wildcards in the text matched literally
    where.add(`(b.label ILIKE $? ESCAPE '\\' OR b.note ILIKE $? ESCAPE '\\')`, like, like);
  }
  return where;
}

/**
 * Read-only binding queries for the console (plain parameterised SQL; writes go through
 * BindingService, which invalidates the caches). Pages by keyset when given a cursor (any depth
 * costs one index seek plus the page), by offset otherwise (cost grows with the offset). The
 * total is exact up to EXACT_TOTAL_LIMIT, estimated above; see docs/performance.md for measured costs.
 */
@Injectable()
export class BindingsQueryRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(q: BindingListQuery): Promise<BindingListResponse> {
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const sortField = q.sort ?? 'last_used';
    const order = q.order ?? 'desc';
    const scope = `bindings:${sortField}:${order}`;
    const position = q.cursor ? decodeCursor(q.cursor, scope) : null;
    const { key, type } = SORT_KEYS[sortField];
    const where = filterWhere(q);
    const { total, totalExact } = await cappedTotal(this.db, 'token_bindings b', where);
    const dir = order === 'desc' ? 'DESC' : 'ASC';
    if (position)
      where.add(`(${key}, b.id) ${order === 'desc' ? '<' : '>'} ($?::${type}, $?::bigint)`, position.key, position.id);
    const limit = where.param(pageSize + 1);
    const offset = where.param(position ? 0 : (page - 1) * pageSize);
    const rows: (SummaryRow & { cursor_key: string })[] = await this.db.query(
      `SELECT ${COLUMNS}, (${key})::text AS cursor_key FROM token_bindings b ${where.sql}
        ORDER BY ${key} ${dir}, b.id ${dir} LIMIT ${limit} OFFSET ${offset}`,
      where.params,
    );
    const { items, nextCursor } = keysetPage(rows, pageSize, scope, (r) => r.cursor_key);
    return { items: items.map(toSummary), page, pageSize, total, totalExact, nextCursor };
  }

  /** Ids of the bindings matching a filter, at most `limit` (bulk operations; id order). */
  async matchingIds(filter: BindingFilter, limit: number): Promise<string[]> {
    const where = filterWhere(filter);
    const rows: { id: string }[] = await this.db.query(
      `SELECT b.id::text AS id FROM token_bindings b ${where.sql} ORDER BY b.id LIMIT ${where.param(limit)}`,
      where.params,
    );
    return rows.map((r) => r.id);
  }

  /** One binding by numeric id or 64-hex token id. */
  async get(ref: string): Promise<BindingSummary | null> {
    const byHash = /^[0-9a-f]{64}$/.test(ref);
    if (!byHash && !/^[0-9]{1,18}$/.test(ref)) return null;
    const rows: SummaryRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM token_bindings b
        WHERE ${byHash ? 'b.token_hash = $1' : 'b.id = $1::bigint'}`,
      [ref],
    );
    return rows.length > 0 ? toSummary(rows[0]) : null;
  }

  async counts(): Promise<{ active: number; banned: number; total: number }> {
    const rows: { status: string; n: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS n FROM token_bindings GROUP BY status`,
    );
    const active = rows.find((r) => r.status === 'active')?.n ?? 0;
    const banned = rows.find((r) => r.status === 'banned')?.n ?? 0;
    return { active, banned, total: active + banned };
  }
}
