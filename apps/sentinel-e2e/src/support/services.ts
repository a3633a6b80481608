import {
  createE2eDatabase,
  deleteRedisKeys,
  missingServicesMessage,
  serviceTier,
  testRedisPrefix,
  type E2eDatabase,
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
 * Whether PostgreSQL and Redis are there (inside a describeWithServices block: always true). Without
 * them, false with a loud message — or, under REQUIRE_SERVICES=1, an error.
 */
export async function realServicesAvailable(what = 'real-service e2e tier'): Promise<boolean> {
  const tier = serviceTier(['postgres', 'redis'], what);
  if (tier === 'fail') throw new Error(missingServicesMessage(['postgres', 'redis']));
  return tier === 'run';
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
