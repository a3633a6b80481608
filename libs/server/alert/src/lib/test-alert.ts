import type { RuntimeSettingsValues } from '@sentinel/server-settings';
import { consoleUrl } from './alert-thresholds';
import type { AlertPayload } from './alert.types';

/** The payload of the admin's "send a test alert": the configured format, no real token. */
export function testAlertPayload(
  s: Readonly<RuntimeSettingsValues>,
  options: { instanceId: string; publicUrl: string | null },
): AlertPayload {
  const now = new Date().toISOString();
  return {
    event: 'test',
    version: 1,
    token: { id: 'test', mask: 'sk-test…test' },
    rule: { kind: 'single', entries: [], status: 'active' },
    reason: 'test',
    intercepts: {
      count: 0,
      threshold: s.alertThresholdCount,
      windowSeconds: s.alertThresholdSeconds,
      firstAt: now,
      lastAt: now,
      ips: [],
      recent: [],
    },
    instanceId: options.instanceId,
    consoleUrl: consoleUrl(options.publicUrl),
    generatedAt: now,
  };
}
