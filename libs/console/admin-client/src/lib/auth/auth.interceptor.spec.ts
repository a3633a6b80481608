import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { catchError, firstValueFrom, map, of } from 'rxjs';

import { provideAdminClient } from '../config/provide-admin-client';
import { AccountStore } from './account.store';
import { AUTH_TOKEN_STORAGE_KEY, AuthTokenStore } from './auth-token.store';
import { authInterceptor } from './auth.interceptor';

@Component({ template: '' })
class BlankPage {}

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let tokens: AuthTokenStore;
  let router: Router;

  function setUp(adminClient = provideAdminClient()): void {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'login', component: BlankPage },
          {
            path: 'audit',
            component: BlankPage,
            // A guard that asks the API, as a page's resolver or guard will.
            canActivate: [
              () =>
                inject(HttpClient)
                  .get('/admin/api/me')
                  .pipe(
                    map(() => true),
                    catchError(() => of(false)),
                  ),
            ],
          },
          { path: '**', component: BlankPage },
        ]),
        adminClient,
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    tokens = TestBed.inject(AuthTokenStore);
    router = TestBed.inject(Router);
  }

  /**
   * Sends GET `url`, answers it with `status`, and returns the error the caller saw (if any). With
   * `refresh`, the silent refresh that a 401 starts is answered with that status.
   */
  async function answer(url: string, status: number, refresh?: number): Promise<HttpErrorResponse | undefined> {
    const response = firstValueFrom(http.get(url));
    backend.expectOne(url).flush(status === 200 ? {} : { message: 'no' }, {
      status,
      statusText: 'x',
    });
    if (refresh !== undefined)
      backend.expectOne('/admin/api/session/refresh').flush({ message: 'no' }, { status: refresh, statusText: 'x' });
    try {
      await response;
      return undefined;
    } catch (error) {
      return error as HttpErrorResponse;
    }
  }

  beforeEach(() => sessionStorage.clear());

  afterEach(() => {
    backend.verify();
    sessionStorage.clear();
  });

  describe('Authorization header', () => {
    beforeEach(() => setUp());

    it('is attached to admin API requests when signed in', () => {
      tokens.set('a.b.c');

      http.get('/admin/api/bindings?page=1').subscribe();

      const req = backend.expectOne('/admin/api/bindings?page=1');
      expect(req.request.headers.get('Authorization')).toBe('Bearer a.b.c');
      req.flush([]);
    });

    it('is attached to the base URL itself', () => {
      tokens.set('a.b.c');

      http.get('/admin/api').subscribe();

      const req = backend.expectOne('/admin/api');
      expect(req.request.headers.get('Authorization')).toBe('Bearer a.b.c');
      req.flush({});
    });

    it('is absent when signed out', () => {
      http.post('/admin/api/login', { password: 'x' }).subscribe();

      const req = backend.expectOne('/admin/api/login');
      expect(req.request.headers.has('Authorization')).toBe(false);
      req.flush({});
    });

    it.each(['/v1/chat/completions', '/admin/apix/bindings', '/admin/api-docs', 'https://example.com/admin/api/x'])(
      'is never sent outside the admin API (%s)',
      (url) => {
        tokens.set('a.b.c');

        http.get(url).subscribe();

        const req = backend.expectOne(url);
        expect(req.request.headers.has('Authorization')).toBe(false);
        req.flush({});
      },
    );

    it('follows a custom base URL from provideAdminClient()', () => {
      TestBed.resetTestingModule();
      setUp(
        provideAdminClient({
          baseUrl: 'https://sentinel.example.com/admin/api/',
        }),
      );
      tokens.set('a.b.c');

      http.get('https://sentinel.example.com/admin/api/settings').subscribe();
      http.get('/admin/api/settings').subscribe();

      const absolute = backend.expectOne('https://sentinel.example.com/admin/api/settings');
      const relative = backend.expectOne('/admin/api/settings');
      expect(absolute.request.headers.get('Authorization')).toBe('Bearer a.b.c');
      expect(relative.request.headers.has('Authorization')).toBe(false);
      absolute.flush({});
      relative.flush({});
    });
  });

  describe('401 from the admin API', () => {
    beforeEach(() => setUp());

    it('clears the token and navigates to /login with the current URL as returnUrl', async () => {
      await router.navigateByUrl('/bindings?status=banned');
      tokens.set('expired.jwt.token');

      const error = await answer('/admin/api/bindings', 401, 401);

      expect(error?.status).toBe(401);
      expect(tokens.token()).toBeNull();
      expect(sessionStorage.getItem(AUTH_TOKEN_STORAGE_KEY)).toBeNull();
      await TestBed.inject(ApplicationRef).whenStable(); // the redirect is a pending task
      const url = router.parseUrl(router.url);
      expect(url.root.children['primary']?.segments.map((s) => s.path)).toEqual(['login']);
      expect(url.queryParams['returnUrl']).toBe('/bindings?status=banned');
    });

    it('uses the target of a navigation in progress as returnUrl', async () => {
      await router.navigateByUrl('/dashboard');
      tokens.set('expired.jwt.token');

      const navigation = router.navigateByUrl('/audit?page=2');
      await new Promise((resolve) => setTimeout(resolve)); // the guard sends its request
      backend.expectOne('/admin/api/me').flush(null, { status: 401, statusText: 'Unauthorized' });
      backend.expectOne('/admin/api/session/refresh').flush(null, { status: 401, statusText: 'Unauthorized' });
      expect(await navigation).toBe(false);
      await TestBed.inject(ApplicationRef).whenStable();

      expect(tokens.token()).toBeNull();
      expect(router.parseUrl(router.url).queryParams['returnUrl']).toBe('/audit?page=2');
    });

    it('renews the access token silently from the refresh cookie and retries once', async () => {
      tokens.set('expired.jwt.token');
      const navigate = jest.spyOn(router, 'navigate');

      const response = firstValueFrom(http.get('/admin/api/bindings'));
      backend.expectOne('/admin/api/bindings').flush(null, { status: 401, statusText: 'Unauthorized' });
      const refresh = backend.expectOne('/admin/api/session/refresh');
      expect(refresh.request.method).toBe('POST');
      expect(refresh.request.withCredentials).toBe(true);
      expect(refresh.request.headers.has('Authorization')).toBe(false);
      refresh.flush({
        accessToken: 'fresh.jwt.token',
        tokenType: 'Bearer',
        expiresIn: 900,
        expiresAt: new Date().toISOString(),
        account: { username: 'vic', role: 'viewer', displayName: null, via: 'session', tokenName: null },
      });
      const retry = backend.expectOne('/admin/api/bindings');
      expect(retry.request.headers.get('Authorization')).toBe('Bearer fresh.jwt.token');
      retry.flush({ items: [] });

      expect(await response).toEqual({ items: [] });
      expect(tokens.token()).toBe('fresh.jwt.token');
      expect(TestBed.inject(AccountStore).role()).toBe('viewer');
      expect(navigate).not.toHaveBeenCalled();
    });

    it('does not redirect again while already on the login page (bad credentials)', async () => {
      await router.navigateByUrl('/login?returnUrl=%2Flogs');
      const navigate = jest.spyOn(router, 'navigate');

      const error = await answer('/admin/api/login', 401);

      expect(error?.status).toBe(401);
      expect(navigate).not.toHaveBeenCalled();
      expect(router.url).toBe('/login?returnUrl=%2Flogs');
    });

    it('leaves other errors alone', async () => {
      tokens.set('a.b.c');
      const navigate = jest.spyOn(router, 'navigate');

      const forbidden = await answer('/admin/api/settings', 403);
      const unavailable = await answer('/admin/api/settings', 503);

      expect(forbidden?.status).toBe(403);
      expect(unavailable?.status).toBe(503);
      expect(tokens.token()).toBe('a.b.c');
      expect(navigate).not.toHaveBeenCalled();
    });

    it('ignores a 401 from outside the admin API', async () => {
      tokens.set('a.b.c');
      const navigate = jest.spyOn(router, 'navigate');

      const error = await answer('/v1/models', 401);

      expect(error?.status).toBe(401);
      expect(tokens.token()).toBe('a.b.c');
      expect(navigate).not.toHaveBeenCalled();
    });
  });
});
