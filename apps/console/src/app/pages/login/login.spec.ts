import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { AUTH_TOKEN_STORAGE_KEY, AuthTokenStore, authInterceptor } from '@sentinel/admin-client';
import type { AdminErrorBody, LoginResponse } from '@sentinel/admin-contract';

import { Login } from './login';

@Component({ template: '<p>target</p>' })
class Target {}

describe('Login', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    sessionStorage.removeItem(AUTH_TOKEN_STORAGE_KEY);
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter(
          [
            { path: 'login', component: Login },
            { path: 'dashboard', component: Target },
            { path: 'bindings', component: Target },
          ],
          withComponentInputBinding(),
        ),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    backend.verify();
    jest.restoreAllMocks();
    sessionStorage.removeItem(AUTH_TOKEN_STORAGE_KEY);
  });

  async function render(
    url = '/login',
    oidc: { enabled: boolean; name: string | null } = { enabled: false, name: null },
  ) {
    const harness = await RouterTestingHarness.create(url);
    // The page asks once whether single sign-on is configured.
    backend.expectOne('/admin/api/oidc').flush(oidc);
    await harness.fixture.whenStable();
    const el = harness.fixture.nativeElement as HTMLElement;
    const input = () => el.querySelector<HTMLInputElement>('[data-testid="login-password"]');
    const submit = async (password: string) => {
      const field = input();
      if (!field) throw new Error('no password field');
      field.value = password;
      field.dispatchEvent(new Event('input'));
      el.querySelector<HTMLButtonElement>('[data-testid="login-submit"]')?.click();
      await harness.fixture.whenStable();
    };
    const error = () => el.querySelector('[data-testid="login-error"]')?.textContent?.trim() ?? '';
    return { harness, el, input, submit, error };
  }

  function fail(status: number, body: AdminErrorBody) {
    backend.expectOne('/admin/api/login').flush(body, { status, statusText: 'error' });
  }

  const ok: LoginResponse = {
    accessToken: 'a.b.c',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2030-01-01T00:00:00Z',
    account: { username: 'admin', role: 'admin', displayName: null, via: 'session', tokenName: null },
  };

  it('offers "Sign in with …" when single sign-on is configured, and none otherwise', async () => {
    const without = await render();
    expect(without.el.querySelector('[data-testid="login-sso"]')).toBeNull();
  });

  it('shows the button linking to oidc/start', async () => {
    const { el } = await render('/login', { enabled: true, name: 'Team IdP' });
    const link = el.querySelector<HTMLAnchorElement>('[data-testid="login-sso"]');
    expect(link?.textContent?.trim()).toBe('Sign in with Team IdP');
    expect(link?.getAttribute('href')).toBe('/admin/api/oidc/start');
  });

  it('after a refused single sign-on says why', async () => {
    const { error } = await render('/login?sso=denied');
    expect(error()).toContain('Single sign-on refused');
  });

  it('has a labelled, focused password field', async () => {
    const { el, input } = await render();
    const labels = Array.from(el.querySelectorAll('mat-label'), (l) => l.textContent?.trim());
    // The username is optional (empty: the built-in admin), the password comes focused.
    expect(labels).toEqual(['Username', 'Admin password']);
    expect(document.activeElement).toBe(input());
  });

  it('does not call the API without a password', async () => {
    const { submit, el, harness } = await render();
    await submit('');
    await harness.fixture.whenStable();
    expect(el.querySelector('mat-error')?.textContent).toContain('Enter the admin password.');
    backend.expectNone('/admin/api/login');
  });

  it('signs in and goes back to an internal returnUrl', async () => {
    const { submit, harness } = await render('/login?returnUrl=%2Fbindings%3Ftoken%3Dab');
    await submit('secret');
    const req = backend.expectOne('/admin/api/login');
    expect(req.request.body).toEqual({ password: 'secret' });
    req.flush(ok);
    await harness.fixture.whenStable();
    expect(TestBed.inject(AuthTokenStore).token()).toBe('a.b.c');
    expect(TestBed.inject(Router).url).toBe('/bindings?token=ab');
  });

  it('ignores an external returnUrl', async () => {
    const { submit, harness } = await render('/login?returnUrl=%2F%2Fevil.example');
    await submit('secret');
    backend.expectOne('/admin/api/login').flush(ok);
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it('says so on a wrong password and stays on the page', async () => {
    const { submit, error, harness, input } = await render();
    await submit('nope');
    fail(401, { error: { code: 'unauthorized', message: 'Invalid credentials' } });
    await harness.fixture.whenStable();
    expect(error()).toBe('Wrong password.');
    expect(input()?.value).toBe('');
    // The emptied field is ready for the next attempt, not flagged as missing.
    expect(harness.fixture.nativeElement.querySelector('mat-error')).toBeNull();
    expect(input()?.getAttribute('aria-invalid')).not.toBe('true');
    expect(TestBed.inject(Router).url).toBe('/login');
  });

  it('explains a locked account with when to retry', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1, 12, 0, 0));
    const { submit, error, harness } = await render();
    await submit('nope');
    fail(429, {
      error: { code: 'locked', message: 'Locked', retryAfterSeconds: 300 },
    });
    await harness.fixture.whenStable();
    expect(error()).toMatch(/account is locked\. Try again at .+ \(in about 5 min\)/);
  });

  it('says when the wrong password just locked the account', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1, 12, 0, 0));
    const { submit, error, harness } = await render();
    await submit('nope');
    fail(401, {
      error: { code: 'unauthorized', message: 'Invalid', retryAfterSeconds: 900 },
    });
    await harness.fixture.whenStable();
    expect(error()).toMatch(/^Wrong password\. Too many failed attempts.*in about 15 min/);
  });

  it('shows a network error', async () => {
    const { submit, error, harness } = await render();
    await submit('x');
    backend.expectOne('/admin/api/login').error(new ProgressEvent('error'), { status: 0 });
    await harness.fixture.whenStable();
    expect(error()).toContain('cannot be reached');
  });
});
