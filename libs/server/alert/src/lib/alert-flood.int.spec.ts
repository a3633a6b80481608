import { randomBytes } from 'node:crypto';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, MemoryKvStore, RedisKvStore, loadConfig, type KvStore } from '@sentinel/server-core';
import { defaultsFromEnvironment, type RuntimeSettingsValues } from '@sentinel/server-settings';
import {
  createEmbeddedTestDataSource,
  createPostgresTestDataSource,
  postgresTier,
} from '@sentinel/server-storage/testing';
import type { DataSource } from 'typeorm';
import { WebhookReceiver } from '../testing/webhook-receiver';
import { DIGEST_TOP } from './alert-burst';
import { DEFAULT_ALERT_OPTIONS } from './alert.options';
import { AlertService } from './alert.service';
import type { AlertPayload } from './alert.types';

// Issue 17 item 5 (SECURITY.md, "alert flood"): an attacker who binds throw-away keys and has
// them refused chooses how many alerts an operator gets — unless the rate is bounded across
// instances and the rest is folded into one digest.

const silent = new AppLogger('error', () => undefined);
const config = loadConfig({
  env: {
    SENTINEL_HMAC_SECRET: 'int-hmac-0123456789abcdef0123456789abcdef',
    ADMIN_JWT_SECRET: 'int-jwt-0123456789abcdef0123456789abcdef00',
    ADMIN_PASSWORD: 'int-test-password',
  },
  dotEnvPath: null,
  notice: () => undefined,
});

interface Backend {
  dataSource: DataSource;
  /** Two instances' connections to one store. */
  kv: [KvStore, KvStore];
  close(): Promise<void>;
}

const backends: [string, () => Promise<Backend | null>][] = [
  [
    'embedded PGlite + in-process Redis role',
    async () => {
      const db = await createEmbeddedTestDataSource();
      const kv = new MemoryKvStore();
      return { dataSource: db.dataSource, kv: [kv, kv], close: async () => (await kv.close(), await db.close()) };
    },
  ],
  [
    'PostgreSQL + Redis',
    async () => {
      if (postgresTier() === 'skip') return null;
      const db = await createPostgresTestDataSource();
      const keyPrefix = `sentinel-int:${randomBytes(6).toString('hex')}:`;
      const a = new RedisKvStore({ url: 'redis://127.0.0.1:6379/0', keyPrefix });
      const b = new RedisKvStore({ url: 'redis://127.0.0.1:6379/0', keyPrefix });
      await Promise.all([a.waitReady(), b.waitReady()]);
      return {
        dataSource: db.dataSource,
        kv: [a, b],
        close: async () => (await a.close(), await b.close(), await db.close()),
      };
    },
  ],
];

const WINDOW_MS = 1_500;

function refused(tokenHash: string, n: number): InterceptEvent {
  return {
    tokenHash,
    tokenMask: `sk-${tokenHash.slice(0, 4)}…${tokenHash.slice(-4)}`,
    clientIp: '198.51.100.66',
    ruleKind: 'single',
    ruleEntries: ['203.0.113.7/32'],
    bindingStatus: 'active',
    reason: 'ip_not_allowed',
    method: 'POST',
    path: '/v1/chat/completions',
    userAgent: 'flood',
    requestId: `${tokenHash.slice(0, 8)}-${n}`,
    at: new Date(),
  };
}

describe.each(backends)('alert flood on %s', (_name, make) => {
  let backend: Backend | null;
  let receiver: WebhookReceiver;
  const services: AlertService[] = [];

  beforeAll(async () => {
    backend = await make();
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    for (const s of services) await s.close(100);
    await receiver?.stop();
    await backend?.close();
  });

  const run = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (!backend) return; // postgresTier() warned loudly; REQUIRE_SERVICES=1 makes it fail
      await fn();
    });

  run(
    '40 throw-away keys refused twice each, across two instances: at most 5 webhooks, the digest counts the rest',
    async () => {
      const b = backend as Backend;
      const current: Readonly<RuntimeSettingsValues> = Object.freeze({
        ...defaultsFromEnvironment(config),
        alertWebhookUrl: receiver.url(),
        alertThresholdCount: 2,
        alertThresholdSeconds: 60,
        alertAllowPrivateTargets: true, // the receiver is on 127.0.0.1
        alertBurstMax: 3, // the default, spelled out
      });
      const instances = b.kv.map((kv, i) => {
        const s = new AlertService(kv, b.dataSource, { current }, new BindingEvents(), silent, {
          ...DEFAULT_ALERT_OPTIONS,
          instanceId: `flood-${i}`,
          burstWindowMs: WINDOW_MS,
          baseDelayMs: 20,
          maxDelayMs: 200,
        });
        s.onModuleInit();
        services.push(s);
        return s;
      });
      const tokens = Array.from({ length: 40 }, () => randomBytes(32).toString('hex'));
      tokens.forEach((h, i) => {
        instances[i % 2].enqueueIntercept(refused(h, 1));
        instances[(i + 1) % 2].enqueueIntercept(refused(h, 2));
      });
      await Promise.all(instances.map((s) => s.whenIdle()));
      const triggered = instances.reduce((n, s) => n + s.stats.alertsTriggered, 0);
      const suppressed = instances.reduce((n, s) => n + s.stats.alertsSuppressed, 0);
      expect(triggered).toBe(40); // every key reached its threshold…
      expect(suppressed).toBe(37); // …and all but alertBurstMax were folded

      // The digest goes out at the end of the window (bounded wait: 4 windows).
      const digests = () => receiver.requests.filter((r) => r.headers['x-sentinel-event'] === 'alert_digest');
      for (let i = 0; i < 40 && digests().length === 0; i++) await new Promise((r) => setTimeout(r, WINDOW_MS / 10));
      await new Promise((r) => setTimeout(r, WINDOW_MS)); // a second digest, if one were sent, would arrive here
      await Promise.all(instances.map((s) => s.whenIdle()));

      const individual = receiver.requests.filter((r) => r.headers['x-sentinel-event'] === 'intercept_threshold');
      expect(individual).toHaveLength(3);
      expect(digests()).toHaveLength(1);
      expect(receiver.requests.length).toBeLessThanOrEqual(5);
      const digest = JSON.parse(digests()[0].body) as AlertPayload;
      expect(digest.event).toBe('alert_digest');
      expect(digest.digest?.suppressed).toBe(37);
      expect(digest.digest?.topTokens).toHaveLength(DIGEST_TOP);
      const sentIds = new Set(individual.map((r) => (JSON.parse(r.body) as AlertPayload).token.id));
      for (const t of digest.digest?.topTokens ?? []) {
        expect(tokens).toContain(t.id);
        expect(sentIds.has(t.id)).toBe(false); // the digest lists the suppressed ones
        expect(t.count).toBe(2);
      }
      expect(JSON.stringify(receiver.requests.map((r) => r.body))).not.toMatch(/sk-[A-Za-z0-9]{20,}/);
    },
  );
});
