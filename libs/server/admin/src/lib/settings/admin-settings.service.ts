import { Injectable } from '@nestjs/common';
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
  type RuntimeSettingsValues,
} from '@sentinel/server-settings';
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
}

function pick(values: Partial<RuntimeSettingsValues>, keys: readonly string[]): Partial<RuntimeSettingsValues> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (values as Record<string, unknown>)[k];
  return out as Partial<RuntimeSettingsValues>;
}
