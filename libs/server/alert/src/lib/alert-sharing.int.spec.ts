import { randomBytes } from 'node:crypto';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, type KvStore } from '@sentinel/server-core';
import { defaultsFromEnvironment, type RuntimeSettingsValues } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import { WebhookReceiver } from '../testing/webhook-receiver';
import { distinctSince } from './alert-sharing';
import { DEFAULT_ALERT_OPTIONS, type AlertOptions } from './alert.options';
import { AlertService } from './alert.service';
import type { AlertPayload } from './alert.types';
import { renderAlert } from './formats';

const silent = new AppLogger('error', () => undefined);
const config = testConfig();

class TestSettings {
  current: Readonly<RuntimeSettingsValues> = defaultsFromEnvironment(config);
  set(p: Partial<RuntimeSettingsValues>): void {
    this.current = Object.freeze({ ...this.current, ...p });
  }
}

function refusal(
  tokenHash: string,
  clientIp: string,
  reason: InterceptEvent['reason'] = 'ip_not_allowed',
): InterceptEvent {
  return {
    tokenHash,
    tokenMask: 'sk-shar…ring',
    clientIp,
    ruleKind: 'single',
    ruleEntries: ['203.0.113.7/32'],
    bindingStatus: 'active',
    reason,
    method: 'POST',
    path: '/v1/chat/completions',
    userAgent: 'test',
    requestId: randomBytes(4).toString('hex'),
    at: new Date(),
  };
}

const newToken = () => randomBytes(32).toString('hex');

describe('distinctSince', () => {
  it('keeps one entry per address, newest first, and drops those older than the window', () => {
    const raw = [
      { ip: 'a', at: '2026-01-01T00:10:00Z' },
      { ip: 'b', at: '2026-01-01T00:09:00Z' },
      { ip: 'a', at: '2026-01-01T00:08:00Z' },
      { ip: 'c', at: '2026-01-01T00:01:00Z' },
    ].map((v) => JSON.stringify(v));
    expect(distinctSince([...raw, 'not json'], Date.parse('2026-01-01T00:05:00Z')).map((r) => r.ip)).toEqual([
      'a',
      'b',
    ]);
  });
});

describeEachBackend('probable_sharing alerts on %s', { kv: true }, (backend) => {
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
  const sharingAlerts = () =>
    receiver.requests.map((r) => JSON.parse(r.body) as AlertPayload).filter((p) => p.event === 'probable_sharing');

  beforeEach(async () => {
    settings = new TestSettings();
    receiver = await new WebhookReceiver().start();
    settings.set({
      alertWebhookUrl: receiver.url(),
      alertAllowPrivateTargets: true, // the receiver is on 127.0.0.1
      alertThresholdCount: 1_000, // only sharing alerts in this suite
      alertBurstMax: 1_000,
    });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close(100);
    await receiver.stop();
  });

  it('has the issue’s defaults: a window of 3600 s and 3 distinct addresses', () => {
    expect(settings.current.sharingWindowSeconds).toBe(3600);
    expect(settings.current.sharingDistinctThreshold).toBe(3);
  });

  it('refusals from 2 addresses send nothing, however many; the 3rd address sends one alert', async () => {
    const alerts = service();
    const h = newToken();
    for (let i = 0; i < 10; i++) alerts.enqueueIntercept(refusal(h, i % 2 ? '198.51.100.1' : '198.51.100.2'));
    await alerts.whenIdle();
    expect(sharingAlerts()).toHaveLength(0);

    alerts.enqueueIntercept(refusal(h, '198.51.100.3', 'address_limit'));
    await alerts.whenIdle();
    const sent = sharingAlerts();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      event: 'probable_sharing',
      token: { id: h, mask: 'sk-shar…ring' },
      reason: 'address_limit',
      intercepts: { count: 3, threshold: 3, windowSeconds: 3600 },
    });
    expect([...sent[0].intercepts.ips].sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
    expect(receiver.requests[0].headers['x-sentinel-event']).toBe('probable_sharing');
    expect(alerts.stats.sharingAlerts).toBe(1);

    // More addresses in the same window: still one alert for this binding.
    for (let i = 4; i < 9; i++) alerts.enqueueIntercept(refusal(h, `198.51.100.${i}`));
    await alerts.whenIdle();
    expect(sharingAlerts()).toHaveLength(1);
  });

  it('banned-key refusals do not count; the threshold setting applies live', async () => {
    const alerts = service();
    const h = newToken();
    for (let i = 1; i <= 5; i++) alerts.enqueueIntercept(refusal(h, `198.51.100.${i}`, 'banned'));
    await alerts.whenIdle();
    expect(sharingAlerts()).toHaveLength(0);

    settings.set({ sharingDistinctThreshold: 5 });
    const k = newToken();
    for (let i = 1; i <= 4; i++) alerts.enqueueIntercept(refusal(k, `198.51.100.${i}`));
    await alerts.whenIdle();
    expect(sharingAlerts()).toHaveLength(0);
    alerts.enqueueIntercept(refusal(k, '198.51.100.5'));
    await alerts.whenIdle();
    expect(sharingAlerts()).toMatchObject([{ intercepts: { count: 5, threshold: 5 } }]);
  });

  it('a key refused from 3 addresses across two instances sharing one store fires exactly one alert', async () => {
    const a = service({ instanceId: 'instance-a' });
    const b = service({ instanceId: 'instance-b' }, await backend().anotherKv());
    const h = newToken();
    for (let i = 0; i < 12; i++) (i % 2 ? a : b).enqueueIntercept(refusal(h, `198.51.100.${(i % 3) + 1}`));
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    expect(sharingAlerts()).toHaveLength(1);
    expect(a.stats.sharingAlerts + b.stats.sharingAlerts).toBe(1);
    const rows = (await backend().dataSource.query(
      `SELECT status, payload FROM alert_deliveries WHERE token_hash = $1`,
      [h],
    )) as { status: string; payload: AlertPayload | string }[];
    expect(rows).toHaveLength(1);
    const payload =
      typeof rows[0].payload === 'string' ? (JSON.parse(rows[0].payload) as AlertPayload) : rows[0].payload;
    expect(payload.event).toBe('probable_sharing');
  });

  it('every webhook format carries it', () => {
    const payload: AlertPayload = {
      event: 'probable_sharing',
      version: 1,
      token: { id: 'f'.repeat(64), mask: 'sk-shar…ring' },
      rule: { kind: 'single', entries: ['203.0.113.7/32'], status: 'active' },
      reason: 'ip_not_allowed',
      intercepts: {
        count: 3,
        threshold: 3,
        windowSeconds: 3600,
        firstAt: '2026-01-01T00:00:00.000Z',
        lastAt: '2026-01-01T00:01:00.000Z',
        ips: ['198.51.100.3', '198.51.100.2', '198.51.100.1'],
        recent: [],
      },
      instanceId: 'i',
      consoleUrl: null,
      generatedAt: '2026-01-01T00:01:00.000Z',
    };
    for (const format of ['json', 'feishu', 'dingtalk', 'wecom', 'slack', 'discord'] as const) {
      const body = JSON.stringify(renderAlert(format, payload));
      expect(body).toMatch(/probable_sharing|probably shared/);
      expect(body).toContain('198.51.100.2');
    }
  });
});
