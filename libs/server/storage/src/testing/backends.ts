import { tmpdir } from 'node:os';
import { MemoryKvStore, RedisKvStore, loadConfig, type AppConfig, type KvStore } from '@sentinel/server-core';
import {
  deleteRedisKeys,
  missingServicesMessage,
  serviceTier,
  testRedisPrefix,
  testRedisUrl,
  type TestService,
} from '@sentinel/testing-support';
import { createDataSource, type SentinelDataSource } from '../lib/data-source';
import { createEmbeddedTestDataSource } from './embedded';
import { createPostgresTestDataSource } from './postgres';

/**
 * One harness for the integration specs (modelled on immich's medium tests): the same suite runs on
 * each storage backend, and a backend whose services are missing is skipped — every test counted as
 * skipped, decided before any test runs — or fails under REQUIRE_SERVICES=1.
 *
 *   describeEachBackend('BindingDecider on %s', { kv: true }, (backend) => {
 *     beforeAll(() => { decider = new BindingDecider(new BindingRepository(backend().dataSource), backend().kv, …) });
 *     it('…', async () => { … });
 *   });
 */

/** The secrets every integration test boots with (never a production value). */
export const TEST_SECRETS = {
  SENTINEL_HMAC_SECRET: 'int-hmac-0123456789abcdef0123456789abcdef',
  ADMIN_JWT_SECRET: 'int-jwt-0123456789abcdef0123456789abcdef00',
  ADMIN_PASSWORD: 'int-test-password',
} as const;

/** An AppConfig from TEST_SECRETS plus `env`, without .env files or the process environment. */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ env: { ...TEST_SECRETS, ...env }, dotEnvPath: null, notice: () => undefined });
}

export type BackendKind = 'embedded' | 'postgres';

export interface TestBackend {
  readonly kind: BackendKind;
  /** A migrated DataSource (unless `migrate: false`) on a database of this suite's own. */
  readonly dataSource: SentinelDataSource;
  /**
   * With `kv: true`: the in-process Redis role (embedded) or a Redis client under a key prefix of
   * the suite's own (postgres), whose keys are deleted when the suite ends.
   */
  readonly kv: KvStore;
  /** Another client on the same key-value store, as a second instance has (embedded: the same one). */
  anotherKv(): Promise<KvStore>;
  /** Another DataSource on the same database, as a second instance has (embedded: the same one). */
  anotherDataSource(): Promise<SentinelDataSource>;
}

export interface BackendOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
  /** The suite needs a key-value store too (default false). */
  kv?: boolean;
  /** Only these backends (default both). */
  only?: readonly BackendKind[];
}

const LABELS: Record<BackendKind, [string, string]> = {
  embedded: ['embedded PGlite', 'embedded PGlite + in-process Redis role'],
  postgres: ['PostgreSQL', 'PostgreSQL + Redis'],
};

/**
 * `describe` once per backend; `%s` in the title becomes the backend's label, and `fn` gets the
 * backend's kind at collection time (for `(kind === 'embedded' ? it.skip : it)(…)`). The backend is made
 * in a beforeAll registered before `fn`'s own hooks, and closed (database dropped, Redis keys
 * deleted, extra clients closed) in an afterAll.
 */
export function describeEachBackend(title: string, fn: (backend: () => TestBackend, kind: BackendKind) => void): void;
export function describeEachBackend(
  title: string,
  options: BackendOptions,
  fn: (backend: () => TestBackend, kind: BackendKind) => void,
): void;
export function describeEachBackend(
  title: string,
  a: BackendOptions | ((backend: () => TestBackend, kind: BackendKind) => void),
  b?: (backend: () => TestBackend, kind: BackendKind) => void,
): void {
  const options = typeof a === 'function' ? {} : a;
  const fn = typeof a === 'function' ? a : b;
  if (!fn) throw new Error('describeEachBackend(title, [options,] fn)');
  const g = globalThis as unknown as JestGlobals;
  for (const kind of options.only ?? (['embedded', 'postgres'] as const)) {
    const label = LABELS[kind][options.kv ? 1 : 0];
    const name = title.includes('%s') ? title.replace('%s', label) : `${title} on ${label}`;
    const needs: TestService[] = kind === 'embedded' ? [] : options.kv ? ['postgres', 'redis'] : ['postgres'];
    const tier = needs.length === 0 ? 'run' : serviceTier(needs, name);
    if (tier === 'fail') {
      g.describe(name, () =>
        g.it(`needs ${needs.join(' and ')} (REQUIRE_SERVICES=1)`, () => {
          throw new Error(missingServicesMessage(needs));
        }),
      );
      continue;
    }
    (tier === 'skip' ? g.describe.skip : g.describe)(name, () => {
      let current: OpenBackend | undefined;
      g.beforeAll(async () => {
        current = await openBackend(kind, options);
      }, OPEN_TIMEOUT_MS);
      g.afterAll(async () => {
        await current?.close();
        current = undefined;
      });
      fn(() => {
        if (!current) throw new Error('the test backend is used outside a test or hook (or failed to open)');
        return current.backend;
      }, kind);
    });
  }
}

/** A first PGlite initdb (no template yet) on a loaded machine takes tens of seconds. */
const OPEN_TIMEOUT_MS = 120_000;

interface OpenBackend {
  backend: TestBackend;
  close(): Promise<void>;
}

async function openBackend(kind: BackendKind, options: BackendOptions): Promise<OpenBackend> {
  const migrate = options.migrate !== false;
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    if (kind === 'embedded') {
      const db = await createEmbeddedTestDataSource({ migrate });
      closers.push(() => db.close());
      const kv = new MemoryKvStore();
      closers.push(() => kv.close());
      const backend: TestBackend = {
        kind,
        dataSource: db.dataSource,
        kv,
        anotherKv: async () => kv,
        anotherDataSource: async () => db.dataSource,
      };
      return { backend, close };
    }
    const db = await createPostgresTestDataSource({ migrate });
    closers.push(() => db.close());
    const prefix = testRedisPrefix('sentinel-int');
    let keysOwned = false;
    const newKv = async () => {
      if (!keysOwned) {
        keysOwned = true;
        closers.push(() => deleteRedisKeys(prefix)); // runs after every client is closed
      }
      const kv = new RedisKvStore({ url: testRedisUrl(), keyPrefix: prefix });
      closers.push(() => kv.close());
      await kv.waitReady();
      return kv;
    };
    const kv = options.kv ? await newKv() : undefined;
    const backend: TestBackend = {
      kind,
      dataSource: db.dataSource,
      get kv(): KvStore {
        if (!kv) throw new Error('describeEachBackend(…, { kv: true }) gives a key-value store');
        return kv;
      },
      anotherKv: newKv,
      anotherDataSource: async () => {
        const ds = await createDataSource({ pgDsn: db.database.dsn, dataDir: tmpdir(), poolSize: 4 });
        closers.push(() => ds.destroy());
        return ds;
      },
    };
    return { backend, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Hook = (fn: () => Promise<void>, timeoutMs?: number) => void;
type Block = (name: string, fn: () => void) => void;
interface JestGlobals {
  describe: Block & { skip: Block };
  it: (name: string, fn: () => void) => void;
  beforeAll: Hook;
  afterAll: Hook;
}
