import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AlertFormatterTable } from './formats';
import type { Resolver } from './ssrf-guard';

export interface AlertOptions {
  /** Identifies this Sentinel instance in payloads and logs. */
  instanceId: string;
  /**
   * Public base URL of the console (e.g. `https://sentinel.example.com`); payloads then carry a
   * link to the token. No setting exists for it yet, so it is unset unless the module is
   * configured with `AlertModule.forRoot({ publicUrl })`.
   */
  publicUrl: string | null;
  /** Intercept events waiting for their Redis bookkeeping; beyond it they are dropped (counted). */
  maxQueuedIntercepts: number;
  /** Concurrent workers doing the Redis bookkeeping. */
  interceptWorkers: number;
  /** Deliveries waiting to be sent; beyond it a delivery is recorded as failed at once. */
  maxQueuedDeliveries: number;
  /** Deliveries in flight at once. */
  deliveryWorkers: number;
  /** Timeout of one attempt (connect, send, response headers and body). */
  attemptTimeoutMs: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Attempts for sendTestAlert (the admin waits for the answer). */
  testMaxAttempts: number;
  /** Backoff before retry n: min(maxDelayMs, baseDelayMs * 2^(n-1)), with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The alert-flood window: at most alertBurstMax individual alerts per window, then one digest. */
  burstWindowMs: number;
  /** Offending addresses kept per token (capped Redis list). */
  recentIpsMax: number;
  /** Resolver used by the SSRF guard (tests inject one). Default: dns.lookup({ all: true }). */
  resolver?: Resolver;
  /** Webhook formats by name. Default: ALERT_FORMATTERS (tests inject an extended table). */
  formatters?: AlertFormatterTable;
}

export function defaultInstanceId(): string {
  return `${hostname()}#${process.pid}-${randomBytes(2).toString('hex')}`;
}

export const DEFAULT_ALERT_OPTIONS: AlertOptions = {
  instanceId: defaultInstanceId(),
  publicUrl: null,
  maxQueuedIntercepts: 10_000,
  interceptWorkers: 4,
  maxQueuedDeliveries: 1_000,
  deliveryWorkers: 2,
  attemptTimeoutMs: 5_000,
  maxAttempts: 5,
  testMaxAttempts: 1,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  recentIpsMax: 20,
  burstWindowMs: 60_000,
};

export const ALERT_OPTIONS = Symbol('ALERT_OPTIONS');
