import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_PAGE_SIZE,
  type BindingListQuery,
  type BindingListResponse,
  type BindingSummary,
} from '@sentinel/admin-contract';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { SqlWhere, iso, pgArray, tokenFilter } from '../common/sql';

interface SummaryRow {
  id: string;
  token_hash: string;
  token_mask: string;
  rule_kind: BindingSummary['ruleKind'];
  rule_entries: string[] | string;
  status: BindingSummary['status'];
  first_ip: string;
  first_used_at: Date | string;
  last_ip: string | null;
  last_used_at: Date | string | null;
  note: string | null;
  intercept_count: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `b.id::text AS id, b.token_hash, b.token_mask, b.rule_kind, b.rule_entries::text[] AS rule_entries,
  b.status, host(b.first_ip) AS first_ip, b.first_used_at, host(b.last_ip) AS last_ip, b.last_used_at, b.note,
  b.created_at, b.updated_at`;

/** Per-row intercept count, computed for the page's rows only (ix_intercept_logs_token_created). */
const INTERCEPTS = `(SELECT count(*) FROM intercept_logs l WHERE l.token_hash = b.token_hash)`;

function toSummary(r: SummaryRow): BindingSummary {
  return {
    id: r.id,
    tokenId: r.token_hash,
    tokenMask: r.token_mask,
    ruleKind: r.rule_kind,
    ruleEntries: pgArray(r.rule_entries),
    status: r.status,
    firstIp: r.first_ip,
    firstUsedAt: iso(r.first_used_at) as string,
    lastIp: r.last_ip,
    lastUsedAt: iso(r.last_used_at),
    note: r.note,
    interceptCount: Number(r.intercept_count),
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
  };
}

/**
 * Read-only binding queries for the console (plain parameterised SQL; writes go through
 * BindingService, which invalidates the caches). Offset pagination with an exact total:
 * the sorts `last_used` and `created` walk ix_token_bindings_last_used / _created, so a page
 * costs its offset plus its size in index entries; see the README for measured costs.
 */
@Injectable()
export class BindingsQueryRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(q: BindingListQuery): Promise<BindingListResponse> {
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const where = new SqlWhere();
    if (q.token) tokenFilter(where, q.token, 'b');
    if (q.ip) where.add('$?::inet <<= ANY(b.rule_entries)', q.ip);
    if (q.ruleKind) where.add('b.rule_kind = $?', q.ruleKind);
    if (q.status) where.add('b.status = $?', q.status);
    if (q.lastUsedFrom) where.add('b.last_used_at >= $?::timestamptz', q.lastUsedFrom);
    if (q.lastUsedTo) where.add('b.last_used_at < $?::timestamptz', q.lastUsedTo);

    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM token_bindings b ${where.sql}`, where.params);
    const desc = (q.order ?? 'desc') === 'desc';
    const dir = desc ? 'DESC' : 'ASC';
    const limit = where.param(pageSize);
    const offset = where.param((page - 1) * pageSize);
    let sql: string;
    if ((q.sort ?? 'last_used') === 'intercepts') {
      // Sorting by count needs every matching binding's count: one grouped scan of the log.
      sql = `SELECT ${COLUMNS}, coalesce(c.n, 0) AS intercept_count
               FROM token_bindings b
               LEFT JOIN (SELECT token_hash, count(*) AS n FROM intercept_logs GROUP BY token_hash) c ON c.token_hash = b.token_hash
               ${where.sql}
              ORDER BY coalesce(c.n, 0) ${dir}, b.id ${dir} LIMIT ${limit} OFFSET ${offset}`;
    } else {
      const order =
        q.sort === 'created'
          ? (t: string) => `${t}.created_at ${dir}, ${t}.id::bigint ${dir}`
          : (t: string) => `${t}.last_used_at ${dir} ${desc ? 'NULLS LAST' : 'NULLS FIRST'}, ${t}.id::bigint ${dir}`;
      // The page is cut first, then counted: the per-row count must not run for skipped rows.
      sql = `SELECT b.*, ${INTERCEPTS} AS intercept_count
               FROM (SELECT ${COLUMNS} FROM token_bindings b ${where.sql} ORDER BY ${order('b')} LIMIT ${limit} OFFSET ${offset}) b
              ORDER BY ${order('b')}`;
    }
    const rows: SummaryRow[] = await this.db.query(sql, where.params);
    return { items: rows.map(toSummary), page, pageSize, total };
  }

  /** One binding by numeric id or 64-hex token id. */
  async get(ref: string): Promise<BindingSummary | null> {
    const byHash = /^[0-9a-f]{64}$/.test(ref);
    if (!byHash && !/^[0-9]{1,18}$/.test(ref)) return null;
    const rows: SummaryRow[] = await this.db.query(
      `SELECT ${COLUMNS}, ${INTERCEPTS} AS intercept_count FROM token_bindings b
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
