import { validateOverrides, validateSettingValue } from './settings-validation';

describe('settings validation', () => {
  it('accepts in-range integers and refuses the rest', () => {
    expect(validateSettingValue('loginMaxFailures', 3)).toEqual({ ok: true, value: 3 });
    expect(validateSettingValue('loginMaxFailures', 0)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/between 1 and/),
    });
    expect(validateSettingValue('loginMaxFailures', 2.5)).toMatchObject({ ok: false });
    expect(validateSettingValue('loginMaxFailures', '3')).toMatchObject({ ok: false });
    expect(validateSettingValue('bindIpv4Prefix', 33)).toMatchObject({ ok: false });
    expect(validateSettingValue('bindIpv6Prefix', 48)).toEqual({ ok: true, value: 48 });
  });

  it('checks enums and booleans', () => {
    expect(validateSettingValue('failsafeMode', 'open')).toEqual({ ok: true, value: 'open' });
    expect(validateSettingValue('failsafeMode', 'ajar')).toMatchObject({ ok: false });
    expect(validateSettingValue('alertFormat', 'slack')).toEqual({ ok: true, value: 'slack' });
    expect(validateSettingValue('alertAllowPrivateTargets', 'yes')).toMatchObject({ ok: false });
  });

  it('checks the webhook URL and secret', () => {
    expect(validateSettingValue('alertWebhookUrl', 'https://hooks.example.com/x')).toEqual({
      ok: true,
      value: 'https://hooks.example.com/x',
    });
    expect(validateSettingValue('alertWebhookUrl', '')).toEqual({ ok: true, value: null });
    expect(validateSettingValue('alertWebhookUrl', 'ftp://x')).toMatchObject({ ok: false });
    expect(validateSettingValue('alertWebhookUrl', 'https://u:p@x')).toMatchObject({ ok: false });
    expect(validateSettingValue('alertWebhookUrl', 'not a url')).toMatchObject({ ok: false });
    expect(validateSettingValue('alertWebhookSecret', 'short')).toMatchObject({ ok: false });
    expect(validateSettingValue('alertWebhookSecret', 'x'.repeat(32))).toEqual({ ok: true, value: 'x'.repeat(32) });
    expect(validateSettingValue('alertWebhookSecret', null)).toEqual({ ok: true, value: null });
  });

  it('collects errors per key, unknown keys included', () => {
    const r = validateOverrides({ loginMaxFailures: 7, nope: 1, archiveDays: -1 });
    expect(r.values).toEqual({ loginMaxFailures: 7 });
    expect(Object.keys(r.errors).sort()).toEqual(['archiveDays', 'nope']);
  });
});
