import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntry, AuditQuery, AuditListResponse } from '@sentinel/admin-contract';
import { DEFAULT_PAGE_SIZE } from '@sentinel/admin-contract';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { SqlWhere, iso } from '../common/sql';

export interface AuditRecord {
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  ip: string | null;
}

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  created_at: Date | string;
}

const COLUMNS = `id::text AS id, actor, action, target_type, target_id, before, after, host(ip) AS ip, created_at`;

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: r.before ?? null,
    after: r.after ?? null,
    ip: r.ip,
    createdAt: iso(r.created_at) as string,
  };
}

/** The admin_audit table. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async insert(r: AuditRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO admin_audit (actor, action, target_type, target_id, before, after, ip)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::inet)`,
      [r.actor, r.action, r.targetType, r.targetId, json(r.before), json(r.after), r.ip],
    );
  }

  /** Many rows in one statement (bulk operations: one row per binding). */
  async insertMany(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.query(
      `INSERT INTO admin_audit (actor, action, target_type, target_id, before, after, ip)
       SELECT v.actor, v.action, v.tt, v.tid, v.b::jsonb, v.a::jsonb, v.ip::inet
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS v(actor, action, tt, tid, b, a, ip)`,
      [
        records.map((r) => r.actor),
        records.map((r) => r.action),
        records.map((r) => r.targetType),
        records.map((r) => r.targetId),
        records.map((r) => json(r.before)),
        records.map((r) => json(r.after)),
        records.map((r) => r.ip),
      ],
    );
  }

  async list(q: AuditQuery): Promise<AuditListResponse> {
    const page = q.page ?? 1;
    const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
    const where = new SqlWhere();
    if (q.action) where.add('action = $?', q.action);
    if (q.actor) where.add('actor = $?', q.actor);
    // Sign-ins on their own: `auth.*` rows would otherwise flood the list of changes.
    if (q.kind === 'auth') where.add(`action LIKE 'auth.%'`);
    if (q.kind === 'changes') where.add(`action NOT LIKE 'auth.%'`);
    if (q.targetType) where.add('target_type = $?', q.targetType);
    if (q.targetId) where.add('target_id = $?', q.targetId);
    if (q.from) where.add('created_at >= $?::timestamptz', q.from);
    if (q.to) where.add('created_at < $?::timestamptz', q.to);
    const [{ total }] = await this.db.query(
      `SELECT count(*)::int AS total FROM admin_audit ${where.sql}`,
      where.params,
    );
    const limit = where.param(pageSize);
    const offset = where.param((page - 1) * pageSize);
    const rows: AuditRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM admin_audit ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`,
      where.params,
    );
    return { items: rows.map(toEntry), page, pageSize, total };
  }

  async forTarget(targetType: string, targetIds: readonly string[], limit: number): Promise<AuditEntry[]> {
    const rows: AuditRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM admin_audit WHERE target_type = $1 AND target_id = ANY($2::text[])
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [targetType, targetIds, limit],
    );
    return rows.map(toEntry);
  }
}

function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}
