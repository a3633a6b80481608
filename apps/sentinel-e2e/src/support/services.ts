import {
  createE2eDatabase,
  deleteRedisKeys,
  missingServicesMessage,
  serviceTier,
  testRedisPrefix,
  type E2eDatabase,
  type TestService,
} from '@sentinel/testing-support';

/*
 * The real-service tier's helpers for the sentinel e2e suites, on @sentinel/testing-support (which
 * reads TEST_PG_ADMIN_DSN and TEST_REDIS_URL). A suite that needs services is declared with
 * describeWithServices(['postgres', 'redis'], …) so that, without them, its tests are reported as
 * skipped rather than passed.
 */

export { describeWithServices, redisUrlFor, serviceAddress, testRedisUrl } from '@sentinel/testing-support';

export type TestDatabase = E2eDatabase;

/**
 * Whether the services a suite needs are there. Call it only inside a describeWithServices block
 * naming at least `needs`: the block is skipped (reported as skipped) without them, or fails under
 * REQUIRE_SERVICES=1. So this answers true — and a service that is gone by the time the suite
 * starts is a failure, never a silent early return counted as a pass.
 */
export async function realServicesAvailable(
  what = 'real-service e2e tier',
  needs: readonly TestService[] = ['postgres', 'redis'],
): Promise<true> {
  if (serviceTier(needs, what) !== 'run') throw new Error(missingServicesMessage(needs));
  return true;
}

/** A database of our own for one test file; dropped afterwards. Never touches other databases. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createE2eDatabase('sentinel_e2e');
}

/** A Redis key prefix of our own; keys under it are removed afterwards (never FLUSHDB). */
export function redisPrefix(): string {
  return testRedisPrefix('sentinel-e2e');
}

/** Removes every key under a test's prefix (SCAN + DEL; the shared server is never flushed). */
export async function cleanupRedisPrefix(prefix: string): Promise<void> {
  await deleteRedisKeys(prefix);
}
