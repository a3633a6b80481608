import { Injectable } from '@nestjs/common';
import { AppConfig } from '@sentinel/server-core';
import { ALERT_FORMAT_NAMES, type AdminSettingsValues, type AlertFormatName } from '@sentinel/admin-contract';

/**
 * The live runtime settings. The environment gives the defaults; admin overrides (persisted in
 * PostgreSQL, broadcast on pub/sub) replace them on every instance without a restart.
 *
 * Readers on the hot path read `current`, a frozen snapshot replaced as a whole on change, so a
 * request never sees a half-applied update and reading costs one property access.
 */
export type RuntimeSettingsValues = AdminSettingsValues;

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
    accessTokenMinutes: 15,
    alertWebhookSecret: null,
    alertFormat: 'json',
    alertAllowPrivateTargets: false,
    archiveIntervalMinutes: 60,
    interceptRetentionDays: 180,
    alertBurstMax: 3,
    bindRatePerAddress: config.bindRatePerAddress,
    bindBurstPerAddress: 30,
    bindMaxAddresses: 1,
    bindLearnWindowSeconds: 0,
    interceptCommitWaitMs: 250,
    sharingWindowSeconds: 3600,
    sharingDistinctThreshold: 3,
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
