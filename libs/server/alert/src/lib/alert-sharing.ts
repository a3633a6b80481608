import { createHash } from 'node:crypto';
import { SHARING_REASONS } from '@sentinel/admin-contract';
import type { InterceptEvent } from '@sentinel/server-binding';
import type { AppLogger, KvStore } from '@sentinel/server-core';
import type { RuntimeSettingsValues } from '@sentinel/server-settings';
import { consoleUrl } from './alert-thresholds';
import type { AlertOptions } from './alert.options';
import type { AlertIntercept, AlertPayload } from './alert.types';

/** Redis keys (the KvStore adds the deployment's prefix). */
export const sharingKeys = {
  /** Marker of one refused address of one binding, alive for the window. */
  seen: (h: string, ip: string) => `sharing:seen:${h}:${createHash('sha256').update(ip).digest('hex').slice(0, 16)}`,
  /** The binding's distinct refused addresses (each once per window), newest first. */
  addresses: (h: string) => `sharing:ips:${h}`,
  /** Held for the window by the instance that sent the binding's alert. */
  fired: (h: string) => `sharing:fired:${h}`,
};

const COUNTED_REASONS: ReadonlySet<string> = new Set(SHARING_REASONS);
/** Most addresses kept per binding; above any threshold the setting allows (100). */
const MAX_ADDRESSES = 128;

/**
 * Sharing detection (issue 15, item 5): a binding refused from `sharingDistinctThreshold`
 * distinct addresses within `sharingWindowSeconds` is probably a key passed on, and fires one
 * `probable_sharing` alert — at most one per binding and window across every instance sharing
 * Redis.
 *
 * Off the request path, per refusal: `SET sharing:seen:<token>:<ip> NX PX window` admits each
 * address once per window into a capped list of {ip, at}; the entries younger than the window
 * are the distinct addresses. Reaching the threshold, the instance that wins
 * `SET sharing:fired:<token> NX PX window` builds the alert. (An address refused again while its
 * marker lives keeps the time of its first refusal, so the window slides by first sightings.)
 */
export class SharingDetector {
  constructor(
    private readonly kv: KvStore,
    private readonly logger: AppLogger,
    private readonly options: Pick<AlertOptions, 'instanceId' | 'publicUrl'>,
  ) {}

  /** Notes one refusal; the alert when this instance found the binding probably shared, else null. */
  async observe(e: InterceptEvent, s: Readonly<RuntimeSettingsValues>): Promise<AlertPayload | null> {
    if (!COUNTED_REASONS.has(e.reason)) return null;
    const threshold = Math.max(2, Math.floor(s.sharingDistinctThreshold));
    const windowSeconds = Math.max(1, Math.floor(s.sharingWindowSeconds));
    const windowMs = windowSeconds * 1000;
    const h = e.tokenHash;
    const at = e.at.toISOString();
    const fresh = await this.kv.set(sharingKeys.seen(h, e.clientIp), '1', { onlyIfAbsent: true, ttlMs: windowMs });
    if (!fresh) return null; // seen in this window already: the distinct count did not change
    await this.kv.pushCapped(sharingKeys.addresses(h), JSON.stringify({ ip: e.clientIp, at }), MAX_ADDRESSES, windowMs);
    const since = e.at.getTime() - windowMs;
    const recent = distinctSince(await this.kv.lrange(sharingKeys.addresses(h), 0, MAX_ADDRESSES - 1), since);
    if (recent.length < threshold) return null;
    const won = await this.kv.set(sharingKeys.fired(h), this.options.instanceId, {
      onlyIfAbsent: true,
      ttlMs: windowMs,
    });
    if (!won) return null;
    this.logger.warn('Key refused from many addresses; sending a probable_sharing alert', 'Alert', {
      tokenId: h.slice(0, 12),
      tokenMask: e.tokenMask,
      addresses: recent.length,
      windowSeconds,
    });
    return {
      event: 'probable_sharing',
      version: 1,
      token: { id: h, mask: e.tokenMask },
      rule: { kind: e.ruleKind, entries: [...e.ruleEntries], status: e.bindingStatus },
      reason: e.reason,
      intercepts: {
        count: recent.length,
        threshold,
        windowSeconds,
        firstAt: recent[recent.length - 1]?.at ?? at,
        lastAt: recent[0]?.at ?? at,
        ips: recent.map((r) => r.ip),
        recent,
      },
      instanceId: this.options.instanceId,
      consoleUrl: consoleUrl(this.options.publicUrl, `bindings?token=${encodeURIComponent(h)}`),
      generatedAt: new Date().toISOString(),
    };
  }
}

/** The list's entries at or after `since` (ms), one per address, newest first. */
export function distinctSince(raw: readonly string[], since: number): AlertIntercept[] {
  const out: AlertIntercept[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    try {
      const v = JSON.parse(r) as Partial<AlertIntercept>;
      if (typeof v.ip !== 'string' || typeof v.at !== 'string' || seen.has(v.ip)) continue;
      if (Date.parse(v.at) < since) continue;
      seen.add(v.ip);
      out.push({ ip: v.ip, at: v.at });
    } catch {
      /* skip */
    }
  }
  return out;
}
