/** The result of one archive/retention run, as runNow() returns it. */
export interface ArchiveRunSummary {
  /** completed; failed (error says why; rows done before the error stay done); skipped. */
  status: 'completed' | 'failed' | 'skipped';
  /** skipped: another instance holds the job's advisory lock. */
  skippedReason?: 'locked';
  /** archive_runs.id; null when skipped or when the run could not be recorded. */
  runId: string | null;
  instanceId: string;
  startedAt: string;
  finishedAt: string;
  rowsArchived: number;
  logsDeleted: number;
  /** Binding batches (statements) executed. */
  batches: number;
  /** Bindings last used (or created, never used) before this were archived; null when disabled. */
  bindingCutoff: string | null;
  /** Intercept log rows older than this were deleted; null when retention is disabled. */
  logCutoff: string | null;
  error: string | null;
}

/** A row of archive_runs. */
export interface ArchiveRunRecord {
  id: string;
  instanceId: string;
  startedAt: string;
  finishedAt: string | null;
  rowsArchived: number;
  logsDeleted: number;
  error: string | null;
}
