/**
 * What this instance currently believes about its dependencies, for degraded-mode decisions,
 * readiness and the dashboard. PostgreSQL is guarded by a small circuit breaker: after a
 * failure, requests skip it for `retryAfterMs` (then one request probes it), so a dead database
 * costs one timeout per interval rather than one per request. Recovery is automatic.
 */
export class DependencyHealth {
  private pgRetryAt = 0;
  private pgDown = false;
  private pgLastError: string | undefined;

  constructor(
    private readonly retryAfterMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** May a request try PostgreSQL now? */
  postgresAvailable(): boolean {
    return !this.pgDown || this.now() >= this.pgRetryAt;
  }

  reportPostgresFailure(error: unknown): void {
    this.pgDown = true;
    this.pgRetryAt = this.now() + this.retryAfterMs;
    this.pgLastError = error instanceof Error ? error.message : String(error);
  }

  reportPostgresSuccess(): void {
    this.pgDown = false;
    this.pgLastError = undefined;
  }

  get postgresState(): { up: boolean; lastError?: string } {
    return this.pgDown ? { up: false, lastError: this.pgLastError } : { up: true };
  }
}
