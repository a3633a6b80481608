import { randomBytes } from 'node:crypto';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, type KvStore } from '@sentinel/server-core';
import { defaultsFromEnvironment, type RuntimeSettingsValues } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import { WebhookReceiver } from '../testing/webhook-receiver';
import { DEFAULT_ALERT_OPTIONS, type AlertOptions } from './alert.options';
import { AlertService } from './alert.service';
import type { AlertPayload } from './alert.types';
import { verifySignature } from './signature';

const silent = new AppLogger('error', () => undefined);
const config = testConfig();

class TestSettings {
  current: Readonly<RuntimeSettingsValues> = defaultsFromEnvironment(config);
  set(p: Partial<RuntimeSettingsValues>): void {
    this.current = Object.freeze({ ...this.current, ...p });
  }
}

const RAW_KEY = 'sk-abcd1234abcd1234abcd1234abcd1234abcd1234abcd';

function intercept(tokenHash: string, clientIp: string, at = new Date()): InterceptEvent {
  return {
    tokenHash,
    tokenMask: 'sk-abcd…abcd',
    clientIp,
    ruleKind: 'single',
    ruleEntries: ['203.0.113.7/32'],
    bindingStatus: 'active',
    reason: 'ip_not_allowed',
    method: 'POST',
    path: '/v1/chat/completions',
    userAgent: 'test',
    requestId: randomBytes(4).toString('hex'),
    at,
  };
}

const newToken = () => randomBytes(32).toString('hex');

describeEachBackend('AlertService on %s', { kv: true }, (backend) => {
  let receiver: WebhookReceiver;
  let settings: TestSettings;
  const services: AlertService[] = [];

  const service = (options: Partial<AlertOptions> = {}, kv?: KvStore): AlertService => {
    const b = backend();
    const s = new AlertService(kv ?? b.kv, b.dataSource, settings, new BindingEvents(), silent, {
      ...DEFAULT_ALERT_OPTIONS,
      baseDelayMs: 20,
      maxDelayMs: 200,
      attemptTimeoutMs: 1_000,
      ...options,
    });
    s.onModuleInit();
    services.push(s);
    return s;
  };

  const deliveriesFor = async (tokenHash: string) =>
    backend().dataSource.query(
      `SELECT status, attempts, last_error, payload FROM alert_deliveries WHERE token_hash = $1 ORDER BY id`,
      [tokenHash],
    ) as Promise<{ status: string; attempts: number; last_error: string | null; payload: AlertPayload | string }[]>;

  beforeEach(async () => {
    settings = new TestSettings();
    receiver = await new WebhookReceiver().start();
    settings.set({
      alertWebhookUrl: receiver.url(),
      alertThresholdCount: 5,
      alertThresholdSeconds: 60,
      alertAllowPrivateTargets: true, // the receiver is on 127.0.0.1
      // These tests send more alerts a minute than the flood bound lets through one by one (the
      // bound has its own spec, alert-flood.int.spec.ts).
      alertBurstMax: 1_000,
      // Refusals from several addresses would also raise probable_sharing alerts; that detector
      // has its own spec (alert-sharing.int.spec.ts), so these tests count threshold alerts only.
      sharingDistinctThreshold: 100,
    });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close(100);
    await receiver.stop();
  });

  it('N-1 intercepts send nothing; the Nth sends exactly one alert with the full payload', async () => {
    const alerts = service();
    const h = newToken();
    for (let i = 0; i < 4; i++)
      alerts.enqueueIntercept(intercept(h, `198.51.100.${i + 1}`, new Date(Date.UTC(2026, 10, 22, 10, 0, i))));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(0);
    expect(await deliveriesFor(h)).toHaveLength(0);

    alerts.enqueueIntercept(intercept(h, '198.51.100.2', new Date(Date.UTC(2026, 10, 22, 10, 0, 9))));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(1);
    const body = JSON.parse(receiver.requests[0].body) as AlertPayload;
    expect(body).toMatchObject({
      event: 'intercept_threshold',
      token: { id: h, mask: 'sk-abcd…abcd' },
      rule: { kind: 'single', entries: ['203.0.113.7/32'], status: 'active' },
      reason: 'ip_not_allowed',
      intercepts: {
        count: 5,
        threshold: 5,
        windowSeconds: 60,
        firstAt: '2026-11-22T10:00:00.000Z',
        lastAt: '2026-11-22T10:00:09.000Z',
        ips: ['198.51.100.2', '198.51.100.4', '198.51.100.3', '198.51.100.1'],
      },
      instanceId: alerts.instanceId,
      consoleUrl: null,
    });
    expect(body.intercepts.recent).toHaveLength(5);
    expect(receiver.requests[0].headers['x-sentinel-signature']).toBeUndefined();
    expect(receiver.requests[0].body).not.toContain(RAW_KEY);
    const rows = await deliveriesFor(h);
    expect(rows).toMatchObject([{ status: 'sent', attempts: 1, last_error: null }]);

    // More intercepts in the same window: still one.
    for (let i = 0; i < 10; i++) alerts.enqueueIntercept(intercept(h, '198.51.100.7'));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(1);
  });

  it('3N intercepts across two instances sharing one store in one window: one alert', async () => {
    const a = service({ instanceId: 'instance-a' });
    const b = service({ instanceId: 'instance-b' }, await backend().anotherKv());
    const h = newToken();
    for (let i = 0; i < 15; i++) (i % 2 ? a : b).enqueueIntercept(intercept(h, `198.51.100.${(i % 3) + 1}`));
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesFor(h)).toHaveLength(1);
    expect(a.stats.alertsTriggered + b.stats.alertsTriggered).toBe(1);
  });

  it('the intercepts subscriber only enqueues: a hanging webhook never slows the caller', async () => {
    receiver.respond(() => ({ hang: true }));
    settings.set({ alertThresholdCount: 1 });
    const events = new BindingEvents();
    // Count every KvStore call, to prove none happens on the emitting (request) side.
    let kvCalls = 0;
    const real = backend().kv;
    const countingKv = new Proxy(real, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          kvCalls++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const alerts = new AlertService(countingKv, backend().dataSource, settings, events, silent, {
      ...DEFAULT_ALERT_OPTIONS,
      attemptTimeoutMs: 300,
      maxAttempts: 2,
      baseDelayMs: 10,
      maxDelayMs: 20,
    });
    alerts.onModuleInit();
    services.push(alerts);
    const tokens = Array.from({ length: 4 }, newToken);
    const batch = Array.from({ length: 1000 }, (_, i) => intercept(tokens[i % 4], '198.51.100.1'));
    const started = process.hrtime.bigint();
    for (const e of batch) events.intercepts.next(e);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    // Synchronous enqueue only: nothing touched Redis or the network while emitting.
    expect(kvCalls).toBe(0);
    expect(receiver.requests).toHaveLength(0);
    expect(alerts.stats.interceptsQueued).toBe(1000);
    expect(elapsedMs).toBeLessThan(1_000); // generous: a loaded CI box, not a benchmark
    await alerts.whenIdle();
    expect(alerts.stats.alertsTriggered).toBe(4);
    const rows = await deliveriesFor(tokens[0]);
    expect(rows).toMatchObject([{ status: 'failed', attempts: 2 }]);
    expect(rows[0].last_error).toMatch(/timed out after 300 ms/);
  });

  it('signs deliveries when a secret is set; the receiver verifies them', async () => {
    settings.set({ alertWebhookSecret: 'whsec-int', alertThresholdCount: 1 });
    const alerts = service();
    alerts.enqueueIntercept(intercept(newToken(), '198.51.100.1'));
    await alerts.whenIdle();
    const [req] = receiver.requests;
    const header = req.headers['x-sentinel-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec-int', header, req.body, 300)).toBe(true);
    expect(verifySignature('wrong', header, req.body, 300)).toBe(false);
    expect(verifySignature('whsec-int', header, req.body + ' ', 300)).toBe(false);
  });

  it('retries 5xx/429 with exponential backoff, then records success', async () => {
    receiver.respond((n) => (n === 1 ? { status: 503, body: 'busy' } : n === 2 ? { status: 429 } : { status: 204 }));
    settings.set({ alertThresholdCount: 1 });
    const alerts = service({ baseDelayMs: 100, maxDelayMs: 1_000 });
    const h = newToken();
    alerts.enqueueIntercept(intercept(h, '198.51.100.1'));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(3);
    const gap1 = receiver.requests[1].at - receiver.requests[0].at;
    const gap2 = receiver.requests[2].at - receiver.requests[1].at;
    expect(gap1).toBeGreaterThanOrEqual(45); // [50, 100] ms
    expect(gap2).toBeGreaterThanOrEqual(95); // [100, 200] ms
    expect(alerts.stats.retries).toBe(2);
    expect(await deliveriesFor(h)).toMatchObject([{ status: 'sent', attempts: 3, last_error: null }]);
  });

  it('gives up after the attempt cap and records the reason', async () => {
    receiver.respond(() => ({ status: 500, body: 'boom' }));
    settings.set({ alertThresholdCount: 1 });
    const alerts = service({ maxAttempts: 4 });
    const h = newToken();
    alerts.enqueueIntercept(intercept(h, '198.51.100.1'));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(4);
    expect(await deliveriesFor(h)).toMatchObject([{ status: 'failed', attempts: 4, last_error: 'HTTP 500: boom' }]);
  });

  it('does not retry a 400 (or any 4xx other than 408/429)', async () => {
    receiver.respond(() => ({ status: 400, body: '{"error":"bad"}' }));
    settings.set({ alertThresholdCount: 1 });
    const alerts = service();
    const h = newToken();
    alerts.enqueueIntercept(intercept(h, '198.51.100.1'));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesFor(h)).toMatchObject([{ status: 'failed', attempts: 1 }]);
  });

  it('the SSRF guard refuses the loopback receiver by default and records why', async () => {
    settings.set({ alertThresholdCount: 1, alertAllowPrivateTargets: false });
    const alerts = service();
    const h = newToken();
    alerts.enqueueIntercept(intercept(h, '198.51.100.1'));
    await alerts.whenIdle();
    expect(receiver.requests).toHaveLength(0);
    const rows = await deliveriesFor(h);
    expect(rows).toMatchObject([{ status: 'failed', attempts: 1 }]);
    expect(rows[0].last_error).toMatch(/refused: 127\.0\.0\.1, a loopback address/);
  });

  it('redirects are not followed', async () => {
    const target = await new WebhookReceiver().start();
    try {
      receiver.respond(() => ({ status: 302, headers: { location: target.url('/internal') } }));
      settings.set({ alertThresholdCount: 1 });
      const alerts = service();
      const h = newToken();
      alerts.enqueueIntercept(intercept(h, '198.51.100.1'));
      await alerts.whenIdle();
      expect(receiver.requests).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
      const rows = await deliveriesFor(h);
      expect(rows).toMatchObject([{ status: 'failed', attempts: 1 }]);
      expect(rows[0].last_error).toMatch(/redirects are not followed/);
    } finally {
      await target.stop();
    }
  });

  it('sendTestAlert delivers in the configured format and recentDeliveries lists it', async () => {
    settings.set({ alertFormat: 'slack' });
    const alerts = service();
    const outcome = await alerts.sendTestAlert();
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1, httpStatus: 200 });
    expect(JSON.parse(receiver.requests[0].body)).toMatchObject({ text: 'Sentinel test alert' });
    const recent = await alerts.recentDeliveries(5);
    expect(recent[0]).toMatchObject({ id: outcome.deliveryId, status: 'sent', attempts: 1, tokenHash: 'test' });
    expect(recent[0].payload.event).toBe('test');

    settings.set({ alertWebhookUrl: null });
    expect(await alerts.sendTestAlert()).toMatchObject({ status: 'failed', attempts: 0, deliveryId: null });
  });

  it('without a webhook URL nothing is counted', async () => {
    settings.set({ alertWebhookUrl: null, alertThresholdCount: 1 });
    const alerts = service();
    alerts.enqueueIntercept(intercept(newToken(), '198.51.100.1'));
    await alerts.whenIdle();
    expect(alerts.stats.alertsTriggered).toBe(0);
  });
});
