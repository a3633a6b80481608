import { Injectable } from '@nestjs/common';
import { AppConfig, type FailsafeMode } from '@sentinel/server-core';
import { ALERT_FORMAT_NAMES, type AlertFormatName } from '@sentinel/admin-contract';

/**
 * The live runtime settings. The environment gives the defaults; admin overrides (persisted in
 * PostgreSQL, broadcast on pub/sub) replace them on every instance without a restart.
 *
 * Readers on the hot path read `current`, a frozen snapshot replaced as a whole on change, so a
 * request never sees a half-applied update and reading costs one property access.
 */
export interface RuntimeSettingsValues {
  failsafeMode: FailsafeMode;
  alertWebhookUrl: string | null;
  alertThresholdCount: number;
  alertThresholdSeconds: number;
  archiveDays: number;
  /** First use binds the client's address with this prefix (32 = the exact IPv4 address). */
  bindIpv4Prefix: number;
  /** IPv6 privacy addresses rotate inside a /64, so the default binds the /64. */
  bindIpv6Prefix: number;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  loginLockSeconds: number;
  /** HMAC-SHA256 key for the webhook signature header; null = deliveries are unsigned. */
  alertWebhookSecret: string | null;
  /** Payload format of the alert webhook. */
  alertFormat: AlertFormat;
  /** Allow webhook targets on loopback / private / link-local / ULA addresses (SSRF guard off). */
  alertAllowPrivateTargets: boolean;
  /** How often the archive job runs. */
  archiveIntervalMinutes: number;
  /** Intercept log rows older than this are deleted by the archive job. */
  interceptRetentionDays: number;
}

/** Alert format names: defined once, in the admin contract (ALERT_FORMAT_NAMES). */
export const ALERT_FORMATS = ALERT_FORMAT_NAMES;
export type AlertFormat = AlertFormatName;

export type SettingsListener = (next: RuntimeSettingsValues, previous: RuntimeSettingsValues) => void;

export function defaultsFromEnvironment(config: AppConfig): RuntimeSettingsValues {
  return {
    failsafeMode: config.failsafeMode,
    alertWebhookUrl: config.alert.webhookUrl ?? null,
    alertThresholdCount: config.alert.thresholdCount,
    alertThresholdSeconds: config.alert.thresholdSeconds,
    archiveDays: config.archive.days,
    bindIpv4Prefix: 32,
    bindIpv6Prefix: 64,
    loginMaxFailures: 5,
    loginWindowSeconds: 900,
    loginLockSeconds: 900,
    alertWebhookSecret: null,
    alertFormat: 'json',
    alertAllowPrivateTargets: false,
    archiveIntervalMinutes: 60,
    interceptRetentionDays: 180,
  };
}

@Injectable()
export class RuntimeSettings {
  readonly defaults: Readonly<RuntimeSettingsValues>;
  private snapshot: Readonly<RuntimeSettingsValues>;
  private readonly listeners = new Set<SettingsListener>();

  constructor(config: AppConfig) {
    this.defaults = Object.freeze(defaultsFromEnvironment(config));
    this.snapshot = this.defaults;
  }

  get current(): Readonly<RuntimeSettingsValues> {
    return this.snapshot;
  }

  /** Replace the live values (overrides merged over the defaults) and notify listeners. */
  apply(overrides: Partial<RuntimeSettingsValues>): void {
    const previous = this.snapshot;
    this.snapshot = Object.freeze({ ...this.defaults, ...overrides });
    for (const l of this.listeners) l(this.snapshot, previous);
  }

  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
