import { Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createEmbeddedTestDataDir, createTestDatabase, postgresTier } from '../testing';
import { SentinelDataSource } from './data-source';
import { silentLogger } from './logger';
import { STORAGE_MIGRATIONS } from './migrations';
import { DATA_SOURCE, StorageModule } from './storage.module';

const MIGRATIONS = STORAGE_MIGRATIONS.map((m) => new m().name as string);

/** A feature that flushes to the database while the application shuts down. */
@Injectable()
class FlushOnShutdown implements OnModuleDestroy {
  static flushed: unknown[] = [];
  constructor(@Inject(DATA_SOURCE) private readonly ds: SentinelDataSource) {}
  async onModuleDestroy(): Promise<void> {
    await this.ds.query(`INSERT INTO runtime_settings (key, value) VALUES ('flushed', 'true')`);
    FlushOnShutdown.flushed.push(await this.ds.query(`SELECT value FROM runtime_settings WHERE key = 'flushed'`));
  }
}

@Module({ providers: [FlushOnShutdown] })
class FeatureModule {}

describe('StorageModule', () => {
  let dataDir: string;
  let remove: () => void;
  beforeEach(async () => {
    ({ dataDir, remove } = await createEmbeddedTestDataDir());
    FlushOnShutdown.flushed = [];
  });
  afterEach(() => remove());

  it('provides a migrated DataSource (embedded) globally and destroys it after the other modules shut down', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot({ dataDir, logger: silentLogger }), FeatureModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    const ds = app.get<SentinelDataSource>(DATA_SOURCE);
    expect(ds.isInitialized).toBe(true);
    expect(ds.backend).toBe('pglite');
    const rows: Array<{ name: string }> = await ds.query('SELECT name FROM sentinel_migrations');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);

    await app.close();
    expect(FlushOnShutdown.flushed).toEqual([[{ value: true }]]);
    expect(ds.isInitialized).toBe(false);
  });

  it('forRootAsync takes its options from a factory; migrate: false leaves the schema alone', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          useFactory: async () => ({ dataDir, migrate: false, logger: silentLogger }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const ds = app.get<SentinelDataSource>(DATA_SOURCE);
      const [{ t }] = await ds.query(`SELECT to_regclass('token_bindings')::text AS t`);
      expect(t).toBeNull();
    } finally {
      await app.close();
    }
  });

  const itWithPostgres = postgresTier() === 'run' ? it : it.skip;
  itWithPostgres('connects to PostgreSQL when a DSN (asyncpg form included) is given', async () => {
    const db = await createTestDatabase();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          StorageModule.forRoot({
            pgDsn: db.dsn.replace(/^postgresql:/, 'postgresql+asyncpg:'),
            dataDir,
            logger: silentLogger,
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const ds = app.get<SentinelDataSource>(DATA_SOURCE);
      expect(ds.backend).toBe('postgres');
      const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM sentinel_migrations');
      expect(n).toBe(MIGRATIONS.length);
      await app.close();
      expect(ds.isInitialized).toBe(false);
    } finally {
      await db.drop();
    }
  });
});
