import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  deleteRedisKeys,
  describeWithServices,
  serviceAvailable,
  testRedisPrefix,
  testRedisUrl,
  type TestService,
} from '@sentinel/testing-support';
import type { KvStore } from './kv-store';
import { MemoryKvStore } from './memory-kv-store';
import { RedisKvStore } from './redis-kv-store';

/**
 * The same contract, run against both adapters. Real Redis (TEST_REDIS_URL) uses a key prefix of
 * its own, deleted afterwards; without Redis its tests are skipped (or fail, REQUIRE_SERVICES=1).
 */
const prefix = testRedisPrefix();
const adapters: [string, TestService[], () => Promise<KvStore>][] = [
  ['memory', [], async () => new MemoryKvStore()],
  [
    'redis',
    ['redis'],
    async () => {
      const kv = new RedisKvStore({ url: testRedisUrl(), keyPrefix: prefix });
      await kv.waitReady();
      return kv;
    },
  ],
];

for (const [name, needs, make] of adapters) {
  describeWithServices(needs, `KvStore contract: ${name}`, () => contract(make));
}
afterAll(async () => {
  if (serviceAvailable('redis')) await deleteRedisKeys(prefix);
});

function contract(make: () => Promise<KvStore>): void {
  let kv: KvStore | null;
  const keys: string[] = [];
  const k = (s: string) => (keys.push(s), s);

  beforeAll(async () => {
    kv = await make();
  });
  afterAll(async () => {
    if (kv) {
      await kv.del(...keys);
      await kv.close();
    }
  });
  const it_ = (name: string, fn: (kv: KvStore) => Promise<void>) =>
    it(name, async () => {
      if (!kv) return;
      await fn(kv);
    });

  it_('get/set/del', async (kv) => {
    expect(await kv.get(k('a'))).toBeNull();
    expect(await kv.set('a', '1')).toBe(true);
    expect(await kv.get('a')).toBe('1');
    expect(await kv.mget(['a', k('missing')])).toEqual(['1', null]);
    expect(await kv.del('a')).toBe(1);
    expect(await kv.get('a')).toBeNull();
  });

  it_('set with onlyIfAbsent has exactly one winner', async (kv) => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kv.set(k('nx'), String(i), { onlyIfAbsent: true, ttlMs: 5_000 })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const ttl = await kv.pttl('nx');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it_('incr counts exactly under concurrency and sets the TTL only on creation', async (kv) => {
    const values = await Promise.all(Array.from({ length: 50 }, () => kv.incr(k('ctr'), 1, 10_000)));
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await kv.pttl('ctr')).toBeGreaterThan(0);
    expect(await kv.incr(k('plain'))).toBe(1);
    expect(await kv.pttl('plain')).toBe(-1);
  });

  it_('keys expire', async (kv) => {
    await kv.set(k('short'), 'v', { ttlMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    expect(await kv.get('short')).toBeNull();
    expect(await kv.pttl('short')).toBe(-2);
  });

  it_('pushCapped keeps the newest N first', async (kv) => {
    for (const v of ['1', '2', '3', '4']) await kv.pushCapped(k('list'), v, 3, 10_000);
    expect(await kv.lrange('list', 0, -1)).toEqual(['4', '3', '2']);
  });

  it_('publish reaches subscribers; unsubscribe stops delivery', async (kv) => {
    const got: string[] = [];
    const channel = `chan-${randomUUID()}`;
    const unsubscribe = await kv.subscribe(channel, (m) => got.push(m));
    await kv.publish(channel, 'hello');
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(['hello']);
    await unsubscribe();
    await kv.publish(channel, 'again');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['hello']);
  });

  it_('setIfUnchanged writes only while the guard holds the expected value', async (kv) => {
    expect(await kv.setIfUnchanged(k('gen'), null, k('val'), 'v1', 10_000)).toBe(true);
    expect(await kv.get('val')).toBe('v1');
    await kv.incr('gen');
    expect(await kv.setIfUnchanged('gen', null, 'val', 'stale', 10_000)).toBe(false);
    expect(await kv.get('val')).toBe('v1');
    expect(await kv.setIfUnchanged('gen', '1', 'val', 'v2', 10_000)).toBe(true);
    expect(await kv.get('val')).toBe('v2');
    expect(await kv.pttl('val')).toBeGreaterThan(0);
  });

  it_('ping answers and isUp is true', async (kv) => {
    await kv.ping();
    expect(kv.isUp()).toBe(true);
  });
}

describe('MemoryKvStore snapshot (embedded quick start)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sentinel-kv-snapshot-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps daily counters and lockouts (with their expiry) across a restart, and nothing else', async () => {
    let t = 1_000_000;
    const now = () => t;
    const file = join(dir, 'kv-snapshot.json');
    const a = new MemoryKvStore(now, { file });
    await a.incr('stats:2026-12-04:intercepted', 7, 40 * 86_400_000);
    await a.set('admin:login:lock:acct', 'x', { ttlMs: 60_000 });
    await a.set('admin:login:fail:gone', '3', { ttlMs: 1_000 });
    await a.set('binding:abc', '{}', { ttlMs: 60_000 });
    await a.close();

    t += 10_000; // the restart took 10 s: the 1 s counter has expired meanwhile
    const b = new MemoryKvStore(now, { file });
    expect(await b.get('stats:2026-12-04:intercepted')).toBe('7');
    expect(await b.pttl('admin:login:lock:acct')).toBe(50_000);
    expect(await b.get('admin:login:fail:gone')).toBeNull();
    expect(await b.get('binding:abc')).toBeNull(); // a cache: refilled from PostgreSQL
    expect(await b.incr('stats:2026-12-04:intercepted', 1)).toBe(8);
    await b.close();
  });

  it('starts empty from a torn snapshot', async () => {
    const file = join(dir, 'kv-snapshot.json');
    writeFileSync(file, '{"version":1,"entries":[["stats:x",{"val');
    const s = new MemoryKvStore(Date.now, { file });
    expect(await s.get('stats:x')).toBeNull();
    await s.close();
  });
});
