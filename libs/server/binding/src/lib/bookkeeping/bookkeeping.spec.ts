import { AppLogger, DependencyHealth, MemoryKvStore } from '@sentinel/server-core';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingEvents, type InterceptEvent } from '../events/binding-events';
import type { BindingRepository, UsageTouch } from '../repository/binding.repository';
import { InterceptRecorder } from './intercept-recorder';
import { UsageRecorder, dailyCounterKey, hourlyCounterKey } from './usage-recorder';

/** A repository whose PostgreSQL can be switched off. */
class FakeRepo {
  down = false;
  intercepts: InterceptEvent[] = [];
  touches: UsageTouch[] = [];
  async insertIntercepts(events: readonly InterceptEvent[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    this.intercepts.push(...events);
  }
  async touchMany(touches: readonly UsageTouch[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    this.touches.push(...touches);
  }
}

const event = (n: number): InterceptEvent => ({
  tokenHash: 'a'.repeat(64),
  tokenMask: 'sk-aaaa…aaaa',
  clientIp: '203.0.113.1',
  ruleKind: 'single',
  ruleEntries: ['198.51.100.1/32'],
  bindingStatus: 'active',
  reason: 'ip_not_allowed',
  method: 'GET',
  path: '/v1/models',
  userAgent: null,
  requestId: `r${n}`,
  at: new Date(),
});

function logger() {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const l = new AppLogger('debug', (line: string) => {
    const j = JSON.parse(line) as { level: string; msg?: string; message?: string } & Record<string, unknown>;
    lines.push({ level: j.level, message: String(j.msg ?? j.message), meta: j });
  });
  return { l, lines };
}

describe('InterceptRecorder: PostgreSQL outage', () => {
  it('queues while PostgreSQL is down, bounds the queue, counts and logs the overflow, and writes the queue once it is back', async () => {
    const repo = new FakeRepo();
    const { l, lines } = logger();
    const rec = new InterceptRecorder(
      repo as unknown as BindingRepository,
      new BindingEvents(),
      new DependencyHealth(0),
      l,
      {
        ...DEFAULT_BINDING_OPTIONS,
        interceptQueueMax: 10,
      },
    );
    repo.down = true;
    for (let i = 0; i < 13; i++) rec.record(event(i));
    await rec.flush();
    expect(rec.depth).toBe(10);
    expect(rec.dropped).toBe(3);
    expect(lines.some((x) => x.level === 'error' && /queue full/.test(x.message))).toBe(true);
    repo.down = false;
    await rec.flush();
    expect(rec.depth).toBe(0);
    expect(rec.written).toBe(10);
    expect(repo.intercepts.map((e) => e.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
  });
});

describe('UsageRecorder: shutdown', () => {
  it('retries the last_used_at flush at shutdown while PostgreSQL is briefly away', async () => {
    const repo = new FakeRepo();
    const { l } = logger();
    const rec = new UsageRecorder(
      repo as unknown as BindingRepository,
      new MemoryKvStore(),
      l,
      DEFAULT_BINDING_OPTIONS,
    );
    rec.touch('b'.repeat(64), '203.0.113.7');
    repo.down = true;
    setTimeout(() => (repo.down = false), 300);
    await rec.beforeApplicationShutdown();
    expect(rec.pendingTouches).toBe(0);
    expect(repo.touches.map((t) => [t.tokenHash, t.ip])).toEqual([['b'.repeat(64), '203.0.113.7']]);
  });

  it('says how many were lost when PostgreSQL stays away', async () => {
    const repo = new FakeRepo();
    const { l, lines } = logger();
    const rec = new UsageRecorder(
      repo as unknown as BindingRepository,
      new MemoryKvStore(),
      l,
      DEFAULT_BINDING_OPTIONS,
    );
    rec.touch('c'.repeat(64), '203.0.113.8');
    repo.down = true;
    await rec.beforeApplicationShutdown();
    expect(lines.find((x) => x.level === 'error')?.meta).toMatchObject({ lost: 1 });
  });
});

describe('UsageRecorder: counters', () => {
  it('flushes the daily and the hourly counters (allowed and intercepted by hour)', async () => {
    const kv = new MemoryKvStore();
    const rec = new UsageRecorder(
      new FakeRepo() as unknown as BindingRepository,
      kv,
      logger().l,
      DEFAULT_BINDING_OPTIONS,
    );
    rec.count('allowed', 3);
    rec.count('intercepted');
    rec.count('new_bindings');
    const now = new Date().toISOString();
    await rec.beforeApplicationShutdown();
    // An hour boundary between `now` and the flush would move the counts one hour on: read both.
    const hours = [now.slice(0, 13), new Date().toISOString().slice(0, 13)];
    const read = async (key: string) => Number((await kv.get(key)) ?? 0);
    const hourly = async (c: 'allowed' | 'intercepted') =>
      (await Promise.all([...new Set(hours)].map((h) => read(hourlyCounterKey(h, c))))).reduce((a, b) => a + b, 0);
    const days = [...new Set([now.slice(0, 10), hours[1].slice(0, 10)])];
    const daily = (await Promise.all(days.map((d) => read(dailyCounterKey(d, 'allowed'))))).reduce((a, b) => a + b, 0);
    expect(daily).toBe(3);
    expect(await hourly('allowed')).toBe(3);
    expect(await hourly('intercepted')).toBe(1);
    expect(await kv.get(`stats:h:${hours[0]}:new_bindings`)).toBeNull();
  });
});
