import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { DataSource } from 'typeorm';
import { BindingEvents, type InterceptEvent } from '@sentinel/server-binding';
import { AppLogger, BatchQueue, KV_STORE, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings, type RuntimeSettingsValues } from '@sentinel/server-settings';
import { DATA_SOURCE } from '@sentinel/server-storage';
import { AlertBurst } from './alert-burst';
import { AlertDelivery, deliveryJob } from './alert-delivery';
import { AlertDeliveryRepository } from './alert-delivery.repository';
import { SharingDetector } from './alert-sharing';
import { AlertThresholds } from './alert-thresholds';
import { ALERT_OPTIONS, type AlertOptions } from './alert.options';
import type { AlertDeliveryRecord, AlertPayload, DeliveryJob, DeliveryOutcome } from './alert.types';
import { testAlertPayload } from './test-alert';
import { checkWebhookTarget } from './webhook-client';

export { alertKeys } from './alert-thresholds';
export { sharingKeys } from './alert-sharing';

/** Settings the service reads; RuntimeSettings in the app, a stub in tests. */
export type AlertSettingsSource = Pick<RuntimeSettings, 'current'>;

/**
 * Intercept alerts: the wiring of two queues.
 *
 * Request path: the BindingEvents.intercepts subscriber only pushes the event onto a bounded
 * in-memory queue (a drain is scheduled with setImmediate) — no I/O, no await.
 *
 * Off the path: workers count each intercept ({@link AlertThresholds}, alert-thresholds.ts); the
 * instance that wins a token's window queues a delivery ({@link AlertDelivery}, alert-delivery.ts:
 * recorded in alert_deliveries, retried with backoff), unless the burst bound folds it into the
 * window's digest ({@link AlertBurst}, alert-burst.ts). The test alert is test-alert.ts; the
 * queue / flush / idle mechanics are BatchQueue's (server-core).
 */
@Injectable()
export class AlertService implements OnModuleInit, OnModuleDestroy {
  private readonly repo: AlertDeliveryRepository;
  private readonly thresholds: AlertThresholds;
  private readonly sharing: SharingDetector;
  private readonly delivery: AlertDelivery;
  private readonly burst: AlertBurst;
  private readonly intercepts: BatchQueue<InterceptEvent>;
  private readonly deliveries: BatchQueue<DeliveryJob>;
  private subscription: Subscription | undefined;
  private closed = false;
  private lastDropWarning = 0;

  /** Counters for logs, metrics and tests. */
  readonly stats = {
    interceptsQueued: 0,
    interceptsDropped: 0,
    interceptErrors: 0,
    alertsTriggered: 0,
    /** probable_sharing alerts raised by this instance (alert-sharing.ts). */
    sharingAlerts: 0,
    /** Alerts folded into a burst window's digest instead of being sent (alertBurstMax). */
    alertsSuppressed: 0,
    digestsSent: 0,
    deliveriesSent: 0,
    deliveriesFailed: 0,
    retries: 0,
    deliveriesDropped: 0,
  };

  constructor(
    @Inject(KV_STORE) kv: KvStore,
    @Inject(DATA_SOURCE) db: DataSource,
    @Inject(RuntimeSettings) private readonly settings: AlertSettingsSource,
    private readonly events: BindingEvents,
    private readonly logger: AppLogger,
    @Inject(ALERT_OPTIONS) private readonly options: AlertOptions,
  ) {
    this.repo = new AlertDeliveryRepository(db);
    this.thresholds = new AlertThresholds(kv, logger, options);
    this.sharing = new SharingDetector(kv, logger, options);
    this.delivery = new AlertDelivery(this.repo, logger, options, this.stats);
    this.burst = new AlertBurst(kv, logger, options, (digest) => {
      const s = this.settings.current;
      if (!s.alertWebhookUrl) return;
      this.stats.digestsSent++;
      this.enqueueDelivery(deliveryJob(digest, s, this.options.maxAttempts));
    });
    this.intercepts = new BatchQueue({
      maxQueued: options.maxQueuedIntercepts,
      batchSize: 1,
      flushAt: 1,
      concurrency: options.interceptWorkers,
      write: ([e]) => this.countIntercept(e).catch((err: Error) => this.countFailed(e, err)),
    });
    this.deliveries = new BatchQueue({
      maxQueued: options.maxQueuedDeliveries,
      batchSize: 1,
      flushAt: 1,
      concurrency: options.deliveryWorkers,
      write: async ([job]) => {
        await this.delivery
          .deliver(job)
          .catch((err: Error) => this.logger.error('Alert delivery crashed', 'Alert', { error: err.message }));
      },
    });
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
    if (!this.intercepts.push(event)) {
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
    this.stats.interceptsQueued++;
    return true;
  }

  /** Sends a test alert to the configured webhook now (one attempt by default) and records it. */
  async sendTestAlert(): Promise<DeliveryOutcome> {
    const s = this.settings.current;
    if (!s.alertWebhookUrl) {
      return {
        deliveryId: null,
        status: 'failed',
        attempts: 0,
        error: 'no alert webhook URL is configured',
        durationMs: 0,
      };
    }
    return this.delivery.deliver(deliveryJob(testAlertPayload(s, this.options), s, this.options.testMaxAttempts));
  }

  /**
   * Why delivery would refuse this webhook URL whatever DNS says later — an invalid URL, or a
   * private, loopback or metadata target while `allowPrivateTargets` is false — in delivery's own
   * words; null when it would try. The settings API refuses such a URL when it is saved. A failed
   * DNS lookup is not a refusal: delivery retries it, and still checks every attempt.
   */
  async webhookTargetRefusal(url: string, allowPrivateTargets: boolean): Promise<string | null> {
    const checked = await checkWebhookTarget(
      url,
      allowPrivateTargets,
      this.options.attemptTimeoutMs,
      this.options.resolver,
    );
    return checked.ok || checked.retryable ? null : checked.error;
  }

  /** The newest deliveries, newest first (1..500). */
  recentDeliveries(limit = 50): Promise<AlertDeliveryRecord[]> {
    const n = Math.min(500, Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 50)));
    return this.repo.recent(n);
  }

  /** Resolves once every queued intercept and delivery has been processed (tests, shutdown). */
  async whenIdle(): Promise<void> {
    // Counting queues deliveries: idle only when both queues are idle at once.
    while (!(this.intercepts.idle && this.deliveries.idle)) {
      await Promise.all([this.intercepts.whenIdle(), this.deliveries.whenIdle()]);
    }
  }

  /** Stops taking work, wakes sleeping retries (they stop) and waits up to `graceMs` for the rest. */
  async close(graceMs = 3_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.unsubscribe();
    this.intercepts.clear();
    this.burst.close();
    this.delivery.close();
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

  /** Redis bookkeeping for one intercept; queues the alert when this instance wins the window. */
  async countIntercept(e: InterceptEvent): Promise<void> {
    const s = this.settings.current;
    if (!s.alertWebhookUrl) return;
    // Threshold counting, and sharing detection (alert-sharing.ts): either may raise an alert.
    const [threshold, sharing] = await Promise.all([this.thresholds.count(e, s), this.sharing.observe(e, s)]);
    if (sharing !== null) {
      this.stats.sharingAlerts++;
      await this.raise(sharing, s);
    }
    if (threshold !== null) await this.raise(threshold, s);
  }

  private async raise(payload: AlertPayload, s: Readonly<RuntimeSettingsValues>): Promise<void> {
    this.stats.alertsTriggered++;
    if (!(await this.burst.admit(payload, s.alertBurstMax))) {
      this.stats.alertsSuppressed++;
      return;
    }
    this.enqueueDelivery(deliveryJob(payload, s, this.options.maxAttempts));
  }

  private countFailed(e: InterceptEvent, err: Error): void {
    this.stats.interceptErrors++;
    this.logger.warn('Could not count an intercept for alerting', 'Alert', {
      tokenId: e.tokenHash.slice(0, 12),
      error: err.message,
    });
  }

  private enqueueDelivery(job: DeliveryJob): void {
    if (this.closed) return;
    if (this.deliveries.push(job)) return;
    this.stats.deliveriesDropped++;
    this.logger.error('Alert delivery queue full; alert recorded as failed', 'Alert', {
      tokenMask: job.payload.token.mask,
    });
    this.repo.insertFailed(job.payload, 'delivery queue full').catch(() => undefined);
  }
}
