import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppLogger, DependencyHealth, MemoryKvStore } from '@sentinel/server-core';
import type { RuntimeSettings } from '@sentinel/server-settings';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { BindingEvents, type InterceptEvent } from '../events/binding-events';
import type { BindingRepository, UsageTouch } from '../repository/binding.repository';
import { InterceptRecorder } from './intercept-recorder';
import { Spool } from './spool';
import { UsageRecorder } from './usage-recorder';

/** A PostgreSQL that can be switched off; intercept rows unique by request id, as the table is. */
class FakeRepo {
  down = false;
  rows = new Map<string, InterceptEvent>();
  lastUsed = new Map<string, Date>();
  async insertIntercepts(events: readonly InterceptEvent[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    for (const e of events) if (!this.rows.has(e.requestId)) this.rows.set(e.requestId, e);
  }
  async touchMany(touches: readonly UsageTouch[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    for (const t of touches) {
      const prev = this.lastUsed.get(t.tokenHash);
      if (prev === undefined || prev < t.at) this.lastUsed.set(t.tokenHash, t.at); // never backwards
    }
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
  at: new Date(1_800_000_000_000 + n),
});

const quiet = () => new AppLogger('error', () => undefined);
const settings = { current: { interceptCommitWaitMs: 250 } } as unknown as RuntimeSettings;

describe('Spool', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sentinel-spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rows PostgreSQL refuses are spooled; a restarted process replays them exactly once', async () => {
    const repo = new FakeRepo();
    repo.down = true;
    const health = new DependencyHealth(0);
    const spool = new Spool({ dir, maxBytes: 1 << 20 }, quiet());
    spool.open();
    const rec = new InterceptRecorder(
      repo as unknown as BindingRepository,
      new BindingEvents(),
      health,
      quiet(),
      settings,
      spool,
      DEFAULT_BINDING_OPTIONS,
    );
    for (let i = 0; i < 20; i++) void rec.record(event(i));
    await rec.beforeApplicationShutdown();
    await spool.close();
    expect(rec.depth).toBe(0);
    expect(spool.size).toBeGreaterThan(0);

    // The next process, with PostgreSQL back.
    repo.down = false;
    const next = new Spool({ dir, maxBytes: 1 << 20 }, quiet());
    next.open();
    expect(next.pending()).toBe(true);
    expect(await next.replay(repo)).toBe(20);
    expect([...repo.rows.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
    expect(await next.replay(repo)).toBe(0); // the files are gone once written
    await next.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on recovery the spooled rows are written without a restart, and the spool empties', async () => {
    const repo = new FakeRepo();
    repo.down = true;
    const spool = new Spool({ dir, maxBytes: 1 << 20 }, quiet());
    spool.open();
    const rec = new InterceptRecorder(
      repo as unknown as BindingRepository,
      new BindingEvents(),
      new DependencyHealth(0),
      quiet(),
      settings,
      spool,
      DEFAULT_BINDING_OPTIONS,
    );
    for (let i = 0; i < 5; i++) void rec.record(event(i));
    await rec.flush();
    expect(spool.size).toBeGreaterThan(0);
    expect(repo.rows.size).toBe(0);
    repo.down = false;
    void rec.record(event(5));
    await rec.flush(); // the first commit after the outage starts the replay
    for (let i = 0; i < 500 && repo.rows.size < 6; i++) await new Promise((r) => setTimeout(r, 20)); // a deadline, not a timing
    expect([...repo.rows.keys()].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(spool.size).toBe(0);
    await spool.close();
  });

  it('replaying twice (a crash after the INSERT, before the file was removed) adds no row twice', async () => {
    const repo = new FakeRepo();
    const a = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'a' }, quiet());
    a.open();
    await a.appendIntercepts([event(1), event(2)]);
    await repo.insertIntercepts([event(1)]); // already written once
    const b = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'b', staleLockMs: 0 }, quiet());
    b.open();
    expect(await b.replay(repo)).toBe(2);
    expect(repo.rows.size).toBe(2);
    await b.close();
  });

  it('a replay that fails (the connection reset mid-INSERT) is retried on the next replay, and appends go on meanwhile', async () => {
    const repo = new FakeRepo();
    const spool = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'a' }, quiet());
    spool.open();
    await spool.appendIntercepts([event(1), event(2)]);
    repo.down = true;
    await expect(spool.replay(repo)).rejects.toThrow('ECONNREFUSED');
    expect(spool.pending()).toBe(true);
    repo.down = false;
    expect(await spool.replay(repo)).toBe(2); // the file set aside by the failed try
    expect(spool.pending()).toBe(false);
    // Fail again with a fresh file appended after a failed try: both are replayed.
    await spool.appendIntercepts([event(3)]);
    repo.down = true;
    await expect(spool.replay(repo)).rejects.toThrow('ECONNREFUSED');
    await spool.appendIntercepts([event(4)]);
    repo.down = false;
    expect(await spool.replay(repo)).toBe(2);
    expect([...repo.rows.keys()].sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(spool.pending()).toBe(false);
    expect(spool.size).toBe(0);
    await spool.close();
  });

  it('another live instance’s spool is left alone; a dead one’s is replayed by whoever starts', async () => {
    const repo = new FakeRepo();
    const live = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'live' }, quiet());
    live.open();
    await live.appendIntercepts([event(1)]);
    // A process that died on this host: its lock names a pid that is gone.
    writeFileSync(join(dir, 'dead.lock'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname() }));
    writeFileSync(
      join(dir, 'dead.jsonl'),
      JSON.stringify({ t: 'i', e: { ...event(9), at: event(9).at.toISOString() } }) + '\n{"t":"i","e":{tor',
    );
    const me = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'me' }, quiet());
    me.open();
    expect(await me.replay(repo)).toBe(1);
    expect([...repo.rows.keys()]).toEqual(['r9']); // not the live instance's r1
    expect(me.torn).toBe(1); // the torn last line is skipped, counted
    expect(existsSync(join(dir, 'live.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'dead.lock'))).toBe(false);
    await me.close();
    await live.close();
  });

  it('two processes never replay the same spool: the lock is exclusive', async () => {
    const a = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'x' }, quiet());
    a.open();
    const b = new Spool({ dir, maxBytes: 1 << 20, instanceId: 'x' }, quiet());
    b.open(); // same id, live holder: refused (and logged), the spool stays off
    expect(a.enabled).toBe(true);
    expect(b.enabled).toBe(false);
    await a.close();
  });

  it('is bounded: past maxBytes rows are refused and counted as overflow', async () => {
    const spool = new Spool({ dir, maxBytes: 1_000 }, quiet());
    spool.open();
    let accepted = 0;
    for (let i = 0; i < 10; i++) if (await spool.appendIntercepts([event(i)])) accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(10);
    expect(spool.overflow).toBe(10 - accepted);
    expect(spool.size).toBeLessThanOrEqual(1_000);
    await spool.close();
  });

  it('last_used_at updates spooled at shutdown replay without moving last_used_at backwards', async () => {
    const repo = new FakeRepo();
    repo.down = true;
    const spool = new Spool({ dir, maxBytes: 1 << 20 }, quiet());
    spool.open();
    const usage = new UsageRecorder(
      repo as unknown as BindingRepository,
      new MemoryKvStore(),
      quiet(),
      { ...DEFAULT_BINDING_OPTIONS },
      spool,
    );
    usage.touch('b'.repeat(64), '203.0.113.9');
    await usage.beforeApplicationShutdown();
    expect(usage.pendingTouches).toBe(0);
    await spool.close();
    repo.down = false;
    const later = new Date(Date.now() + 60_000);
    repo.lastUsed.set('b'.repeat(64), later); // another instance saw a newer use meanwhile
    const next = new Spool({ dir, maxBytes: 1 << 20 }, quiet());
    next.open();
    expect(await next.replay(repo)).toBe(1);
    expect(repo.lastUsed.get('b'.repeat(64))).toEqual(later);
    await next.close();
  });
});
