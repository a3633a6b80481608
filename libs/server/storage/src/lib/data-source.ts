import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { normalisePgDsn, redactDsn } from './dsn';
import { EmbeddedPostgres, openEmbeddedPostgres } from './embedded';
import { STORAGE_ENTITIES } from './entities';
import { StorageLogger, silentLogger } from './logger';
import { STORAGE_MIGRATIONS } from './migrations';

export type StorageBackend = 'postgres' | 'pglite';

export interface CreateDataSourceOptions {
  /**
   * PG_DSN. `postgresql://`, `postgres://` or `postgresql+asyncpg://`. Unset, empty or blank:
   * the embedded PGlite under `dataDir`.
   */
  pgDsn?: string;
  /** DATA_DIR. The embedded database lives in `<dataDir>/pg` (see embeddedPgDir). */
  dataDir: string;
  /** Pool size for PostgreSQL (default 10). PGlite is always one connection. */
  poolSize?: number;
  logger?: StorageLogger;
  /**
   * PostgreSQL: TCP connect and pool-acquire timeout (default 3000 ms) — a dead database fails
   * fast. PGlite: how long a caller queues for the single in-process connection (default 10 s).
   */
  connectTimeoutMs?: number;
  /**
   * Server-side statement_timeout for PostgreSQL sessions (default 5000 ms). A client-side timeout
   * 2 s longer catches a peer that stopped answering. Long jobs use withLongRunningSession.
   * PGlite runs queries synchronously in-process and has no timeouts.
   */
  statementTimeoutMs?: number;
  /** application_name in pg_stat_activity (default `sentinel`). */
  applicationName?: string;
}

/** The TypeORM DataSource Sentinel uses; `destroy()` also closes the embedded database. */
/** The part of node-postgres' Pool that `SentinelDataSource.postgresPool()` hands out. */
export interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

export class SentinelDataSource extends DataSource {
  constructor(
    options: PostgresConnectionOptions,
    readonly backend: StorageBackend,
    private readonly releaseResources: () => Promise<void> = async () => undefined,
  ) {
    super(options);
  }

  /**
   * node-postgres' pool behind TypeORM, for statements that skip TypeORM's query runner (named
   * prepared statements on the hot path). Undefined on the embedded database — every pool client
   * there is one shared session, so a named statement would outlive the client that prepared it —
   * and before `initialize()`.
   */
  postgresPool(): PgPool | undefined {
    if (this.backend !== 'postgres') return undefined;
    const master = (this.driver as unknown as { master?: PgPool } | undefined)?.master;
    return typeof master?.query === 'function' ? master : undefined;
  }

  /** Idempotent: closes the pool (and PGlite) once; later calls do nothing. */
  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.releaseResources();
    }
  }
}

const COMMON: Pick<
  PostgresConnectionOptions,
  | 'type'
  | 'entities'
  | 'migrations'
  | 'migrationsTableName'
  | 'migrationsTransactionMode'
  | 'synchronize'
  | 'migrationsRun'
  | 'logging'
> = {
  type: 'postgres',
  entities: STORAGE_ENTITIES,
  migrations: STORAGE_MIGRATIONS,
  migrationsTableName: 'sentinel_migrations',
  migrationsTransactionMode: 'each',
  synchronize: false,
  migrationsRun: false,
  logging: false,
};

/**
 * Creates and initialises the DataSource: PostgreSQL when `pgDsn` is set, otherwise the embedded
 * PGlite. Migrations are not run here (runMigrations / StorageModule do that).
 */
export async function createDataSource(options: CreateDataSourceOptions): Promise<SentinelDataSource> {
  const logger = options.logger ?? silentLogger;
  const dsn = options.pgDsn?.trim();
  return dsn ? createPostgresDataSource(dsn, options, logger) : createEmbeddedDataSource(options, logger);
}

async function createPostgresDataSource(
  rawDsn: string,
  options: CreateDataSourceOptions,
  logger: StorageLogger,
): Promise<SentinelDataSource> {
  const url = normalisePgDsn(rawDsn);
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const ds = new SentinelDataSource(
    {
      ...COMMON,
      url,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMS: options.connectTimeoutMs ?? 3_000,
      applicationName: options.applicationName ?? 'sentinel',
      extra: {
        statement_timeout: statementTimeoutMs,
        // Client-side backstop for a peer that vanished without a RST (statement_timeout needs a
        // live server to fire).
        query_timeout: statementTimeoutMs > 0 ? statementTimeoutMs + 2_000 : undefined,
        // A transaction left open by a bug must not hold row locks for ever.
        idle_in_transaction_session_timeout: 60_000,
        keepAlive: true,
        idleTimeoutMillis: 30_000,
      },
    },
    'postgres',
  );
  try {
    await ds.initialize();
  } catch (error) {
    await ds.destroy().catch(() => undefined);
    throw new Error(`Cannot connect to PostgreSQL at ${redactDsn(url)}: ${errorMessage(error)}`, { cause: error });
  }
  logger.log(`Connected to PostgreSQL at ${redactDsn(url)}`);
  return ds;
}

async function createEmbeddedDataSource(
  options: CreateDataSourceOptions,
  logger: StorageLogger,
): Promise<SentinelDataSource> {
  const started = Date.now();
  const embedded: EmbeddedPostgres = await openEmbeddedPostgres(options.dataDir);
  const ds = new SentinelDataSource(
    {
      ...COMMON,
      poolSize: 1,
      connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
      extra: {
        ...embedded.poolConfig,
        // Keep the one client for ever: a new client would inherit the PGlite session as is.
        idleTimeoutMillis: 0,
      },
    },
    'pglite',
    () => embedded.close(),
  );
  try {
    await ds.initialize();
  } catch (error) {
    await ds.destroy().catch(() => undefined);
    throw new Error(`Cannot open the embedded database in ${embedded.dir}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  resetPgliteSessionOnNewClient(ds);
  logger.log(`Opened the embedded PostgreSQL (PGlite) in ${embedded.dir} in ${Date.now() - started} ms`);
  return ds;
}

/** Ends any transaction and drops session state, as a new PostgreSQL connection would start. */
export const PGLITE_SESSION_RESET = 'ROLLBACK; RESET ALL; DEALLOCATE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()';

interface PoolLike {
  on(event: 'connect', listener: (client: { query(sql: string): Promise<unknown> }) => void): void;
}

/**
 * With PGlite every pool client is the same backend session. If the pool ever replaces its client
 * (after a connection-level error), the new one must not inherit an open transaction, session
 * settings or advisory locks — on PostgreSQL a new connection is a new session.
 */
function resetPgliteSessionOnNewClient(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master?: PoolLike }).master;
  pool?.on('connect', (client) => {
    // Queued on the client before the acquirer's first query; one simple-protocol message.
    client.query(PGLITE_SESSION_RESET).catch(() => undefined);
  });
}

/**
 * Readiness probe: `SELECT 1`, rejecting after `timeoutMs` (default 1000 ms) even when the pool is
 * stuck waiting for a connection.
 */
export async function pingDatabase(ds: DataSource, timeoutMs = 1_000): Promise<void> {
  if (!ds.isInitialized) throw new Error('The database connection is not initialised');
  const query = ds.query('SELECT 1');
  query.catch(() => undefined); // a late failure after the timeout must not be unhandled
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The database did not answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => errorMessage(e)).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
