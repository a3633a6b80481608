import { randomBytes } from 'node:crypto';
import { parseIp, type Ip } from '@sentinel/net';
import { AppLogger, DependencyHealth, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import type { DataSource } from 'typeorm';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingService } from '../binding.service';
import { BindingCaches } from '../cache/binding-caches';
import { BindingEvents } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { compileBinding, evaluate } from '../rules/binding-rule';
import { BindingDecider, type Resolution } from './binding-decider';
import { FirstUseLimiter } from './first-use-limiter';

const ip = (s: string): Ip => parseIp(s) as Ip;
const silent = new AppLogger('error', () => undefined);
const tokenHash = () => randomBytes(32).toString('hex');
const MASK = 'sk-lear…ning';
const verdictOf = (r: Resolution) => (r.kind === 'binding' ? r.verdict : r.kind);

/**
 * Learning bindings (bindMaxAddresses > 1): a binding learns new addresses up to its cap, one
 * conditional statement per address, atomic across instances; on both storage backends.
 */
describeEachBackend('Learning bindings on %s', { kv: true }, (backend) => {
  let settings: RuntimeSettings;
  const instances: { decider: BindingDecider; caches: BindingCaches; repo: BindingRepository }[] = [];

  const instance = (db: DataSource, kv: KvStore) => {
    const repo = new BindingRepository(db);
    const caches = new BindingCaches(kv, DEFAULT_BINDING_OPTIONS, silent);
    const decider = new BindingDecider(
      repo,
      caches,
      new DependencyHealth(0),
      settings,
      new BindingEvents(),
      silent,
      new FirstUseLimiter(kv, settings, silent),
    );
    const i = { decider, caches, repo };
    instances.push(i);
    return i;
  };
  let A: ReturnType<typeof instance>;
  let B: ReturnType<typeof instance>;

  beforeAll(async () => {
    settings = new RuntimeSettings(testConfig());
    A = instance(backend().dataSource, backend().kv);
    // A second instance: its own connection pool and Redis client (embedded: the same ones).
    B = instance(await backend().anotherDataSource(), await backend().anotherKv());
    for (const i of instances) await i.caches.onModuleInit();
  }, 120_000);
  afterAll(async () => {
    for (const i of instances) await i.caches.onModuleDestroy();
  });
  beforeEach(() => settings.apply({}));

  const rowOf = async (h: string) =>
    (
      await backend().dataSource.query(
        `SELECT rule_kind, rule_entries::text[] AS entries, learning, version::text FROM token_bindings WHERE token_hash = $1`,
        [h],
      )
    )[0] as { rule_kind: string; entries: string[] | string; learning: boolean; version: string };
  const entriesOf = async (h: string) => {
    const e = (await rowOf(h)).entries;
    return (Array.isArray(e) ? e : e.replace(/[{}"]/g, '').split(',').filter(Boolean)).sort();
  };

  it('10 concurrent learns with cap 3 (one repository statement each) leave exactly 3 entries', async () => {
    const h = tokenHash();
    expect((await A.repo.findOrBind(h, MASK, '198.51.100.1/32', '198.51.100.1'))?.created).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? A : B).repo.learn(h, `198.51.100.${n + 10}/32`, 3, 0)),
    );
    expect(results.filter((r) => r?.learnt)).toHaveLength(2); // the first use holds the first of 3
    expect(await entriesOf(h)).toHaveLength(3);
    // Already present: no change, reported as not learnt, the row as it is.
    const again = await A.repo.learn(h, '198.51.100.1/32', 3, 0);
    expect(again?.learnt).toBe(false);
    expect(again?.state.ruleEntries).toHaveLength(3);
  });

  it('10 addresses first-use one key at once across two instances with bindMaxAddresses=3: exactly 3 allowed', async () => {
    settings.apply({ bindMaxAddresses: 3 });
    const h = tokenHash();
    const addresses = Array.from({ length: 10 }, (_, n) => `203.0.113.${n + 1}`);
    const results = await Promise.all(addresses.map((a, n) => (n % 2 === 0 ? A : B).decider.resolve(h, MASK, ip(a))));
    const verdicts = results.map(verdictOf);
    expect(verdicts.filter((v) => v === 'allow')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'address_limit')).toHaveLength(7);
    const allowed = addresses.filter((_, n) => verdicts[n] === 'allow').map((a) => `${a}/32`);
    expect(await entriesOf(h)).toEqual([...allowed].sort());
    // Both instances then agree on the learnt set, and answer the learnt addresses from L1.
    for (const i of [A, B]) {
      for (const a of addresses) {
        const r = await i.decider.resolve(h, MASK, ip(a));
        expect([a, verdictOf(r)]).toEqual([a, allowed.includes(`${a}/32`) ? 'allow' : 'address_limit']);
      }
      const cached = i.decider.cached(h);
      expect(cached).toBeDefined();
      if (cached) expect([...cached.state.ruleEntries].sort()).toEqual([...allowed].sort());
    }
  });

  it('bindMaxAddresses=1 (the default) learns nothing: a second address is ip_not_allowed, as before', async () => {
    const h = tokenHash();
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.1')))).toBe('allow');
    const r = await B.decider.resolve(h, MASK, ip('192.0.2.2'));
    expect(verdictOf(r)).toBe('ip_not_allowed');
    const cached = A.decider.cached(h);
    expect(cached?.learnCap).toBe(0);
    if (cached) expect(evaluate(cached, ip('192.0.2.2'))).toBe('ip_not_allowed');
    expect(await entriesOf(h)).toEqual(['192.0.2.1/32']);
  });

  it('a per-binding maxAddresses overrides the setting either way', async () => {
    const h = tokenHash();
    await A.decider.resolve(h, MASK, ip('192.0.2.10'));
    const id = (await A.repo.findByTokenHash(h))?.id ?? '';
    await A.repo.setMaxAddresses(id, 2);
    await A.caches.invalidate([h]);
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.11')))).toBe('allow');
    expect(verdictOf(await B.decider.resolve(h, MASK, ip('192.0.2.12')))).toBe('address_limit');
    settings.apply({ bindMaxAddresses: 10 });
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.13')))).toBe('address_limit');
    await A.repo.setMaxAddresses(id, 1);
    await A.caches.invalidate([h]);
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.14')))).toBe('ip_not_allowed');
  });

  it('IPv6 is learnt by its /64, IPv4 by the live prefix setting', async () => {
    settings.apply({ bindMaxAddresses: 3, bindIpv4Prefix: 24 });
    const h = tokenHash();
    await A.decider.resolve(h, MASK, ip('2001:db8:1:2::1'));
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('2001:db8:1:3::9')))).toBe('allow');
    expect(verdictOf(await B.decider.resolve(h, MASK, ip('2001:db8:1:3:ffff::1')))).toBe('allow'); // same /64
    expect(verdictOf(await B.decider.resolve(h, MASK, ip('198.51.100.77')))).toBe('allow');
    expect(await entriesOf(h)).toEqual(['198.51.100.0/24', '2001:db8:1:2::/64', '2001:db8:1:3::/64'].sort());
    expect((await rowOf(h)).rule_kind).toBe('multiple');
  });

  it('bindLearnWindowSeconds: after the window from first use nothing new is learnt', async () => {
    settings.apply({ bindMaxAddresses: 5, bindLearnWindowSeconds: 60 });
    const h = tokenHash();
    await A.decider.resolve(h, MASK, ip('192.0.2.20'));
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.21')))).toBe('allow');
    await backend().dataSource.query(
      `UPDATE token_bindings SET first_used_at = now() - interval '61 seconds' WHERE token_hash = $1`,
      [h],
    );
    await A.caches.invalidate([h]);
    expect(verdictOf(await B.decider.resolve(h, MASK, ip('192.0.2.22')))).toBe('address_limit');
    // The statement itself refuses too (an instance whose clock or cache says otherwise).
    expect((await A.repo.learn(h, '192.0.2.23/32', 5, 60))?.learnt).toBe(false);
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.21')))).toBe('allow'); // learnt stays
  });

  it('an admin rule or a ban ends learning', async () => {
    settings.apply({ bindMaxAddresses: 5 });
    const service = new BindingService(A.repo, A.caches);
    const h1 = tokenHash();
    await A.decider.resolve(h1, MASK, ip('192.0.2.30'));
    await service.setRule(h1, 'single', ['192.0.2.30']);
    expect(verdictOf(await B.decider.resolve(h1, MASK, ip('192.0.2.31')))).toBe('ip_not_allowed');
    expect((await rowOf(h1)).learning).toBe(false);

    const h2 = tokenHash();
    await A.decider.resolve(h2, MASK, ip('192.0.2.40'));
    await service.ban(h2);
    await service.unban(h2);
    expect(verdictOf(await B.decider.resolve(h2, MASK, ip('192.0.2.41')))).toBe('ip_not_allowed');
  });

  it('an instance whose L1 still holds the old entries re-checks PostgreSQL before it denies', async () => {
    settings.apply({ bindMaxAddresses: 2 });
    const h = tokenHash();
    await A.decider.resolve(h, MASK, ip('192.0.2.50'));
    const stale = A.decider.cached(h);
    expect(stale).toBeDefined();
    expect(verdictOf(await B.decider.resolve(h, MASK, ip('192.0.2.51')))).toBe('allow');
    // As if B's invalidation never reached A: A's L1 gets the one-entry copy back.
    if (stale) A.caches.l1.fill(A.caches.l1.epoch, compileBinding(stale.state, undefined, settings.current));
    expect(A.decider.cached(h)?.state.ruleEntries).toEqual(['192.0.2.50/32']);
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.51')))).toBe('allow'); // learnt by B
    expect(verdictOf(await A.decider.resolve(h, MASK, ip('192.0.2.52')))).toBe('address_limit');
    expect(await entriesOf(h)).toEqual(['192.0.2.50/32', '192.0.2.51/32']);
  });
});
