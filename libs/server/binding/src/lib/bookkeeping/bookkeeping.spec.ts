import { AppLogger, DependencyHealth, MemoryKvStore } from '@sentinel/server-core';
import type { RuntimeSettings } from '@sentinel/server-settings';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingEvents, type InterceptEvent } from '../events/binding-events';
import type { BindingRepository, UsageTouch } from '../repository/binding.repository';
import { InterceptRecorder } from './intercept-recorder';
import { Spool } from './spool';
import { UsageRecorder, dailyCounterKey, hourlyCounterKey } from './usage-recorder';

/** A repository whose PostgreSQL can be switched off. */
class FakeRepo {
  down = false;
  /** While set, an INSERT waits for it (a slow or unreachable database). */
  gate: Promise<void> | undefined;
  intercepts: InterceptEvent[] = [];
  /** Rows per INSERT statement. */
  statements: number[] = [];
  touches: UsageTouch[] = [];
  async insertIntercepts(events: readonly InterceptEvent[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.down) throw new Error('connect ECONNREFUSED');
    this.statements.push(events.length);
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

const settings = (interceptCommitWaitMs = 250) =>
  ({ current: { interceptCommitWaitMs } }) as unknown as RuntimeSettings;

function recorder(repo: FakeRepo, waitMs = 250, health = new DependencyHealth(0), queueMax = 100_000) {
  const { l, lines } = logger();
  const rec = new InterceptRecorder(
    repo as unknown as BindingRepository,
    new BindingEvents(),
    health,
    l,
    settings(waitMs),
    new Spool({ dir: '/nonexistent', maxBytes: 0 }, l), // no spool: the in-memory queue alone
    { ...DEFAULT_BINDING_OPTIONS, interceptQueueMax: queueMax },
  );
  return { rec, lines };
}

describe('InterceptRecorder: group commit (durable denials)', () => {
  it('concurrent denials share one INSERT, and each 403 waits until its row is committed', async () => {
    const repo = new FakeRepo();
    const { rec } = recorder(repo);
    let release: () => void = () => undefined;
    repo.gate = new Promise((r) => (release = r));
    const settled: string[] = [];
    const waits = Array.from({ length: 8 }, (_, i) => {
      const p = rec.record(event(i));
      expect(p).toBeDefined();
      return p?.then(() => settled.push(`r${i}`));
    });
    await new Promise((r) => setImmediate(r)); // the commit starts on the next turn
    expect(settled).toEqual([]); // nothing answered before the commit
    release();
    await Promise.all(waits);
    expect(repo.statements).toEqual([8]);
    expect(settled).toHaveLength(8);
    expect(rec.committedBeforeReply).toBe(8);
    expect(rec.depth).toBe(0);
  });

  it('denials arriving during a commit go into the next one, started as soon as it ends', async () => {
    const repo = new FakeRepo();
    const { rec } = recorder(repo);
    let release: () => void = () => undefined;
    repo.gate = new Promise((r) => (release = r));
    const first = [rec.record(event(0)), rec.record(event(1))];
    await new Promise((r) => setImmediate(r)); // commit 1 is in flight, held by the gate
    const second = [rec.record(event(2)), rec.record(event(3)), rec.record(event(4))];
    repo.gate = undefined;
    release();
    await Promise.all([...first, ...second]);
    expect(repo.statements).toEqual([2, 3]);
  });

  it('past the wait the 403 goes out and the row stays queued; it is written later', async () => {
    const repo = new FakeRepo();
    const { rec } = recorder(repo, 20);
    let release: () => void = () => undefined;
    repo.gate = new Promise((r) => (release = r)); // a database that does not answer
    await rec.record(event(0));
    expect(rec.waitTimedOut).toBe(1);
    expect(rec.depth).toBe(1);
    repo.gate = undefined;
    release();
    await rec.flush();
    expect(rec.depth).toBe(0);
    expect(repo.intercepts.map((e) => e.requestId)).toEqual(['r0']);
  });

  it('no 403 waits while PostgreSQL is known to be down, or when the wait is set to 0', () => {
    const down = new DependencyHealth(60_000);
    down.reportPostgresFailure(new Error('ECONNREFUSED'));
    expect(recorder(new FakeRepo(), 250, down).rec.record(event(0))).toBeUndefined();
    expect(recorder(new FakeRepo(), 0).rec.record(event(1))).toBeUndefined();
  });
});

describe('InterceptRecorder: PostgreSQL outage', () => {
  it('queues while PostgreSQL is down, bounds the queue, counts and logs the overflow, and writes the queue once it is back', async () => {
    const repo = new FakeRepo();
    const { rec, lines } = recorder(repo, 250, new DependencyHealth(0), 10);
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
