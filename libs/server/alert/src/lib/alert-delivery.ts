import type { AppLogger } from '@sentinel/server-core';
import type { RuntimeSettingsValues } from '@sentinel/server-settings';
import type { AlertDeliveryRepository } from './alert-delivery.repository';
import type { AlertOptions } from './alert.options';
import type { AlertPayload, DeliveryJob, DeliveryOutcome } from './alert.types';
import { alertRequest, type AlertRequest } from './formats';
import { attemptWebhook, backoffMs, type AttemptResult } from './webhook-client';

/** Delivery counters, shared with AlertService.stats. */
export interface DeliveryStats {
  deliveriesSent: number;
  deliveriesFailed: number;
  retries: number;
}

/** A delivery of `payload` with the settings as they are now. */
export function deliveryJob(
  payload: AlertPayload,
  s: Readonly<RuntimeSettingsValues>,
  maxAttempts: number,
): DeliveryJob {
  return {
    payload,
    url: s.alertWebhookUrl ?? '',
    format: s.alertFormat,
    secret: s.alertWebhookSecret || null,
    allowPrivateTargets: s.alertAllowPrivateTargets,
    maxAttempts: Math.max(1, maxAttempts),
  };
}

/**
 * One delivery with its retries: recorded in alert_deliveries before the first attempt and after
 * every attempt, retried with exponential backoff and jitter (or the target's Retry-After), and
 * cut short by close() — sleeping retries wake and stop.
 */
export class AlertDelivery {
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private closed = false;

  constructor(
    private readonly repo: AlertDeliveryRepository,
    private readonly logger: AppLogger,
    private readonly options: AlertOptions,
    private readonly stats: DeliveryStats,
  ) {}

  /** Stops retrying: sleeping retries wake and record their last failure. */
  close(): void {
    this.closed = true;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeping.clear();
  }

  /** All attempts of one delivery; every attempt is recorded in alert_deliveries. */
  async deliver(job: DeliveryJob): Promise<DeliveryOutcome> {
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
}
