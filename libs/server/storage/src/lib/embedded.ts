import type { PGlite } from '@electric-sql/pglite';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, ClientConfig } from 'pg';

/**
 * The embedded PostgreSQL (PGlite) behind `createDataSource` when PG_DSN is unset.
 *
 * Why PGlite's own node-postgres adapter (`@electric-sql/pglite/node-postgres`) under TypeORM's
 * stock `pg` driver, rather than `typeorm-pglite`'s `PGliteDriver` or PGlite's socket server:
 *
 * - typeorm-pglite 0.3.4 keeps ONE process-wide PGlite (a static singleton configured by the last
 *   `new PGliteDriver(opts)`), and hands every TypeORM "connection" the same session. Checked
 *   here: a second DataSource with another dataDir silently used the first one's database, and a
 *   statement issued outside a transaction while another query runner had BEGUN was rolled back
 *   with it. The proxy runs concurrent transactions (first-use binding, batched log inserts,
 *   admin edits), so that is a correctness bug, not a nicety.
 * - The adapter makes PGlite look like a single PostgreSQL connection to node-postgres; with a
 *   pool of max 1 a transaction owns the session until it ends and everyone else queues, which is
 *   exactly PostgreSQL's semantics for one connection. It also means the same `pg` type parsers
 *   and parameter serialisation on both backends (int8 as string, cidr[] as string[], rowCount
 *   for UPDATE/DELETE), so SQL behaves identically in tests and production.
 * - PGlite's socket server (pglite-socket) would add a TCP listener and port to manage inside a
 *   single process and still serialise to one session; no gain over the in-process adapter.
 *
 * PGlite has no cross-process lock on its data directory (no postmaster.pid), and two processes
 * opening the same directory corrupt it; `acquireDataDirLock` adds one (a pid file next to it).
 */

/** Where the embedded database lives under DATA_DIR. */
export function embeddedPgDir(dataDir: string): string {
  return join(resolve(dataDir), 'pg');
}

export interface EmbeddedPostgres {
  readonly pglite: PGlite;
  /**
   * node-postgres pool options that talk to `pglite` in-process: a pool of one client, and a
   * Client class that gives every new client its own adapter connection (the adapter's
   * connection object cannot be reused: a discarded client's queued 'end' event would terminate
   * its successor).
   */
  readonly poolConfig: Record<string, unknown>;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * PGlite is loaded lazily (a deployment on real PostgreSQL never loads it) and through Node's own
 * loader: its CommonJS build still calls `import('node:module')`, `import('fs/promises')` …, which
 * fail inside Jest's module sandbox ("A dynamic import callback was invoked without
 * --experimental-vm-modules"). A require made with createRequire bypasses the sandbox, so every
 * library's tests can use the embedded database without special Jest flags. (It is also why the
 * `node-postgres` subpath, which has no types under moduleResolution "node", is typed by hand.)
 */
const nodeRequire = realCreateRequire()(__filename);

/** Node's createRequire. Jest replaces the `module` builtin, not process.getBuiltinModule (Node ≥ 20.16). */
export function realCreateRequire(): typeof createRequire {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const real = getBuiltin?.call(process, 'node:module') as { createRequire?: typeof createRequire } | undefined;
  return real?.createRequire ?? createRequire;
}

interface PgliteModule {
  PGlite: { create(options: { dataDir: string }): Promise<PGlite> };
}
interface PgliteNodePostgresModule {
  createPgConfig(pglite: PGlite): Record<string, unknown> & { connection: unknown };
}

export async function openEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = embeddedPgDir(dataDir);
  const releaseLock = acquireDataDirLock(dir);
  try {
    const { PGlite } = nodeRequire('@electric-sql/pglite') as PgliteModule;
    const { createPgConfig } = nodeRequire('@electric-sql/pglite/node-postgres') as PgliteNodePostgresModule;
    const pglite = await PGlite.create({ dataDir: dir });
    let closed = false;
    return {
      pglite,
      poolConfig: {
        ...createPgConfig(pglite),
        max: 1,
        Client: class PgliteClient extends Client {
          constructor(config?: ClientConfig) {
            super({ ...config, connection: createPgConfig(pglite).connection } as ClientConfig);
          }
        },
      },
      dir,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          await pglite.close();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

const openInThisProcess = new Set<string>();

/**
 * Takes `<dir>.lock` (a pid file). Refuses when the directory is open in this process or in a live
 * process on this host; takes over a stale lock (dead pid, or written on another host — a
 * restarted container has a new hostname and possibly the same pid). Returns the release function.
 */
export function acquireDataDirLock(dir: string): () => void {
  mkdirSync(resolve(dir, '..'), { recursive: true });
  if (openInThisProcess.has(dir)) {
    throw new Error(`The embedded database ${dir} is already open in this process`);
  }
  const lockPath = `${dir}.lock`;
  const me = { pid: process.pid, host: hostname() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify({ ...me, since: new Date().toISOString() }));
      } finally {
        closeSync(fd);
      }
      openInThisProcess.add(dir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        openInThisProcess.delete(dir);
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone; nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(lockPath);
      if (!holder && ageMs(lockPath) < 10_000) {
        // Created a moment ago and not yet written: another process is opening the directory.
        throw new Error(`The embedded database ${dir} is being opened by another process`);
      }
      if (holder && holder.host === me.host && holder.pid !== me.pid && isAlive(holder.pid)) {
        throw new Error(
          `The embedded database ${dir} is in use by process ${holder.pid}. PGlite allows one process ` +
            `per data directory: stop that process, or set PG_DSN to use a PostgreSQL server.`,
        );
      }
      try {
        unlinkSync(lockPath); // stale
      } catch {
        // raced with another remover; retry the exclusive create
      }
    }
  }
  throw new Error(`Could not take the lock ${lockPath} for the embedded database`);
}

function readLock(path: string): { pid: number; host: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? { pid: parsed.pid, host: parsed.host }
      : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
