import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { SentinelDataSource, createDataSource } from '../lib/data-source';
import { redactDsn } from '../lib/dsn';
import { runMigrations } from '../lib/migrate';

/**
 * The real-PostgreSQL test tier. It RUNS when PostgreSQL is reachable; when it is not, it is
 * skipped with a loud message — unless REQUIRE_SERVICES=1, in which case it FAILS.
 *
 * The server is TEST_PG_ADMIN_DSN (default postgresql://postgres@127.0.0.1:5432/postgres); each
 * test database is created as sentinel_t_<random> and dropped WITH (FORCE) afterwards. Nothing
 * else on the server is touched.
 */

const DEFAULT_ADMIN_DSN = 'postgresql://postgres@127.0.0.1:5432/postgres';
const TEST_DB_NAME = /^sentinel_t_[0-9a-f]{16}$/;

export function testAdminDsn(): string {
  return process.env['TEST_PG_ADMIN_DSN']?.trim() || DEFAULT_ADMIN_DSN;
}

/** REQUIRE_SERVICES=1: an unreachable service fails the run instead of skipping its tests. */
export function servicesRequired(): boolean {
  return process.env['REQUIRE_SERVICES'] === '1';
}

/** Whether the test PostgreSQL answers `SELECT 1` within `timeoutMs`. */
export async function postgresAvailable(timeoutMs = 2_000): Promise<boolean> {
  const client = new Client({ connectionString: testAdminDsn(), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let availableSync: boolean | undefined;

/**
 * postgresAvailable() for test-collection time (Jest collects describe blocks synchronously):
 * probes in a child process once per process and caches the answer.
 */
export function postgresAvailableSync(): boolean {
  if (availableSync === undefined) {
    const script =
      `const {Client}=require(${JSON.stringify(require.resolve('pg'))});` +
      `const c=new Client({connectionString:process.env.DSN,connectionTimeoutMillis:2000});` +
      `c.on('error',()=>{});` +
      `c.connect().then(()=>c.query('SELECT 1')).then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1));`;
    try {
      execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, DSN: testAdminDsn() },
        stdio: 'ignore',
        timeout: 5_000,
      });
      availableSync = true;
    } catch {
      availableSync = false;
    }
  }
  return availableSync;
}

export type PostgresTier = 'run' | 'skip' | 'fail';

/** What the real-PostgreSQL tests of this process do; warns loudly when they are skipped. */
export function postgresTier(): PostgresTier {
  if (postgresAvailableSync()) return 'run';
  if (servicesRequired()) return 'fail';
  warnOnce(
    `\n*** PostgreSQL is not reachable at ${redactedAdminDsn()}: the real-PostgreSQL tests are SKIPPED. ***\n` +
      `*** Start PostgreSQL (or set TEST_PG_ADMIN_DSN), or set REQUIRE_SERVICES=1 to make this a failure. ***\n`,
  );
  return 'skip';
}

type Describe = ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };
type It = (name: string, fn: () => void) => void;

/**
 * `describe` for the real-PostgreSQL tier: runs, skips (loudly) or — with REQUIRE_SERVICES=1 and
 * no PostgreSQL — registers one failing test saying why.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  const { describe, it } = globalThis as unknown as { describe: Describe; it: It };
  const tier = postgresTier();
  if (tier === 'run') {
    describe(name, fn);
  } else if (tier === 'skip') {
    describe.skip(name, fn);
  } else {
    describe(name, () => {
      it('needs PostgreSQL (REQUIRE_SERVICES=1)', () => {
        throw new Error(`REQUIRE_SERVICES=1 but PostgreSQL is not reachable at ${redactedAdminDsn()}`);
      });
    });
  }
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

function redactedAdminDsn(): string {
  return redactDsn(testAdminDsn());
}

let warned = false;
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(message);
}
