import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { pgDsnFor, testAdminDsn } from './services';

export interface E2eDatabase {
  readonly name: string;
  /** The database's DSN on the test server, or through a relay on 127.0.0.1:`relayPort`. */
  dsn(relayPort?: number): string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Closes the query client and drops the database WITH (FORCE). */
  drop(): Promise<void>;
}

const NAME = /^sentinel_[a-z0-9_]*e2e_[0-9a-f]{12}$/;

/**
 * A database of our own on the test server (TEST_PG_ADMIN_DSN) for one e2e test file, with a query
 * client on it; dropped afterwards. Never touches another database.
 */
export async function createE2eDatabase(namePrefix = 'sentinel_e2e'): Promise<E2eDatabase> {
  const name = `${namePrefix}_${randomBytes(6).toString('hex')}`;
  if (!NAME.test(name)) throw new Error(`not a test database name: ${name}`);
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const client = new Client({ connectionString: pgDsnFor(name) });
  client.on('error', () => undefined);
  await client.connect();
  return {
    name,
    dsn: (port?: number) => pgDsnFor(name, port),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end().catch(() => undefined);
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testAdminDsn(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The throw-away secrets every e2e Sentinel boots with (never a production value). */
export const E2E_SECRETS = {
  SENTINEL_HMAC_SECRET: 'e2e-hmac-secret-0123456789abcdef0123456789',
  ADMIN_JWT_SECRET: 'e2e-jwt-secret-0123456789abcdef0123456789ab',
  ADMIN_PASSWORD: 'e2e-admin-password',
} as const;
