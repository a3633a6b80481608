import type { PGlite } from '@electric-sql/pglite';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SentinelDataSource, createDataSource } from '../lib/data-source';
import { embeddedPgDir, realCreateRequire } from '../lib/embedded';
import { runMigrations } from '../lib/migrate';

export interface EmbeddedTestDataSource {
  readonly dataSource: SentinelDataSource;
  /** The DATA_DIR of this instance (a temp dir); the database is in embeddedPgDir(dataDir). */
  readonly dataDir: string;
  /** Destroys the DataSource and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * A DataSource on a fresh embedded PGlite in a temp dir (removed by close()), migrated unless
 * `migrate: false`.
 *
 * PGlite's initdb takes ~4-5 s. A pristine (never migrated) data directory is therefore made once
 * and kept in the OS temp dir (sentinel-pglite-template-<pglite version>); each instance starts
 * from a copy of it, which takes well under a second.
 */
export async function createEmbeddedTestDataSource(
  options: { migrate?: boolean } = {},
): Promise<EmbeddedTestDataSource> {
  const { dataDir, remove } = await createEmbeddedTestDataDir();
  let dataSource: SentinelDataSource | undefined;
  try {
    dataSource = await createDataSource({ dataDir });
    if (options.migrate !== false) await runMigrations(dataSource);
  } catch (error) {
    await dataSource?.destroy().catch(() => undefined);
    remove();
    throw error;
  }
  const ds = dataSource;
  return {
    dataSource: ds,
    dataDir,
    close: async () => {
      try {
        await ds.destroy();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A temp DATA_DIR whose embedded database (DATA_DIR/pg) is a copy of the pristine template, for
 * code under test that opens the database itself (StorageModule, the migrate CLI). Not migrated.
 */
export async function createEmbeddedTestDataDir(): Promise<{ dataDir: string; remove(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-pglite-'));
  try {
    const template = await pristineTemplate();
    if (template) cpSync(template, embeddedPgDir(dataDir), { recursive: true });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

let templatePromise: Promise<string | null> | undefined;

/** The pristine data dir to copy, built on first use; null if it cannot be built (then initdb). */
function pristineTemplate(): Promise<string | null> {
  templatePromise ??= buildTemplate().catch(() => null);
  return templatePromise;
}

async function buildTemplate(): Promise<string> {
  const root = join(tmpdir(), `sentinel-pglite-template-${pgliteVersion()}`);
  const dir = join(root, 'pg');
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;

  const staging = mkdtempSync(join(tmpdir(), 'sentinel-pglite-template-build-'));
  try {
    // Through Node's loader, like lib/embedded.ts (PGlite's dynamic imports fail in Jest's sandbox).
    const { PGlite: PGliteClass } = realCreateRequire()(__filename)('@electric-sql/pglite') as {
      PGlite: { create(options: { dataDir: string }): Promise<PGlite> };
    };
    const pglite = await PGliteClass.create({ dataDir: join(staging, 'pg') });
    await pglite.close();
    try {
      renameSync(staging, root); // atomic: other processes see all of it or nothing
    } catch (error) {
      // Another process published it first; use theirs.
      if (!existsSync(join(dir, 'PG_VERSION'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

function pgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
