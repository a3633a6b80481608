import { randomBytes } from 'node:crypto';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, type KvStore } from '@sentinel/server-core';
import { defaultsFromEnvironment, type RuntimeSettingsValues } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
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
const config = testConfig();

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

describeEachBackend('alert flood on %s', { kv: true }, (backend) => {
  let receiver: WebhookReceiver;
  const services: AlertService[] = [];
  /** The store and DataSource as two instances see them. */
  let b: { dataSource: DataSource; kv: [KvStore, KvStore] };

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    b = { dataSource: backend().dataSource, kv: [backend().kv, await backend().anotherKv()] };
  });
  afterAll(async () => {
    for (const s of services) await s.close(100);
    await receiver?.stop();
  });

  const run = (name: string, fn: () => Promise<void>) => it(name, fn);

  run(
    '40 throw-away keys refused twice each, across two instances: at most 5 webhooks, the digest counts the rest',
    async () => {
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
