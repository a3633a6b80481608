import type { AppLogger, KvStore } from '@sentinel/server-core';
import type { AlertOptions } from './alert.options';
import type { AlertDigestToken, AlertPayload } from './alert.types';
import { consoleUrl } from './alert-thresholds';

/** Redis keys of the burst window (the KvStore adds the deployment's prefix). */
export const burstKeys = {
  /** The open window: its start (ms since the epoch), expiring with the window. */
  window: 'alert:burst:window',
  sent: (w: string) => `alert:burst:${w}:sent`,
  suppressed: (w: string) => `alert:burst:${w}:suppressed`,
  tokens: (w: string) => `alert:burst:${w}:tokens`,
  digestSent: (w: string) => `alert:burst:${w}:digest`,
};

/** Suppressed alerts remembered per window for the digest's top tokens. */
const DIGEST_KEEP = 200;
/** Tokens listed in a digest. */
export const DIGEST_TOP = 5;

/**
 * The alert-flood bound. Across every instance sharing Redis at most `alertBurstMax` individual
 * alerts go out per window (a minute, opened by the first alert after the previous one closed).
 * The rest of the window's alerts are folded: counted, and remembered (capped) for the digest.
 * At the end of the window one instance — the one that wins `SET …:digest NX` among those that
 * folded something — sends a single digest with the number suppressed and the top tokens.
 */
export class AlertBurst {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly kv: KvStore,
    private readonly logger: AppLogger,
    private readonly options: Pick<AlertOptions, 'instanceId' | 'publicUrl' | 'burstWindowMs'>,
    private readonly sendDigest: (payload: AlertPayload) => void,
  ) {}

  /** true: send this alert now; false: it was folded into the window's digest. */
  async admit(payload: AlertPayload, burstMax: number): Promise<boolean> {
    const ttl = this.options.burstWindowMs * 2;
    const window = await this.openWindow();
    const sent = await this.kv.incr(burstKeys.sent(window), 1, ttl);
    if (sent <= Math.max(1, Math.floor(burstMax))) return true;
    const token: AlertDigestToken = {
      id: payload.token.id,
      mask: payload.token.mask,
      reason: payload.reason,
      count: payload.intercepts.count,
      ips: payload.intercepts.ips.slice(0, 5),
    };
    await Promise.all([
      this.kv.incr(burstKeys.suppressed(window), 1, ttl),
      this.kv.pushCapped(burstKeys.tokens(window), JSON.stringify(token), DIGEST_KEEP, ttl),
    ]);
    this.schedule(window);
    return false;
  }

  /** Stops the digest timers (shutdown). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The id (start time) of the window open now, opening one if none is. */
  private async openWindow(): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = String(Date.now());
      if (await this.kv.set(burstKeys.window, start, { onlyIfAbsent: true, ttlMs: this.options.burstWindowMs }))
        return start;
      const open = await this.kv.get(burstKeys.window);
      if (open !== null) return open;
      // The window expired between the two commands: try to open the next one.
    }
    throw new Error('could not open an alert burst window');
  }

  private schedule(window: string): void {
    if (this.timers.has(window)) return;
    const delay = Math.max(0, Number(window) + this.options.burstWindowMs - Date.now()) + 250;
    const timer = setTimeout(() => {
      this.timers.delete(window);
      this.digest(window).catch((e: Error) =>
        this.logger.warn('Could not send the alert digest', 'Alert', { window, error: e.message }),
      );
    }, delay);
    timer.unref();
    this.timers.set(window, timer);
  }

  /** At the window's end: exactly one instance builds the digest. */
  private async digest(window: string): Promise<void> {
    const won = await this.kv.set(burstKeys.digestSent(window), this.options.instanceId, {
      onlyIfAbsent: true,
      ttlMs: this.options.burstWindowMs * 2,
    });
    if (!won) return;
    const [suppressed, raw] = await Promise.all([
      this.kv.get(burstKeys.suppressed(window)),
      this.kv.lrange(burstKeys.tokens(window), 0, DIGEST_KEEP - 1),
    ]);
    const tokens = topTokens(raw);
    const from = new Date(Number(window)).toISOString();
    const to = new Date(Number(window) + this.options.burstWindowMs).toISOString();
    const n = Number(suppressed ?? 0);
    this.logger.warn('Alert flood: sending one digest for the suppressed alerts', 'Alert', { suppressed: n });
    this.sendDigest({
      event: 'alert_digest',
      version: 1,
      token: { id: 'digest', mask: `${n} alerts suppressed` },
      rule: { kind: '-', entries: [], status: '-' },
      reason: 'alert_digest',
      intercepts: {
        count: tokens.reduce((sum, t) => sum + t.count, 0),
        threshold: 0,
        windowSeconds: Math.round(this.options.burstWindowMs / 1000),
        firstAt: from,
        lastAt: to,
        ips: [...new Set(tokens.flatMap((t) => t.ips))],
        recent: [],
      },
      digest: { suppressed: n, from, to, topTokens: tokens.slice(0, DIGEST_TOP) },
      instanceId: this.options.instanceId,
      consoleUrl: consoleUrl(this.options.publicUrl, 'logs'),
      generatedAt: new Date().toISOString(),
    });
  }
}

/** One entry per token (the highest count seen), most intercepts first. */
function topTokens(raw: readonly string[]): AlertDigestToken[] {
  const byId = new Map<string, AlertDigestToken>();
  for (const r of raw) {
    try {
      const t = JSON.parse(r) as AlertDigestToken;
      if (typeof t.id !== 'string' || typeof t.count !== 'number') continue;
      const seen = byId.get(t.id);
      if (!seen || seen.count < t.count) byId.set(t.id, t);
    } catch {
      /* skip */
    }
  }
  return [...byId.values()].sort((a, b) => b.count - a.count);
}
