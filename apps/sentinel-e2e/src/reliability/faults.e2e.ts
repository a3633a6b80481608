import type { HttpResult } from '../support/http';
import { http } from '../support/http';
import type { TestDatabase } from '../support/services';
import { RealStack } from '../support/stack';
import { TcpRelay } from '../support/tcp-relay';
import {
  bindingsOf,
  bootInstance,
  guarded,
  keyOf,
  metric,
  notExactlyOnce,
  readiness,
  requestIdOf,
  sleep,
  tryGuarded,
  until,
  type Instance,
} from './reliability-support';
import { describeWithServices } from '@sentinel/testing-support';

/**
 * Fault injection (docs/degraded-modes.md, security cases 23–26): two Sentinels — failsafe `closed`
 * and `open` — share a database and a Redis prefix through relays the test owns, and the relays
 * cut, slow down, reset and flap the dependencies. Decisions must stay correct throughout,
 * readiness must say what is down, and everything must be normal again afterwards.
 */
describeWithServices(
  ['postgres', 'redis'],
  'reliability: fault injection on Redis and PostgreSQL (relays, both failsafe modes)',
  () => {
    let enabled = false;
    let stack: RealStack;
    let db: TestDatabase;
    let pg: TcpRelay;
    let redis: TcpRelay;
    let C: Instance; // SENTINEL_FAILSAFE_MODE=closed
    let O: Instance; // SENTINEL_FAILSAFE_MODE=open
    let n = 0;
    const fresh = () => keyOf('flt', ++n);
    const OWN = '127.0.0.2';
    const OTHER = '127.0.0.3';
    const NEWCOMER = '127.0.0.4';
    const failsafePassed = (i: Instance) => metric(i, 'sentinel_decisions_total{outcome="failsafe_passed"}');
    const unavailable = (i: Instance) => metric(i, 'sentinel_decisions_total{outcome="unavailable"}');

    beforeAll(async () => {
      const started = await RealStack.start();
      enabled = started !== null;
      if (!started) return;
      stack = started;
      db = stack.db;
      pg = await TcpRelay.to('postgres').start();
      redis = await TcpRelay.to('redis').start();
      const ports = { pg: pg.port, redis: redis.port };
      C = await bootInstance(stack, { SENTINEL_FAILSAFE_MODE: 'closed' }, ports);
      O = await bootInstance(stack, { SENTINEL_FAILSAFE_MODE: 'open' }, ports);
    }, 200_000);

    afterAll(async () => {
      if (!enabled) return;
      pg.restore();
      redis.restore();
      await Promise.all([C, O].filter(Boolean).map((i) => i.process.stop()));
      await pg.stop();
      await redis.stop();
      await stack.stop();
    }, 60_000);

    /** After each case: dependencies back, and both instances ready again (never stuck). */
    afterEach(async () => {
      if (!enabled) return;
      pg.restore();
      redis.restore();
      pg.latencyMs = 0;
      redis.latencyMs = 0;
      for (const i of [C, O]) {
        const r = await until(
          () => readiness(i.url),
          (x) => x.status === 200,
          20_000,
        );
        expect(r).toEqual({ status: 200, postgres: 'up', redis: 'up' });
      }
    });

    /** A key bound from OWN and known to both instances' L1. */
    const knownKey = async () => {
      const k = fresh();
      expect((await guarded(C.url, k, OWN)).status).toBe(200);
      expect((await guarded(O.url, k, OWN)).status).toBe(200);
      return k;
    };

    const expectRowsExactlyOnce = async (ids: string[]) => {
      const r = await until(
        () => notExactlyOnce(db, ids),
        (x) => x.missing === 0,
        15_000,
      );
      expect(r).toEqual({ missing: 0, duplicated: 0 });
    };

    it('case 23: Redis down, PostgreSQL up → correct decisions from PostgreSQL, no failsafe', async () => {
      if (!enabled) return;
      const k = fresh();
      expect((await guarded(C.url, k, OWN)).status).toBe(200); // bound via C; O has never seen it
      const passedBefore = await failsafePassed(O);
      const unavailableBefore = await unavailable(C);
      redis.cutAll();
      for (const i of [C, O]) {
        expect(
          await until(
            () => readiness(i.url),
            (x) => x.redis === 'down',
          ),
        ).toEqual({ status: 503, postgres: 'up', redis: 'down' });
        expect((await http(`${i.url}/health`)).status).toBe(200);
      }
      // O's L1 misses and Redis is down: the decision comes from PostgreSQL, in both directions.
      expect((await guarded(O.url, k, OWN)).status).toBe(200);
      const denied = [await guarded(O.url, k, OTHER), await guarded(C.url, k, OTHER)];
      expect(denied.map((r) => r.status)).toEqual([403, 403]);
      // New keys bind in both modes: PostgreSQL is up, so this is no failsafe.
      const k2 = fresh();
      const k3 = fresh();
      expect((await guarded(C.url, k2, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, k3, NEWCOMER)).status).toBe(200);
      expect(await bindingsOf(db, [k, k2, k3])).toBe(3);
      expect((await guarded(O.url, k2, OTHER)).status).toBe(403); // bound by C, enforced by O
      denied.push(await guarded(C.url, k3, OTHER));
      expect(denied[2].status).toBe(403);
      expect(await failsafePassed(O)).toBe(passedBefore);
      expect(await unavailable(C)).toBe(unavailableBefore);
      await expectRowsExactlyOnce(denied.map(requestIdOf));
    });

    it('case 24: PostgreSQL down, Redis up → known keys enforced; a new key: closed 503 + Retry-After, open passes (counted); no binding', async () => {
      if (!enabled) return;
      const k = await knownKey();
      const passedBefore = await failsafePassed(O);
      pg.cutAll();
      for (const i of [C, O]) {
        expect(
          await until(
            () => readiness(i.url),
            (x) => x.postgres === 'down',
          ),
        ).toEqual({ status: 503, postgres: 'down', redis: 'up' });
      }
      const denied: HttpResult[] = [];
      for (const i of [C, O]) {
        expect((await guarded(i.url, k, OWN)).status).toBe(200);
        denied.push(await guarded(i.url, k, OTHER));
      }
      expect(denied.map((r) => r.status)).toEqual([403, 403]);
      const [n1, n2] = [fresh(), fresh()];
      const closed = await guarded(C.url, n1, NEWCOMER);
      expect(closed.status).toBe(503);
      expect(closed.headers['retry-after']).toBe('5');
      expect(JSON.parse(closed.body).error.code).toBe('service_unavailable');
      expect((await guarded(O.url, n2, NEWCOMER)).status).toBe(200);
      expect(await failsafePassed(O)).toBe(passedBefore + 1);
      expect(O.process.output).toMatch(/Failsafe open/);

      pg.restore();
      // Queued intercept rows are written once PostgreSQL is back; nothing was bound while down.
      await expectRowsExactlyOnce(denied.map(requestIdOf));
      expect(await bindingsOf(db, [n1, n2])).toBe(0);
    });

    it('case 25: both down → L1 decisions stand; closed 503 + Retry-After (no intercept), open passes; readiness false, liveness true', async () => {
      if (!enabled) return;
      const k = await knownKey();
      pg.cutAll();
      redis.cutAll();
      for (const i of [C, O]) {
        expect(
          await until(
            () => readiness(i.url),
            (x) => x.postgres === 'down' && x.redis === 'down',
          ),
        ).toEqual({
          status: 503,
          postgres: 'down',
          redis: 'down',
        });
        expect((await http(`${i.url}/health`)).status).toBe(200);
        expect((await guarded(i.url, k, OWN)).status).toBe(200);
      }
      const denied = [await guarded(C.url, k, OTHER), await guarded(O.url, k, OTHER)];
      expect(denied.map((r) => r.status)).toEqual([403, 403]);
      const n1 = fresh();
      const closed = await guarded(C.url, n1, NEWCOMER);
      expect(closed.status).toBe(503);
      expect(closed.headers['retry-after']).toBe('5');
      const n2 = fresh();
      expect((await guarded(O.url, n2, NEWCOMER)).status).toBe(200);
      pg.restore();
      redis.restore();
      await expectRowsExactlyOnce(denied.map(requestIdOf));
      // The 503 was not an intercept, and neither key was bound while both were down.
      const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM intercept_logs WHERE client_ip = $1`, [
        NEWCOMER,
      ]);
      expect(r.n).toBe(0);
      expect(await bindingsOf(db, [n1, n2])).toBe(0);
    });

    it('case 26: dependencies return → normal operation within seconds, never stuck (readiness, decisions, new bindings, queued rows, Redis in use)', async () => {
      if (!enabled) return;
      const k = await knownKey();
      pg.cutAll();
      redis.cutAll();
      await until(
        () => readiness(C.url),
        (x) => x.postgres === 'down' && x.redis === 'down',
      );
      const denied = [await guarded(C.url, k, OTHER), await guarded(O.url, k, OTHER)];
      const [n1, n2] = [fresh(), fresh()];
      expect((await guarded(C.url, n1, NEWCOMER)).status).toBe(503);
      expect((await guarded(O.url, n2, NEWCOMER)).status).toBe(200);
      pg.restore();
      redis.restore();
      for (const i of [C, O]) {
        expect(
          await until(
            () => readiness(i.url),
            (x) => x.status === 200,
            15_000,
          ),
        ).toEqual({ status: 200, postgres: 'up', redis: 'up' });
      }
      // Decisions are normal: the refused and the passed-through keys bind now, on the first try.
      expect((await guarded(C.url, n1, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, n2, NEWCOMER)).status).toBe(200);
      expect(await bindingsOf(db, [n1, n2])).toBe(2);
      expect((await guarded(O.url, n1, OTHER)).status).toBe(403);
      // Redis is used again (not stuck on PostgreSQL only): an L1 miss on C goes through Redis.
      const lookupsBefore = await metric(C, 'sentinel_storage_lookups{store="redis"}');
      expect((await guarded(C.url, n2, NEWCOMER)).status).toBe(200);
      expect(await metric(C, 'sentinel_storage_lookups{store="redis"}')).toBe(lookupsBefore + 1);
      // The rows queued during the outage are written once; the queues drain.
      await expectRowsExactlyOnce(denied.map(requestIdOf));
      for (const i of [C, O]) {
        expect(
          await until(
            () => metric(i, 'sentinel_queue_depth{queue="intercepts"}'),
            (d) => d === 0,
          ),
        ).toBe(0);
        expect(await metric(i, 'sentinel_intercepts_dropped')).toBe(0);
      }
    });

    it('flapping: PostgreSQL and Redis cut and restored every ~1.2 s for 6 cycles under traffic → decisions stay correct, nothing stuck', async () => {
      if (!enabled) return;
      const k = await knownKey();
      const seen = { ownOk: 0, otherDenied: 0, new200: 0, new503: 0, wrong: [] as string[] };
      const deniedIds: string[] = [];
      const boundNew: string[] = [];
      const refusedNew: string[] = [];
      const passedOpen: string[] = [];
      let flapping = true;
      const traffic = async (i: Instance) => {
        while (flapping) {
          const own = await tryGuarded(i.url, k, OWN);
          if (own.status === 200) seen.ownOk++;
          else seen.wrong.push(`${i === C ? 'C' : 'O'} own→${own.status}`);
          const other = await tryGuarded(i.url, k, OTHER);
          if (other.status === 403) {
            seen.otherDenied++;
            deniedIds.push(requestIdOf(other));
          } else seen.wrong.push(`${i === C ? 'C' : 'O'} other→${other.status}`);
          const nk = fresh();
          const r = await tryGuarded(i.url, nk, NEWCOMER);
          if (r.status === 200) {
            seen.new200++;
            (i === C ? boundNew : passedOpen).push(nk);
          } else if (r.status === 503 && i === C && r.headers['retry-after'] === '5') {
            seen.new503++;
            refusedNew.push(nk);
          } else seen.wrong.push(`${i === C ? 'C' : 'O'} new→${r.status}`);
          await sleep(40);
        }
      };
      const runs = [traffic(C), traffic(O)];
      const plan: ('both' | 'redis' | 'pg')[] = ['both', 'redis', 'pg', 'both', 'redis', 'pg'];
      for (const what of plan) {
        if (what !== 'redis') pg.cutAll();
        if (what !== 'pg') redis.cutAll();
        await sleep(1_000 + Math.random() * 500);
        pg.restore();
        redis.restore();
        await sleep(1_000 + Math.random() * 500);
      }
      flapping = false;
      await Promise.all(runs);
      console.log(`flapping: ${plan.length} cycles, ${JSON.stringify({ ...seen, wrong: seen.wrong.length })}`);
      expect(seen.wrong).toEqual([]);
      for (const i of [C, O]) {
        expect(
          await until(
            () => readiness(i.url),
            (x) => x.status === 200,
            15_000,
          ),
        ).toEqual({ status: 200, postgres: 'up', redis: 'up' });
      }
      // Every 403 has exactly one row; every key C allowed is bound; nothing is stuck: the keys
      // refused or passed during the faults bind now.
      await expectRowsExactlyOnce(deniedIds);
      expect(await bindingsOf(db, boundNew)).toBe(boundNew.length);
      for (const nk of refusedNew) expect((await guarded(C.url, nk, NEWCOMER)).status).toBe(200);
      for (const nk of passedOpen) expect((await guarded(O.url, nk, NEWCOMER)).status).toBe(200);
      expect(await bindingsOf(db, [...refusedNew, ...passedOpen])).toBe(refusedNew.length + passedOpen.length);
    });

    it('slow dependencies: Redis slower than its command timeout falls back to PostgreSQL; a slow PostgreSQL is slow, not wrong', async () => {
      if (!enabled) return;
      const k = fresh();
      expect((await guarded(C.url, k, OWN)).status).toBe(200);
      redis.latencyMs = 1_500; // a round trip of 3 s: past the 1 s command timeout and the readiness ping
      expect(
        (
          await until(
            () => readiness(C.url),
            (x) => x.redis === 'down',
          )
        ).redis,
      ).toBe('down');
      const n1 = fresh();
      expect((await guarded(C.url, n1, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, k, OTHER)).status).toBe(403); // O's L1 misses: decided by PostgreSQL
      expect((await guarded(O.url, k, OWN)).status).toBe(200);
      redis.latencyMs = 0;
      pg.latencyMs = 150;
      const n2 = fresh();
      expect((await guarded(C.url, n2, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, n2, OTHER)).status).toBe(403);
      expect(
        await until(
          () => readiness(C.url),
          (x) => x.status === 200,
          15_000,
        ),
      ).toEqual({ status: 200, postgres: 'up', redis: 'up' });
      pg.latencyMs = 0;
      expect(await bindingsOf(db, [k, n1, n2])).toBe(3);
    });

    it('reset mid-command: connections reset right after a command reaches PostgreSQL or Redis → no duplicate or lost rows, no double binding', async () => {
      if (!enabled) return;
      const k = await knownKey();
      const ids: string[] = [];
      // The next PostgreSQL command is the batched intercept insert: reset it after it was sent.
      for (let round = 0; round < 3; round++) {
        pg.resetOnNextCommand(1);
        for (let j = 0; j < 4; j++) {
          const r = await guarded(C.url, k, OTHER);
          expect(r.status).toBe(403);
          ids.push(requestIdOf(r));
        }
        await until(
          async () => pg.pendingResets,
          (p) => p === 0,
          10_000,
        );
      }
      await expectRowsExactlyOnce(ids);
      // A first-use bind whose insert is reset: 200 or 503 now, exactly one binding after a retry.
      const nb = fresh();
      const resetsBefore = pg.stats.resets;
      pg.resetOnNextCommand(1);
      const first = await guarded(C.url, nb, NEWCOMER);
      expect([200, 503]).toContain(first.status);
      await until(
        async () => pg.pendingResets,
        (p) => p === 0,
        10_000,
      );
      pg.resetOnNextCommand(0);
      expect(
        (
          await until(
            () => guarded(C.url, nb, NEWCOMER),
            (r) => r.status === 200,
          )
        ).status,
      ).toBe(200);
      expect(await bindingsOf(db, [nb])).toBe(1);
      // Redis reset in the middle of lookups: the decision falls back to PostgreSQL.
      redis.resetOnNextCommand(2);
      const [r1, r2] = [fresh(), fresh()];
      expect((await guarded(C.url, r1, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, r2, NEWCOMER)).status).toBe(200);
      expect((await guarded(O.url, r1, OTHER)).status).toBe(403);
      console.log(
        `reset mid-command: ${pg.stats.resets} PostgreSQL and ${redis.stats.resets} Redis connections reset (bind round: ${pg.stats.resets - resetsBefore})`,
      );
      expect(pg.stats.resets).toBeGreaterThanOrEqual(3);
    });
  },
);
