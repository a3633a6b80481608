import { DataSource, QueryRunner } from 'typeorm';

/**
 * A 64-bit advisory lock key spelled as exactly 8 ASCII characters, e.g. `SNTLMIGR`, so keys are
 * greppable and cannot collide by accident. Returned as a decimal string for `$1::bigint`.
 */
export function advisoryLockKey(name: string): string {
  if (!/^[\x20-\x7e]{8}$/.test(name)) {
    throw new Error(`advisory lock names are exactly 8 printable ASCII characters, got ${JSON.stringify(name)}`);
  }
  return BigInt.asIntN(64, BigInt(`0x${Buffer.from(name, 'ascii').toString('hex')}`)).toString();
}

/** Key of the lock runMigrations holds while it migrates (`SNTLMIGR` = 6002828040022345554). */
export const MIGRATION_LOCK_KEY = advisoryLockKey('SNTLMIGR');

interface PgClientTimeouts {
  connectionParameters?: { query_timeout?: number | false };
}

/**
 * Runs `fn` on one dedicated connection whose timeouts suit long work (migrations, the archive
 * job): the session's statement_timeout is set to `statementTimeoutMs` (0 = none) and the
 * client-side query timeout the pool applies to ordinary queries is lifted. Both are restored
 * before the connection goes back to the pool. Session-level advisory locks taken inside must be
 * released inside (or they are held until the connection closes).
 */
export async function withLongRunningSession<T>(
  dataSource: DataSource,
  statementTimeoutMs: number,
  fn: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  let restoreClientTimeout = () => undefined as void;
  try {
    const client = (await runner.connect()) as PgClientTimeouts;
    const params = client.connectionParameters;
    if (params && 'query_timeout' in params) {
      const previous = params.query_timeout;
      params.query_timeout = false;
      restoreClientTimeout = () => {
        params.query_timeout = previous;
      };
    }
    await runner.query(`SET statement_timeout = ${Math.max(0, Math.floor(statementTimeoutMs))}`);
    return await fn(runner);
  } finally {
    try {
      if (!runner.isReleased) await runner.query('RESET statement_timeout');
    } catch {
      // the connection is broken; the pool discards it
    }
    restoreClientTimeout();
    await runner.release();
  }
}
