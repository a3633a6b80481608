import {
  SETTING_INTEGER_BOUNDS,
  SETTING_KEYS,
  type AdminSettingsValues,
  type SettingKey,
  type SettingView,
} from '@sentinel/admin-contract';
import { AppConfig, AppLogger, MemoryKvStore } from '@sentinel/server-core';
import { RuntimeSettings, SettingsSync, type SettingsRepository, type StoredOverride } from '@sentinel/server-settings';
import type { AuditInput, AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import { AdminSettingsService } from './admin-settings.service';

/**
 * Worked example for docs/extending.md, "A new runtime setting".
 *
 * A setting is declared in the contract (AdminSettingsValues, SETTING_KEYS, and its bounds in
 * SETTING_INTEGER_BOUNDS when it is an integer). From there the compiler walks you through the
 * rest — RuntimeSettingsValues and its environment default (server-settings), the console's
 * field kind and labels — and nothing in the API changes: validation, GET/PUT /settings, the
 * audit trail and the broadcast to every instance are driven by SETTING_KEYS. This test proves
 * that for EVERY key, through the real AdminSettingsService → SettingsSync → RuntimeSettings
 * (database and Redis replaced by in-memory stand-ins). Its SAMPLES table is a
 * Record<SettingKey, …>: a new key does not compile until it has a row here, so the new
 * setting is covered the moment it exists.
 */

type Sample<K extends SettingKey> = { valid: AdminSettingsValues[K]; invalid: unknown };
const SAMPLES: { [K in SettingKey]: Sample<K> } = {
  failsafeMode: { valid: 'open', invalid: 'sideways' },
  alertWebhookUrl: { valid: 'https://hooks.example.com/sentinel', invalid: 'ftp://example.com/' },
  alertThresholdCount: { valid: 7, invalid: 1.5 },
  alertThresholdSeconds: { valid: 120, invalid: 'soon' },
  archiveDays: { valid: 14, invalid: -1 },
  bindIpv4Prefix: { valid: 24, invalid: 33 },
  bindIpv6Prefix: { valid: 56, invalid: 129 },
  loginMaxFailures: { valid: 9, invalid: 0 },
  loginWindowSeconds: { valid: 600, invalid: 5 },
  loginLockSeconds: { valid: 1200, invalid: null },
  accessTokenMinutes: { valid: 30, invalid: 0 },
  alertWebhookSecret: { valid: 's'.repeat(24), invalid: 'short' },
  alertFormat: { valid: 'slack', invalid: 'carrier-pigeon' },
  alertAllowPrivateTargets: { valid: true, invalid: 'yes' },
  archiveIntervalMinutes: { valid: 30, invalid: 0 },
  interceptRetentionDays: { valid: 90, invalid: 99_999 },
  alertBurstMax: { valid: 5, invalid: 0 },
  bindRatePerAddress: { valid: 0, invalid: -1 },
  bindBurstPerAddress: { valid: 60, invalid: 1.5 },
  bindMaxAddresses: { valid: 3, invalid: 65 },
  bindLearnWindowSeconds: { valid: 3600, invalid: -1 },
  interceptCommitWaitMs: { valid: 100, invalid: 5_001 },
  sharingWindowSeconds: { valid: 600, invalid: 59 },
  sharingDistinctThreshold: { valid: 5, invalid: 1 },
};

/** The runtime_settings table, in memory; shared by the instances of one test. */
class MemoryRepository {
  rows = new Map<string, StoredOverride>();
  async list(): Promise<StoredOverride[]> {
    return [...this.rows.values()];
  }
  async write(values: Record<string, unknown>, reset: readonly string[], actor: string): Promise<void> {
    for (const [key, value] of Object.entries(values))
      this.rows.set(key, { key, value, updatedBy: actor, updatedAt: new Date() });
    for (const key of reset) this.rows.delete(key);
  }
}

const config = {
  failsafeMode: 'closed',
  alert: { thresholdCount: 5, thresholdSeconds: 300 },
  archive: { days: 30 },
} as unknown as AppConfig;
const logger = new AppLogger('error', () => undefined);
const who = { actor: 'admin', ip: '127.0.0.1' };

function instance(repo: MemoryRepository, kv: MemoryKvStore) {
  const settings = new RuntimeSettings(config);
  const sync = new SettingsSync(settings, repo as unknown as SettingsRepository, kv, logger);
  const audits: AuditInput[] = [];
  const audit = { record: async (e: AuditInput) => void audits.push(e) } as unknown as AuditService;
  return {
    settings,
    sync,
    audits,
    api: new AdminSettingsService(settings, sync, audit, { webhookTargetRefusal: async () => null }),
  };
}

const viewOf = (views: readonly SettingView[], key: SettingKey) => views.find((v) => v.key === key);

describe('extension example: a runtime setting flows contract → validation → API → every instance', () => {
  it('has a sample for every key the contract declares, and a valid sample differs from the default', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...SETTING_KEYS].sort());
    const defaults = new RuntimeSettings(config).defaults;
    for (const key of SETTING_KEYS) expect(SAMPLES[key].valid).not.toEqual(defaults[key]);
  });

  it.each([...SETTING_KEYS])(
    '%s: listed by GET, set by PUT, audited, applied here and on another instance',
    async (key) => {
      const repo = new MemoryRepository();
      const kv = new MemoryKvStore();
      const a = instance(repo, kv);
      const b = instance(repo, kv);
      await a.sync.onModuleInit();
      await b.sync.onModuleInit();
      try {
        expect(viewOf(a.api.view().settings, key)).toMatchObject({ key, source: 'environment' });

        const after = await a.api.update({ [key]: SAMPLES[key].valid }, [], who);
        expect(viewOf(after.settings, key)).toMatchObject({ key, source: 'override', updatedBy: 'admin' });
        expect(a.settings.current[key]).toEqual(SAMPLES[key].valid);
        expect(a.audits).toEqual([expect.objectContaining({ action: 'settings.update', targetId: key })]);

        // The other instance: the broadcast makes it reload (MemoryKvStore delivers synchronously or
        // soon after); its own reload is what the periodic timer would do anyway.
        await b.sync.reload();
        expect(b.settings.current[key]).toEqual(SAMPLES[key].valid);

        await a.api.update({}, [key], who);
        expect(a.settings.current[key]).toEqual(a.settings.defaults[key]);
      } finally {
        await a.sync.onApplicationShutdown();
        await b.sync.onApplicationShutdown();
      }
    },
  );

  it.each([...SETTING_KEYS])(
    '%s: an invalid value is refused with the field named, and nothing changes',
    async (key) => {
      const repo = new MemoryRepository();
      const a = instance(repo, new MemoryKvStore());
      const before = { ...a.settings.current };
      let error: unknown;
      try {
        await a.api.update({ [key]: SAMPLES[key].invalid }, [], who);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AdminApiError);
      expect((error as AdminApiError).status).toBe(400);
      expect((error as AdminApiError).fields?.map((f) => f.field)).toEqual([`values.${key}`]);
      expect(a.settings.current).toEqual(before);
      expect(repo.rows.size).toBe(0);
    },
  );

  it('integer settings take their bounds from the contract alone', async () => {
    for (const [key, { min, max }] of Object.entries(SETTING_INTEGER_BOUNDS) as [
      SettingKey,
      { min: number; max: number },
    ][]) {
      const a = instance(new MemoryRepository(), new MemoryKvStore());
      await expect(a.api.update({ [key]: min - 1 }, [], who)).rejects.toBeInstanceOf(AdminApiError);
      await expect(a.api.update({ [key]: max + 1 }, [], who)).rejects.toBeInstanceOf(AdminApiError);
      await a.api.update({ [key]: max }, [], who);
      expect(a.settings.current[key]).toBe(max);
    }
  });
});
