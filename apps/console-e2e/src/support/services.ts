import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client } from 'pg';

/*
 * The real-service tier's helpers, as in apps/sentinel-e2e/src/support/services.ts (an e2e project
 * may not import another app's files): a database and a Redis key prefix of our own, never
 * touching anything else on the shared servers.
 */

const ADMIN_DSN = 'postgresql://postgres@127.0.0.1:5432/postgres';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(port, '127.0.0.1');
  });
}

/**
 * Whether PostgreSQL and Redis are reachable. When they are not the suite is skipped loudly —
 * unless REQUIRE_SERVICES=1 (CI), where that is a failure.
 */
export async function realServicesAvailable(): Promise<boolean> {
  const ok = (await reachable(5432)) && (await reachable(6379));
  if (!ok) {
    if (process.env['REQUIRE_SERVICES'] === '1') {
      throw new Error('REQUIRE_SERVICES=1 but PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is not reachable');
    }
    console.warn('SKIPPING the console browser tests: PostgreSQL or Redis not reachable');
  }
  return ok;
}

export interface TestDatabase {
  name: string;
  dsn: string;
  drop(): Promise<void>;
}

/** A database of our own, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sentinel_console_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DSN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    dsn: `postgresql://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const a = new Client({ connectionString: ADMIN_DSN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A Redis key prefix of our own. */
export function redisPrefix(): string {
  return `sentinel-console-e2e:${randomBytes(6).toString('hex')}:`;
}

/** Removes every key under the prefix (SCAN + DEL; the shared server is never flushed). */
export async function cleanupRedisPrefix(prefix: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
