import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  EmbeddedTestDataSource,
  createEmbeddedTestDataSource,
  createTestDatabase,
  describeWithPostgres,
  postgresTier,
  servicesRequired,
  TestDatabase,
} from '../testing';
import { SentinelDataSource, createDataSource, pingDatabase } from './data-source';
import { embeddedPgDir } from './embedded';
import { TokenBindingEntity } from './entities';
import { runMigrations } from './migrate';
import { MIGRATION_LOCK_KEY } from './session';
import { STORAGE_MIGRATIONS } from './migrations';

/**
 * The storage contract on both backends: real PostgreSQL (skipped loudly when unreachable, failed
 * when REQUIRE_SERVICES=1 — describeWithPostgres below registers the failing test) and the
 * embedded PGlite.
 */

interface FreshDatabase {
  /** A DataSource on an empty database (no migrations applied). */
  readonly ds: SentinelDataSource;
  /**
   * Another DataSource on the same database, as a second Sentinel instance would have. PGlite is
   * one process per data dir, so there it is the same DataSource (its single connection queues).
   */
  another(): Promise<SentinelDataSource>;
  close(): Promise<void>;
}

interface Backend {
  readonly fresh: () => Promise<FreshDatabase>;
}

const postgres: Backend = {
  fresh: async () => {
    const db: TestDatabase = await createTestDatabase();
    const open: SentinelDataSource[] = [];
    const connect = async () => {
      const ds = await createDataSource({ pgDsn: db.dsn, dataDir: '.', poolSize: 4 });
      open.push(ds);
      return ds;
    };
    try {
      const ds = await connect();
      return {
        ds,
        another: connect,
        close: async () => {
          await Promise.all(open.map((d) => d.destroy()));
          await db.drop();
        },
      };
    } catch (error) {
      await db.drop();
      throw error;
    }
  },
};

const pglite: Backend = {
  fresh: async () => {
    const { dataSource, close } = await createEmbeddedTestDataSource({ migrate: false });
    return { ds: dataSource, another: async () => dataSource, close };
  },
};

const tier = postgresTier();
const backends: Array<[string, Backend]> = [
  ['pglite', pglite],
  ['postgres', postgres],
];
/** describe, or describe.skip for the real-PostgreSQL tier when it does not run. */
const suiteFor = (backend: string) => (backend === 'postgres' && tier !== 'run' ? describe.skip : describe);

const MIGRATION_NAMES = STORAGE_MIGRATIONS.map((m) => new m().name as string);

const EXPECTED_TABLES = [
  'admin_accounts',
  'admin_api_tokens',
  'admin_audit',
  'admin_sessions',
  'alert_deliveries',
  'archive_runs',
  'archived_bindings',
  'intercept_logs',
  'runtime_settings',
  'sentinel_migrations',
  'token_bindings',
];

const EXPECTED_INDEXES = [
  'pk_token_bindings',
  'uq_token_bindings_token_hash',
  'ix_token_bindings_last_used_key',
  'ix_token_bindings_created',
  'ix_token_bindings_intercepts',
  'ix_token_bindings_status_kind_key',
  'ix_token_bindings_mask_prefix',
  'ix_token_bindings_retention',
  'pk_intercept_logs',
  'ix_intercept_logs_created',
  'ix_intercept_logs_token_created',
  'ix_intercept_logs_ip_created',
  'ix_intercept_logs_reason_created',
  'ix_intercept_logs_mask_prefix',
  'ix_intercept_logs_token_prefix',
  'ux_intercept_logs_request_id',
  'pk_archived_bindings',
  'ix_archived_bindings_archived',
  'ix_archived_bindings_token_archived',
  'ix_archived_bindings_mask_prefix',
  'pk_admin_audit',
  'ix_admin_audit_created',
  'ix_admin_audit_target',
  'pk_runtime_settings',
  'pk_archive_runs',
  'ix_archive_runs_started',
  'pk_alert_deliveries',
  'ix_alert_deliveries_created',
  'ix_alert_deliveries_pending',
];

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

async function insertBinding(
  ds: DataSource,
  key: string,
  ruleKind: string,
  entries: string[],
  firstIp = '10.1.2.3',
): Promise<Array<{ id: string; version: string }>> {
  return ds.query(
    `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, first_ip)
     VALUES ($1, $2, $3, $4::cidr[], $5)
     ON CONFLICT (token_hash) DO NOTHING
     RETURNING id, version`,
    [hashOf(key), `sk-${key.slice(0, 4)}…`, ruleKind, entries, firstIp],
  );
}

describe.each(backends)('storage on %s', (backend, impl) => {
  suiteFor(backend)('one database through its life', () => {
    let db: FreshDatabase;
    let ds: SentinelDataSource;

    beforeAll(async () => {
      db = await impl.fresh();
      ds = db.ds;
      expect(ds.backend).toBe(backend);
    });
    afterAll(() => db?.close());

    it('applies every migration to an empty database', async () => {
      expect(await runMigrations(ds)).toEqual(MIGRATION_NAMES);
      const rows: Array<{ name: string }> = await ds.query('SELECT name FROM sentinel_migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(MIGRATION_NAMES);
    });

    it('applying them again is a no-op', async () => {
      expect(await runMigrations(ds)).toEqual([]);
      const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM sentinel_migrations');
      expect(n).toBe(MIGRATION_NAMES.length);
    });

    it('creates the tables and the named indexes', async () => {
      const tables: Array<{ tablename: string }> = await ds.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      );
      expect(tables.map((t) => t.tablename)).toEqual(EXPECTED_TABLES);
      const indexes: Array<{ indexname: string }> = await ds.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`,
      );
      expect(indexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(EXPECTED_INDEXES));
      const [mask] = await ds.query(
        `SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_token_bindings_mask_prefix'`,
      );
      expect(mask.indexdef).toContain('text_pattern_ops');
    });

    it('the entities match the migrated schema (TypeORM would change nothing)', async () => {
      const sql = await ds.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    });

    it('round-trips cidr[] and inet through the entity', async () => {
      const repo = ds.getRepository(TokenBindingEntity);
      const saved = await repo.save(
        repo.create({
          tokenHash: hashOf('round-trip'),
          tokenMask: 'sk-roun…trip',
          ruleKind: 'multiple',
          ruleEntries: ['10.0.0.0/8', '192.168.1.7/32', '2001:db8:1:2::/64'],
          firstIp: '2001:db8:1:2::1',
          lastIp: '10.9.8.7',
        }),
      );
      const loaded = await repo.findOneByOrFail({ id: saved.id });
      expect(typeof loaded.id).toBe('string');
      expect(loaded.ruleEntries).toEqual(['10.0.0.0/8', '192.168.1.7/32', '2001:db8:1:2::/64']);
      expect(loaded.firstIp).toBe('2001:db8:1:2::1');
      expect(loaded.lastIp).toBe('10.9.8.7');
      expect(loaded.status).toBe('active');
      expect(typeof loaded.version).toBe('number');
      expect(loaded.createdAt).toBeInstanceOf(Date);
      expect(loaded.lastUsedAt).toBeNull();
    });

    it('matches an IP against rule entries in SQL: $ip::inet <<= ANY(rule_entries)', async () => {
      await insertBinding(ds, 'match-a', 'single', ['10.1.2.0/24']);
      await insertBinding(ds, 'match-b', 'single', ['10.1.2.3/32']);
      await insertBinding(ds, 'match-c', 'multiple', ['192.0.2.1/32', '2001:db8::/64']);
      const containing = async (ip: string) =>
        (
          (await ds.query(
            `SELECT token_mask FROM token_bindings WHERE $1::inet <<= ANY(rule_entries) AND token_mask LIKE 'sk-matc%' ORDER BY token_mask`,
            [ip],
          )) as Array<{ token_mask: string }>
        ).map((r) => r.token_mask);
      expect(await containing('10.1.2.3')).toEqual(['sk-matc…', 'sk-matc…']);
      const [{ hit }] = await ds.query(`SELECT '10.1.2.3'::inet <<= ANY('{10.1.2.0/24}'::cidr[]) AS hit`);
      expect(hit).toBe(true);
      expect(await containing('10.1.2.4')).toHaveLength(1);
      expect(await containing('2001:db8::abcd')).toHaveLength(1);
      expect(await containing('2001:db8:0:1::1')).toHaveLength(0);
      // Families never match across: the net library unmaps ::ffff:a.b.c.d before it gets here.
      expect(await containing('::ffff:10.1.2.3')).toHaveLength(0);
    });

    it('first use is atomic: ON CONFLICT (token_hash) DO NOTHING RETURNING gives the row to one winner only', async () => {
      const other = await db.another();
      const results = await Promise.all([
        insertBinding(ds, 'race', 'single', ['10.0.0.1/32'], '10.0.0.1'),
        insertBinding(other, 'race', 'single', ['10.0.0.2/32'], '10.0.0.2'),
      ]);
      expect(results.map((r) => r.length).sort()).toEqual([0, 1]);
      const [winner] = results.find((r) => r.length === 1) ?? [];
      // The loser re-reads in a separate statement and sees the winner's row.
      const [row] = await other.query(`SELECT id, version FROM token_bindings WHERE token_hash = $1`, [hashOf('race')]);
      expect(row).toEqual(winner);
    });

    it('bumps version from a global sequence on changes, not on last-used bookkeeping', async () => {
      const [{ id, version }] = await insertBinding(ds, 'versioned', 'single', ['10.0.0.1/32']);
      const v0 = Number(version);
      const versionOf = async () =>
        Number((await ds.query(`SELECT version FROM token_bindings WHERE id = $1`, [id]))[0].version);

      await ds.query(`UPDATE token_bindings SET last_used_at = now(), last_ip = '10.0.0.1' WHERE id = $1`, [id]);
      expect(await versionOf()).toBe(v0);

      await ds.query(`UPDATE token_bindings SET status = 'banned' WHERE id = $1`, [id]);
      const v1 = await versionOf();
      expect(v1).toBeGreaterThan(v0);

      await ds.query(`UPDATE token_bindings SET rule_kind = 'all', rule_entries = '{}' WHERE id = $1`, [id]);
      const v2 = await versionOf();
      expect(v2).toBeGreaterThan(v1);

      // A writer cannot move it backwards.
      await ds.query(`UPDATE token_bindings SET version = 1 WHERE id = $1`, [id]);
      expect(await versionOf()).toBe(v2);

      // Unbind and bind again: the new row's version is above the deleted one's.
      // TypeORM's query() returns [rows, rowCount] for UPDATE/DELETE on both backends.
      const [[deleted]] = await ds.query(`DELETE FROM token_bindings WHERE id = $1 RETURNING version`, [id]);
      const [again] = await insertBinding(ds, 'versioned', 'single', ['10.0.0.9/32']);
      expect(Number(again.version)).toBeGreaterThan(Number(deleted.version));
    });

    it('rejects a malformed rule or token hash', async () => {
      const bad = (sql: string) => expect(ds.query(sql)).rejects.toThrow(/violates check constraint/);
      const cols = `(token_hash, token_mask, rule_kind, rule_entries, first_ip)`;
      const h = hashOf('bad');
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'single', '{}', '10.0.0.1')`);
      await bad(
        `INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'single', '{10.0.0.1/32,10.0.0.2/32}', '10.0.0.1')`,
      );
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'multiple', '{}', '10.0.0.1')`);
      await bad(
        `INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'multiple', '{10.0.0.1/32,NULL}', '10.0.0.1')`,
      );
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'all', '{10.0.0.1/32}', '10.0.0.1')`);
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('${h}', 'm', 'any', '{}', '10.0.0.1')`);
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('${h.toUpperCase()}', 'm', 'all', '{}', '10.0.0.1')`);
      await bad(`INSERT INTO token_bindings ${cols} VALUES ('sk-raw-key', 'm', 'all', '{}', '10.0.0.1')`);
      // cidr refuses host bits: writers pass canonical networks.
      await expect(ds.query(`SELECT '10.1.2.3/8'::cidr`)).rejects.toThrow(/invalid cidr value/);
    });

    it('answers pingDatabase', async () => {
      await expect(pingDatabase(ds)).resolves.toBeUndefined();
    });

    it('reverts the schema with the down migrations and re-applies it', async () => {
      for (let i = 0; i < MIGRATION_NAMES.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const tables: Array<{ tablename: string }> = await ds.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.map((t) => t.tablename)).toEqual(['sentinel_migrations']);
      const [{ seqs }] = await ds.query(`SELECT count(*)::int AS seqs FROM pg_class WHERE relkind = 'S'`);
      expect(seqs).toBe(1); // sentinel_migrations_id_seq only
      expect(await runMigrations(ds)).toEqual(MIGRATION_NAMES);
    });
  });

  suiteFor(backend)('several instances', () => {
    it('two instances migrating the same fresh database at once apply each migration exactly once', async () => {
      const db = await impl.fresh();
      try {
        const [a, b] = [db.ds, await db.another()];
        const results = await Promise.all([runMigrations(a), runMigrations(b)]);
        expect(results.flat().sort()).toEqual([...MIGRATION_NAMES].sort());
        const rows: Array<{ name: string }> = await a.query('SELECT name FROM sentinel_migrations');
        expect(rows.map((r) => r.name).sort()).toEqual([...MIGRATION_NAMES].sort());
        const [{ n }] = await a.query('SELECT count(*)::int AS n FROM token_bindings');
        expect(n).toBe(0);
      } finally {
        await db.close();
      }
    });
  });
});

describe('storage on pglite only', () => {
  it('keeps the data after closing and reopening the same data dir', async () => {
    const first = await createEmbeddedTestDataSource();
    try {
      await insertBinding(first.dataSource, 'persisted', 'single', ['10.0.0.1/32']);
      await first.dataSource.destroy();
      expect(existsSync(`${embeddedPgDir(first.dataDir)}.lock`)).toBe(false);

      const reopened = await createDataSource({ dataDir: first.dataDir });
      try {
        expect(await runMigrations(reopened)).toEqual([]);
        const rows = await reopened.query(`SELECT rule_entries FROM token_bindings WHERE token_hash = $1`, [
          hashOf('persisted'),
        ]);
        expect(rows).toEqual([{ rule_entries: ['10.0.0.1/32'] }]);
      } finally {
        await reopened.destroy();
      }
    } finally {
      await first.close();
    }
  });

  describe('one shared instance', () => {
    let embedded: EmbeddedTestDataSource;
    let ds: SentinelDataSource;
    beforeAll(async () => {
      embedded = await createEmbeddedTestDataSource();
      ds = embedded.dataSource;
    });
    afterAll(() => embedded?.close());
    beforeEach(() => ds.query('DELETE FROM runtime_settings'));

    it('refuses to open a data dir that is already open', async () => {
      await expect(createDataSource({ dataDir: embedded.dataDir })).rejects.toThrow(/already open in this process/);
      await expect(pingDatabase(ds)).resolves.toBeUndefined();
    });

    it('runs a transaction alone on the session: other statements wait instead of joining it', async () => {
      const runner = ds.createQueryRunner();
      await runner.startTransaction();
      await runner.query(`INSERT INTO runtime_settings (key, value) VALUES ('in_tx', '1')`);
      const outside = ds.query(`INSERT INTO runtime_settings (key, value) VALUES ('outside', '2')`);
      await new Promise((r) => setTimeout(r, 50));
      await runner.rollbackTransaction();
      await runner.release();
      await outside;
      const rows: Array<{ key: string }> = await ds.query('SELECT key FROM runtime_settings ORDER BY key');
      expect(rows.map((r) => r.key)).toEqual(['outside']);
    });

    it('a replacement pool client starts a clean session: no transaction, settings or advisory locks left over', async () => {
      interface Client {
        query(sql: string): Promise<unknown>;
        release(error?: Error): void;
      }
      const pool = (ds.driver as unknown as { master: { connect(): Promise<Client> } }).master;
      const broken = await pool.connect();
      await broken.query('BEGIN');
      await broken.query(`INSERT INTO runtime_settings (key, value) VALUES ('leftover', '1')`);
      await broken.query(`SET statement_timeout = '1234'`);
      await broken.query('SELECT pg_advisory_lock(42)');
      broken.release(new Error('simulated connection failure')); // the pool destroys this client

      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`);
      expect(n).toBe(0);
      const [{ statement_timeout }] = await ds.query('SHOW statement_timeout');
      expect(statement_timeout).toBe('0');
      await ds.query(`INSERT INTO runtime_settings (key, value) VALUES ('after', '2')`);
      const rows: Array<{ key: string }> = await ds.query('SELECT key FROM runtime_settings ORDER BY key');
      expect(rows.map((r) => r.key)).toEqual(['after']);
    });
  });
});

describeWithPostgres('storage on postgres only', () => {
  it('fails fast, naming the server and hiding the password, when PostgreSQL is unreachable', async () => {
    const started = Date.now();
    await expect(
      createDataSource({ pgDsn: 'postgresql+asyncpg://u:s3cret@127.0.0.1:1/db', dataDir: '.' }),
    ).rejects.toThrow(/^Cannot connect to PostgreSQL at postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: /);
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it('applies the statement timeout to ordinary sessions', async () => {
    const db = await createTestDatabase();
    const ds = await createDataSource({ pgDsn: db.dsn, dataDir: '.', statementTimeoutMs: 200 });
    try {
      await expect(ds.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
      await expect(pingDatabase(ds)).resolves.toBeUndefined();
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });

  it('runMigrations waits while another instance holds the migration lock, or gives up with a clear message', async () => {
    const db = await createTestDatabase();
    const holder = await createDataSource({ pgDsn: db.dsn, dataDir: '.' });
    // Ordinary sessions time out after 100 ms (server) / 2.1 s (client); the migration session
    // must lift both, or the waits below would be cut short.
    const a = await createDataSource({ pgDsn: db.dsn, dataDir: '.', statementTimeoutMs: 100 });
    const b = await createDataSource({ pgDsn: db.dsn, dataDir: '.', statementTimeoutMs: 100 });
    const runner = holder.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);

      await expect(runMigrations(a, undefined, { lockWaitMs: 300 })).rejects.toThrow(
        /^Timed out after 300 ms waiting for the migration lock/,
      );

      const waiting: string[] = [];
      const logger = { log: (m: string) => waiting.push(m), warn: () => undefined, error: () => undefined };
      const running = Promise.all([runMigrations(a, logger), runMigrations(b, logger)]);
      await new Promise((r) => setTimeout(r, 2_500));
      const [{ t }] = await holder.query(`SELECT to_regclass('sentinel_migrations')::text AS t`);
      expect(t).toBeNull(); // nobody migrated while the lock was held
      expect(waiting.filter((m) => m.startsWith('Another instance is applying migrations'))).toHaveLength(2);

      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      const results = await running;
      expect(results.flat()).toEqual(MIGRATION_NAMES);
    } finally {
      await runner.release();
      await Promise.all([holder.destroy(), a.destroy(), b.destroy()]);
      await db.drop();
    }
  });

  it('REQUIRE_SERVICES is honoured by the tier decision', () => {
    expect(servicesRequired()).toBe(process.env['REQUIRE_SERVICES'] === '1');
  });
});
