import { randomBytes } from 'node:crypto';
import { parseIp, type Ip } from '@sentinel/net';
import { AppLogger, DependencyHealth, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import { BindingService } from '../binding.service';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingEvents } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { evaluate, type CompiledBinding } from '../rules/binding-rule';
import { BindingCaches } from '../cache/binding-caches';
import { BindingDecider } from './binding-decider';
import { FirstUseLimiter } from './first-use-limiter';

const ip = (s: string): Ip => parseIp(s) as Ip;
const silent = new AppLogger('error', () => undefined);
const config = testConfig();

const tokenHash = () => randomBytes(32).toString('hex');

/** The value, or a test failure saying what was missing. */
function must<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

describeEachBackend('BindingDecider on %s', { kv: true }, (backend, kind) => {
  // Two sessions needed: the embedded database has one.
  const withTwoSessions = kind === 'embedded' ? it.skip : it;

  let repo: BindingRepository;
  let health: DependencyHealth;
  let settings: RuntimeSettings;
  let decider: ReturnType<typeof newDecider>;
  let service: BindingService;

  /** One instance: its decider beside the caches the binding module gives it (their state and lifecycle). */
  const newDecider = (kv: KvStore, r: BindingRepository = repo, h: DependencyHealth = health) => {
    const caches = new BindingCaches(kv, DEFAULT_BINDING_OPTIONS, silent);
    const limiter = new FirstUseLimiter(kv, settings, silent);
    const d = new BindingDecider(r, caches, h, settings, new BindingEvents(), silent, limiter);
    return {
      caches,
      resolve: d.resolve.bind(d),
      cached: d.cached.bind(d),
      l1: caches.l1,
      shared: caches.shared,
      io: caches.io,
      onModuleInit: () => caches.onModuleInit(),
      onModuleDestroy: () => caches.onModuleDestroy(),
    };
  };

  beforeAll(async () => {
    repo = new BindingRepository(backend().dataSource);
    health = new DependencyHealth(0);
    settings = new RuntimeSettings(config);
    decider = newDecider(backend().kv);
    await decider.onModuleInit();
    service = new BindingService(repo, decider.caches);
  });
  afterAll(async () => {
    await decider?.onModuleDestroy();
  });

  it('binds on first use, then answers from L1 without touching storage', async () => {
    const h = tokenHash();
    const r = await decider.resolve(h, 'sk-test…mask', ip('203.0.113.9'));
    expect(r.kind).toBe('binding');
    if (r.kind !== 'binding') return;
    expect(r.created).toBe(true);
    expect(r.binding.state.ruleEntries).toEqual(['203.0.113.9/32']);
    const io = { ...decider.io };
    const cached = decider.cached(h);
    expect(cached).toBeDefined();
    expect(evaluate(must(cached), ip('203.0.113.9'))).toBe('allow');
    expect(evaluate(must(cached), ip('203.0.113.10'))).toBe('ip_not_allowed');
    expect(decider.io).toEqual(io);
  });

  it('concurrent misses for one token share one lookup; only one request reports the binding created', async () => {
    const h = tokenHash();
    const before = { ...decider.io };
    const first = await Promise.all(
      Array.from({ length: 50 }, () => decider.resolve(h, 'sk-test…mask', ip('203.0.113.21'))),
    );
    expect(first.every((r) => r.kind === 'binding')).toBe(true);
    expect(first.filter((r) => r.kind === 'binding' && r.created)).toHaveLength(1);
    expect(decider.io.postgresInserts - before.postgresInserts).toBe(1);
    expect(decider.io.sharedLookups - before.sharedLookups).toBe(49);
    // The L1 entry gone (as when its TTL ends under load): 50 concurrent misses, one lookup.
    decider.l1.invalidate(h);
    const mid = { ...decider.io };
    const again = await Promise.all(
      Array.from({ length: 50 }, () => decider.resolve(h, 'sk-test…mask', ip('203.0.113.22'))),
    );
    expect(again.every((r) => r.kind === 'binding' && !r.created)).toBe(true);
    expect(again.map((r) => (r.kind === 'binding' ? evaluate(r.binding, ip('203.0.113.22')) : 'none'))).toEqual(
      Array(50).fill('ip_not_allowed'),
    );
    const lookups = decider.io.redisLookups - mid.redisLookups + (decider.io.postgresReads - mid.postgresReads);
    expect(lookups).toBeLessThanOrEqual(2); // one flight: Redis, or Redis then PostgreSQL
    expect(decider.io.sharedLookups - mid.sharedLookups).toBe(49);
  });

  it('a retried intercept batch (its first INSERT committed, the reply lost) adds no duplicate rows', async () => {
    const h = tokenHash();
    const event = (requestId: string) => ({
      tokenHash: h,
      tokenMask: 'sk-test…mask',
      clientIp: '203.0.113.50',
      ruleKind: 'single' as const,
      ruleEntries: ['203.0.113.9/32'],
      bindingStatus: 'active' as const,
      reason: 'ip_not_allowed' as const,
      method: 'GET',
      path: '/v1/models',
      userAgent: null,
      requestId,
      at: new Date(),
    });
    const batch = [event(`${h.slice(0, 8)}-1`), event(`${h.slice(0, 8)}-2`)];
    await repo.insertIntercepts(batch);
    await repo.insertIntercepts([...batch, event(`${h.slice(0, 8)}-3`)]); // the retry, plus a new one
    const rows: { request_id: string }[] = await backend().dataSource.query(
      `SELECT request_id FROM intercept_logs WHERE token_hash = $1 ORDER BY request_id`,
      [h],
    );
    expect(rows.map((r) => r.request_id)).toEqual([`${h.slice(0, 8)}-1`, `${h.slice(0, 8)}-2`, `${h.slice(0, 8)}-3`]);
  });

  it('an IPv6 client binds its /64', async () => {
    const h = tokenHash();
    const r = await decider.resolve(h, 'm', ip('2001:db8:aa:bb:1:2:3:4'));
    expect(r.kind === 'binding' && r.binding.state.ruleEntries).toEqual(['2001:db8:aa:bb::/64']);
  });

  it('a second instance finds the binding in Redis (or PostgreSQL) and agrees', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('198.51.100.1'));
    const other = newDecider(backend().kv);
    const r = await other.resolve(h, 'm', ip('198.51.100.2'));
    expect(r.kind === 'binding' && r.created).toBe(false);
    expect(r.kind === 'binding' && evaluate(r.binding, ip('198.51.100.2'))).toBe('ip_not_allowed');
  });

  it('a token known to PostgreSQL but not to Redis costs one statement and creates nothing', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('198.51.100.61'));
    const other = newDecider(backend().kv);
    for (let i = 0; i < 50 && (await decider.shared.lookup(h)).state === null; i++)
      await new Promise((r) => setTimeout(r, 10));
    await backend().kv.del(`binding:${h}`); // as after a Redis flush or the entry's expiry
    const r = await other.resolve(h, 'm', ip('198.51.100.62'));
    expect(r.kind === 'binding' && r.created).toBe(false);
    expect(r.kind === 'binding' && r.binding.state.ruleEntries).toEqual(['198.51.100.61/32']);
    expect(other.io).toMatchObject({ redisLookups: 1, postgresReads: 1, postgresInserts: 0 });
  });

  it('100 concurrent first uses from two addresses on two instances → one binding', async () => {
    const h = tokenHash();
    const other = newDecider(backend().kv);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? decider : other).resolve(h, 'm', ip(i % 2 ? '10.9.0.1' : '10.9.0.2')),
      ),
    );
    const created = results.filter((r) => r.kind === 'binding' && r.created);
    expect(created).toHaveLength(1);
    const rows = await backend().dataSource.query(
      `SELECT count(*)::int AS n FROM token_bindings WHERE token_hash = $1`,
      [h],
    );
    expect(rows[0].n).toBe(1);
    const entries = new Set(results.map((r) => (r.kind === 'binding' ? r.binding.state.ruleEntries.join() : 'x')));
    expect(entries.size).toBe(1);
  });

  withTwoSessions(
    'a first use that loses the race to a commit after its snapshot re-reads the winner in a separate statement',
    async () => {
      const ds = backend().dataSource;
      const h = tokenHash();
      const winner = ds.createQueryRunner(); // another instance's first use, not yet committed
      await winner.connect();
      try {
        await winner.startTransaction();
        await winner.query(
          `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, first_ip)
         VALUES ($1, 'm', 'single', '{10.7.0.1/32}', '10.7.0.1')`,
          [h],
        );
        const before = { ...decider.io };
        const loser = decider.resolve(h, 'm', ip('10.7.0.2'));
        let waiting = 0;
        for (let i = 0; i < 400 && waiting === 0; i++) {
          await new Promise((r) => setTimeout(r, 5));
          const rows = await ds.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH existing AS%'`,
          );
          waiting = rows[0].n;
        }
        expect(waiting).toBe(1);
        await winner.commitTransaction();
        const r = await loser;
        expect(r.kind === 'binding' && r.created).toBe(false);
        expect(r.kind === 'binding' && evaluate(r.binding, ip('10.7.0.2'))).toBe('ip_not_allowed');
        expect(r.kind === 'binding' && evaluate(r.binding, ip('10.7.0.1'))).toBe('allow');
        expect(decider.io.postgresReads - before.postgresReads).toBe(2); // lookup-or-bind, then the re-read
        expect(decider.io.postgresInserts - before.postgresInserts).toBe(0);
      } finally {
        if (winner.isTransactionActive) await winner.rollbackTransaction();
        await winner.release();
      }
    },
  );

  it('an unbind while a cache fill is in flight is not undone by the fill', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('192.0.2.1'));
    const binding = await repo.findByTokenHash(h);

    // A second instance whose PostgreSQL read is held until the admin change has committed.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowRepo = Object.create(repo) as BindingRepository;
    slowRepo.findOrBind = async (...args) => {
      const found = await repo.findOrBind(...args); // reads the OLD binding…
      await gate; // …and is delayed past the admin's change
      return found;
    };
    const slow = newDecider(backend().kv, slowRepo);
    await slow.onModuleInit();
    // Let the first fill land, then drop it: the slow instance must go to PostgreSQL.
    for (let i = 0; i < 50 && (await decider.shared.lookup(h)).state === null; i++)
      await new Promise((r) => setTimeout(r, 10));
    await backend().kv.del(`binding:${h}`);
    let gatedReads = 0;
    const countingFind = slowRepo.findOrBind;
    slowRepo.findOrBind = (...args) => (gatedReads++, countingFind(...args));
    const inFlight = slow.resolve(h, 'm', ip('192.0.2.1'));
    await new Promise((r) => setTimeout(r, 50));

    await service.ban(must(binding).id); // commits, bumps the generation, publishes
    release();
    await inFlight;
    // The race really happened: the slow read straddled the ban (a second read follows when the
    // invalidation arrived before the first one returned — see the next test).
    expect(gatedReads).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 50)); // let pub/sub deliver

    // Neither the slow instance's L1 nor Redis may hold the pre-ban state now.
    const l1 = slow.cached(h);
    expect(l1 === undefined || l1.state.status === 'banned').toBe(true);
    const shared = await slow.shared.lookup(h);
    expect(shared.state === null || shared.state.status === 'banned').toBe(true);
    const again = await slow.resolve(h, 'm', ip('192.0.2.1'));
    expect(again.kind === 'binding' && evaluate(again.binding, ip('192.0.2.1'))).toBe('banned');
    await slow.onModuleDestroy();
  });

  it('a lookup that straddles a ban is repeated once the invalidation arrives: the request itself is decided on the ban', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('192.0.2.9'));
    const binding = await repo.findByTokenHash(h);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    const slowRepo = Object.create(repo) as BindingRepository;
    slowRepo.findOrBind = async (...args) => {
      const found = await repo.findOrBind(...args);
      if (++reads === 1) await gate; // only the first read straddles the ban
      return found;
    };
    const slow = newDecider(backend().kv, slowRepo);
    await slow.onModuleInit();
    for (let i = 0; i < 50 && (await decider.shared.lookup(h)).state === null; i++)
      await new Promise((r) => setTimeout(r, 10));
    await backend().kv.del(`binding:${h}`); // the slow instance must go to PostgreSQL
    const epochBefore = slow.l1.epoch;
    const inFlight = slow.resolve(h, 'm', ip('192.0.2.9'));
    for (let i = 0; i < 200 && reads === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reads).toBe(1); // the old row has been read and is held

    await service.ban(must(binding).id);
    for (let i = 0; i < 200 && slow.l1.epoch === epochBefore; i++) await new Promise((r) => setTimeout(r, 5));
    expect(slow.l1.epoch).toBeGreaterThan(epochBefore); // the invalidation reached the slow instance
    release();
    const r = await inFlight;
    expect(reads).toBe(2); // read again after the invalidation
    expect(slow.io.staleRereads).toBe(1);
    expect(r.kind === 'binding' && evaluate(r.binding, ip('192.0.2.9'))).toBe('banned');
    await slow.onModuleDestroy();
  });

  it('admin changes reach every instance’s L1 before the call returns', async () => {
    const h = tokenHash();
    const other = newDecider(backend().kv);
    await other.onModuleInit();
    await decider.resolve(h, 'm', ip('192.0.2.50'));
    await other.resolve(h, 'm', ip('192.0.2.50'));
    expect(other.cached(h)).toBeDefined();
    const b = await repo.findByTokenHash(h);
    const change = await service.setRule(must(b).id, 'multiple', ['192.0.2.50', '192.0.2.51']);
    expect(change.propagated).toBe('all-instances');
    for (let i = 0; i < 20 && other.cached(h) !== undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(other.cached(h)).toBeUndefined();
    const r = await other.resolve(h, 'm', ip('192.0.2.51'));
    expect(r.kind === 'binding' && evaluate(r.binding, ip('192.0.2.51'))).toBe('allow');
    await other.onModuleDestroy();
  });

  it('Redis down: decisions come from PostgreSQL', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('192.0.2.77'));
    const deadRedis = Object.assign(Object.create(backend().kv), {
      isUp: () => false,
      mget: () => Promise.reject(new Error('down')),
    }) as KvStore;
    const d = newDecider(deadRedis);
    const r = await d.resolve(h, 'm', ip('192.0.2.78'));
    expect(r.kind === 'binding' && evaluate(r.binding, ip('192.0.2.78'))).toBe('ip_not_allowed');
    const fresh = await d.resolve(tokenHash(), 'm', ip('192.0.2.78'));
    expect(fresh.kind === 'binding' && fresh.created).toBe(true);
  });

  it('PostgreSQL down: known tokens from Redis, new tokens unavailable (failsafe decides)', async () => {
    const h = tokenHash();
    await decider.resolve(h, 'm', ip('192.0.2.90'));
    // Let the fire-and-forget Redis fill land.
    for (let i = 0; i < 20 && (await decider.shared.lookup(h)).state === null; i++)
      await new Promise((r) => setTimeout(r, 10));
    const deadDb = Object.create(repo) as BindingRepository;
    deadDb.findByTokenHash = () => Promise.reject(new Error('connection refused'));
    let asked = 0;
    deadDb.findOrBind = () => {
      asked++;
      return Promise.reject(new Error('connection refused'));
    };
    const localHealth = new DependencyHealth(60_000);
    const d = newDecider(backend().kv, deadDb, localHealth);
    const known = await d.resolve(h, 'm', ip('192.0.2.91'));
    expect(known.kind === 'binding' && evaluate(known.binding, ip('192.0.2.91'))).toBe('ip_not_allowed');
    expect((await d.resolve(tokenHash(), 'm', ip('192.0.2.91'))).kind).toBe('unavailable');
    expect(localHealth.postgresState.up).toBe(false);
    // One failure is not an outage: the next new token still asks PostgreSQL; the second opens the breaker.
    expect((await d.resolve(tokenHash(), 'm', ip('192.0.2.91'))).kind).toBe('unavailable');
    expect(asked).toBe(2);
    // The breaker now skips PostgreSQL entirely for new tokens.
    expect((await d.resolve(tokenHash(), 'm', ip('192.0.2.91'))).kind).toBe('unavailable');
    expect(asked).toBe(2);
  });

  it('a pooled connection found dead is retried once on a fresh one: binds exactly once, no unavailable', async () => {
    const lost = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const flaky = Object.create(repo) as BindingRepository;
    let calls = 0;
    flaky.findOrBind = (...args) => (++calls === 1 ? Promise.reject(lost()) : repo.findOrBind(...args));
    const localHealth = new DependencyHealth(60_000);
    const d = newDecider(backend().kv, flaky, localHealth);
    const h = tokenHash();
    const r = await d.resolve(h, 'm', ip('192.0.2.130'));
    expect(r.kind === 'binding' && r.created).toBe(true);
    expect(calls).toBe(2);
    expect(localHealth.postgresState.up).toBe(true);
    expect(await repo.findByTokenHash(h)).not.toBeNull();

    // Any other failure is not repeated: the lookup is unavailable at once.
    const broken = Object.create(repo) as BindingRepository;
    let brokenCalls = 0;
    broken.findOrBind = () => {
      brokenCalls++;
      return Promise.reject(Object.assign(new Error('Query read timeout'), { code: 'ETIMEDOUT' }));
    };
    const b = newDecider(backend().kv, broken, new DependencyHealth(60_000));
    expect((await b.resolve(tokenHash(), 'm', ip('192.0.2.131'))).kind).toBe('unavailable');
    expect(brokenCalls).toBe(1);
  });

  it('L1 marked suspect (invalidation channel lost): re-read when storage answers, the suspect entry decides only when neither can be asked', async () => {
    const h = tokenHash();
    const d = newDecider(backend().kv);
    const first = await d.resolve(h, 'm', ip('192.0.2.120'));
    expect(first.kind).toBe('binding');
    d.l1.markAllSuspect();
    expect(d.cached(h)).toBeUndefined(); // the hot path no longer trusts it
    const reads = d.io.redisLookups + d.io.postgresReads;
    const again = await d.resolve(h, 'm', ip('192.0.2.121'));
    expect(again.kind === 'binding' && evaluate(again.binding, ip('192.0.2.121'))).toBe('ip_not_allowed');
    expect(d.io.redisLookups + d.io.postgresReads).toBeGreaterThan(reads); // it was re-read
    expect(d.cached(h)).toBeDefined(); // and is trusted again

    // Both stores away: the suspect entry still enforces the binding (no failsafe for a known key).
    d.l1.markAllSuspect();
    const deadRedis = Object.assign(Object.create(backend().kv), {
      isUp: () => false,
      mget: () => Promise.reject(new Error('down')),
    }) as KvStore;
    const deadDb = Object.create(repo) as BindingRepository;
    deadDb.findByTokenHash = () => Promise.reject(new Error('connection refused'));
    deadDb.findOrBind = () => Promise.reject(new Error('connection refused'));
    const bothDown = newDecider(deadRedis, deadDb, new DependencyHealth(60_000));
    bothDown.l1.fill(bothDown.l1.epoch, (first as { binding: CompiledBinding }).binding);
    bothDown.l1.markAllSuspect();
    const fallback = await bothDown.resolve(h, 'm', ip('192.0.2.122'));
    expect(fallback.kind === 'binding' && evaluate(fallback.binding, ip('192.0.2.122'))).toBe('ip_not_allowed');
    expect(fallback.kind === 'binding' && evaluate(fallback.binding, ip('192.0.2.120'))).toBe('allow');

    // Redis up but not holding it (invalidated meanwhile), PostgreSQL away: the suspect entry must not decide.
    const redisOnly = newDecider(backend().kv, deadDb, new DependencyHealth(60_000));
    redisOnly.l1.fill(redisOnly.l1.epoch, (first as { binding: CompiledBinding }).binding);
    redisOnly.l1.markAllSuspect();
    await redisOnly.shared.invalidate(h);
    expect((await redisOnly.resolve(h, 'm', ip('192.0.2.120'))).kind).toBe('unavailable');
  });

  it('the in-process matcher and PostgreSQL’s inet <<= ANY(cidr[]) agree', async () => {
    // A fixed-seed generator: addresses near rule boundaries, both families, mapped forms.
    let seed = 42;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const v4 = () => `${rnd(4) + 10}.${rnd(3)}.${rnd(4)}.${rnd(256)}`;
    const v6 = () => `2001:db8:${rnd(3).toString(16)}:${rnd(3).toString(16)}::${rnd(65536).toString(16)}`;
    const rules: string[][] = [];
    for (let i = 0; i < 40; i++) {
      const n = 1 + rnd(3);
      rules.push(
        Array.from({ length: n }, () =>
          rnd(2) ? `${v4()}/${[8, 16, 24, 30, 32][rnd(5)]}` : `${v6()}/${[32, 48, 64, 126, 128][rnd(5)]}`,
        ),
      );
    }
    const addresses = Array.from({ length: 60 }, () => (rnd(3) === 0 ? v6() : rnd(4) === 0 ? `::ffff:${v4()}` : v4()));
    let compared = 0;
    for (const raw of rules) {
      const h = tokenHash();
      const created = (await repo.findOrBind(h, 'm', '0.0.0.0/32', '0.0.0.0'))?.state;
      const { normaliseRule, compileBinding } = await import('../rules/binding-rule');
      const entries = normaliseRule('multiple', raw);
      const state = await repo.updateRule(must(created).id, 'multiple', entries);
      const binding = compileBinding(must(state));
      const ips = addresses.map((a) => ip(a));
      const sql: { ip: string; inside: boolean }[] = await backend().dataSource.query(
        `SELECT a.ip, (a.ip::inet <<= ANY(b.rule_entries)) AS inside
           FROM token_bindings b, unnest($2::text[]) AS a(ip) WHERE b.token_hash = $1`,
        [h, ips.map((x) => x.canonical)],
      );
      for (const row of sql) {
        expect([row.ip, evaluate(binding, ip(row.ip)) === 'allow']).toEqual([row.ip, row.inside]);
        compared++;
      }
    }
    expect(compared).toBe(rules.length * addresses.length);
  });
});
