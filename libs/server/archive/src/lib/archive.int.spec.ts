import { randomBytes } from 'node:crypto';
import { SchedulerRegistry } from '@nestjs/schedule';
import { parseIp, type Ip } from '@sentinel/net';
import {
  BindingDecider,
  BindingEvents,
  BindingRepository,
  DEFAULT_BINDING_OPTIONS,
  FirstUseLimiter,
} from '@sentinel/server-binding';
import { BindingCaches } from '@sentinel/server-binding/testing';
import { AppLogger, DependencyHealth } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import type { DataSource } from 'typeorm';
import { DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from './archive.options';
import { ARCHIVE_BATCH_SQL, ARCHIVE_LOCK_KEY, ArchiveRepository } from './archive.repository';
import { ARCHIVE_INTERVAL_NAME, ArchiveService } from './archive.service';

const silent = new AppLogger('error', () => undefined);
const config = testConfig();
const ip = (s: string) => parseIp(s) as Ip;
const tokenHash = () => randomBytes(32).toString('hex');

describeEachBackend('ArchiveService on %s', { kv: true }, (be, kind) => {
  const onPostgres = kind === 'postgres' ? it : it.skip; // PGlite: one process, one session
  let settings: RuntimeSettings;
  /** One instance: its decider beside the caches the binding module gives it. */
  interface Instance {
    caches: BindingCaches;
    resolve: BindingDecider['resolve'];
    cached: BindingDecider['cached'];
    shared: BindingCaches['shared'];
    onModuleDestroy(): Promise<void>;
  }
  const deciders: Instance[] = [];
  let decider: Instance;
  const newDecider = async (ds: DataSource = be().dataSource): Promise<Instance> => {
    const caches = new BindingCaches(be().kv, DEFAULT_BINDING_OPTIONS, silent);
    const d = new BindingDecider(
      new BindingRepository(ds),
      caches,
      new DependencyHealth(0),
      settings,
      new BindingEvents(),
      silent,
      new FirstUseLimiter(be().kv, settings, silent),
    );
    await caches.onModuleInit();
    const instance: Instance = {
      caches,
      resolve: d.resolve.bind(d),
      cached: d.cached.bind(d),
      shared: caches.shared,
      onModuleDestroy: () => caches.onModuleDestroy(),
    };
    deciders.push(instance);
    return instance;
  };
  const service = (options: Partial<ArchiveOptions> = {}, ds: DataSource = be().dataSource, instance = decider) =>
    new ArchiveService(new ArchiveRepository(ds), settings, new SchedulerRegistry(), instance.caches, silent, {
      ...DEFAULT_ARCHIVE_OPTIONS,
      schedule: false,
      ...options,
    });

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    be().dataSource.query(sql, params) as Promise<T[]>;

  /** A binding whose last use (null = never used) and creation are `days` ago. */
  const insertBinding = async (o: {
    lastUsedDaysAgo: number | null;
    createdDaysAgo: number;
    status?: 'active' | 'banned';
  }) => {
    const h = tokenHash();
    await q(
      `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at,
                                   last_ip, last_used_at, created_at, updated_at, note)
       VALUES ($1, 'sk-test…' || substr($1, 1, 4), 'multiple', '{10.0.0.0/24,192.0.2.7/32}', $2, '10.0.0.1',
               now() - $3::int * interval '1 day', '10.0.0.2',
               CASE WHEN $4::int IS NULL THEN NULL ELSE now() - $4::int * interval '1 day' END,
               now() - $3::int * interval '1 day', now() - $3::int * interval '1 day', 'a note')`,
      [h, o.status ?? 'active', o.createdDaysAgo, o.lastUsedDaysAgo],
    );
    return h;
  };
  const insertMany = (n: number, daysAgo: number) =>
    q(
      `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, created_at, last_used_at)
       SELECT encode(sha256(($1 || g)::bytea), 'hex'), 'sk-m…' || g, 'single', '{10.1.0.1/32}', 'active', '10.1.0.1',
              now() - $2::int * interval '1 day', now() - $2::int * interval '1 day'
         FROM generate_series(1, $3::int) g`,
      [randomBytes(4).toString('hex'), daysAgo, n],
    );

  beforeAll(async () => {
    settings = new RuntimeSettings(config);
    decider = await newDecider();
  });
  afterAll(async () => {
    for (const d of deciders) await d.onModuleDestroy();
  });
  beforeEach(async () => {
    settings.apply({ archiveDays: 90, interceptRetentionDays: 180 });
    for (const t of ['token_bindings', 'archived_bindings', 'intercept_logs', 'archive_runs'])
      await q(`DELETE FROM ${t}`);
  });

  it('archives old and never-used-old bindings; keeps recent, never-used-new and banned ones; records the run', async () => {
    const old = await insertBinding({ lastUsedDaysAgo: 100, createdDaysAgo: 300 });
    const recentlyUsed = await insertBinding({ lastUsedDaysAgo: 1, createdDaysAgo: 300 });
    const neverUsedOld = await insertBinding({ lastUsedDaysAgo: null, createdDaysAgo: 91 });
    const neverUsedNew = await insertBinding({ lastUsedDaysAgo: null, createdDaysAgo: 89 });
    const bannedOld = await insertBinding({ lastUsedDaysAgo: 400, createdDaysAgo: 400, status: 'banned' });
    const before = await q<{ id: string; token_hash: string; version: string }>(
      `SELECT id::text, token_hash, version::text FROM token_bindings`,
    );

    const archive = service({ instanceId: 'test-instance' });
    const summary = await archive.runNow();
    expect(summary).toMatchObject({
      status: 'completed',
      rowsArchived: 2,
      logsDeleted: 0,
      error: null,
      instanceId: 'test-instance',
    });

    const left = (await q<{ token_hash: string }>(`SELECT token_hash FROM token_bindings`))
      .map((r) => r.token_hash)
      .sort();
    expect(left).toEqual([recentlyUsed, neverUsedNew, bannedOld].sort());
    const archived = await q<{
      binding_id: string;
      token_hash: string;
      rule_kind: string;
      rule_entries: string;
      status: string;
      first_ip: string;
      last_ip: string | null;
      last_used_at: Date | null;
      note: string;
      version: string;
      archive_reason: string;
    }>(
      `SELECT binding_id::text, token_hash, rule_kind, rule_entries::text, status, host(first_ip) AS first_ip, host(last_ip) AS last_ip,
              last_used_at, note, version::text, archive_reason FROM archived_bindings ORDER BY token_hash`,
    );
    expect(archived.map((r) => r.token_hash).sort()).toEqual([old, neverUsedOld].sort());
    for (const r of archived) {
      const src = before.find((b) => b.token_hash === r.token_hash) as (typeof before)[number];
      expect(r).toMatchObject({
        binding_id: src.id,
        version: src.version,
        rule_kind: 'multiple',
        rule_entries: '{10.0.0.0/24,192.0.2.7/32}',
        status: 'active',
        first_ip: '10.0.0.1',
        last_ip: '10.0.0.2',
        note: 'a note',
        archive_reason: 'retention',
      });
    }
    expect(archived.find((r) => r.token_hash === neverUsedOld)?.last_used_at).toBeNull();

    const last = await archive.lastRun();
    expect(last).toMatchObject({
      id: summary.runId,
      instanceId: 'test-instance',
      rowsArchived: 2,
      logsDeleted: 0,
      error: null,
    });
    expect(last?.finishedAt).not.toBeNull();

    // Nothing left to do: a second run archives nothing.
    expect(await archive.runNow()).toMatchObject({ status: 'completed', rowsArchived: 0 });
  });

  it('works in bounded batches (batch size 10 over 35 rows → 4 statements)', async () => {
    await insertMany(35, 120);
    await insertMany(5, 10);
    const summary = await service({ batchSize: 10 }).runNow();
    expect(summary).toMatchObject({ status: 'completed', rowsArchived: 35, batches: 4 });
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM archived_bindings`))[0].n).toBe(35);
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM token_bindings`))[0].n).toBe(5);
    expect((await q<{ n: string }>(`SELECT rows_archived::text AS n FROM archive_runs`))[0].n).toBe('35');
  });

  it('two services running the job at once archive every row exactly once', async () => {
    await insertMany(60, 120);
    const other = await be().anotherDataSource();
    const a = service({ batchSize: 5, instanceId: 'a' });
    const b = service({ batchSize: 5, instanceId: 'b' }, other, await newDecider(other));
    const [ra, rb] = await Promise.all([a.runNow(), b.runNow()]);
    expect(ra.rowsArchived + rb.rowsArchived).toBe(60);
    const [{ n, d }] = await q<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT binding_id)::int AS d FROM archived_bindings`,
    );
    expect(n).toBe(60);
    expect(d).toBe(60);
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM token_bindings`))[0].n).toBe(0);
    if (be().kind === 'postgres') {
      // Both may complete if one finished before the other asked for the lock; never both working at once.
      expect([ra.status, rb.status].every((s) => s === 'completed' || s === 'skipped')).toBe(true);
    }
  });

  it('without the lock, concurrent batches still never archive a row twice (SKIP LOCKED)', async () => {
    await insertMany(90, 120);
    const other = await be().anotherDataSource();
    const cutoff = new Date(Date.now() - 90 * 86_400_000).toISOString();
    const drain = async (ds: DataSource) => {
      let total = 0;
      for (;;) {
        const rows = (await ds.query(ARCHIVE_BATCH_SQL, [cutoff, 3])) as unknown[];
        total += rows.length;
        if (rows.length === 0) return total;
      }
    };
    const totals = await Promise.all([drain(be().dataSource), drain(other), drain(be().dataSource), drain(other)]);
    expect(totals.reduce((x, y) => x + y, 0)).toBe(90);
    const [{ n, d }] = await q<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT binding_id)::int AS d FROM archived_bindings`,
    );
    expect([n, d]).toEqual([90, 90]);
  });

  onPostgres('an instance that cannot take the advisory lock skips the run', async () => {
    await insertMany(3, 120);
    const other = await be().anotherDataSource();
    const runner = other.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [ARCHIVE_LOCK_KEY]);
      expect(await service().runNow()).toMatchObject({
        status: 'skipped',
        skippedReason: 'locked',
        rowsArchived: 0,
        runId: null,
      });
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [ARCHIVE_LOCK_KEY]);
      expect(await service().runNow()).toMatchObject({ status: 'completed', rowsArchived: 3 });
    } finally {
      await runner.release();
    }
  });

  it('archived tokens lose every cached decision and bind again on first use', async () => {
    const h = tokenHash();
    const first = await decider.resolve(h, 'sk-reb…ind1', ip('203.0.113.10'));
    expect(first.kind === 'binding' && first.created).toBe(true);
    const peer = await newDecider(); // another instance with its own L1, subscribed to invalidations
    await peer.resolve(h, 'sk-reb…ind1', ip('203.0.113.10'));
    expect(decider.cached(h)).toBeDefined();
    expect(peer.cached(h)).toBeDefined();
    expect((await decider.shared.lookup(h)).state).not.toBeNull();

    await q(`UPDATE token_bindings SET last_used_at = now() - interval '100 days' WHERE token_hash = $1`, [h]);
    expect(await service().runNow()).toMatchObject({ status: 'completed', rowsArchived: 1 });
    expect(decider.cached(h)).toBeUndefined();
    expect((await decider.shared.lookup(h)).state).toBeNull();
    for (let i = 0; i < 50 && peer.cached(h); i++) await new Promise((r) => setTimeout(r, 20));
    expect(peer.cached(h)).toBeUndefined();

    // Same token, another address: a fresh first-use binding.
    const again = await decider.resolve(h, 'sk-reb…ind1', ip('198.51.100.77'));
    expect(again.kind === 'binding' && again.created).toBe(true);
    expect(again.kind === 'binding' && again.binding.state.ruleEntries).toEqual(['198.51.100.77/32']);
    // And the repository's first-use insert works for an archived token too.
    const h2 = await insertBinding({ lastUsedDaysAgo: 200, createdDaysAgo: 200 });
    await service().runNow();
    const repo = new BindingRepository(be().dataSource);
    expect(await repo.findOrBind(h2, 'sk-x…y', '192.0.2.1/32', '192.0.2.1')).toMatchObject({
      created: true,
      state: { tokenHash: h2, ruleEntries: ['192.0.2.1/32'] },
    });
    expect(
      (await q<{ n: number }>(`SELECT count(*)::int AS n FROM archived_bindings WHERE token_hash = $1`, [h2]))[0].n,
    ).toBe(1);
  });

  it('deletes intercept logs older than interceptRetentionDays, in batches', async () => {
    const insertLogs = (n: number, daysAgo: number) =>
      q(
        `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason, method, path, created_at)
         SELECT $1, 'sk-l…og', '198.51.100.1', 'single', '{10.0.0.1/32}', 'active', 'ip_not_allowed', 'GET', '/v1/models',
                now() - $2::int * interval '1 day' - g * interval '1 second'
           FROM generate_series(1, $3::int) g`,
        [tokenHash(), daysAgo, n],
      );
    await insertLogs(20, 200);
    await insertLogs(6, 179);
    const summary = await service({ logBatchSize: 7 }).runNow();
    expect(summary).toMatchObject({ status: 'completed', logsDeleted: 20, rowsArchived: 0 });
    const left = await q<{ n: number }>(`SELECT count(*)::int AS n FROM intercept_logs`);
    expect(left[0].n).toBe(6);
    expect(await service().lastRun()).toMatchObject({ logsDeleted: 20 });

    settings.apply({ archiveDays: 90, interceptRetentionDays: 0 }); // 0 = keep for ever
    await insertLogs(3, 400);
    expect(await service().runNow()).toMatchObject({ logsDeleted: 0, logCutoff: null });
  });

  it('schedules on archiveIntervalMinutes and re-arms when the setting changes', async () => {
    const registry = new SchedulerRegistry();
    const archive = new ArchiveService(
      new ArchiveRepository(be().dataSource),
      settings,
      registry,
      decider.caches,
      silent,
      {
        ...DEFAULT_ARCHIVE_OPTIONS,
        schedule: true,
        initialDelayMs: 3_600_000,
      },
    );
    settings.apply({ archiveIntervalMinutes: 60 });
    archive.onApplicationBootstrap();
    expect(registry.doesExist('interval', ARCHIVE_INTERVAL_NAME)).toBe(true);
    expect(archive.intervalMinutes).toBe(60);
    const before = registry.getInterval(ARCHIVE_INTERVAL_NAME);
    settings.apply({ archiveIntervalMinutes: 5 });
    expect(archive.intervalMinutes).toBe(5);
    expect(registry.getInterval(ARCHIVE_INTERVAL_NAME)).not.toBe(before);
    await archive.onModuleDestroy();
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getTimeouts()).toEqual([]);
  });

  it('concurrent runNow() calls on one instance join the same run', async () => {
    await insertMany(4, 120);
    const archive = service();
    const [x, y] = await Promise.all([archive.runNow(), archive.runNow()]);
    expect(x).toBe(y);
    expect(x.rowsArchived).toBe(4);
  });
});
