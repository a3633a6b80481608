import { Inject, Injectable } from '@nestjs/common';
import {
  SECRET_SETTING_KEYS,
  SETTING_KEYS,
  type SettingKey,
  type SettingView,
  type SettingsResponse,
} from '@sentinel/admin-contract';
import {
  RuntimeSettings,
  SettingsSync,
  SettingsValidationError,
  validateSettingValue,
  type RuntimeSettingsValues,
} from '@sentinel/server-settings';
import { AlertService } from '@sentinel/server-alert';
import { AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import type { Who } from '../bindings/admin-bindings.service';

const SECRET = new Set<string>(SECRET_SETTING_KEYS);

/** Secrets never leave the server, not even in the audit trail: only whether one is set. */
function redact(values: Partial<RuntimeSettingsValues>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = SECRET.has(k) ? { isSet: v !== null && v !== undefined } : v;
  return out;
}

@Injectable()
export class AdminSettingsService {
  constructor(
    private readonly settings: RuntimeSettings,
    private readonly sync: SettingsSync,
    private readonly audit: AuditService,
    @Inject(AlertService) private readonly alerts: Pick<AlertService, 'webhookTargetRefusal'>,
  ) {}

  view(): SettingsResponse {
    const { overrides, meta } = this.sync.current();
    const current = this.settings.current;
    const defaults = this.settings.defaults;
    const settings = SETTING_KEYS.map((key): SettingView => {
      const overridden = Object.prototype.hasOwnProperty.call(overrides, key);
      const m = meta.get(key);
      const base = {
        source: overridden ? ('override' as const) : ('environment' as const),
        updatedAt: m ? m.updatedAt.toISOString() : null,
        updatedBy: m ? m.updatedBy : null,
      };
      if (key === 'alertWebhookSecret')
        return { key, ...base, secret: true, value: null, isSet: current[key] !== null };
      return { key, ...base, secret: false, value: current[key], defaultValue: defaults[key] } as SettingView;
    });
    return { settings };
  }

  async update(values: Record<string, unknown>, reset: readonly SettingKey[], who: Who): Promise<SettingsResponse> {
    if (Object.keys(values).length === 0 && reset.length === 0) {
      throw AdminApiError.validation([{ field: 'values', messages: ['nothing to change: give values and/or reset'] }]);
    }
    await this.refuseUndeliverableWebhook(values, reset);
    let result;
    try {
      result = await this.sync.update(values, reset, who.actor);
    } catch (e) {
      if (e instanceof SettingsValidationError) {
        throw AdminApiError.validation(
          Object.entries(e.fields).map(([k, m]) => ({ field: k === 'reset' ? 'reset' : `values.${k}`, messages: [m] })),
        );
      }
      throw e;
    }
    const setKeys = Object.keys(values);
    if (setKeys.length > 0) {
      await this.audit.record({
        actor: who.actor,
        action: 'settings.update',
        targetType: 'settings',
        targetId: setKeys.join(','),
        before: redact(pick(result.before, setKeys)),
        after: redact(pick(result.after, setKeys)),
        ip: who.ip,
      });
    }
    if (reset.length > 0) {
      await this.audit.record({
        actor: who.actor,
        action: 'settings.reset',
        targetType: 'settings',
        targetId: reset.join(','),
        before: redact(pick(result.before, reset)),
        after: redact(pick(result.after, reset)),
        ip: who.ip,
      });
    }
    return this.view();
  }

  /**
   * A webhook URL that alert delivery would refuse (loopback, metadata, private spellings such as
   * `http://0x7f.1/` or `http://[::ffff:127.0.0.1]/`, a name resolving to one) is refused when it
   * is saved, by delivery's own guard and in its words (AlertService.webhookTargetRefusal), so
   * the admin learns it now rather than from a failed alert. Checked when the request sets the
   * URL, or turns private targets off while a URL is configured. Nothing is saved on refusal.
   * Delivery keeps its own check: DNS can change after the save.
   */
  private async refuseUndeliverableWebhook(
    values: Record<string, unknown>,
    reset: readonly SettingKey[],
  ): Promise<void> {
    const setsUrl = Object.prototype.hasOwnProperty.call(values, 'alertWebhookUrl');
    const setsAllow = Object.prototype.hasOwnProperty.call(values, 'alertAllowPrivateTargets');
    if (!setsUrl && !setsAllow && !reset.includes('alertAllowPrivateTargets')) return;
    const url = after('alertWebhookUrl', values, reset, this.settings);
    const allow = after('alertAllowPrivateTargets', values, reset, this.settings);
    // A malformed URL or switch is left to the settings validation and its own messages.
    const checked = validateSettingValue('alertWebhookUrl', url);
    if (!checked.ok || checked.value === null || allow !== false) return;
    const refusal = await this.alerts.webhookTargetRefusal(checked.value, false);
    if (refusal === null) return;
    const field = setsUrl ? 'values.alertWebhookUrl' : setsAllow ? 'values.alertAllowPrivateTargets' : 'reset';
    throw AdminApiError.validation(
      [{ field, messages: [refusal] }],
      `The alert webhook URL is not allowed: ${refusal}`,
    );
  }
}

/**
 * The webhook URL and private-target switch as they would be after the update: the value given,
 * the environment default for a reset, else the current value.
 */
function after<K extends 'alertWebhookUrl' | 'alertAllowPrivateTargets'>(
  key: K,
  values: Record<string, unknown>,
  reset: readonly SettingKey[],
  settings: RuntimeSettings,
): unknown {
  if (Object.prototype.hasOwnProperty.call(values, key)) return values[key];
  return reset.includes(key) ? settings.defaults[key] : settings.current[key];
}

function pick(values: Partial<RuntimeSettingsValues>, keys: readonly string[]): Partial<RuntimeSettingsValues> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (values as Record<string, unknown>)[k];
  return out as Partial<RuntimeSettingsValues>;
}
