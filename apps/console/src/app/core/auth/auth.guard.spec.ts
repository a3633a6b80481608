import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { AUTH_TOKEN_STORAGE_KEY, AuthTokenStore } from '@sentinel/admin-client';

import { authGuard } from './auth.guard';

@Component({ template: '' })
class Blank {}

describe('authGuard', () => {
  beforeEach(() => {
    sessionStorage.removeItem(AUTH_TOKEN_STORAGE_KEY);
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'login', component: Blank },
          { path: 'bindings', component: Blank, canActivate: [authGuard] },
        ]),
      ],
    });
  });

  it('sends a signed-out admin to /login with the target as returnUrl', async () => {
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/bindings?token=abc');
    expect(router.url).toBe('/login?returnUrl=%2Fbindings%3Ftoken%3Dabc');
  });

  it('lets a signed-in admin through', async () => {
    TestBed.inject(AuthTokenStore).set('a.b.c');
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/bindings');
    expect(router.url).toBe('/bindings');
  });
});
