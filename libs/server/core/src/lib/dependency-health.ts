/**
 * What this instance currently believes about its dependencies, for degraded-mode decisions,
 * readiness and the dashboard. PostgreSQL is guarded by a small circuit breaker: after
 * `openAfterFailures` consecutive failures, requests skip it for `retryAfterMs` (then one request
 * probes it), so a dead database costs one timeout per interval rather than one per request.
 * A single failure (one connection reset under a background flush, say) does not open it: the
 * next request still asks PostgreSQL, so a lone reset never turns into a fail-open decision while
 * the database is in fact up. Recovery is automatic.
 */
export class DependencyHealth {
  private pgRetryAt = 0;
  private pgFailures = 0;
  private pgLastError: string | undefined;

  constructor(
    private readonly retryAfterMs = 1_000,
    private readonly now: () => number = Date.now,
    private readonly openAfterFailures = 2,
  ) {}

  /** May a request try PostgreSQL now? */
  postgresAvailable(): boolean {
    return this.pgFailures < this.openAfterFailures || this.now() >= this.pgRetryAt;
  }

  reportPostgresFailure(error: unknown): void {
    this.pgFailures++;
    this.pgRetryAt = this.now() + this.retryAfterMs;
    this.pgLastError = error instanceof Error ? error.message : String(error);
  }

  reportPostgresSuccess(): void {
    this.pgFailures = 0;
    this.pgLastError = undefined;
  }

  /** `up: false` from the first failure on: readiness and the dashboard report it at once. */
  get postgresState(): { up: boolean; lastError?: string } {
    return this.pgFailures > 0 ? { up: false, lastError: this.pgLastError } : { up: true };
  }
}
