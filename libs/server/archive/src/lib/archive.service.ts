import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { BindingInvalidator } from '@sentinel/server-binding';
import { AppLogger } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { ARCHIVE_OPTIONS, type ArchiveOptions } from './archive.options';
import { ArchiveRepository, type ArchiveSession } from './archive.repository';
import type { ArchiveRunRecord, ArchiveRunSummary } from './archive.types';

export const ARCHIVE_INTERVAL_NAME = 'sentinel-archive';
export const ARCHIVE_INITIAL_TIMEOUT_NAME = 'sentinel-archive-initial';

export type ArchiveSettingsSource = Pick<RuntimeSettings, 'current' | 'onChange'>;

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
    private readonly repo: ArchiveRepository,
    @Inject(RuntimeSettings) private readonly settings: ArchiveSettingsSource,
    private readonly scheduler: SchedulerRegistry,
    private readonly caches: BindingInvalidator,
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
    return this.repo.recentRuns(Math.min(500, Math.max(1, Math.floor(limit))));
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
      const run = await this.repo.withRunLock(this.options.statementTimeoutMs, (session) => this.body(session, base));
      if (run.locked) return run.value;
      this.logger.info('Archive job skipped: another instance is running it', 'Archive');
      return { ...base, status: 'skipped', skippedReason: 'locked', finishedAt: new Date().toISOString() };
    } catch (e) {
      // Could not even get a session or the lock.
      const error = (e as Error).message;
      this.logger.error('Archive job could not run', 'Archive', { error });
      return { ...base, status: 'failed', error, finishedAt: new Date().toISOString() };
    }
  }

  private async body(session: ArchiveSession, base: ArchiveRunSummary): Promise<ArchiveRunSummary> {
    const s = this.settings.current;
    const summary: ArchiveRunSummary = { ...base };
    summary.runId = await session.startRun(this.options.instanceId);
    const cut = await session.cutoffs(s.archiveDays, s.interceptRetentionDays);
    const progress = () => session.recordProgress(summary.runId, summary.rowsArchived, summary.logsDeleted);
    this.logger.info('Archive job started', 'Archive', {
      runId: summary.runId,
      archiveDays: s.archiveDays,
      interceptRetentionDays: s.interceptRetentionDays,
    });
    try {
      if (s.archiveDays > 0) {
        summary.bindingCutoff = cut.bindings;
        for (;;) {
          const rows = await session.archiveBatch(cut.bindings, this.options.batchSize);
          summary.batches++;
          summary.rowsArchived += rows.length;
          // Committed: drop every cache of the archived tokens (their next request binds afresh).
          await this.caches.invalidate(rows);
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
          const n = await session.deleteLogBatch(cut.logs, this.options.logBatchSize);
          summary.logsDeleted += n;
          if (n > 0) await progress();
          if (n < this.options.logBatchSize || this.closed) break;
        }
      }
    } catch (e) {
      summary.status = 'failed';
      summary.error = (e as Error).message;
    }
    summary.finishedAt = new Date().toISOString();
    await session
      .finishRun(summary.runId, summary.rowsArchived, summary.logsDeleted, summary.error)
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
}
