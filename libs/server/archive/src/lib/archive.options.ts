import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface ArchiveOptions {
  /** Recorded in archive_runs.instance_id. */
  instanceId: string;
  /** Bindings moved per statement (one DELETE … RETURNING feeding an INSERT, its own transaction). */
  batchSize: number;
  /** Intercept log rows deleted per statement. */
  logBatchSize: number;
  /** statement_timeout of the job's dedicated session (PostgreSQL). */
  statementTimeoutMs: number;
  /** Arm the interval from archiveIntervalMinutes (off in tests that call runNow()). */
  schedule: boolean;
  /** First run after start-up, so restarts more frequent than the interval still run the job. */
  initialDelayMs: number;
}

export const DEFAULT_ARCHIVE_OPTIONS: ArchiveOptions = {
  instanceId: `${hostname()}#${process.pid}-${randomBytes(2).toString('hex')}`,
  batchSize: 1_000,
  logBatchSize: 5_000,
  statementTimeoutMs: 120_000,
  schedule: true,
  initialDelayMs: 60_000,
};

export const ARCHIVE_OPTIONS = Symbol('ARCHIVE_OPTIONS');
