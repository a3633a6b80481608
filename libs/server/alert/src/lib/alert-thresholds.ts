import type { InterceptEvent } from '@sentinel/server-binding';
import type { AppLogger, KvStore } from '@sentinel/server-core';
import type { RuntimeSettingsValues } from '@sentinel/server-settings';
import type { AlertOptions } from './alert.options';
import type { AlertIntercept, AlertPayload } from './alert.types';

/** Redis keys (the KvStore adds the deployment's prefix). */
export const alertKeys = {
  count: (h: string) => `alert:count:${h}`,
  ips: (h: string) => `alert:ips:${h}`,
  first: (h: string) => `alert:first:${h}`,
  cooldown: (h: string) => `alert:cooldown:${h}`,
};

/**
 * Threshold counting, off the request path: each intercept is counted in Redis (INCR with the
 * window as TTL, a capped list of recent offending IPs, the first intercept time). When a token's
 * count reaches the threshold, the instance that wins `SET alert:cooldown:<token> NX PX <window>` —
 * exactly one across every instance sharing Redis — gets the alert's payload.
 */
export class AlertThresholds {
  constructor(
    private readonly kv: KvStore,
    private readonly logger: AppLogger,
    private readonly options: Pick<AlertOptions, 'instanceId' | 'publicUrl' | 'recentIpsMax'>,
  ) {}

  /** Counts one intercept; the payload when this instance won the token's window, else null. */
  async count(e: InterceptEvent, s: Readonly<RuntimeSettingsValues>): Promise<AlertPayload | null> {
    const threshold = Math.max(1, Math.floor(s.alertThresholdCount));
    const windowSeconds = Math.max(1, Math.floor(s.alertThresholdSeconds));
    const windowMs = windowSeconds * 1000;
    const h = e.tokenHash;
    const at = e.at.toISOString();
    const [count] = await Promise.all([
      this.kv.incr(alertKeys.count(h), 1, windowMs),
      this.kv.pushCapped(alertKeys.ips(h), JSON.stringify({ ip: e.clientIp, at }), this.options.recentIpsMax, windowMs),
      this.kv.set(alertKeys.first(h), at, { onlyIfAbsent: true, ttlMs: windowMs }),
    ]);
    if (count < threshold) return null;
    // Exactly one alert per token and window across every instance sharing Redis.
    const won = await this.kv.set(alertKeys.cooldown(h), this.options.instanceId, {
      onlyIfAbsent: true,
      ttlMs: windowMs,
    });
    if (!won) return null;
    const [rawRecent, firstAt] = await Promise.all([
      this.kv.lrange(alertKeys.ips(h), 0, this.options.recentIpsMax - 1),
      this.kv.get(alertKeys.first(h)),
    ]);
    const recent = parseRecent(rawRecent);
    this.logger.warn('Intercept threshold reached; sending an alert', 'Alert', {
      tokenId: h.slice(0, 12),
      tokenMask: e.tokenMask,
      count,
      windowSeconds,
    });
    return {
      event: 'intercept_threshold',
      version: 1,
      token: { id: h, mask: e.tokenMask },
      rule: { kind: e.ruleKind, entries: [...e.ruleEntries], status: e.bindingStatus },
      reason: e.reason,
      intercepts: {
        count,
        threshold,
        windowSeconds,
        firstAt: firstAt ?? recent[recent.length - 1]?.at ?? at,
        lastAt: recent[0]?.at && recent[0].at > at ? recent[0].at : at,
        ips: distinct(recent.length ? recent.map((r) => r.ip) : [e.clientIp]),
        recent,
      },
      instanceId: this.options.instanceId,
      consoleUrl: consoleUrl(this.options.publicUrl, `bindings?token=${encodeURIComponent(h)}`),
      generatedAt: new Date().toISOString(),
    };
  }
}

/** A link into the admin console, when a public URL is configured. */
export function consoleUrl(publicUrl: string | null, path = ''): string | null {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/admin/ui/${path}` : null;
}

function parseRecent(raw: string[]): AlertIntercept[] {
  const out: AlertIntercept[] = [];
  for (const r of raw) {
    try {
      const v = JSON.parse(r) as Partial<AlertIntercept>;
      if (typeof v.ip === 'string' && typeof v.at === 'string') out.push({ ip: v.ip, at: v.at });
    } catch {
      /* skip */
    }
  }
  return out;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
