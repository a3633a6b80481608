import { ADMIN_API_PREFIX, adminPath } from './paths';
import { SECRET_SETTING_KEYS, SETTING_INTEGER_BOUNDS, SETTING_KEYS, type SettingKey } from './settings';

describe('admin contract', () => {
  it('keeps the original tool’s paths', () => {
    expect(ADMIN_API_PREFIX).toBe('/admin/api');
    expect(adminPath('login')).toBe('/admin/api/login');
    expect(adminPath('setRule')).toBe('/admin/api/bindings/ip');
    expect(adminPath('logsExport')).toBe('/admin/api/logs/export');
    expect(adminPath('bindingDetail', { id: '42' })).toBe('/admin/api/bindings/42');
    expect(adminPath('settingReset', { key: 'a/b' }, '/x')).toBe('/x/settings/a%2Fb');
    expect(() => adminPath('bindingDetail')).toThrow(/missing :id/);
  });

  it('lists every setting key exactly once', () => {
    // Compile-time: every key of AdminSettingsValues is in SETTING_KEYS.
    type Missing = Exclude<SettingKey, (typeof SETTING_KEYS)[number]>;
    const none: Missing[] = [];
    expect(none).toEqual([]);
    expect(new Set(SETTING_KEYS).size).toBe(SETTING_KEYS.length);
    for (const k of SECRET_SETTING_KEYS) expect(SETTING_KEYS).toContain(k);
    for (const k of Object.keys(SETTING_INTEGER_BOUNDS)) expect(SETTING_KEYS).toContain(k);
  });
});
