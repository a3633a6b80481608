import {
  ALERT_FORMAT_NAMES,
  FAILSAFE_MODES,
  SETTING_INTEGER_BOUNDS,
  SETTING_KEYS,
  type IntegerSettingKey,
  type SettingKey,
} from '@sentinel/admin-contract';
import type { RuntimeSettingsValues } from './runtime-settings';

export type SettingValidation<K extends SettingKey = SettingKey> =
  | { ok: true; value: RuntimeSettingsValues[K] }
  | { ok: false; message: string };

const MAX_URL = 2_048;

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

function isIntegerKey(key: SettingKey): key is IntegerSettingKey {
  return Object.prototype.hasOwnProperty.call(SETTING_INTEGER_BOUNDS, key);
}

/** Validates one override value; the message names what is allowed. */
export function validateSettingValue<K extends SettingKey>(key: K, value: unknown): SettingValidation<K> {
  const ok = (v: unknown): SettingValidation<K> => ({ ok: true, value: v as RuntimeSettingsValues[K] });
  const fail = (message: string): SettingValidation<K> => ({ ok: false, message });
  if (isIntegerKey(key)) {
    const { min, max } = SETTING_INTEGER_BOUNDS[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`${key} must be an integer`);
    if (value < min || value > max) return fail(`${key} must be between ${min} and ${max}`);
    return ok(value);
  }
  switch (key) {
    case 'failsafeMode':
      return (FAILSAFE_MODES as readonly unknown[]).includes(value)
        ? ok(value)
        : fail(`failsafeMode must be one of: ${FAILSAFE_MODES.join(', ')}`);
    case 'alertFormat':
      return (ALERT_FORMAT_NAMES as readonly unknown[]).includes(value)
        ? ok(value)
        : fail(`alertFormat must be one of: ${ALERT_FORMAT_NAMES.join(', ')}`);
    case 'alertAllowPrivateTargets':
      return typeof value === 'boolean' ? ok(value) : fail('alertAllowPrivateTargets must be true or false');
    case 'alertWebhookUrl': {
      if (value === null || value === '') return ok(null);
      if (typeof value !== 'string' || value.length > MAX_URL)
        return fail(`alertWebhookUrl must be an http(s) URL of at most ${MAX_URL} characters, or null`);
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return fail('alertWebhookUrl is not a valid URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('alertWebhookUrl must use http or https');
      if (url.username || url.password)
        return fail('alertWebhookUrl must not contain credentials; use alertWebhookSecret to sign deliveries');
      return ok(url.toString());
    }
    case 'alertWebhookSecret':
      if (value === null || value === '') return ok(null);
      if (typeof value !== 'string' || value.length < 16 || value.length > 512) {
        return fail('alertWebhookSecret must be 16 to 512 characters, or null to disable signing');
      }
      return ok(value);
    default:
      return fail(`${String(key)} cannot be changed`);
  }
}

export interface OverrideErrors {
  [key: string]: string;
}

/** Validates a partial update; unknown keys are errors. */
export function validateOverrides(input: Record<string, unknown>): {
  values: Partial<RuntimeSettingsValues>;
  errors: OverrideErrors;
} {
  const values: Record<string, unknown> = {};
  const errors: OverrideErrors = {};
  for (const [key, raw] of Object.entries(input)) {
    if (!isSettingKey(key)) {
      errors[key] = `unknown setting "${key.slice(0, 64)}"`;
      continue;
    }
    const result = validateSettingValue(key, raw);
    if (result.ok) values[key] = result.value;
    else errors[key] = result.message;
  }
  return { values: values as Partial<RuntimeSettingsValues>, errors };
}
