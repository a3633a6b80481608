import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { DataSource } from 'typeorm';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, KV_STORE, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings, type RuntimeSettingsValues } from '@sentinel/server-settings';
import { DATA_SOURCE } from '@sentinel/server-storage';
import { ALERT_OPTIONS, type AlertOptions } from './alert.options';
import { AlertDeliveryRepository } from './alert-delivery.repository';
import type { AlertDeliveryRecord, AlertIntercept, AlertPayload, DeliveryJob, DeliveryOutcome } from './alert.types';
import { alertRequest, type AlertRequest } from './formats';
import { attemptWebhook, backoffMs, type AttemptResult } from './webhook-client';

/** Redis keys (the KvStore adds the deployment's prefix). */
export const alertKeys = {
  count: (h: string) => `alert:count:${h}`,
  ips: (h: string) => `alert:ips:${h}`,
  first: (h: string) => `alert:first:${h}`,
  cooldown: (h: string) => `alert:cooldown:${h}`,
};

/** Settings the service reads; RuntimeSettings in the app, a stub in tests. */
export type AlertSettingsSource = Pick<RuntimeSettings, 'current'>;

/**
 * Intercept alerts.
 *
 * Request path: the BindingEvents.intercepts subscriber only pushes the event onto a bounded
 * in-memory queue and schedules a drain with setImmediate — no I/O, no await.
 *
 * Off the path: workers count each intercept in Redis (INCR with the window as TTL, a capped list
 * of recent offending IPs, the first intercept time). When a token's count reaches the threshold,
 * the instance that wins `SET alert:cooldown:<token> NX PX <window>` — exactly one across every
 * instance sharing Redis — builds the payload and queues a delivery. Deliveries are recorded in
 * alert_deliveries and retried with exponential backoff and jitter.
 */
@Injectable()
export class AlertService implements OnModuleInit, OnModuleDestroy {
  private readonly repo: AlertDeliveryRepository;
  private subscription: Subscription | undefined;
  private readonly interceptQueue: InterceptEvent[] = [];
  private interceptWorkersActive = 0;
  private readonly deliveryQueue: DeliveryJob[] = [];
  private deliveryWorkersActive = 0;
  private pumpScheduled = false;
  private closed = false;
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private idleWaiters: (() => void)[] = [];
  private lastDropWarning = 0;

  /** Counters for logs, metrics and tests. */
  readonly stats = {
    interceptsQueued: 0,
    interceptsDropped: 0,
    interceptErrors: 0,
    alertsTriggered: 0,
    deliveriesSent: 0,
    deliveriesFailed: 0,
    retries: 0,
    deliveriesDropped: 0,
  };

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @Inject(DATA_SOURCE) db: DataSource,
    @Inject(RuntimeSettings) private readonly settings: AlertSettingsSource,
    private readonly events: BindingEvents,
    private readonly logger: AppLogger,
    @Inject(ALERT_OPTIONS) private readonly options: AlertOptions,
  ) {
    this.repo = new AlertDeliveryRepository(db);
  }

  onModuleInit(): void {
    this.subscription = this.events.intercepts.subscribe((event) => this.enqueueIntercept(event));
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /**
   * Called for every refused request, on the request path: O(1), never blocks, never throws.
   * Returns false when the queue was full and the event was dropped (counted).
   */
  enqueueIntercept(event: InterceptEvent): boolean {
    if (this.closed) return false;
    if (this.interceptQueue.length >= this.options.maxQueuedIntercepts) {
      this.stats.interceptsDropped++;
      const now = Date.now();
      if (now - this.lastDropWarning > 10_000) {
        this.lastDropWarning = now;
        this.logger.warn('Alert intercept queue full; intercepts are not being counted', 'Alert', {
          dropped: this.stats.interceptsDropped,
        });
      }
      return false;
    }
    this.interceptQueue.push(event);
    this.stats.interceptsQueued++;
    this.schedulePump();
    return true;
  }

  /** Sends a test alert to the configured webhook now (one attempt by default) and records it. */
  async sendTestAlert(): Promise<DeliveryOutcome> {
    const s = this.settings.current;
    const now = new Date().toISOString();
    const payload: AlertPayload = {
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
      instanceId: this.options.instanceId,
      consoleUrl: this.options.publicUrl ? `${this.options.publicUrl.replace(/\/+$/, '')}/admin/ui/` : null,
      generatedAt: now,
    };
    if (!s.alertWebhookUrl) {
      return {
        deliveryId: null,
        status: 'failed',
        attempts: 0,
        error: 'no alert webhook URL is configured',
        durationMs: 0,
      };
    }
    return this.deliver(this.job(payload, s, this.options.testMaxAttempts));
  }

  /** The newest deliveries, newest first (1..500). */
  recentDeliveries(limit = 50): Promise<AlertDeliveryRecord[]> {
    const n = Math.min(500, Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 50)));
    return this.repo.recent(n);
  }

  /** Resolves once every queued intercept and delivery has been processed (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, wakes sleeping retries (they stop) and waits up to `graceMs` for the rest. */
  async close(graceMs = 3_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.unsubscribe();
    this.interceptQueue.length = 0;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeping.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.whenIdle(),
      new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ counting (off the path)

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.interceptWorkersActive < this.options.interceptWorkers && this.interceptQueue.length > 0) {
      this.interceptWorkersActive++;
      void this.interceptWorker();
    }
    while (this.deliveryWorkersActive < this.options.deliveryWorkers && this.deliveryQueue.length > 0) {
      this.deliveryWorkersActive++;
      void this.deliveryWorker();
    }
    this.checkIdle();
  }

  private async interceptWorker(): Promise<void> {
    try {
      for (let e = this.interceptQueue.shift(); e; e = this.interceptQueue.shift()) {
        try {
          await this.countIntercept(e);
        } catch (err) {
          this.stats.interceptErrors++;
          this.logger.warn('Could not count an intercept for alerting', 'Alert', {
            tokenId: e.tokenHash.slice(0, 12),
            error: (err as Error).message,
          });
        }
      }
    } finally {
      this.interceptWorkersActive--;
      this.pump();
    }
  }

  /** Redis bookkeeping for one intercept; queues the alert when this instance wins the window. */
  async countIntercept(e: InterceptEvent): Promise<void> {
    const s = this.settings.current;
    if (!s.alertWebhookUrl) return;
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
    if (count < threshold) return;
    // Exactly one alert per token and window across every instance sharing Redis.
    const won = await this.kv.set(alertKeys.cooldown(h), this.options.instanceId, {
      onlyIfAbsent: true,
      ttlMs: windowMs,
    });
    if (!won) return;
    this.stats.alertsTriggered++;
    const [rawRecent, firstAt] = await Promise.all([
      this.kv.lrange(alertKeys.ips(h), 0, this.options.recentIpsMax - 1),
      this.kv.get(alertKeys.first(h)),
    ]);
    const recent = parseRecent(rawRecent);
    const payload: AlertPayload = {
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
      consoleUrl: this.options.publicUrl
        ? `${this.options.publicUrl.replace(/\/+$/, '')}/admin/ui/bindings?token=${encodeURIComponent(h)}`
        : null,
      generatedAt: new Date().toISOString(),
    };
    this.logger.warn('Intercept threshold reached; sending an alert', 'Alert', {
      tokenId: h.slice(0, 12),
      tokenMask: e.tokenMask,
      count,
      windowSeconds,
    });
    this.enqueueDelivery(this.job(payload, s, this.options.maxAttempts));
  }

  // ------------------------------------------------------------------ delivery

  private job(payload: AlertPayload, s: Readonly<RuntimeSettingsValues>, maxAttempts: number): DeliveryJob {
    return {
      payload,
      url: s.alertWebhookUrl ?? '',
      format: s.alertFormat,
      secret: s.alertWebhookSecret || null,
      allowPrivateTargets: s.alertAllowPrivateTargets,
      maxAttempts: Math.max(1, maxAttempts),
    };
  }

  private enqueueDelivery(job: DeliveryJob): void {
    if (this.closed) return;
    if (this.deliveryQueue.length >= this.options.maxQueuedDeliveries) {
      this.stats.deliveriesDropped++;
      this.logger.error('Alert delivery queue full; alert recorded as failed', 'Alert', {
        tokenMask: job.payload.token.mask,
      });
      this.repo.insertFailed(job.payload, 'delivery queue full').catch(() => undefined);
      return;
    }
    this.deliveryQueue.push(job);
    this.schedulePump();
  }

  private async deliveryWorker(): Promise<void> {
    try {
      for (let job = this.deliveryQueue.shift(); job; job = this.deliveryQueue.shift()) {
        await this.deliver(job).catch((err: Error) =>
          this.logger.error('Alert delivery crashed', 'Alert', { error: err.message }),
        );
      }
    } finally {
      this.deliveryWorkersActive--;
      this.pump();
    }
  }

  /** All attempts of one delivery; every attempt is recorded in alert_deliveries. */
  private async deliver(job: DeliveryJob): Promise<DeliveryOutcome> {
    const started = Date.now();
    const mask = job.payload.token.mask;
    let deliveryId: string | null = null;
    try {
      deliveryId = await this.repo.insertPending(job.payload);
    } catch (err) {
      this.logger.warn('Could not record an alert delivery; sending it anyway', 'Alert', {
        error: (err as Error).message,
      });
    }
    const record = (status: 'pending' | 'sent' | 'failed', attempts: number, error: string | null) =>
      deliveryId === null
        ? Promise.resolve()
        : this.repo
            .recordAttempt(deliveryId, status, attempts, error)
            .catch((err: Error) =>
              this.logger.warn('Could not update an alert delivery', 'Alert', { deliveryId, error: err.message }),
            );

    let last: AttemptResult = { ok: false, retryable: false, error: 'not attempted' };
    let attempts = 0;
    for (attempts = 1; attempts <= job.maxAttempts; attempts++) {
      last = await attemptWebhook({
        ...this.request(job),
        timeoutMs: this.options.attemptTimeoutMs,
        resolver: this.options.resolver,
      });
      if (last.ok) {
        await record('sent', attempts, null);
        this.stats.deliveriesSent++;
        this.logger.info('Alert delivered', 'Alert', { deliveryId, tokenMask: mask, attempts, status: last.status });
        return { deliveryId, status: 'sent', attempts, httpStatus: last.status, durationMs: Date.now() - started };
      }
      const final = !last.retryable || attempts >= job.maxAttempts || this.closed;
      if (final) break;
      this.stats.retries++;
      await record('pending', attempts, last.error);
      const delay = Math.min(
        this.options.maxDelayMs,
        Math.max(backoffMs(attempts, this.options.baseDelayMs, this.options.maxDelayMs), last.retryAfterMs ?? 0),
      );
      this.logger.warn('Alert delivery failed; retrying', 'Alert', {
        deliveryId,
        tokenMask: mask,
        attempt: attempts,
        error: last.error,
        retryInMs: delay,
      });
      await this.sleep(delay);
      if (this.closed) break;
    }
    attempts = Math.min(attempts, job.maxAttempts);
    const error = last.ok
      ? undefined
      : this.closed && last.retryable
        ? `${last.error} (shutting down, not retried)`
        : last.error;
    await record('failed', attempts, error ?? null);
    this.stats.deliveriesFailed++;
    this.logger.error('Alert delivery failed', 'Alert', { deliveryId, tokenMask: mask, attempts, error });
    return {
      deliveryId,
      status: 'failed',
      attempts,
      httpStatus: last.status,
      error,
      durationMs: Date.now() - started,
    };
  }

  /** URL, body and headers of one attempt: signatures carry the attempt's own timestamp. */
  private request(job: DeliveryJob): AlertRequest & { allowPrivateTargets: boolean } {
    return { ...alertRequest(job, Date.now(), this.options.formatters), allowPrivateTargets: job.allowPrivateTargets };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      entry.timer.unref();
      this.sleeping.add(entry);
    });
  }

  private isIdle(): boolean {
    return (
      !this.pumpScheduled &&
      this.interceptQueue.length === 0 &&
      this.interceptWorkersActive === 0 &&
      this.deliveryQueue.length === 0 &&
      this.deliveryWorkersActive === 0
    );
  }

  private checkIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
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
