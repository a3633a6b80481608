import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenIdOf } from '../admin/admin-support';
import type { TestDatabase } from '../support/services';
import { RealStack } from '../support/stack';
import { TcpRelay } from '../support/tcp-relay';
import {
  bootInstance,
  guarded,
  interceptRowsByRequestId,
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

const OWN = '127.0.0.2';
const OTHER = '127.0.0.3';

/** An SSE completion through Sentinel; resolves when the stream ends. */
function stream(
  url: string,
  key: string,
  from: string,
): { headers: Promise<number>; done: Promise<{ status: number; body: string }> } {
  let onHeaders: (s: number) => void = () => undefined;
  const headers = new Promise<number>((r) => (onHeaders = r));
  const done = new Promise<{ status: number; body: string }>((resolve) => {
    const req = request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        localAddress: from,
        agent: false,
      },
      (res) => {
        onHeaders(res.statusCode ?? 0);
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body }));
        res.on('aborted', () => resolve({ status: 0, body }));
      },
    );
    req.on('error', () => (onHeaders(0), resolve({ status: 0, body: '' })));
    req.end(JSON.stringify({ stream: true }));
  });
  return { headers, done };
}

/** last_used_at of each key's binding, in ms since the epoch. */
async function lastUsed(db: TestDatabase, keys: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ h: string; t: string | null }>(
    `SELECT token_hash AS h, (extract(epoch FROM last_used_at) * 1000)::text AS t FROM token_bindings WHERE token_hash = ANY($1)`,
    [keys.map(tokenIdOf)],
  );
  const byHash = new Map(rows.map((r) => [r.h, r.t === null ? 0 : Number(r.t)]));
  return new Map(keys.map((k) => [k, byHash.get(tokenIdOf(k)) ?? 0]));
}

/** Keys whose last_used_at is older than the moment their last allowed request was sent. */
async function staleLastUsed(db: TestDatabase, lastSent: Map<string, number>): Promise<string[]> {
  const used = await lastUsed(db, [...lastSent.keys()]);
  // last_used_at is taken when Sentinel decides, which is after the client sent the request.
  return [...lastSent].filter(([k, sentAt]) => (used.get(k) ?? 0) < sentAt - 1).map(([k]) => k);
}

describeWithServices(['postgres', 'redis'], 'reliability: nothing lost (SIGTERM under load, PostgreSQL outage)', () => {
  let enabled = false;
  let stack: RealStack;
  let db: TestDatabase;

  beforeAll(async () => {
    // describeWithServices has found both services: a stack that cannot start is a failure.
    const started = await RealStack.start();
    if (started === null) throw new Error('PostgreSQL and Redis were reachable, yet the stack did not start');
    enabled = true;
    stack = started;
    db = stack.db;
  });
  afterAll(async () => {
    if (enabled) await stack.stop();
  }, 60_000);

  it('case 27: SIGTERM under load → in-flight streams finish, every 403 has exactly one intercept row, every allowed key’s last_used_at is flushed', async () => {
    const s = await bootInstance(stack, { SHUTDOWN_GRACE_MS: '15000' });
    const keys = Array.from({ length: 24 }, (_, i) => keyOf('sig', i));
    for (const k of keys) expect((await guarded(s.url, k, OWN)).status).toBe(200);
    stack.upstream.sseIntervalMs = 250; // 5 events: each stream lasts ~1.3 s, well inside the grace period
    const lastSent = new Map<string, number>();
    const deniedIds: string[] = [];
    const tally = { allowed: 0, denied: 0, refused: 0, other: [] as number[] };
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const k = keys[(w * 7 + i) % keys.length];
        const intercept = (w + i) % 3 === 0;
        const sentAt = Date.now();
        const r = await tryGuarded(s.url, k, intercept ? OTHER : OWN);
        if (r.status === 0) return; // the listener closed: this client stops
        if (r.status === 200 && !intercept) {
          tally.allowed++;
          lastSent.set(k, Math.max(lastSent.get(k) ?? 0, sentAt));
        } else if (r.status === 403 && intercept) {
          tally.denied++;
          deniedIds.push(requestIdOf(r));
        } else tally.other.push(r.status);
      }
    };
    const workers = Array.from({ length: 12 }, (_, w) => worker(w));
    await sleep(1_500); // load first, then streams in flight, then the signal
    const streams = keys.slice(0, 8).map((k) => {
      lastSent.set(k, Math.max(lastSent.get(k) ?? 0, Date.now()));
      return stream(s.url, k, OWN);
    });
    expect(await Promise.all(streams.map((x) => x.headers))).toEqual(Array(8).fill(200));
    await sleep(300);
    const exit = s.process.stop('SIGTERM');
    const results = await Promise.all(streams.map((x) => x.done));
    running = false;
    await Promise.all(workers);
    expect(await exit).toBe(0);
    stack.upstream.sseIntervalMs = 50;
    console.log(
      `SIGTERM under load: ${tally.allowed} allowed, ${tally.denied} denied (403), ${streams.length} SSE streams in flight, ` +
        `${lastSent.size} keys used; unexpected statuses: ${tally.other.length}`,
    );
    expect(tally.other).toEqual([]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body).toContain('data: [DONE]');
    }
    expect(tally.denied).toBeGreaterThan(0);
    // Sentinel has exited: what is in PostgreSQL now is all there will ever be.
    expect(await notExactlyOnce(db, deniedIds)).toEqual({ missing: 0, duplicated: 0 });
    expect(await staleLastUsed(db, lastSent)).toEqual([]);
  }, 180_000);

  it('SIGKILL while 8 clients from 8 addresses are denied → every 403 a client received has its intercept row (group commit)', async () => {
    const s = await bootInstance(stack, {});
    const k = keyOf('kill', 1);
    expect((await guarded(s.url, k, OWN)).status).toBe(200);
    const deniedIds: string[] = [];
    const other: number[] = [];
    let running = true;
    const client = async (c: number) => {
      const from = `127.0.1.${c + 1}`;
      while (running) {
        const r = await tryGuarded(s.url, k, from);
        if (r.status === 0) return; // the process is gone
        if (r.status === 403) deniedIds.push(requestIdOf(r));
        else other.push(r.status);
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await until(
      async () => deniedIds.length,
      (n) => n >= 2_000,
      30_000,
      50,
    );
    await s.process.stop('SIGKILL'); // no shutdown hook runs: what is committed is all there is
    running = false;
    await Promise.all(clients);
    console.log(`SIGKILL under denial load: ${deniedIds.length} 403s received from 8 addresses, then kill -9`);
    expect(other).toEqual([]);
    expect(deniedIds.length).toBeGreaterThanOrEqual(2_000);
    expect(await notExactlyOnce(db, deniedIds)).toEqual({ missing: 0, duplicated: 0 });
  }, 180_000);

  it('PostgreSQL outage: rows queue (bounded), the overflow is counted and logged, the queue and last_used_at are written once it returns', async () => {
    const pg = await TcpRelay.to('postgres').start();
    let s: Instance | undefined;
    try {
      // No spool here: this is the in-memory queue's bound (the spool has tests of its own below).
      s = await bootInstance(stack, { INTERCEPT_QUEUE_MAX: '50', SPOOL_MAX_BYTES: '0' }, { pg: pg.port });
      const i = s;
      const k = keyOf('out', 1);
      expect((await guarded(i.url, k, OWN)).status).toBe(200);
      pg.cutAll();
      await until(
        () => readiness(i.url),
        (x) => x.postgres === 'down',
      );
      const ids: string[] = [];
      const lastSent = new Map<string, number>();
      for (let round = 0; round < 10; round++) {
        const batch = await Promise.all(Array.from({ length: 8 }, () => guarded(i.url, k, OTHER)));
        for (const r of batch) {
          expect(r.status).toBe(403);
          ids.push(requestIdOf(r));
        }
        lastSent.set(k, Date.now());
        expect((await guarded(i.url, k, OWN)).status).toBe(200);
      }
      expect(await metric(i, 'sentinel_queue_depth{queue="intercepts"}')).toBe(50);
      const dropped = await metric(i, 'sentinel_intercepts_dropped');
      expect(dropped).toBe(ids.length - 50);
      expect(i.process.output).toMatch(/Intercept queue full; rows dropped/);

      pg.restore();
      expect(
        await until(
          () => metric(i, 'sentinel_queue_depth{queue="intercepts"}'),
          (d) => d === 0,
        ),
      ).toBe(0);
      // Exactly the queued rows were written, each once; every missing one is in the dropped count.
      const byId = await interceptRowsByRequestId(db, ids);
      expect([...byId.values()].every((n) => n === 1)).toBe(true);
      expect(byId.size).toBe(50);
      expect(ids.length - byId.size).toBe(dropped);
      // last_used_at gathered during the outage is flushed after it (every 5 s).
      expect(
        await until(
          () => staleLastUsed(db, lastSent),
          (x) => x.length === 0,
          15_000,
        ),
      ).toEqual([]);
      console.log(
        `PostgreSQL outage: ${ids.length} 403s, ${byId.size} rows queued and written, ${dropped} overflowed (counted, logged), 0 duplicated`,
      );
    } finally {
      pg.restore();
      await s?.process.stop();
      await pg.stop();
    }
  }, 180_000);

  /** Cuts PostgreSQL, makes `n` denials from 8 addresses and one allowed call per round, then SIGTERMs. */
  async function denyWhilePostgresIsCut(
    dataDir: string,
    env: Record<string, string>,
    tag: string,
  ): Promise<{ ids: string[]; lastSent: Map<string, number>; instance: Instance }> {
    const pg = await TcpRelay.to('postgres').start();
    const i = await bootInstance(stack, { DATA_DIR: dataDir, ...env }, { pg: pg.port });
    try {
      const k = keyOf(tag, 1);
      expect((await guarded(i.url, k, OWN)).status).toBe(200);
      pg.cutAll();
      await until(
        () => readiness(i.url),
        (x) => x.postgres === 'down',
      );
      const ids: string[] = [];
      const lastSent = new Map<string, number>();
      for (let round = 0; round < 12; round++) {
        const batch = await Promise.all(Array.from({ length: 8 }, (_, c) => guarded(i.url, k, `127.0.2.${c + 1}`)));
        for (const r of batch) {
          expect(r.status).toBe(403);
          ids.push(requestIdOf(r));
        }
        lastSent.set(k, Date.now());
        expect((await guarded(i.url, k, OWN)).status).toBe(200);
      }
      await sleep(1_200); // the queue's writer has met the cut at least once
      expect(await i.process.stop('SIGTERM')).toBe(0); // PostgreSQL still unreachable
      return { ids, lastSent, instance: i };
    } finally {
      await i.process.stop();
      await pg.stop();
    }
  }

  it('SIGTERM while PostgreSQL is unreachable → rows and last_used_at are spooled under DATA_DIR, and the next start writes every one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-spool-e2e-'));
    let next: Instance | undefined;
    try {
      const { ids, lastSent, instance } = await denyWhilePostgresIsCut(dataDir, {}, 'spl');
      expect(instance.process.output).toMatch(/spooled to disk/);
      expect(await interceptRowsByRequestId(db, ids)).toEqual(new Map()); // none reached PostgreSQL
      expect(readdirSync(join(dataDir, 'spool')).some((f) => f.endsWith('.jsonl'))).toBe(true);

      next = await bootInstance(stack, { DATA_DIR: dataDir }); // PostgreSQL reachable again
      const n = next;
      expect(
        await until(
          () => notExactlyOnce(db, ids),
          (x) => x.missing === 0,
          20_000,
        ),
      ).toEqual({ missing: 0, duplicated: 0 });
      expect(await staleLastUsed(db, lastSent)).toEqual([]);
      expect(await metric(n, 'sentinel_spool_replayed')).toBeGreaterThanOrEqual(ids.length);
      expect(readdirSync(join(dataDir, 'spool')).filter((f) => !f.endsWith('.lock'))).toEqual([]);
      console.log(
        `SIGTERM with PostgreSQL cut: ${ids.length} 403s spooled, all ${ids.length} written by the next start`,
      );
    } finally {
      await next?.process.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a spool at its bound (SPOOL_MAX_BYTES) counts and logs the overflow; what it held is written', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-spool-e2e-'));
    let next: Instance | undefined;
    try {
      const env = { SPOOL_MAX_BYTES: '4096' }; // about ten rows
      const pg = await TcpRelay.to('postgres').start();
      const i = await bootInstance(stack, { DATA_DIR: dataDir, ...env }, { pg: pg.port });
      const ids: string[] = [];
      let overflow = 0;
      try {
        const k = keyOf('ovf', 1);
        expect((await guarded(i.url, k, OWN)).status).toBe(200);
        pg.cutAll();
        await until(
          () => readiness(i.url),
          (x) => x.postgres === 'down',
        );
        for (let round = 0; round < 10; round++) {
          const batch = await Promise.all(Array.from({ length: 8 }, (_, c) => guarded(i.url, k, `127.0.2.${c + 1}`)));
          for (const r of batch) ids.push(requestIdOf(r));
          await sleep(150);
        }
        // Everything queued has gone to the spool or past its bound: the counts are final.
        await until(
          () => metric(i, 'sentinel_queue_depth{queue="intercepts"}'),
          (d) => d === 0,
        );
        overflow = await metric(i, 'sentinel_spool_overflow');
        expect(i.process.output).toMatch(/Spool full; intercept rows dropped/);
        expect(await i.process.stop('SIGTERM')).toBe(0);
      } finally {
        await i.process.stop();
        await pg.stop();
      }
      next = await bootInstance(stack, { DATA_DIR: dataDir });
      const written = await until(
        async () => (await interceptRowsByRequestId(db, ids)).size,
        (x) => x + overflow >= ids.length,
        20_000,
      );
      // Every 403 is either in PostgreSQL or in the overflow count (rows refused at the bound).
      expect(overflow).toBeGreaterThan(0);
      expect(written + overflow).toBe(ids.length);
      console.log(
        `Spool at its bound: ${ids.length} 403s, ${written} spooled and written later, ${overflow} overflowed (counted, logged)`,
      );
    } finally {
      await next?.process.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
