import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppLogger, KV_STORE, type KvStore } from '@sentinel/server-core';
import type { SettingKey } from '@sentinel/admin-contract';
import { RuntimeSettings, type RuntimeSettingsValues } from './runtime-settings';
import { SettingsRepository, type StoredOverride } from './settings.repository';
import { validateOverrides, validateSettingValue, isSettingKey } from './settings-validation';

/** Pub/sub channel on which an instance announces that the overrides changed. */
export const SETTINGS_CHANNEL = 'settings:changed';
/** Safety net for a missed pub/sub message (Redis briefly down): re-read the table this often. */
export const SETTINGS_RELOAD_MS = 30_000;

export interface OverrideMeta {
  updatedBy: string | null;
  updatedAt: Date;
}

export class SettingsValidationError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super('invalid settings');
    this.name = 'SettingsValidationError';
  }
}

export interface SettingsUpdateResult {
  before: Partial<RuntimeSettingsValues>;
  after: Partial<RuntimeSettingsValues>;
  changed: SettingKey[];
}

/**
 * Persists admin overrides in PostgreSQL and keeps every instance's RuntimeSettings in step:
 * overrides are loaded at boot, a change is written, applied here, then announced on pub/sub so
 * other instances re-read the table (the message carries no values: the table is the truth).
 */
@Injectable()
export class SettingsSync implements OnModuleInit, OnApplicationShutdown {
  private meta = new Map<SettingKey, OverrideMeta>();
  private overrides: Partial<RuntimeSettingsValues> = {};
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: RuntimeSettings,
    private readonly repo: SettingsRepository,
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly logger: AppLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload().catch((e: unknown) =>
      this.logger.warn('Could not load settings overrides; using the environment until the next reload', 'Settings', {
        error: (e as Error).message,
      }),
    );
    try {
      this.unsubscribe = await this.kv.subscribe(SETTINGS_CHANNEL, () => void this.reloadQuietly());
    } catch (e) {
      this.logger.warn('Settings pub/sub unavailable; relying on the periodic reload', 'Settings', {
        error: (e as Error).message,
      });
    }
    this.timer = setInterval(() => void this.reloadQuietly(), SETTINGS_RELOAD_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** The current overrides (validated) and who set them. */
  current(): { overrides: Readonly<Partial<RuntimeSettingsValues>>; meta: ReadonlyMap<SettingKey, OverrideMeta> } {
    return { overrides: this.overrides, meta: this.meta };
  }

  /** Re-reads the table and applies it. Invalid stored values are skipped with a warning. */
  async reload(): Promise<void> {
    const rows = await this.repo.list();
    this.install(rows);
  }

  /** Validates, persists, applies locally, broadcasts. Throws SettingsValidationError. */
  async update(
    values: Record<string, unknown>,
    reset: readonly string[],
    actor: string,
  ): Promise<SettingsUpdateResult> {
    const { values: valid, errors } = validateOverrides(values);
    for (const key of reset) {
      if (!isSettingKey(key)) errors[`reset`] = `unknown setting "${key.slice(0, 64)}"`;
      else if (key in values) errors[key] = `${key} cannot be set and reset in one request`;
    }
    if (Object.keys(errors).length > 0) throw new SettingsValidationError(errors);
    const keys = [...Object.keys(valid), ...reset] as SettingKey[];
    const before = this.pick(this.settings.current, keys);
    await this.repo.write(valid, reset, actor);
    await this.reload();
    const after = this.pick(this.settings.current, keys);
    try {
      await this.kv.publish(SETTINGS_CHANNEL, String(Date.now()));
    } catch (e) {
      this.logger.warn(
        'Settings change not broadcast (Redis unreachable); other instances pick it up within the reload interval',
        'Settings',
        {
          error: (e as Error).message,
        },
      );
    }
    return { before, after, changed: keys };
  }

  private async reloadQuietly(): Promise<void> {
    try {
      await this.reload();
    } catch (e) {
      this.logger.debug('Settings reload failed', 'Settings', { error: (e as Error).message });
    }
  }

  private install(rows: readonly StoredOverride[]): void {
    const overrides: Record<string, unknown> = {};
    const meta = new Map<SettingKey, OverrideMeta>();
    for (const row of rows) {
      if (!isSettingKey(row.key)) continue;
      const checked = validateSettingValue(row.key, row.value);
      if (!checked.ok) {
        this.logger.warn('Ignoring an invalid stored setting override', 'Settings', {
          key: row.key,
          error: checked.message,
        });
        continue;
      }
      overrides[row.key] = checked.value;
      meta.set(row.key, { updatedBy: row.updatedBy, updatedAt: row.updatedAt });
    }
    const next = overrides as Partial<RuntimeSettingsValues>;
    const changed = JSON.stringify(next) !== JSON.stringify(this.overrides);
    this.overrides = next;
    this.meta = meta;
    if (changed) {
      this.settings.apply(next);
      this.logger.info('Runtime settings applied', 'Settings', { overrides: Object.keys(next) });
    }
  }

  private pick(values: Readonly<RuntimeSettingsValues>, keys: readonly SettingKey[]): Partial<RuntimeSettingsValues> {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = values[k];
    return out as Partial<RuntimeSettingsValues>;
  }
}
