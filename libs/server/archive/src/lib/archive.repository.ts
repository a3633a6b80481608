import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, advisoryLockKey, withLongRunningSession } from '@sentinel/server-storage';
import type { ArchiveRunRecord } from './archive.types';

/** `SNTLARCH`: held (session level, on the job's dedicated connection) while a run is in progress. */
export const ARCHIVE_LOCK_KEY = advisoryLockKey('SNTLARCH');

/**
 * One batch: lock up to $2 expired active bindings (oldest first, skipping rows another
 * transaction holds), delete them and copy them to archived_bindings — one statement, so one
 * transaction. The retention expression is spelled exactly as ix_token_bindings_retention indexes
 * it. Banned bindings are never archived: archiving deletes the row, and the token's next request
 * would then bind afresh — a silent unban.
 */
export const ARCHIVE_BATCH_SQL = `
WITH moved AS (
  DELETE FROM token_bindings
   WHERE id IN (
     SELECT id FROM token_bindings
      WHERE coalesce(last_used_at, created_at) < $1::timestamptz
        AND status = 'active'
      ORDER BY coalesce(last_used_at, created_at), id
      LIMIT $2
      FOR UPDATE SKIP LOCKED)
  RETURNING id, token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at,
            last_ip, last_used_at, note, version, created_at, updated_at
)
INSERT INTO archived_bindings
  (binding_id, token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at,
   last_ip, last_used_at, note, version, created_at, updated_at, archived_at, archive_reason)
SELECT id, token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at,
       last_ip, last_used_at, note, version, created_at, updated_at, now(), 'retention'
  FROM moved
RETURNING token_hash`;

/** One batch of intercept log retention (ix_intercept_logs_created). */
export const LOG_RETENTION_BATCH_SQL = `
WITH gone AS (
  DELETE FROM intercept_logs
   WHERE id IN (
     SELECT id FROM intercept_logs
      WHERE created_at < $1::timestamptz
      ORDER BY created_at, id
      LIMIT $2
      FOR UPDATE SKIP LOCKED)
  RETURNING 1
)
SELECT count(*)::int AS n FROM gone`;

interface Executor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The statements of one run, on the connection the run holds. */
export class ArchiveSession {
  constructor(private readonly exec: Executor) {}

  /** A new archive_runs row; its id. */
  async startRun(instanceId: string): Promise<string> {
    const [run] = (await this.exec.query(
      `INSERT INTO archive_runs (instance_id) VALUES ($1) RETURNING id::text AS id`,
      [instanceId],
    )) as { id: string }[];
    return run.id;
  }

  /** The cut-off instants, computed by the database's clock. */
  async cutoffs(archiveDays: number, retentionDays: number): Promise<{ bindings: string; logs: string }> {
    const [cut] = (await this.exec.query(
      `SELECT (now() - $1::int * interval '1 day')::text AS bindings, (now() - $2::int * interval '1 day')::text AS logs`,
      [Math.max(0, Math.floor(archiveDays)), Math.max(0, Math.floor(retentionDays))],
    )) as { bindings: string; logs: string }[];
    return cut;
  }

  async recordProgress(runId: string | null, rowsArchived: number, logsDeleted: number): Promise<void> {
    await this.exec.query(`UPDATE archive_runs SET rows_archived = $2, logs_deleted = $3 WHERE id = $1::bigint`, [
      runId,
      rowsArchived,
      logsDeleted,
    ]);
  }

  async finishRun(
    runId: string | null,
    rowsArchived: number,
    logsDeleted: number,
    error: string | null,
  ): Promise<void> {
    await this.exec.query(
      `UPDATE archive_runs SET finished_at = now(), rows_archived = $2, logs_deleted = $3, error = $4 WHERE id = $1::bigint`,
      [runId, rowsArchived, logsDeleted, error],
    );
  }

  /** One committed batch of {@link ARCHIVE_BATCH_SQL}: the token ids it archived. */
  async archiveBatch(cutoff: string, limit: number): Promise<string[]> {
    const rows = (await this.exec.query(ARCHIVE_BATCH_SQL, [cutoff, limit])) as { token_hash: string }[];
    return rows.map((r) => r.token_hash);
  }

  /** One batch of {@link LOG_RETENTION_BATCH_SQL}: the rows it deleted. */
  async deleteLogBatch(cutoff: string, limit: number): Promise<number> {
    const [{ n }] = (await this.exec.query(LOG_RETENTION_BATCH_SQL, [cutoff, limit])) as { n: number }[];
    return Number(n);
  }
}

export type LockedRun<T> = { readonly locked: true; readonly value: T } | { readonly locked: false };

/** archive_runs, the archive and retention batches, and the job's once-across-instances lock. */
@Injectable()
export class ArchiveRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async recentRuns(limit: number): Promise<ArchiveRunRecord[]> {
    const rows: {
      id: string;
      instance_id: string;
      started_at: Date | string;
      finished_at: Date | string | null;
      rows_archived: string | number;
      logs_deleted: string | number;
      error: string | null;
    }[] = await this.db.query(
      `SELECT id::text AS id, instance_id, started_at, finished_at, rows_archived, logs_deleted, error
         FROM archive_runs ORDER BY started_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      startedAt: iso(r.started_at),
      finishedAt: r.finished_at === null ? null : iso(r.finished_at),
      rowsArchived: Number(r.rows_archived),
      logsDeleted: Number(r.logs_deleted),
      error: r.error,
    }));
  }

  /**
   * Runs `run` once across instances. On PostgreSQL: on a dedicated session with the given
   * statement timeout, holding pg_try_advisory_lock(SNTLARCH); `{ locked: false }` when another
   * instance holds it. On the embedded PGlite (a single process by construction, a single shared
   * connection) an advisory lock would be re-entrant and holding the connection for the whole run
   * would stall every request: the statements go through the pool one by one instead.
   */
  async withRunLock<T>(
    statementTimeoutMs: number,
    run: (session: ArchiveSession) => Promise<T>,
  ): Promise<LockedRun<T>> {
    if ((this.db as { backend?: string }).backend === 'pglite') {
      return { locked: true, value: await run(new ArchiveSession(this.db)) };
    }
    return withLongRunningSession(this.db, statementTimeoutMs, async (runner) => {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        ARCHIVE_LOCK_KEY,
      ])) as { locked: boolean }[];
      if (!locked) return { locked: false } as const;
      try {
        return { locked: true, value: await run(new ArchiveSession(runner)) } as const;
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [ARCHIVE_LOCK_KEY]).catch(() => undefined);
      }
    });
  }
}

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
