import type { AlertFormat } from '@sentinel/server-settings';

/** One offending request address and when it was refused. */
export interface AlertIntercept {
  ip: string;
  at: string;
}

/**
 * The canonical alert, stored in alert_deliveries.payload and sent as is in the `json` format
 * (the chat formats render it as text). Never contains a raw key: only the token id (the HMAC
 * of the key) and its mask.
 */
export interface AlertPayload {
  /**
   * `probable_sharing`: one binding refused from `intercepts.threshold` distinct addresses within
   * `intercepts.windowSeconds` (`count` = the distinct addresses, `ips` = them, newest first).
   */
  event: 'intercept_threshold' | 'probable_sharing' | 'alert_digest' | 'test';
  version: 1;
  token: { id: string; mask: string };
  rule: { kind: string; entries: readonly string[]; status: string };
  reason: string;
  intercepts: {
    /** Intercepts counted in the window when the threshold was reached. */
    count: number;
    threshold: number;
    windowSeconds: number;
    firstAt: string;
    lastAt: string;
    /** Distinct offending IPs, most recent first. */
    ips: readonly string[];
    /** The most recent intercepts (capped), most recent first. */
    recent: readonly AlertIntercept[];
  };
  /** `alert_digest` only: the alerts of one burst window that were not sent one by one. */
  digest?: AlertDigest;
  instanceId: string;
  /** Link to the token in the admin console, when a public URL is configured. */
  consoleUrl: string | null;
  generatedAt: string;
}

/** The alerts folded into one digest when more than alertBurstMax fired in a window. */
export interface AlertDigest {
  /** Alerts not sent individually in the window. */
  suppressed: number;
  from: string;
  to: string;
  /** The suppressed tokens with the most intercepts (at most 5). */
  topTokens: readonly AlertDigestToken[];
}

export interface AlertDigestToken {
  id: string;
  mask: string;
  reason: string;
  /** Intercepts counted when its threshold was reached. */
  count: number;
  ips: readonly string[];
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** What happened to one delivery (returned by sendTestAlert, and by the queue to tests). */
export interface DeliveryOutcome {
  /** alert_deliveries.id; null when the row could not be written (database down). */
  deliveryId: string | null;
  status: 'sent' | 'failed';
  attempts: number;
  /** HTTP status of the last attempt, when the target answered. */
  httpStatus?: number;
  /** Why the last attempt failed. */
  error?: string;
  durationMs: number;
}

/** A row of alert_deliveries, for the admin API. */
export interface AlertDeliveryRecord {
  id: string;
  tokenHash: string;
  tokenMask: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  payload: AlertPayload;
  createdAt: string;
  updatedAt: string;
}

/** A delivery with the settings captured when it was queued. */
export interface DeliveryJob {
  payload: AlertPayload;
  url: string;
  format: AlertFormat;
  secret: string | null;
  allowPrivateTargets: boolean;
  maxAttempts: number;
}
