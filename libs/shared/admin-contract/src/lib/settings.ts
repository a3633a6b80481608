import type { AlertFormatName, FailsafeModeName, SettingSource } from './enums';

/**
 * Every runtime setting an admin can change live. The server's RuntimeSettingsValues is this
 * type (one declaration for both ends).
 */
export interface AdminSettingsValues {
  failsafeMode: FailsafeModeName;
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
  /** Lifetime of an admin access token; the refresh cookie renews it silently. */
  accessTokenMinutes: number;
  /** HMAC-SHA256 key for the webhook signature header; null = deliveries are unsigned. */
  alertWebhookSecret: string | null;
  /** Payload format of the alert webhook. */
  alertFormat: AlertFormatName;
  /** Allow webhook targets on loopback / private / link-local / ULA addresses (SSRF guard off). */
  alertAllowPrivateTargets: boolean;
  /** How often the archive job runs. */
  archiveIntervalMinutes: number;
  /** Intercept log rows older than this are deleted by the archive job. */
  interceptRetentionDays: number;
  /**
   * Individual alerts per minute across all instances; the rest of that minute's alerts fold into
   * one digest sent at its end.
   */
  alertBurstMax: number;
  /** First-use bindings per source address (IPv4 /32, IPv6 /64) and minute; 0 = no limit. */
  bindRatePerAddress: number;
  /** First-use bindings one source address may make at once before the per-minute rate applies. */
  bindBurstPerAddress: number;
  /**
   * How many addresses a first-use binding may learn (1 = the first one only, today's behaviour).
   * A request from a new address while the binding holds fewer learns it; past it, 403
   * `address_limit`. A binding's own `maxAddresses` overrides it.
   */
  bindMaxAddresses: number;
  /** A learning binding learns nothing new this long after its first use; 0 = no limit. */
  bindLearnWindowSeconds: number;
  /**
   * How long a 403 waits for its intercept row to be committed (group commit) while PostgreSQL is
   * up; past it the 403 goes out and the row stays queued. 0 = never wait.
   */
  interceptCommitWaitMs: number;
  /**
   * Sharing detection: a binding refused (not allowed / address limit) from
   * `sharingDistinctThreshold` distinct addresses within this many seconds fires one
   * `probable_sharing` alert (at most one per binding and window across all instances).
   */
  sharingWindowSeconds: number;
  /** Distinct refused addresses within `sharingWindowSeconds` that make a key probably shared. */
  sharingDistinctThreshold: number;
}

export type SettingKey = keyof AdminSettingsValues;

export const SETTING_KEYS = [
  'failsafeMode',
  'alertWebhookUrl',
  'alertThresholdCount',
  'alertThresholdSeconds',
  'archiveDays',
  'bindIpv4Prefix',
  'bindIpv6Prefix',
  'loginMaxFailures',
  'loginWindowSeconds',
  'loginLockSeconds',
  'accessTokenMinutes',
  'alertWebhookSecret',
  'alertFormat',
  'alertAllowPrivateTargets',
  'archiveIntervalMinutes',
  'interceptRetentionDays',
  'alertBurstMax',
  'bindRatePerAddress',
  'bindBurstPerAddress',
  'bindMaxAddresses',
  'bindLearnWindowSeconds',
  'interceptCommitWaitMs',
  'sharingWindowSeconds',
  'sharingDistinctThreshold',
] as const satisfies readonly SettingKey[];

/** Write-only settings: GET never shows their value, only whether one is set. */
export const SECRET_SETTING_KEYS = ['alertWebhookSecret'] as const satisfies readonly SettingKey[];
export type SecretSettingKey = (typeof SECRET_SETTING_KEYS)[number];

/** Integer settings and their inclusive bounds. */
export const SETTING_INTEGER_BOUNDS = {
  alertThresholdCount: { min: 1, max: 1_000_000 },
  alertThresholdSeconds: { min: 1, max: 86_400 },
  archiveDays: { min: 1, max: 3_650 },
  bindIpv4Prefix: { min: 8, max: 32 },
  bindIpv6Prefix: { min: 16, max: 128 },
  loginMaxFailures: { min: 1, max: 1_000 },
  loginWindowSeconds: { min: 10, max: 86_400 },
  loginLockSeconds: { min: 10, max: 86_400 },
  accessTokenMinutes: { min: 1, max: 720 },
  archiveIntervalMinutes: { min: 1, max: 10_080 },
  interceptRetentionDays: { min: 1, max: 3_650 },
  alertBurstMax: { min: 1, max: 1_000 },
  bindRatePerAddress: { min: 0, max: 100_000 },
  bindBurstPerAddress: { min: 1, max: 100_000 },
  bindMaxAddresses: { min: 1, max: 64 },
  bindLearnWindowSeconds: { min: 0, max: 31_536_000 },
  interceptCommitWaitMs: { min: 0, max: 5_000 },
  sharingWindowSeconds: { min: 60, max: 604_800 },
  sharingDistinctThreshold: { min: 2, max: 100 },
} as const satisfies Partial<Record<SettingKey, { min: number; max: number }>>;

export type IntegerSettingKey = keyof typeof SETTING_INTEGER_BOUNDS;

interface SettingViewBase<K extends SettingKey> {
  key: K;
  source: SettingSource;
  /** When and by whom the override was written; null for environment values. */
  updatedAt: string | null;
  updatedBy: string | null;
}

/** One setting as GET /settings shows it. Secrets: `value` is null and `isSet` says if one is. */
export type SettingView = {
  [K in SettingKey]: SettingViewBase<K> &
    (K extends SecretSettingKey
      ? { secret: true; value: null; isSet: boolean }
      : { secret: false; value: AdminSettingsValues[K]; defaultValue: AdminSettingsValues[K] });
}[SettingKey];

/** `DELETE settings/:key`. */
export interface SettingKeyParams {
  key: SettingKey;
}

export interface SettingsResponse {
  settings: SettingView[];
}

/**
 * PUT /settings: a partial update; `reset` lists keys whose override is removed (the environment
 * value applies again). A key may not be both set and reset.
 */
export interface UpdateSettingsRequest {
  values?: Partial<AdminSettingsValues>;
  reset?: SettingKey[];
}
