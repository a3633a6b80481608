import { AbstractControl, FormControl, FormRecord, ValidationErrors, ValidatorFn, Validators } from '@angular/forms';
import {
  ALERT_FORMAT_NAMES,
  FAILSAFE_MODES,
  SETTING_INTEGER_BOUNDS,
  type AdminSettingsValues,
  type IntegerSettingKey,
  type SettingKey,
  type SettingView,
} from '@sentinel/admin-contract';

export type SettingFieldKind = 'integer' | 'select' | 'boolean' | 'url' | 'secret';
export type SettingFormValue = string | number | boolean | null;

export const SETTING_FIELD_KINDS: Readonly<Record<SettingKey, SettingFieldKind>> = {
  failsafeMode: 'select',
  alertWebhookUrl: 'url',
  alertThresholdCount: 'integer',
  alertThresholdSeconds: 'integer',
  archiveDays: 'integer',
  bindIpv4Prefix: 'integer',
  bindIpv6Prefix: 'integer',
  loginMaxFailures: 'integer',
  loginWindowSeconds: 'integer',
  loginLockSeconds: 'integer',
  accessTokenMinutes: 'integer',
  alertWebhookSecret: 'secret',
  alertFormat: 'select',
  alertAllowPrivateTargets: 'boolean',
  archiveIntervalMinutes: 'integer',
  interceptRetentionDays: 'integer',
  alertBurstMax: 'integer',
  bindRatePerAddress: 'integer',
  bindBurstPerAddress: 'integer',
  bindMaxAddresses: 'integer',
  bindLearnWindowSeconds: 'integer',
  interceptCommitWaitMs: 'integer',
  sharingWindowSeconds: 'integer',
  sharingDistinctThreshold: 'integer',
};

/** The cards of the settings page, in order; every setting is in exactly one (settings.spec.ts). */
export const SETTING_GROUPS = ['binding', 'alerts', 'security', 'retention', 'failsafe'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

export const SETTING_GROUP_KEYS: Readonly<Record<SettingGroup, readonly SettingKey[]>> = {
  binding: [
    'bindMaxAddresses',
    'bindLearnWindowSeconds',
    'bindIpv4Prefix',
    'bindIpv6Prefix',
    'bindRatePerAddress',
    'bindBurstPerAddress',
  ],
  alerts: [
    'alertWebhookUrl',
    'alertFormat',
    'alertWebhookSecret',
    'alertAllowPrivateTargets',
    'alertThresholdCount',
    'alertThresholdSeconds',
    'alertBurstMax',
    'sharingDistinctThreshold',
    'sharingWindowSeconds',
  ],
  security: ['loginMaxFailures', 'loginWindowSeconds', 'loginLockSeconds', 'accessTokenMinutes'],
  retention: ['interceptRetentionDays', 'archiveDays', 'archiveIntervalMinutes'],
  failsafe: ['failsafeMode', 'interceptCommitWaitMs'],
};

export const SETTING_OPTIONS: Partial<Record<SettingKey, readonly string[]>> = {
  failsafeMode: FAILSAFE_MODES,
  alertFormat: ALERT_FORMAT_NAMES,
};

export function integerBounds(key: SettingKey): { min: number; max: number } | null {
  return key in SETTING_INTEGER_BOUNDS ? SETTING_INTEGER_BOUNDS[key as IntegerSettingKey] : null;
}

export const integerValidator: ValidatorFn = (c: AbstractControl): ValidationErrors | null =>
  c.value === null || c.value === '' || Number.isInteger(c.value) ? null : { integer: true };

/** Empty (alerts off) or an http(s) URL without credentials, as the server requires. */
export const webhookUrlValidator: ValidatorFn = (c: AbstractControl): ValidationErrors | null => {
  const value = typeof c.value === 'string' ? c.value.trim() : '';
  if (value === '') return null;
  try {
    const url = new URL(value);
    const ok =
      (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && value.length <= 2048;
    return ok ? null : { url: true };
  } catch {
    return { url: true };
  }
};

/** Empty (unchanged) or 16..512 characters. */
export const secretValidator: ValidatorFn = (c: AbstractControl): ValidationErrors | null => {
  const value = typeof c.value === 'string' ? c.value : '';
  return value === '' || (value.length >= 16 && value.length <= 512) ? null : { secretLength: true };
};

function validatorsFor(key: SettingKey): ValidatorFn[] {
  const bounds = integerBounds(key);
  switch (SETTING_FIELD_KINDS[key]) {
    case 'integer':
      return bounds
        ? [Validators.required, integerValidator, Validators.min(bounds.min), Validators.max(bounds.max)]
        : [Validators.required, integerValidator];
    case 'select':
      return [Validators.required];
    case 'url':
      return [webhookUrlValidator];
    case 'secret':
      return [secretValidator];
    case 'boolean':
      return [];
  }
}

/** The form's value of a setting: secrets start empty (write-only), a null URL as ''. */
export function formValueOf(view: SettingView): SettingFormValue {
  if (view.secret) return '';
  if (view.key === 'alertWebhookUrl') return view.value ?? '';
  return view.value;
}

export function buildSettingsForm(views: readonly SettingView[]): FormRecord<FormControl<SettingFormValue>> {
  const form = new FormRecord<FormControl<SettingFormValue>>({});
  for (const view of views) {
    form.addControl(view.key, new FormControl<SettingFormValue>(formValueOf(view), validatorsFor(view.key)));
  }
  return form;
}

/**
 * Only what changed, ready for `PUT /settings { values }`: a cleared URL becomes null, a secret is
 * sent when typed (or null when `clearSecrets` has it), never otherwise.
 */
export function changedValues(
  views: readonly SettingView[],
  raw: Readonly<Record<string, SettingFormValue>>,
  clearSecrets: ReadonlySet<SettingKey> = new Set(),
): Partial<AdminSettingsValues> {
  const changes: Record<string, unknown> = {};
  for (const view of views) {
    const value = raw[view.key];
    if (view.secret) {
      if (clearSecrets.has(view.key)) {
        if (view.isSet) changes[view.key] = null;
      } else if (typeof value === 'string' && value !== '') {
        changes[view.key] = value;
      }
      continue;
    }
    let next: unknown = value;
    if (view.key === 'alertWebhookUrl') {
      next = typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
    }
    if (next !== view.value) changes[view.key] = next;
  }
  return changes as Partial<AdminSettingsValues>;
}
