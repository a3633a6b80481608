import { ACCOUNT_STORAGE_KEY } from '@sentinel/admin-client';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { SETTING_KEYS, type SettingView, type SettingsResponse } from '@sentinel/admin-contract';

import { Settings } from './settings';
import { SETTING_GROUP_KEYS, buildSettingsForm, changedValues } from './settings-form';

const views: SettingView[] = [
  {
    key: 'failsafeMode',
    secret: false,
    value: 'closed',
    defaultValue: 'closed',
    source: 'environment',
    updatedAt: null,
    updatedBy: null,
  },
  {
    key: 'alertWebhookUrl',
    secret: false,
    value: null,
    defaultValue: null,
    source: 'environment',
    updatedAt: null,
    updatedBy: null,
  },
  {
    key: 'bindIpv4Prefix',
    secret: false,
    value: 24,
    defaultValue: 32,
    source: 'override',
    updatedAt: '2026-01-01T00:00:00Z',
    updatedBy: 'admin',
  },
  {
    key: 'alertWebhookSecret',
    secret: true,
    value: null,
    isSet: true,
    source: 'override',
    updatedAt: null,
    updatedBy: null,
  },
  {
    key: 'alertAllowPrivateTargets',
    secret: false,
    value: false,
    defaultValue: false,
    source: 'environment',
    updatedAt: null,
    updatedBy: null,
  },
];

describe('settings form', () => {
  it('validates bounds, integers, URLs and secret length', () => {
    const form = buildSettingsForm(views);
    form.controls['bindIpv4Prefix'].setValue(7);
    expect(form.controls['bindIpv4Prefix'].hasError('min')).toBe(true);
    form.controls['bindIpv4Prefix'].setValue(24.5);
    expect(form.controls['bindIpv4Prefix'].hasError('integer')).toBe(true);
    form.controls['bindIpv4Prefix'].setValue(null);
    expect(form.controls['bindIpv4Prefix'].hasError('required')).toBe(true);
    form.controls['alertWebhookUrl'].setValue('ftp://x');
    expect(form.controls['alertWebhookUrl'].hasError('url')).toBe(true);
    form.controls['alertWebhookUrl'].setValue('https://user:pw@hooks.example/x');
    expect(form.controls['alertWebhookUrl'].hasError('url')).toBe(true);
    form.controls['alertWebhookUrl'].setValue('');
    expect(form.controls['alertWebhookUrl'].valid).toBe(true);
    form.controls['alertWebhookSecret'].setValue('short');
    expect(form.controls['alertWebhookSecret'].hasError('secretLength')).toBe(true);
  });

  it('starts secrets empty and sends only what changed', () => {
    const form = buildSettingsForm(views);
    expect(form.controls['alertWebhookSecret'].value).toBe('');
    expect(changedValues(views, form.getRawValue())).toEqual({});

    form.controls['bindIpv4Prefix'].setValue(16);
    form.controls['alertWebhookUrl'].setValue(' https://hooks.example/x ');
    form.controls['alertWebhookSecret'].setValue('0123456789abcdef');
    expect(changedValues(views, form.getRawValue())).toEqual({
      bindIpv4Prefix: 16,
      alertWebhookUrl: 'https://hooks.example/x',
      alertWebhookSecret: '0123456789abcdef',
    });
  });

  it('clears a set secret with null', () => {
    const form = buildSettingsForm(views);
    expect(changedValues(views, form.getRawValue(), new Set(['alertWebhookSecret']))).toEqual({
      alertWebhookSecret: null,
    });
  });
});

describe('Settings page', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    // Saving and resets are shown to admins only (*appCan="'admin'").
    sessionStorage.setItem(
      ACCOUNT_STORAGE_KEY,
      JSON.stringify({ username: 'admin', role: 'admin', displayName: null, via: 'session', tokenName: null }),
    );
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    // The operations card on the page loads the archive history; it has its own spec.
    for (const r of backend.match('/admin/api/archive/runs')) r.flush({ items: [] });
    for (const r of backend.match('/admin/api/alerts/deliveries')) r.flush({ items: [] });
    backend.verify();
    jest.restoreAllMocks();
  });

  async function render() {
    const fixture = TestBed.createComponent(Settings);
    backend
      .expectOne({ method: 'GET', url: '/admin/api/settings' })
      .flush({ settings: views } satisfies SettingsResponse);
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('shows sources, a reset for overrides and a write-only secret', async () => {
    const { el } = await render();
    expect(el.querySelector('[data-testid="source-bindIpv4Prefix"]')?.textContent?.trim()).toBe('Override');
    expect(el.querySelector('[data-testid="source-failsafeMode"]')?.textContent?.trim()).toBe('Environment default');
    expect(el.querySelector('[data-testid="reset-bindIpv4Prefix"]')).not.toBeNull();
    expect(el.querySelector('[data-testid="reset-failsafeMode"]')).toBeNull();
    expect(el.querySelector<HTMLInputElement>('[data-testid="input-alertWebhookSecret"]')?.value).toBe('');
    expect(el.querySelector('[data-testid="secret-state-alertWebhookSecret"]')?.textContent).toContain(
      'A secret is set.',
    );
    expect(el.querySelector('[data-testid="setting-bindIpv4Prefix"]')?.textContent).toContain('Default: 32');
  });

  it('saves the changed values and resets one to its default', async () => {
    const { el, fixture } = await render();
    const input = el.querySelector<HTMLInputElement>('[data-testid="input-bindIpv4Prefix"]');
    if (!input) throw new Error('no input');
    input.value = '20';
    input.dispatchEvent(new Event('input'));
    el.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')?.click();
    const put = backend.expectOne({ method: 'PUT', url: '/admin/api/settings' });
    expect(put.request.body).toEqual({ values: { bindIpv4Prefix: 20 } });
    put.flush({ settings: views });
    await fixture.whenStable();

    el.querySelector<HTMLButtonElement>('[data-testid="reset-bindIpv4Prefix"]')?.click();
    backend.expectOne({ method: 'DELETE', url: '/admin/api/settings/bindIpv4Prefix' }).flush({
      settings: views.map((v) => (v.key === 'bindIpv4Prefix' ? { ...v, value: 32, source: 'environment' } : v)),
    });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="source-bindIpv4Prefix"]')?.textContent?.trim()).toBe('Environment default');
  });

  it('does not send an invalid form', async () => {
    const { el } = await render();
    const input = el.querySelector<HTMLInputElement>('[data-testid="input-bindIpv4Prefix"]');
    if (!input) throw new Error('no input');
    input.value = '99';
    input.dispatchEvent(new Event('input'));
    el.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')?.click();
    backend.expectNone({ method: 'PUT', url: '/admin/api/settings' });
  });

  it('puts every setting in exactly one group', () => {
    const grouped = Object.values(SETTING_GROUP_KEYS).flat();
    expect([...grouped].sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('groups the cards, translates failsafe values and shows a switch in its real state', async () => {
    const { el, fixture } = await render();
    const groups = Array.from(el.querySelectorAll('[data-testid^="group-"]')).map((g) => g.getAttribute('data-testid'));
    expect(groups).toEqual(['group-binding', 'group-alerts', 'group-failsafe']);
    expect(el.querySelector('[data-testid="group-alerts"] [data-testid="setting-alertWebhookUrl"]')).not.toBeNull();
    const toggle = el.querySelector('[data-testid="input-alertAllowPrivateTargets"]');
    expect(toggle?.textContent?.trim()).toBe('Disabled');
    toggle?.querySelector<HTMLButtonElement>('button')?.click();
    fixture.detectChanges();
    expect(toggle?.textContent?.trim()).toBe('Enabled');
    expect(el.querySelector('[data-testid="input-failsafeMode"]')?.textContent).toContain('Closed: refuse new keys');
  });

  it('shows the server refusal of a webhook URL under that field', async () => {
    const { el, fixture } = await render();
    const input = el.querySelector<HTMLInputElement>('[data-testid="input-alertWebhookUrl"]');
    if (!input) throw new Error('no input');
    input.value = 'http://127.0.0.1:9/hook';
    input.dispatchEvent(new Event('input'));
    el.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')?.click();
    backend.expectOne({ method: 'PUT', url: '/admin/api/settings' }).flush(
      {
        error: {
          code: 'validation_failed',
          message: 'Invalid settings.',
          fields: [{ field: 'values.alertWebhookUrl', messages: ['the target 127.0.0.1 is a loopback address'] }],
        },
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="field-error-alertWebhookUrl"]')?.textContent).toContain(
      'the target 127.0.0.1 is a loopback address',
    );
  });
});
