import type { BindingOperationResponse } from '@sentinel/admin-contract';
import { describeWithServices } from '@sentinel/testing-support';
import { api, login, relay, tokenIdOf } from '../admin/admin-support';
import { FakeUpstream } from '../support/fake-upstream';
import { http } from '../support/http';
import { RedisSentinelGroup } from '../support/redis-sentinel-group';
import { SentinelProcess } from '../support/sentinel-process';
import { createTestDatabase, redisPrefix, type TestDatabase } from '../support/services';

/**
 * Redis high availability through Redis Sentinel, on real processes: a master, a replica and three
 * `redis-server --sentinel` of our own; two Sentinel instances pointed at them with
 * REDIS_SENTINELS; the master is killed (SIGKILL) while proxied traffic runs. Decisions must stay
 * correct throughout (PostgreSQL and L1 decide while Redis is away: docs/degraded-modes.md), and
 * Redis must be used again — through the promoted replica — without a restart.
 *
 * The measured window (master loss → first proxied request whose decision went through Redis on the
 * new master) is printed, not asserted: speed is not a test's business.
 */

const key = (tag: string, n: number) => `ha${tag}${String(n).padStart(44, '0')}`; // 48 chars
const KNOWN = [1, 2, 3].map((n) => key('k', n));
const CLIENT = '127.0.0.2';
const FOREIGN = '127.0.0.3';

interface Sample {
  at: number;
  instance: 'A' | 'B';
  kind: 'known' | 'foreign';
  status: number;
}

describeWithServices(
  ['postgres', 'redis-server'],
  'Redis Sentinel failover (own master, replica, three sentinels)',
  () => {
    let enabled = false;
    let group: RedisSentinelGroup;
    let upstream: FakeUpstream;
    let db: TestDatabase;
    let a: SentinelProcess;
    let b: SentinelProcess;
    const prefix = redisPrefix();

    beforeAll(async () => {
      enabled = true;
      group = await new RedisSentinelGroup().start();
      upstream = await new FakeUpstream().start();
      db = await createTestDatabase();
      const env = {
        DOWNSTREAM_URL: upstream.url,
        PG_DSN: db.dsn(),
        REDIS_ADDR: undefined,
        REDIS_SENTINELS: group.sentinelAddrs,
        REDIS_MASTER_NAME: group.masterName,
        REDIS_KEY_PREFIX: prefix,
        // The first-use bucket runs its Lua script on every new binding, so it is exercised too.
        BIND_RATE_PER_ADDRESS: '100000',
        // Intercepts are counted in Redis (INCR, SET NX) only with a webhook; the fake New API takes it.
        ALERT_WEBHOOK_URL: `${upstream.url}/alert-webhook`,
      };
      a = await new SentinelProcess({ env }).start();
      b = await new SentinelProcess({ env }).start();
      for (const s of [a, b]) await waitReady(s);
    }, 90_000);

    afterAll(async () => {
      if (!enabled) return;
      await Promise.allSettled([a?.stop(), b?.stop()]);
      await upstream?.stop();
      await db?.drop();
      await group?.stop();
    });

    async function waitReady(s: SentinelProcess, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await http(`${s.url}/health/ready`)).status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`not ready:\n${s.output.slice(-3000)}`);
    }

    /** Whether the Redis at `port` holds `key` under our prefix. */
    const holds = (port: number, k: string) => group.on(port, async (r) => (await r.exists(prefix + k)) === 1);
    const holdsEventually = async (port: number, k: string, timeoutMs = 2_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await holds(port, k).catch(() => false)) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    };

    it('keeps deciding correctly through a failover, resumes on the promoted replica, and enforces a later ban on both instances', async () => {
      // Before: bound through Redis on the first master, and held in both instances' L1.
      const firstMaster = group.master.port;
      expect(await group.masterPortNow()).toBe(firstMaster);
      for (const k of KNOWN) {
        expect((await relay(a.url, `sk-${k}`, CLIENT)).status).toBe(200);
        expect((await relay(b.url, `sk-${k}`, CLIENT)).status).toBe(200);
        expect((await relay(b.url, `sk-${k}`, FOREIGN)).status).toBe(403);
        expect(await holdsEventually(firstMaster, `binding:${tokenIdOf(k)}`)).toBe(true);
      }

      // Traffic throughout: known keys from their address, the same keys from a foreign one.
      const samples: Sample[] = [];
      let running = true;
      const traffic = (async () => {
        let i = 0;
        while (running) {
          const k = KNOWN[i++ % KNOWN.length];
          for (const [instance, s] of [
            ['A', a],
            ['B', b],
          ] as const) {
            const [known, foreign] = await Promise.all([
              relay(s.url, `sk-${k}`, CLIENT).then(
                (r) => r.status,
                () => -1,
              ),
              relay(s.url, `sk-${k}`, FOREIGN).then(
                (r) => r.status,
                () => -1,
              ),
            ]);
            const at = Date.now();
            samples.push(
              { at, instance, kind: 'known', status: known },
              { at, instance, kind: 'foreign', status: foreign },
            );
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      await new Promise((r) => setTimeout(r, 300));
      const lostAt = Date.now();
      group.killMaster();

      // Probes: a fresh key each, bound on A. The first whose cache fill (a Lua script) lands on the
      // promoted replica is the first request decided through Redis again.
      const newMaster = group.replica.port;
      let resumedAt: number | undefined;
      let probes = 0;
      const probeStatuses: number[] = [];
      const deadline = lostAt + 60_000;
      while (resumedAt === undefined && Date.now() < deadline) {
        const k = key('p', ++probes);
        const r = await relay(a.url, `sk-${k}`, CLIENT);
        const doneAt = Date.now();
        probeStatuses.push(r.status);
        if (r.status === 200 && (await holdsEventually(newMaster, `binding:${tokenIdOf(k)}`, 300))) resumedAt = doneAt;
        else await new Promise((res) => setTimeout(res, 50));
      }
      expect(resumedAt).toBeDefined();
      const windowMs = (resumedAt as number) - lostAt;
      expect(await group.masterPortNow()).toBe(newMaster);

      // Both instances ready again (Redis ping through the new master), without a restart.
      for (const s of [a, b]) await waitReady(s);
      await new Promise((r) => setTimeout(r, 500));
      running = false;
      await traffic;

      const firstReadyAt = Date.now();
      const wrongAllows = samples.filter((s) => s.kind === 'foreign' && s.status !== 403);
      const knownRefused = samples.filter((s) => s.kind === 'known' && s.status !== 200);
      const fiveXx = [...samples.map((s) => s.status), ...probeStatuses].filter((s) => s >= 500 || s < 0);
      process.stdout.write(
        `\n[redis-failover] master killed → first request decided through Redis on the promoted replica: ` +
          `${windowMs} ms (${probes} probes); ${samples.length} decisions during the run, ` +
          `${samples.filter((s) => s.at >= lostAt && s.at <= (resumedAt as number)).length} inside the window; ` +
          `wrong allows ${wrongAllows.length}, known refused ${knownRefused.length}, 5xx ${fiveXx.length}; ` +
          `both ready ${firstReadyAt - lostAt} ms after the loss\n`,
      );

      // No wrong allow, and no degradation at all for known keys: L1 and PostgreSQL decided.
      expect(wrongAllows).toEqual([]);
      expect(knownRefused).toEqual([]);
      expect(fiveXx).toEqual([]);
      expect(samples.filter((s) => s.at > lostAt).length).toBeGreaterThan(0);

      // Both instances' invalidation channels came back and dropped their (suspect) L1.
      for (const s of [a, b]) expect(s.output).toMatch(/Invalidation channel reconnected; dropped the L1 cache/);

      // After the failover: Lua scripts (cache fill, first-use bucket), INCR and SET NX (intercept
      // counting) all write to the promoted replica.
      const fresh = key('f', 1);
      expect((await relay(b.url, `sk-${fresh}`, CLIENT)).status).toBe(200);
      expect(await holdsEventually(newMaster, `binding:${tokenIdOf(fresh)}`)).toBe(true);
      const buckets = await group.on(newMaster, (r) => r.keys(`${prefix}bind-rate:*`));
      expect(buckets.length).toBeGreaterThan(0);
      expect((await relay(a.url, `sk-${fresh}`, FOREIGN)).status).toBe(403);
      expect(await holdsEventually(newMaster, `alert:first:${tokenIdOf(fresh)}`, 5_000)).toBe(true);
      expect(await holdsEventually(newMaster, `alert:count:${tokenIdOf(fresh)}`, 5_000)).toBe(true);

      // A ban issued on A after the failover is enforced by both instances as soon as it returns.
      const target = KNOWN[0];
      expect((await relay(b.url, `sk-${target}`, CLIENT)).status).toBe(200); // B holds it in L1 again
      const token = await login(a.url);
      const ban = await api<BindingOperationResponse>(a.url, 'POST', 'bindings/ban', {
        token,
        body: { id: tokenIdOf(target) },
      });
      expect(ban.status).toBe(200);
      expect(ban.json).toMatchObject({ after: { status: 'banned' }, propagated: 'all-instances' });
      expect((await relay(b.url, `sk-${target}`, CLIENT)).status).toBe(403);
      expect((await relay(a.url, `sk-${target}`, CLIENT)).status).toBe(403);
      // The other known keys are untouched.
      expect((await relay(b.url, `sk-${KNOWN[1]}`, CLIENT)).status).toBe(200);
    }, 120_000);
  },
);
