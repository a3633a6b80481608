import { request } from 'node:http';
import { FakeUpstream } from '../support/fake-upstream';
import { http } from '../support/http';
import { SentinelProcess } from '../support/sentinel-process';
import type { TestDatabase } from '../support/services';
import { RealStack } from '../support/stack';
import { TcpRelay } from '../support/tcp-relay';
import { describeWithServices } from '@sentinel/testing-support';

const key = (n: number) => `d${String(n).padStart(47, '0')}`;
const auth = (k: string) => ({ authorization: `Bearer ${k}` });

describeWithServices(
  ['postgres', 'redis'],
  'degraded modes and graceful shutdown (real PostgreSQL and Redis behind relays)',
  () => {
    let enabled = false;
    let stack: RealStack;
    let upstream: FakeUpstream;
    let db: TestDatabase;
    let pgRelay: TcpRelay;
    let redisRelay: TcpRelay;

    beforeAll(async () => {
      const started = await RealStack.start();
      enabled = started !== null;
      if (!started) return;
      stack = started;
      ({ upstream, db } = stack);
      pgRelay = await TcpRelay.to('postgres').start();
      redisRelay = await TcpRelay.to('redis').start();
    });
    afterAll(async () => {
      if (!enabled) return;
      await pgRelay.stop();
      await redisRelay.stop();
      await stack.stop();
    });

    const boot = (failsafe: 'closed' | 'open') =>
      new SentinelProcess({
        env: stack.env({ SENTINEL_FAILSAFE_MODE: failsafe }, { pg: pgRelay.port, redis: redisRelay.port }),
      }).start();

    const waitReady = async (s: SentinelProcess) => {
      for (let i = 0; i < 60; i++) {
        if ((await http(`${s.url}/health/ready`)).status === 200) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('not ready again');
    };

    it('PostgreSQL down, failsafe closed: known keys still enforced, a new key gets 503 and no binding', async () => {
      if (!enabled) return;
      const s = await boot('closed');
      try {
        expect((await http(`${s.url}/v1/models`, { headers: auth(key(1)), from: '127.0.0.2' })).status).toBe(200);
        pgRelay.cutAll();
        expect((await http(`${s.url}/v1/models`, { headers: auth(key(1)), from: '127.0.0.2' })).status).toBe(200);
        expect((await http(`${s.url}/v1/models`, { headers: auth(key(1)), from: '127.0.0.3' })).status).toBe(403);
        const fresh = await http(`${s.url}/v1/models`, { headers: auth(key(2)), from: '127.0.0.2' });
        expect(fresh.status).toBe(503);
        expect(fresh.headers['retry-after']).toBeDefined();
        expect(JSON.parse(fresh.body).error.type).toBe('new_api_error');
        expect((await http(`${s.url}/health/ready`)).status).toBe(503);
        expect((await http(`${s.url}/health`)).status).toBe(200);

        pgRelay.restore();
        await waitReady(s);
        // Recovery is automatic: the new key binds now, and nothing was bound while down.
        let status = 0;
        for (let i = 0; i < 30 && status !== 200; i++) {
          status = (await http(`${s.url}/v1/models`, { headers: auth(key(2)), from: '127.0.0.2' })).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 200));
        }
        expect(status).toBe(200);
        // The intercept from the outage was queued and written once PostgreSQL came back.
        let rows: { n: number }[] = [];
        for (let i = 0; i < 50; i++) {
          rows = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM intercept_logs WHERE client_ip = '127.0.0.3'`,
          );
          if (rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(rows[0].n).toBe(1);
      } finally {
        pgRelay.restore();
        await s.stop();
      }
    });

    it('both down: closed → 503 + Retry-After; open → passes without binding', async () => {
      if (!enabled) return;
      const closed = await boot('closed');
      pgRelay.cutAll();
      redisRelay.cutAll();
      try {
        const r = await http(`${closed.url}/v1/models`, { headers: auth(key(3)), from: '127.0.0.2' });
        expect(r.status).toBe(503);
        expect(r.headers['retry-after']).toBe('5');
      } finally {
        pgRelay.restore();
        redisRelay.restore();
        await closed.stop();
      }

      const open = await boot('open');
      pgRelay.cutAll();
      redisRelay.cutAll();
      try {
        const r = await http(`${open.url}/v1/models`, { headers: auth(key(4)), from: '127.0.0.2' });
        expect(r.status).toBe(200);
        expect(open.output).toMatch(/Failsafe open/);
      } finally {
        pgRelay.restore();
        redisRelay.restore();
        await waitReady(open);
        await open.stop();
      }
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM token_bindings WHERE token_mask = $1`,
        [`sk-${key(4).slice(0, 4)}…${key(4).slice(-4)}`],
      );
      expect(rows[0].n).toBe(0);
    });

    it('SIGTERM lets an in-flight SSE stream finish and flushes intercept rows and last_used_at', async () => {
      if (!enabled) return;
      const s = await boot('closed');
      const k = key(5);
      expect((await http(`${s.url}/v1/models`, { headers: auth(k), from: '127.0.0.2' })).status).toBe(200);
      const mask = `sk-${k.slice(0, 4)}…${k.slice(-4)}`;
      const [boundAt] = await db.query<{ t: string }>(
        `SELECT last_used_at::text AS t FROM token_bindings WHERE token_mask = $1`,
        [mask],
      );
      upstream.sseIntervalMs = 200;
      const events: string[] = [];
      const stream = new Promise<number>((resolve, reject) => {
        const req = request(
          `${s.url}/v1/chat/completions`,
          { method: 'POST', headers: { ...auth(k), 'content-type': 'application/json' }, localAddress: '127.0.0.2' },
          (res) => {
            res.on('data', (c: Buffer) => events.push(c.toString()));
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ stream: true }));
      });
      await new Promise((r) => setTimeout(r, 150));
      // An intercept right before the signal: its row must be written by the shutdown flush.
      expect((await http(`${s.url}/v1/models`, { headers: auth(k), from: '127.0.0.9' })).status).toBe(403);
      const exit = s.stop('SIGTERM');
      expect(await stream).toBe(200);
      expect(events.join('')).toContain('[DONE]');
      expect(await exit).toBe(0);
      upstream.sseIntervalMs = 50;
      const intercepts = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM intercept_logs WHERE client_ip = '127.0.0.9'`,
      );
      expect(intercepts[0].n).toBe(1);
      // The stream's use (gathered in memory; the periodic flush is every 5 s, the run ~1 s) was
      // written by the shutdown flush.
      const used = await db.query<{ later: boolean; last_ip: string }>(
        `SELECT last_used_at > $2::timestamptz AS later, host(last_ip) AS last_ip FROM token_bindings WHERE token_mask = $1`,
        [mask, boundAt.t],
      );
      expect(used[0]).toEqual({ later: true, last_ip: '127.0.0.2' });
    });
  },
);
