import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { Router } from '@angular/router';

import { AUTH_TOKEN_STORAGE_KEY } from '@sentinel/admin-client';

import { App } from './app';
import { appConfig } from './app.config';

describe('App', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.setItem(AUTH_TOKEN_STORAGE_KEY, 'a.b.c');
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    TestBed.configureTestingModule({ providers: appConfig.providers });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    localStorage.clear();
  });

  it('boots with the real configuration into the shell and the dashboard', async () => {
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/');
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;

    expect(element.querySelector('app-shell mat-toolbar')?.textContent).toContain('Sentinel');
    expect(element.querySelector('h1')?.textContent?.trim()).toBe('Dashboard');
    expect(TestBed.inject(Title).getTitle()).toBe('Dashboard · Sentinel');
    expect(document.documentElement.classList).toContain('theme-light');
    expect(document.documentElement.lang).toBe('en');
  });

  it('sends unknown URLs to the dashboard', async () => {
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/no/such/page');
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it('sends a signed-out admin to the login page, remembering where they were going', async () => {
    sessionStorage.removeItem(AUTH_TOKEN_STORAGE_KEY);
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl('/logs');
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/login?returnUrl=%2Flogs');
    expect((fixture.nativeElement as HTMLElement).querySelector('app-login input[type="password"]')).not.toBeNull();
  });
});
