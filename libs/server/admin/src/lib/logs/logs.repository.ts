import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_PAGE_SIZE,
  SHARING_REASONS,
  type InterceptLogItem,
  type LogExportQuery,
  type LogListResponse,
  type LogQuery,
  type SharedKeyItem,
  type TopInterceptedToken,
} from '@sentinel/admin-contract';
import { DATA_SOURCE, withLongRunningSession, type SentinelDataSource } from '@sentinel/server-storage';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { cappedTotal, decodeCursor, keysetPage } from '../common/paging';
import { SqlWhere, iso, pgArray, tokenFilter } from '../common/sql';
import { copyOut, type CopySink } from './copy-out';
import { csvRowSql } from './csv';

const LOG_SCOPE = 'logs:created:desc';

/** An export line, in LOG_EXPORT_COLUMNS order, with the API's text forms (ISO time in UTC, ms). */
const CSV_CHUNK_ROWS = 96;
const CSV_LINE = csvRowSql([
  `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  'token_mask',
  'token_hash',
  'host(client_ip)',
  'reason',
  'rule_kind',
  `array_to_string(rule_entries::text[], ' ')`,
  'binding_status',
  'method',
  'path',
  'user_agent',
  'request_id',
]);

interface LogRow {
  id: string;
  token_hash: string;
  token_mask: string;
  client_ip: string;
  rule_kind: InterceptLogItem['ruleKind'];
  rule_entries: string[] | string;
  binding_status: InterceptLogItem['bindingStatus'];
  reason: InterceptLogItem['reason'];
  method: string;
  path: string;
  user_agent: string | null;
  request_id: string | null;
  created_at: Date | string;
}

const COLUMNS = `id::text AS id, token_hash, token_mask, host(client_ip) AS client_ip, rule_kind,
  rule_entries::text[] AS rule_entries, binding_status, reason, method, path, user_agent, request_id, created_at`;

export function toLogItem(r: LogRow): InterceptLogItem {
  return {
    id: r.id,
    tokenId: r.token_hash,
    tokenMask: r.token_mask,
    clientIp: r.client_ip,
    ruleKind: r.rule_kind,
    ruleEntries: pgArray(r.rule_entries),
    bindingStatus: r.binding_status,
    reason: r.reason,
    method: r.method,
    path: r.path,
    userAgent: r.user_agent,
    requestId: r.request_id,
    createdAt: iso(r.created_at) as string,
  };
}

/** A keyset position in (created_at DESC, id DESC) order. */
export interface LogCursor {
  createdAt: string;
  id: string;
}

/** intercept_logs queries for the console, the export and the dashboard. */
@Injectable()
export class LogsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  private filters(q: LogExportQuery): SqlWhere {
    const where = new SqlWhere();
    if (q.from) where.add('created_at >= $?::timestamptz', q.from);
    if (q.to) where.add('created_at < $?::timestamptz', q.to);
    if (q.token) tokenFilter(where, q.token);
    // An address matches itself; a CIDR range (10.0.0.0/8) every address inside it.
    if (q.clientIp?.includes('/')) where.add('client_ip <<= $?::inet', q.clientIp.trim());
    else if (q.clientIp) where.add('client_ip = $?::inet', q.clientIp.trim());
    if (q.reason) where.add('reason = $?', q.reason);
    return where;
  }

  /**
   * A page newest first: by keyset after `q.cursor` (an index seek at any depth), else by offset.
   * The total is exact up to EXACT_TOTAL_LIMIT, the planner's estimate above.
   */
  async list(q: LogQuery): Promise<LogListResponse> {
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const position = q.cursor ? decodeCursor(q.cursor, LOG_SCOPE) : null;
    const where = this.filters(q);
    const { total, totalExact } = await cappedTotal(this.db, 'intercept_logs', where);
    if (position) where.add('(created_at, id) < ($?::timestamptz, $?::bigint)', position.key, position.id);
    const limit = where.param(pageSize + 1);
    const offset = where.param(position ? 0 : (page - 1) * pageSize);
    const rows: (LogRow & { cursor_at: string })[] = await this.db.query(
      `SELECT ${COLUMNS}, created_at::text AS cursor_at FROM intercept_logs l ${where.sql}
        ORDER BY l.created_at DESC, l.id DESC LIMIT ${limit} OFFSET ${offset}`,
      where.params,
    );
    const { items, nextCursor } = keysetPage(rows, pageSize, LOG_SCOPE, (r) => r.cursor_at);
    return { items: items.map(toLogItem), page, pageSize, total, totalExact, nextCursor };
  }

  /**
   * One export batch as CSV text formatted by the database (the columns of LOG_EXPORT_COLUMNS):
   * rows strictly after `cursor` in (created_at, id) DESC order, an index range scan on
   * ix_intercept_logs_created. Node holds one string per batch, whatever the export's size.
   */
  async csvBatch(
    q: LogExportQuery,
    cursor: LogCursor | null,
    size: number,
  ): Promise<{ chunks: string[]; rows: number; cursor: LogCursor | null }> {
    const where = this.filters(q);
    if (cursor) where.add('(created_at, id) < ($?::timestamptz, $?::bigint)', cursor.createdAt, cursor.id);
    const limit = where.param(size);
    // The batch comes back as strings of CSV_CHUNK_ROWS lines (~24k characters; masks contain
    // '…', so V8 stores them two bytes per character): each stays below V8's 128 KiB large-object
    // size, so it can die young instead of waiting in large-object space for a full collection.
    const rows: { csv: string; n: number; at: string; id: string }[] = await this.db.query(
      `WITH page AS MATERIALIZED (
         SELECT id, created_at, ${CSV_LINE} AS line FROM intercept_logs ${where.sql}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}
       ), numbered AS (
         SELECT id, created_at, line, (row_number() OVER (ORDER BY created_at DESC, id DESC) - 1) / ${CSV_CHUNK_ROWS} AS chunk FROM page
       ), last AS (SELECT p.created_at::text AS at, p.id::text AS id FROM page p ORDER BY p.created_at, p.id LIMIT 1)
       SELECT c.csv, c.n, last.at, last.id
         FROM (SELECT chunk, string_agg(line, '' ORDER BY created_at DESC, id DESC) AS csv, count(*)::int AS n
                 FROM numbered GROUP BY chunk) c CROSS JOIN last
        ORDER BY c.chunk`,
      where.params,
    );
    const last = rows[rows.length - 1];
    if (!last) return { chunks: [], rows: 0, cursor: null };
    return {
      chunks: rows.map((r) => r.csv),
      rows: rows.reduce((n, r) => n + Number(r.n), 0),
      cursor: { createdAt: last.at, id: last.id },
    };
  }

  /** Whether `copyCsv` can run: PostgreSQL yes; the embedded PGlite exports by `csvBatch`. */
  get canCopyCsv(): boolean {
    return (this.db as unknown as Partial<Pick<SentinelDataSource, 'backend'>>).backend === 'postgres';
  }

  /**
   * The whole export as one `COPY (SELECT <CSV_LINE> …) TO STDOUT` on a dedicated connection
   * (no statement timeout: a slow client holds it back), the same lines in the same order as
   * `csvBatch`, handed to `sink` as Buffers (see copyOut). COPY takes no bind parameters, so the
   * filter values travel as session settings (set_config with parameters) that the statement
   * reads back with current_setting: no value is ever spliced into SQL text.
   */
  async copyCsv(q: LogExportQuery, sink: CopySink): Promise<void> {
    const where = this.filters(q);
    const sql = `COPY (SELECT ${CSV_LINE} FROM intercept_logs l
      ${where.sql.replace(/\$(\d+)/g, (_, n: string) => `current_setting('sentinel.export_${n}')`)}
      ORDER BY l.created_at DESC, l.id DESC) TO STDOUT (FORMAT binary)`;
    await withLongRunningSession(this.db, 0, async (runner) => {
      if (where.params.length > 0) {
        const sets = where.params.map((_, i) => `set_config('sentinel.export_${i + 1}', $${i + 1}, false)`);
        await runner.query(`SELECT ${sets.join(', ')}`, where.params.map(String));
      }
      try {
        await copyOut((runner as unknown as { databaseConnection: Client }).databaseConnection, sql, sink);
      } finally {
        for (let i = 1; i <= where.params.length && !runner.isReleased; i++) {
          await runner.query(`RESET sentinel.export_${i}`).catch(() => undefined);
        }
      }
    });
  }

  async latest(limit: number): Promise<InterceptLogItem[]> {
    const rows: LogRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM intercept_logs l ORDER BY l.created_at DESC, l.id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toLogItem);
  }

  async forToken(tokenHash: string, limit: number): Promise<InterceptLogItem[]> {
    const rows: LogRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM intercept_logs WHERE token_hash = $1 ORDER BY created_at DESC LIMIT $2`,
      [tokenHash, limit],
    );
    return rows.map(toLogItem);
  }

  async topIntercepted(sinceSeconds: number, limit: number): Promise<TopInterceptedToken[]> {
    const rows: { token_hash: string; token_mask: string; n: number; last_at: Date | string }[] = await this.db.query(
      `SELECT token_hash, max(token_mask) AS token_mask, count(*)::int AS n, max(created_at) AS last_at
         FROM intercept_logs WHERE created_at >= now() - make_interval(secs => $1)
        GROUP BY token_hash ORDER BY n DESC, token_hash LIMIT $2`,
      [sinceSeconds, limit],
    );
    return rows.map((r) => ({
      tokenId: r.token_hash,
      tokenMask: r.token_mask,
      intercepts: r.n,
      lastAt: iso(r.last_at) as string,
    }));
  }

  /**
   * Keys refused from at least `threshold` distinct addresses within the last `windowSeconds`
   * (the dashboard's sharing panel): one grouped range scan of ix_intercept_logs_created over the
   * refusals that say "used from elsewhere" — a banned key's refusals say nothing new.
   */
  async sharedKeys(windowSeconds: number, threshold: number, limit: number): Promise<SharedKeyItem[]> {
    const rows: { token_hash: string; token_mask: string; n: number; last_at: Date | string }[] = await this.db.query(
      `SELECT token_hash, max(token_mask) AS token_mask, count(DISTINCT client_ip)::int AS n, max(created_at) AS last_at
         FROM intercept_logs
        WHERE created_at >= now() - make_interval(secs => $1) AND reason = ANY($4)
        GROUP BY token_hash HAVING count(DISTINCT client_ip) >= $2
        ORDER BY n DESC, last_at DESC, token_hash LIMIT $3`,
      [windowSeconds, threshold, limit, [...SHARING_REASONS]],
    );
    return rows.map((r) => ({
      tokenId: r.token_hash,
      tokenMask: r.token_mask,
      distinctAddresses: r.n,
      lastAt: iso(r.last_at) as string,
    }));
  }

  /** Intercepts per UTC day since `fromDay` (for days whose Redis counters are gone). */
  async perDay(fromDay: string): Promise<Map<string, number>> {
    const rows: { day: string; n: number }[] = await this.db.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n
         FROM intercept_logs WHERE created_at >= $1::date::timestamp AT TIME ZONE 'UTC' GROUP BY 1`,
      [fromDay],
    );
    return new Map(rows.map((r) => [r.day, r.n]));
  }
}
