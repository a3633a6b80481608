import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeUpstream } from '../support/fake-upstream';
import { http } from '../support/http';
import { SentinelProcess } from '../support/sentinel-process';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  realServicesAvailable,
  redisPrefix,
  type TestDatabase,
} from '../support/services';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';

/**
 * Alerts through the built server. Settings cannot be changed over the admin API yet, so the
 * environment configures them: ALERT_WEBHOOK_URL points at a receiver on 127.0.0.1, which the
 * SSRF guard refuses by default — the test checks that the refusal is recorded, once per window,
 * and that the receiver is never contacted.
 */
describeWithServices(
  ['postgres', 'redis'],
  'intercept alerts from the built server (real PostgreSQL and Redis)',
  () => {
    let enabled = false;
    let upstream: FakeUpstream;
    let db: TestDatabase;
    let prefix: string;
    let sentinel: SentinelProcess;
    let receiver: Server;
    let received = 0;

    beforeAll(async () => {
      enabled = await realServicesAvailable();
      if (!enabled) return;
      receiver = createServer((req, res) => {
        received++;
        req.resume();
        res.end('ok');
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      upstream = await new FakeUpstream().start();
      db = await createTestDatabase();
      prefix = redisPrefix();
      sentinel = await new SentinelProcess({
        env: {
          DOWNSTREAM_URL: upstream.url,
          PG_DSN: db.dsn(),
          REDIS_ADDR: testRedisUrl(),
          REDIS_KEY_PREFIX: prefix,
          ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
          ALERT_THRESHOLD_COUNT: '3',
          ALERT_THRESHOLD_SECONDS: '120',
        },
      }).start();
    });
    afterAll(async () => {
      if (!enabled) return;
      await sentinel.stop();
      await upstream.stop();
      await db.drop();
      await cleanupRedisPrefix(prefix);
      await new Promise<void>((r) => receiver.close(() => r()));
    });

    const deliveries = () =>
      db.query<{
        token_mask: string;
        status: string;
        attempts: number;
        last_error: string | null;
        payload: Record<string, unknown>;
      }>(`SELECT token_mask, status, attempts, last_error, payload FROM alert_deliveries ORDER BY id`);

    it('the threshold fires one alert per window; the loopback webhook is refused and the refusal recorded', async () => {
      if (!enabled) return;
      const key = `sk-${'e2ealert'.repeat(6)}`;
      const auth = { authorization: `Bearer ${key}` };
      expect((await http(`${sentinel.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        expect((await http(`${sentinel.url}/v1/models`, { headers: auth, from: '127.0.0.3' })).status).toBe(403);
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(await deliveries()).toHaveLength(0); // N-1 intercepts: nothing

      // The N-th intercept: exactly one alert, built from what was seen up to it.
      expect((await http(`${sentinel.url}/v1/models`, { headers: auth, from: '127.0.0.3' })).status).toBe(403);
      let rows = await deliveries();
      for (let i = 0; i < 100 && !(rows.length === 1 && rows[0].status === 'failed'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await deliveries();
      }
      expect((rows[0]?.payload['intercepts'] as { ips: string[] } | undefined)?.ips).toEqual(['127.0.0.3']);
      // More intercepts in the same window, from two addresses: still one alert.
      for (let i = 0; i < 6; i++) {
        expect(
          (await http(`${sentinel.url}/v1/models`, { headers: auth, from: i % 2 ? '127.0.0.4' : '127.0.0.3' })).status,
        ).toBe(403);
      }
      await new Promise((r) => setTimeout(r, 500));
      rows = await deliveries();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(rows[0].last_error).toMatch(/refused: 127\.0\.0\.1, a loopback address/);
      expect(rows[0].payload).toMatchObject({
        event: 'intercept_threshold',
        rule: { kind: 'single', entries: ['127.0.0.2/32'] },
        intercepts: { count: 3, threshold: 3, windowSeconds: 120 },
      });
      expect(JSON.stringify(rows)).not.toContain(key);
      expect(received).toBe(0);
      expect(sentinel.output).not.toContain(key);
    });
  },
);
