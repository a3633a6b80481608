import { ALERT_FORMAT_NAMES } from '@sentinel/admin-contract';
import type { AlertPayload } from './alert.types';
import { renderAlert } from './formats';

const digest: AlertPayload = {
  event: 'alert_digest',
  version: 1,
  token: { id: 'digest', mask: '37 alerts suppressed' },
  rule: { kind: '-', entries: [], status: '-' },
  reason: 'alert_digest',
  intercepts: {
    count: 74,
    threshold: 0,
    windowSeconds: 60,
    firstAt: '2026-12-03T08:00:00.000Z',
    lastAt: '2026-12-03T08:01:00.000Z',
    ips: ['198.51.100.66'],
    recent: [],
  },
  digest: {
    suppressed: 37,
    from: '2026-12-03T08:00:00.000Z',
    to: '2026-12-03T08:01:00.000Z',
    topTokens: [
      { id: 'a'.repeat(64), mask: 'sk-aaaa…aaaa', reason: 'ip_not_allowed', count: 9, ips: ['198.51.100.66'] },
      { id: 'b'.repeat(64), mask: 'sk-bbbb…bbbb', reason: 'banned', count: 4, ips: [] },
    ],
  },
  instanceId: 'test',
  consoleUrl: null,
  generatedAt: '2026-12-03T08:01:00.250Z',
};

describe('alert digest: every webhook format carries it', () => {
  it.each(ALERT_FORMAT_NAMES)('%s shows the number suppressed and the top tokens', (format) => {
    const text = JSON.stringify(renderAlert(format, digest));
    expect(text).toContain('37');
    expect(text).toContain('sk-aaaa…aaaa');
    expect(text).toContain('sk-bbbb…bbbb');
    expect(text).toMatch(/digest/i);
  });
});
