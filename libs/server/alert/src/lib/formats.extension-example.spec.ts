import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_FORMAT_NAMES } from '@sentinel/admin-contract';
import type { AlertPayload } from './alert.types';
import { ALERT_FORMATTERS, alertRequest, plainText, renderAlert, type AlertFormatter } from './formats';
import { verifySignature } from './signature';
import { attemptWebhook } from './webhook-client';

/**
 * Worked example for docs/extending.md, "A new alert format".
 *
 * A `mattermost` format (Mattermost incoming webhook: `{ "text": "<markdown>" }`, errors as
 * non-2xx) is two edits:
 *   1. its name in ALERT_FORMAT_NAMES (libs/shared/admin-contract/src/lib/enums.ts) — settings
 *      validation, the environment default and the console's select read that list;
 *   2. its AlertFormatter in ALERT_FORMATTERS (formats.ts) — the compiler refuses a name without
 *      a formatter and a formatter without a name.
 * Nothing else changes: AlertService.deliver builds every attempt with alertRequest() from the
 * table (AlertOptions.formatters, default ALERT_FORMATTERS), so signing, the SSRF guard, retries
 * and the delivery log apply as for every format. This test registers the format in an
 * extended table and sends one alert through the same alertRequest + attemptWebhook path.
 */

const mattermost: AlertFormatter = {
  render: (payload) => ({ text: plainText(payload), username: 'Sentinel' }),
};
const FORMATTERS = { ...ALERT_FORMATTERS, mattermost };

const payload: AlertPayload = {
  event: 'intercept_threshold',
  version: 1,
  token: { id: 'a'.repeat(64), mask: 'sk-ab12…9xyz' },
  rule: { kind: 'single', entries: ['203.0.113.7/32'], status: 'active' },
  reason: 'ip_not_allowed',
  intercepts: {
    count: 5,
    threshold: 5,
    windowSeconds: 300,
    firstAt: '2026-11-22T10:00:00.000Z',
    lastAt: '2026-11-22T10:01:00.000Z',
    ips: ['198.51.100.9'],
    recent: [{ ip: '198.51.100.9', at: '2026-11-22T10:01:00.000Z' }],
  },
  instanceId: 'host#1',
  consoleUrl: null,
  generatedAt: '2026-11-22T10:01:00.100Z',
};

describe('extension example: a new alert format (mattermost)', () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/abc`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is not a format today', () => {
    expect(ALERT_FORMAT_NAMES).not.toContain('mattermost');
    expect(() => renderAlert('mattermost', payload)).toThrow(/unknown alert format/);
  });

  it('renders through the extended table', () => {
    const message = renderAlert('mattermost', payload, FORMATTERS);
    expect(message).toEqual({ text: expect.stringContaining('sk-ab12…9xyz'), username: 'Sentinel' });
    expect(message['text']).toContain('198.51.100.9');
  });

  it('sends one alert through the delivery path, signed like every format', async () => {
    const secret = 'whsec-example';
    const request = alertRequest({ format: 'mattermost', payload, url, secret }, Date.now(), FORMATTERS);
    const result = await attemptWebhook({ ...request, timeoutMs: 30_000, allowPrivateTargets: true });
    expect(result).toEqual({ ok: true, status: 200 });

    expect(received).toHaveLength(1);
    const [got] = received;
    expect(JSON.parse(got.body)).toEqual({ text: plainText(payload), username: 'Sentinel' });
    expect(got.headers['x-sentinel-event']).toBe('intercept_threshold');
    expect(verifySignature(secret, got.headers['x-sentinel-signature'], got.body)).toBe(true);
  });

  it('a vendor that reports errors inside a 200 answer adds bodyError, nothing else', async () => {
    const strict: AlertFormatter = {
      ...mattermost,
      bodyError: (text) => (text === 'ok' ? null : `mattermost said ${text}`),
    };
    const request = alertRequest({ format: 'strict', payload, url, secret: null }, Date.now(), {
      ...FORMATTERS,
      strict,
    });
    expect(request.headers['x-sentinel-signature']).toBeUndefined();
    expect(await attemptWebhook({ ...request, timeoutMs: 30_000, allowPrivateTargets: true })).toEqual({
      ok: true,
      status: 200,
    });
    expect(request.bodyError?.('rate limited')).toBe('mattermost said rate limited');
  });
});
