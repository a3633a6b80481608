import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { BindingDecider } from '@sentinel/server-binding';
import { AppLogger } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { DATA_SOURCE, advisoryLockKey, withLongRunningSession } from '@sentinel/server-storage';
import { ARCHIVE_OPTIONS, type ArchiveOptions } from './archive.options';
import type { ArchiveRunRecord, ArchiveRunSummary } from './archive.types';

/** `SNTLARCH`: held (session level, on the job's dedicated connection) while a run is in progress. */
export const ARCHIVE_LOCK_KEY = advisoryLockKey('SNTLARCH');
export const ARCHIVE_INTERVAL_NAME = 'sentinel-archive';
export const ARCHIVE_INITIAL_TIMEOUT_NAME = 'sentinel-archive-initial';

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

export type ArchiveSettingsSource = Pick<RuntimeSettings, 'current' | 'onChange'>;
export type BindingCaches = Pick<BindingDecider, 'l1' | 'shared'>;

/**
 * The archive/retention job. Runs on an interval (archiveIntervalMinutes, re-armed when the
 * setting changes) and on demand (runNow, for the admin API). Across instances it runs once: the
 * run holds pg_try_advisory_lock(SNTLARCH) on a dedicated session; an instance that does not get
 * the lock skips. On the embedded PGlite (one process by construction, one shared connection)
 * the statements go through the pool one by one, so request-path queries interleave with batches.
 */
@Injectable()
export class ArchiveService implements OnApplicationBootstrap, OnModuleDestroy {
  private running: Promise<ArchiveRunSummary> | undefined;
  private unsubscribeSettings: (() => void) | undefined;
  private armedMinutes: number | undefined;
  private closed = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(RuntimeSettings) private readonly settings: ArchiveSettingsSource,
    private readonly scheduler: SchedulerRegistry,
    @Inject(BindingDecider) private readonly caches: BindingCaches,
    private readonly logger: AppLogger,
    @Inject(ARCHIVE_OPTIONS) private readonly options: ArchiveOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.schedule) return;
    this.arm(this.settings.current.archiveIntervalMinutes);
    this.unsubscribeSettings = this.settings.onChange((next, previous) => {
      if (next.archiveIntervalMinutes !== previous.archiveIntervalMinutes) this.arm(next.archiveIntervalMinutes);
    });
    const first = setTimeout(() => {
      this.removeTimeout();
      void this.runScheduled();
    }, this.options.initialDelayMs);
    first.unref();
    this.scheduler.addTimeout(ARCHIVE_INITIAL_TIMEOUT_NAME, first);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.unsubscribeSettings?.();
    if (this.scheduler.doesExist('interval', ARCHIVE_INTERVAL_NAME))
      this.scheduler.deleteInterval(ARCHIVE_INTERVAL_NAME);
    this.removeTimeout();
    // A run in progress stops after its current batch.
    await this.running?.catch(() => undefined);
  }

  /** The interval currently armed, in minutes (undefined when not scheduled). */
  get intervalMinutes(): number | undefined {
    return this.armedMinutes;
  }

  /**
   * Runs the job now (or joins the run already in progress on this instance). Never throws: a
   * failure is in the summary (and in archive_runs).
   */
  runNow(): Promise<ArchiveRunSummary> {
    this.running ??= this.execute().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The most recent run recorded by any instance, or null. */
  async lastRun(): Promise<ArchiveRunRecord | null> {
    return (await this.recentRuns(1))[0] ?? null;
  }

  async recentRuns(limit = 20): Promise<ArchiveRunRecord[]> {
    const n = Math.min(500, Math.max(1, Math.floor(limit)));
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
      [n],
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

  // ------------------------------------------------------------------ scheduling

  private arm(minutes: number): void {
    const m = Math.min(7 * 24 * 60, Math.max(1, Math.floor(Number.isFinite(minutes) ? minutes : 60)));
    if (this.scheduler.doesExist('interval', ARCHIVE_INTERVAL_NAME))
      this.scheduler.deleteInterval(ARCHIVE_INTERVAL_NAME);
    const handle = setInterval(() => void this.runScheduled(), m * 60_000);
    handle.unref();
    this.scheduler.addInterval(ARCHIVE_INTERVAL_NAME, handle);
    this.armedMinutes = m;
    this.logger.info('Archive job scheduled', 'Archive', { everyMinutes: m });
  }

  private removeTimeout(): void {
    if (this.scheduler.doesExist('timeout', ARCHIVE_INITIAL_TIMEOUT_NAME))
      this.scheduler.deleteTimeout(ARCHIVE_INITIAL_TIMEOUT_NAME);
  }

  private async runScheduled(): Promise<void> {
    if (this.closed) return;
    await this.runNow();
  }

  // ------------------------------------------------------------------ the run

  private async execute(): Promise<ArchiveRunSummary> {
    const started = new Date();
    const base: ArchiveRunSummary = {
      status: 'completed',
      runId: null,
      instanceId: this.options.instanceId,
      startedAt: started.toISOString(),
      finishedAt: started.toISOString(),
      rowsArchived: 0,
      logsDeleted: 0,
      batches: 0,
      bindingCutoff: null,
      logCutoff: null,
      error: null,
    };
    try {
      if ((this.db as { backend?: string }).backend === 'pglite') {
        // Embedded: a single process (the data directory is locked) and a single shared
        // connection — an advisory lock would be re-entrant there and holding the connection
        // for the whole run would stall every request. Statement by statement instead.
        return await this.body(this.db, base);
      }
      return await withLongRunningSession(this.db, this.options.statementTimeoutMs, async (runner) => {
        const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
          ARCHIVE_LOCK_KEY,
        ])) as {
          locked: boolean;
        }[];
        if (!locked) {
          this.logger.info('Archive job skipped: another instance is running it', 'Archive');
          return {
            ...base,
            status: 'skipped' as const,
            skippedReason: 'locked' as const,
            finishedAt: new Date().toISOString(),
          };
        }
        try {
          return await this.body(runner, base);
        } finally {
          await runner.query('SELECT pg_advisory_unlock($1::bigint)', [ARCHIVE_LOCK_KEY]).catch(() => undefined);
        }
      });
    } catch (e) {
      // Could not even get a session or the lock.
      const error = (e as Error).message;
      this.logger.error('Archive job could not run', 'Archive', { error });
      return { ...base, status: 'failed', error, finishedAt: new Date().toISOString() };
    }
  }

  private async body(exec: Executor, base: ArchiveRunSummary): Promise<ArchiveRunSummary> {
    const s = this.settings.current;
    const summary: ArchiveRunSummary = { ...base };
    const [run] = (await exec.query(`INSERT INTO archive_runs (instance_id) VALUES ($1) RETURNING id::text AS id`, [
      this.options.instanceId,
    ])) as { id: string }[];
    summary.runId = run.id;
    const [cut] = (await exec.query(
      `SELECT (now() - $1::int * interval '1 day')::text AS bindings, (now() - $2::int * interval '1 day')::text AS logs`,
      [Math.max(0, Math.floor(s.archiveDays)), Math.max(0, Math.floor(s.interceptRetentionDays))],
    )) as { bindings: string; logs: string }[];
    const progress = () =>
      exec.query(`UPDATE archive_runs SET rows_archived = $2, logs_deleted = $3 WHERE id = $1::bigint`, [
        summary.runId,
        summary.rowsArchived,
        summary.logsDeleted,
      ]);
    this.logger.info('Archive job started', 'Archive', {
      runId: summary.runId,
      archiveDays: s.archiveDays,
      interceptRetentionDays: s.interceptRetentionDays,
    });
    try {
      if (s.archiveDays > 0) {
        summary.bindingCutoff = cut.bindings;
        for (;;) {
          const rows = (await exec.query(ARCHIVE_BATCH_SQL, [cut.bindings, this.options.batchSize])) as {
            token_hash: string;
          }[];
          summary.batches++;
          summary.rowsArchived += rows.length;
          // Committed: drop every cache of the archived tokens (their next request binds afresh).
          await this.invalidate(rows.map((r) => r.token_hash));
          if (rows.length > 0) {
            await progress();
            this.logger.info('Archive batch done', 'Archive', {
              runId: summary.runId,
              batch: summary.batches,
              rows: rows.length,
              total: summary.rowsArchived,
            });
          }
          if (rows.length < this.options.batchSize || this.closed) break;
        }
      }
      if (s.interceptRetentionDays > 0 && !this.closed) {
        summary.logCutoff = cut.logs;
        for (;;) {
          const [{ n }] = (await exec.query(LOG_RETENTION_BATCH_SQL, [cut.logs, this.options.logBatchSize])) as {
            n: number;
          }[];
          summary.logsDeleted += Number(n);
          if (Number(n) > 0) await progress();
          if (Number(n) < this.options.logBatchSize || this.closed) break;
        }
      }
    } catch (e) {
      summary.status = 'failed';
      summary.error = (e as Error).message;
    }
    summary.finishedAt = new Date().toISOString();
    await exec
      .query(
        `UPDATE archive_runs SET finished_at = now(), rows_archived = $2, logs_deleted = $3, error = $4 WHERE id = $1::bigint`,
        [summary.runId, summary.rowsArchived, summary.logsDeleted, summary.error],
      )
      .catch((e: Error) => this.logger.warn('Could not record the archive run', 'Archive', { error: e.message }));
    const fields = {
      runId: summary.runId,
      rowsArchived: summary.rowsArchived,
      logsDeleted: summary.logsDeleted,
      batches: summary.batches,
      ms: Date.parse(summary.finishedAt) - Date.parse(summary.startedAt),
      error: summary.error ?? undefined,
    };
    if (summary.error) this.logger.error('Archive job failed', 'Archive', fields);
    else this.logger.info('Archive job finished', 'Archive', fields);
    return summary;
  }

  private async invalidate(tokenHashes: readonly string[]): Promise<void> {
    if (tokenHashes.length === 0) return;
    for (const h of tokenHashes) this.caches.l1.invalidate(h);
    let failed = 0;
    let firstError: string | undefined;
    const step = Math.max(1, this.options.invalidationConcurrency);
    for (let i = 0; i < tokenHashes.length; i += step) {
      const results = await Promise.allSettled(
        tokenHashes.slice(i, i + step).map((h) => this.caches.shared.invalidate(h)),
      );
      for (const r of results) {
        if (r.status === 'rejected') {
          failed++;
          firstError ??= (r.reason as Error)?.message;
        }
      }
    }
    if (failed > 0) {
      this.logger.warn(
        'Could not invalidate the shared cache of some archived tokens; L1 TTL and cache TTL bound it',
        'Archive',
        {
          failed,
          error: firstError,
        },
      );
    }
  }
}

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
