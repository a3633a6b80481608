import { randomBytes } from 'node:crypto';
import { parseIp, type Ip } from '@sentinel/net';
import { AppLogger, DependencyHealth, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingCaches } from '../cache/binding-caches';
import { BindingEvents } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { BindingDecider, type Resolution } from './binding-decider';
import { FirstUseLimiter } from './first-use-limiter';

// Issue 17 item 4 (SECURITY.md, "binding flood"): random keys from one address must not fill the
// bindings table; known keys are never limited; the bound holds per IPv4 /32 and IPv6 /64.

const ip = (s: string): Ip => parseIp(s) as Ip;
const silent = new AppLogger('error', () => undefined);
const config = testConfig();
const token = () => randomBytes(32).toString('hex');

describeEachBackend('first-use bound on %s', { kv: true }, (backend) => {
  let settings: RuntimeSettings;
  let repo: BindingRepository;

  const instance = (kv: KvStore = backend().kv) => {
    const caches = new BindingCaches(kv, DEFAULT_BINDING_OPTIONS, silent);
    const limiter = new FirstUseLimiter(kv, settings, silent);
    const decider = new BindingDecider(
      repo,
      caches,
      new DependencyHealth(0),
      settings,
      new BindingEvents(),
      silent,
      limiter,
    );
    return { decider, limiter, caches };
  };
  const kinds = (rs: Resolution[]) => rs.map((r) => (r.kind === 'binding' ? (r.created ? 'bound' : 'known') : r.kind));
  const bindingCount = async (hashes: string[]) =>
    Number(
      (
        (await backend().dataSource.query(
          `SELECT count(*)::int AS n FROM token_bindings WHERE token_hash = ANY($1::text[])`,
          [hashes],
        )) as { n: number }[]
      )[0].n,
    );

  beforeAll(() => {
    repo = new BindingRepository(backend().dataSource);
  });
  beforeEach(() => {
    settings = new RuntimeSettings(config);
    settings.apply({ bindRatePerAddress: 30, bindBurstPerAddress: 5 });
  });
  const run = (name: string, fn: () => Promise<void>) => it(name, fn);

  run(
    'a flood of unknown keys from one address binds the burst, then rate_limited with a wait; nothing else bound',
    async () => {
      const { decider, limiter } = instance();
      const keys = Array.from({ length: 40 }, token);
      const results: Resolution[] = [];
      for (const h of keys) results.push(await decider.resolve(h, 'sk-floo…d000', ip('198.51.100.200')));
      expect(kinds(results).filter((k) => k === 'bound')).toHaveLength(5);
      expect(kinds(results).filter((k) => k === 'rate_limited')).toHaveLength(35);
      const limited = results.find((r) => r.kind === 'rate_limited');
      expect(limited).toMatchObject({ kind: 'rate_limited' });
      expect(limited?.kind === 'rate_limited' && limited.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(await bindingCount(keys)).toBe(5);
      expect(limiter.refused).toBe(35);
    },
  );

  run('known keys are never limited, even when their caches expired and the address is out of tokens', async () => {
    const { decider } = instance();
    const known = Array.from({ length: 5 }, token);
    for (const h of known) await decider.resolve(h, 'sk-know…n000', ip('198.51.100.201')); // uses the burst
    expect(kinds([await decider.resolve(token(), 'm', ip('198.51.100.201'))])).toEqual(['rate_limited']);
    const fresh = instance(); // another instance: empty L1; Redis may have the values — drop them
    await fresh.caches.invalidate(known);
    const again = await Promise.all(known.map((h) => fresh.decider.resolve(h, 'm', ip('198.51.100.201'))));
    expect(kinds(again)).toEqual(['known', 'known', 'known', 'known', 'known']);
  });

  run('IPv6 counts per /64: another address in the same /64 shares the bucket, another /64 does not', async () => {
    const { decider } = instance();
    for (let i = 0; i < 5; i++) await decider.resolve(token(), 'm', ip(`2001:db8:5:6::${i + 1}`));
    expect(kinds([await decider.resolve(token(), 'm', ip('2001:db8:5:6:ffff::9'))])).toEqual(['rate_limited']);
    expect(kinds([await decider.resolve(token(), 'm', ip('2001:db8:5:7::1'))])).toEqual(['bound']);
  });

  run('bindRatePerAddress = 0 turns the bound off', async () => {
    settings.apply({ bindRatePerAddress: 0, bindBurstPerAddress: 1 });
    const { decider } = instance();
    const rs: Resolution[] = [];
    for (let i = 0; i < 10; i++) rs.push(await decider.resolve(token(), 'm', ip('198.51.100.202')));
    expect(kinds(rs).every((k) => k === 'bound')).toBe(true);
  });

  run('Redis down: each instance falls back to its own bucket (still bounded)', async () => {
    const dead = Object.assign(Object.create(backend().kv) as KvStore, {
      isUp: () => false,
      takeToken: () => Promise.reject(new Error('down')),
      mget: () => Promise.reject(new Error('down')),
    }) as KvStore;
    const { decider, limiter } = instance(dead);
    const rs: Resolution[] = [];
    for (let i = 0; i < 8; i++) rs.push(await decider.resolve(token(), 'm', ip('198.51.100.203')));
    expect(kinds(rs)).toEqual([
      'bound',
      'bound',
      'bound',
      'bound',
      'bound',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
    expect(limiter.refused).toBe(3);
  });
});
