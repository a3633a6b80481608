import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client } from 'pg';

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
 * Whether the real-service tier can run. It runs when PostgreSQL and Redis are reachable; when
 * they are not it is skipped loudly — unless REQUIRE_SERVICES=1 (CI), where that is a failure.
 */
export async function realServicesAvailable(): Promise<boolean> {
  const ok = (await reachable(5432)) && (await reachable(6379));
  if (!ok) {
    if (process.env['REQUIRE_SERVICES'] === '1') {
      throw new Error('REQUIRE_SERVICES=1 but PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is not reachable');
    }
    console.warn('SKIPPING real-service e2e tier: PostgreSQL or Redis not reachable');
  }
  return ok;
}

export interface TestDatabase {
  name: string;
  dsn: (port?: number) => string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A database of our own for one test file; dropped afterwards. Never touches other databases. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sentinel_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DSN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const client = new Client({ connectionString: `postgresql://postgres@127.0.0.1:5432/${name}` });
  await client.connect();
  return {
    name,
    dsn: (port = 5432) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end();
      const a = new Client({ connectionString: ADMIN_DSN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A Redis key prefix of our own; keys under it are removed afterwards (never FLUSHDB). */
export function redisPrefix(): string {
  return `sentinel-e2e:${randomBytes(6).toString('hex')}:`;
}

/** Removes every key under a test's prefix (SCAN + DEL; the shared server is never flushed). */
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
