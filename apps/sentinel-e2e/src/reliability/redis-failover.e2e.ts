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
 * Then the killed master comes back as a replica and `SENTINEL FAILOVER` switches back to it (the
 * graceful case: the master is demoted, no process dies), with the same checks.
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

    const reconnects = (s: SentinelProcess) =>
      (s.output.match(/Invalidation channel reconnected; L1 entries are suspect/g) ?? []).length;

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

    interface FailoverRun {
      windowMs: number;
      probes: number;
      samples: Sample[];
      probeStatuses: number[];
    }

    /**
     * Runs traffic (known keys from their address, the same keys from a foreign one, on both
     * instances), calls `trigger` (the moment of master loss), then probes with a fresh key each on
     * A: the first sent after `newMaster` took the master role whose cache fill (a Lua script) lands
     * on it is the first request decided through Redis again. Returns once both instances are ready again.
     */
    async function throughFailover(
      label: string,
      keys: readonly string[],
      trigger: () => Promise<void>,
      newMaster: number,
    ): Promise<FailoverRun> {
      const samples: Sample[] = [];
      let running = true;
      const traffic = (async () => {
        let i = 0;
        while (running) {
          const k = keys[i++ % keys.length];
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
      await trigger();

      let resumedAt: number | undefined;
      let probes = 0;
      const probeStatuses: number[] = [];
      const deadline = lostAt + 60_000;
      while (resumedAt === undefined && Date.now() < deadline) {
        const k = key(label[0].toLowerCase(), ++probes);
        // Only once the new master says it is one: before that it may still replicate the old
        // master's writes, and a key on it would prove nothing.
        const promoted = await group.isMaster(newMaster).catch(() => false);
        const r = await relay(a.url, `sk-${k}`, CLIENT);
        const doneAt = Date.now();
        probeStatuses.push(r.status);
        if (promoted && r.status === 200 && (await holdsEventually(newMaster, `binding:${tokenIdOf(k)}`, 300)))
          resumedAt = doneAt;
        else await new Promise((res) => setTimeout(res, 50));
      }
      // Both instances ready again (Redis PING through the new master), without a restart.
      for (const s of [a, b]) await waitReady(s);
      const readyAt = Date.now();
      await new Promise((r) => setTimeout(r, 500));
      running = false;
      await traffic;
      if (resumedAt === undefined) {
        const seen = await Promise.all(
          [group.master.port, group.replica.port].map(async (port) => ({
            port,
            master: await group.isMaster(port).catch(() => null),
            bindings: (await group.on(port, (r) => r.keys(`${prefix}binding:*`)).catch(() => [])).length,
            probe1: await holds(port, `binding:${tokenIdOf(key(label[0].toLowerCase(), 1))}`).catch(() => null),
          })),
        );
        throw new Error(
          `${label}: Redis not used again within 60 s; nodes ${JSON.stringify(seen)}; probes ${JSON.stringify(probeStatuses)}\n--- A (Core, Binding)\n${a.output
            .split('\n')
            .filter((l) => /"context":"(Core|Binding)"/.test(l))
            .join('\n')}\n${group.logs()}`,
        );
      }

      const windowMs = resumedAt - lostAt;
      const bad = (list: number[]) => list.filter((st) => st >= 500 || st < 0).length;
      process.stdout.write(
        `\n[redis-failover] ${label}: first request decided through Redis on the new master ${windowMs} ms ` +
          `after the master loss (${probes} probes); both instances ready after ${readyAt - lostAt} ms; ` +
          `${samples.length} decisions during the run, ${samples.filter((x) => x.at >= lostAt && x.at <= (resumedAt as number)).length} inside the window; ` +
          `wrong allows ${samples.filter((x) => x.kind === 'foreign' && x.status !== 403).length}, ` +
          `known refused ${samples.filter((x) => x.kind === 'known' && x.status !== 200).length}, ` +
          `5xx ${bad([...samples.map((x) => x.status), ...probeStatuses])}\n`,
      );
      expect(samples.filter((x) => x.at > lostAt).length).toBeGreaterThan(0);
      return { windowMs, probes, samples, probeStatuses };
    }

    it('master killed: decisions stay correct, Redis resumes on the promoted replica, a later ban holds on both instances', async () => {
      // Before: bound through Redis on the first master, and held in both instances' L1.
      const firstMaster = group.master.port;
      expect(await group.masterPortNow()).toBe(firstMaster);
      for (const k of KNOWN) {
        expect((await relay(a.url, `sk-${k}`, CLIENT)).status).toBe(200);
        expect((await relay(b.url, `sk-${k}`, CLIENT)).status).toBe(200);
        expect((await relay(b.url, `sk-${k}`, FOREIGN)).status).toBe(403);
        expect(await holdsEventually(firstMaster, `binding:${tokenIdOf(k)}`)).toBe(true);
      }

      const newMaster = group.replica.port;
      const { samples, probeStatuses } = await throughFailover(
        'master killed (SIGKILL)',
        KNOWN,
        async () => group.killMaster(),
        newMaster,
      );
      expect(await group.masterPortNow()).toBe(newMaster);
      const wrongAllows = samples.filter((x) => x.kind === 'foreign' && x.status !== 403);
      const knownRefused = samples.filter((x) => x.kind === 'known' && x.status !== 200);
      const fiveXx = [...samples.map((x) => x.status), ...probeStatuses].filter((x) => x >= 500 || x < 0);

      // No wrong allow, and no degradation at all for known keys: L1 and PostgreSQL decided.
      expect(wrongAllows).toEqual([]);
      expect(knownRefused).toEqual([]);
      expect(fiveXx).toEqual([]);

      // Both instances' invalidation channels came back and marked their L1 suspect (re-read first).
      for (const s of [a, b]) expect(s.output).toMatch(/Invalidation channel reconnected; L1 entries are suspect/);

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

    it('SENTINEL FAILOVER (graceful switch, master demoted): the same guarantees, and back on the first port', async () => {
      const current = group.master.port;
      await group.restartOldMasterAsReplica(current);
      const target = group.replica.port;
      const keys = KNOWN.slice(1); // KNOWN[0] is banned by now
      for (const k of keys) {
        expect((await relay(a.url, `sk-${k}`, CLIENT)).status).toBe(200);
        expect((await relay(b.url, `sk-${k}`, CLIENT)).status).toBe(200);
      }
      const reconnectsBefore = [a, b].map((s) => reconnects(s));

      const { samples, probeStatuses } = await throughFailover(
        'SENTINEL FAILOVER',
        keys,
        () => group.forceFailover(),
        target,
      );
      expect(await group.masterPortNow()).toBe(target);
      expect(await group.isMaster(target)).toBe(true);
      expect(samples.filter((x) => x.kind === 'foreign' && x.status !== 403)).toEqual([]);
      expect(samples.filter((x) => x.kind === 'known' && x.status !== 200)).toEqual([]);
      expect([...samples.map((x) => x.status), ...probeStatuses].filter((x) => x >= 500 || x < 0)).toEqual([]);
      // The subscribers left the demoted master for the new one (and marked L1 suspect again).
      [a, b].forEach((s, i) => expect(reconnects(s)).toBeGreaterThan(reconnectsBefore[i]));

      // A ban issued on B after this failover is enforced by A as soon as it returns.
      const victim = keys[0];
      const token = await login(b.url);
      const ban = await api<BindingOperationResponse>(b.url, 'POST', 'bindings/ban', {
        token,
        body: { id: tokenIdOf(victim) },
      });
      expect(ban.json).toMatchObject({ after: { status: 'banned' }, propagated: 'all-instances' });
      expect((await relay(a.url, `sk-${victim}`, CLIENT)).status).toBe(403);
      expect((await relay(b.url, `sk-${victim}`, CLIENT)).status).toBe(403);
      expect((await relay(a.url, `sk-${keys[1]}`, CLIENT)).status).toBe(200);
    }, 120_000);
  },
);
