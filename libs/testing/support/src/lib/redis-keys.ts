import { randomBytes } from 'node:crypto';
import { testRedisUrl } from './services';

/**
 * Every Redis key a test makes lives under `<tier>:<random>:`, and the suite that made it deletes
 * it (SCAN + DEL: the shared server is never flushed). tools/test/services.mjs leftover-keys fails
 * the run when keys under these tiers remain.
 */
export const TEST_KEY_TIERS = ['sentinel-int', 'sentinel-e2e', 'sentinel-console-e2e', 'sentinel-bench'] as const;
export type TestKeyTier = (typeof TEST_KEY_TIERS)[number];

/** A key prefix of our own, e.g. `sentinel-int:3f9a0c1b2d4e:`. */
export function testRedisPrefix(tier: TestKeyTier = 'sentinel-int'): string {
  return `${tier}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` on the test Redis (or `url`). Refuses a prefix not made by testRedisPrefix. */
export async function deleteRedisKeys(prefix: string, url = testRedisUrl()): Promise<number> {
  if (!TEST_KEY_TIERS.some((tier) => prefix.startsWith(`${tier}:`)) || prefix.length < 16) {
    throw new Error(`refusing to delete keys under ${JSON.stringify(prefix)}: not a test prefix`);
  }
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
