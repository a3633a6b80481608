import { DataSource, MigrationExecutor } from 'typeorm';
import { StorageLogger, silentLogger } from './logger';
import { MIGRATION_LOCK_KEY, withLongRunningSession } from './session';

export interface RunMigrationsOptions {
  /** How long to wait for another instance that holds the migration lock. Default 120 s. */
  lockWaitMs?: number;
}

/**
 * Applies pending migrations, safely when several instances start at once: on one connection it
 * takes the session advisory lock MIGRATION_LOCK_KEY, runs the pending migrations on that same
 * connection (each in its own transaction), and unlocks. An instance that finds the lock held
 * waits for it and then finds nothing left to do. Returns the names of the migrations it applied.
 *
 * On PGlite there is one session, so the lock is trivially granted; the pool of one connection
 * serialises concurrent callers instead.
 */
export async function runMigrations(
  dataSource: DataSource,
  logger: StorageLogger = silentLogger,
  options: RunMigrationsOptions = {},
): Promise<string[]> {
  const lockWaitMs = options.lockWaitMs ?? 120_000;
  // The statement_timeout of this session bounds the wait for the lock; it is lifted once the
  // lock is held, because a migration that rebuilds an index may legitimately take minutes.
  return withLongRunningSession(dataSource, lockWaitMs, async (runner) => {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
      MIGRATION_LOCK_KEY,
    ])) as Array<{ locked: boolean }>;
    if (!locked) {
      logger.log(`Another instance is applying migrations; waiting up to ${Math.round(lockWaitMs / 1000)} s`);
      try {
        await runner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      } catch (error) {
        if ((error as { code?: string }).code === '57014') {
          throw new Error(
            `Timed out after ${lockWaitMs} ms waiting for the migration lock (advisory lock ` +
              `${MIGRATION_LOCK_KEY}) held by another instance`,
          );
        }
        throw error;
      }
    }
    try {
      await runner.query('SET statement_timeout = 0');
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';

      const known = new Set((await executor.getAllMigrations()).map((m) => m.name));
      const unknown = (await executor.getExecutedMigrations()).filter((m) => !known.has(m.name));
      if (unknown.length > 0) {
        logger.warn(
          `The database has migrations this build does not know (a newer Sentinel ran against it): ` +
            unknown.map((m) => m.name).join(', '),
        );
      }

      const applied = (await executor.executePendingMigrations()).map((m) => m.name);
      if (applied.length === 0) logger.log('Database schema is up to date');
      for (const name of applied) logger.log(`Applied migration ${name}`);
      return applied;
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch((error: unknown) => {
        // The session ends with the connection, and the lock with it.
        logger.warn(`Could not release the migration lock: ${String(error)}`);
      });
    }
  });
}
