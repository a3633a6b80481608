import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { describeWithServices, serviceTier, testAdminDsn } from '@sentinel/testing-support';
import { SentinelDataSource, createDataSource } from '../lib/data-source';
import { runMigrations } from '../lib/migrate';

/**
 * The real-PostgreSQL test tier. It RUNS when PostgreSQL is reachable; when it is not, it is
 * skipped with a loud message — unless REQUIRE_SERVICES=1, in which case it FAILS. Whether a
 * service is there is decided by @sentinel/testing-support (TEST_PG_ADMIN_DSN, TEST_REDIS_URL).
 *
 * Each test database is created as sentinel_t_<random> and dropped WITH (FORCE) afterwards.
 * Nothing else on the server is touched.
 */

const TEST_DB_NAME = /^sentinel_t_[0-9a-f]{16}$/;

export { servicesRequired, testAdminDsn } from '@sentinel/testing-support';

export type PostgresTier = 'run' | 'skip' | 'fail';

/** What the real-PostgreSQL tests of this file do; warns loudly when they are skipped. */
export function postgresTier(what = 'the real-PostgreSQL tests'): PostgresTier {
  return serviceTier(['postgres'], what);
}

/**
 * `describe` for the real-PostgreSQL tier: runs, skips (loudly) or — with REQUIRE_SERVICES=1 and
 * no PostgreSQL — registers one failing test saying why.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  describeWithServices(['postgres'], name, fn);
}

export interface TestDatabase {
  readonly name: string;
  readonly dsn: string;
  /** DROP DATABASE … WITH (FORCE); idempotent. */
  drop(): Promise<void>;
}

/** Creates an empty database sentinel_t_<random> on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sentinel_t_${randomBytes(8).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(testAdminDsn());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    dsn: url.toString(),
    drop: async () => {
      if (dropped) return;
      // Only ever a name this function generated: sentinel_t_ followed by 16 hex digits.
      if (!TEST_DB_NAME.test(name)) throw new Error(`refusing to drop ${name}`);
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      dropped = true;
    },
  };
}

export interface PostgresTestDataSource {
  readonly dataSource: SentinelDataSource;
  readonly database: TestDatabase;
  /** Destroys the DataSource and drops the database. */
  close(): Promise<void>;
}

/** A fresh test database with a DataSource on it, migrated unless `migrate: false`. */
export async function createPostgresTestDataSource(
  options: { migrate?: boolean } = {},
): Promise<PostgresTestDataSource> {
  const database = await createTestDatabase();
  let dataSource: SentinelDataSource | undefined;
  try {
    dataSource = await createDataSource({ pgDsn: database.dsn, dataDir: tmpdir(), poolSize: 4 });
    if (options.migrate !== false) await runMigrations(dataSource);
  } catch (error) {
    await dataSource?.destroy().catch(() => undefined);
    await database.drop();
    throw error;
  }
  const ds = dataSource;
  return {
    dataSource: ds,
    database,
    close: async () => {
      try {
        await ds.destroy();
      } finally {
        await database.drop();
      }
    },
  };
}

async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testAdminDsn(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
