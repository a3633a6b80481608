import {
  HttpErrorResponse,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
  HttpResponse,
  HttpStatusCode,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { adminPath, type LoginResponse } from '@sentinel/admin-contract';
import { Observable, catchError, filter, finalize, map, shareReplay, switchMap, throwError } from 'rxjs';

import { ADMIN_API_CONFIG, isAdminApiUrl } from '../config/admin-api.config';
import { AccountStore } from './account.store';
import { AuthTokenStore } from './auth-token.store';

/** The console route that signs an admin in; it reads `returnUrl` to go back afterwards. */
export const LOGIN_PATH = '/login';

/** One refresh at a time: parallel 401s wait for the same new token. */
let refreshing: Observable<LoginResponse> | null = null;

/**
 * For admin API requests only (URL under `AdminApiConfig.baseUrl`): attaches
 * `Authorization: Bearer <jwt>` when signed in. On a 401 it first renews the access token silently
 * (POST session/refresh: the HttpOnly refresh cookie, which rotates) and retries once; only when
 * that fails does it drop the token and send the admin to `/login?returnUrl=<where they were>`.
 * Every other request passes through untouched, so the JWT never leaks to a third-party URL. The
 * error is re-thrown in all cases so callers can still react.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const { baseUrl } = inject(ADMIN_API_CONFIG);
  if (!isAdminApiUrl(req.url, baseUrl)) {
    return next(req);
  }

  const tokens = inject(AuthTokenStore);
  const accounts = inject(AccountStore);
  const router = inject(Router);
  const token = tokens.token();
  const withToken = (t: string | null) => (t ? req.clone({ setHeaders: { Authorization: `Bearer ${t}` } }) : req);
  const refreshUrl = adminPath('refresh', {}, baseUrl);
  const signOut = (error: unknown) => {
    tokens.clear();
    accounts.clear();
    redirectToLogin(router);
    return throwError(() => error);
  };

  return next(withToken(token)).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse) || error.status !== HttpStatusCode.Unauthorized) {
        return throwError(() => error);
      }
      // Bad credentials on the login form, a failed refresh, or nobody signed in: no retry.
      if (!token || req.url === refreshUrl || req.url === adminPath('login', {}, baseUrl)) return signOut(error);
      return refresh(next, refreshUrl).pipe(
        catchError(() => signOut(error)),
        switchMap((r) => {
          tokens.set(r.accessToken);
          accounts.set(r.account);
          return next(withToken(r.accessToken)).pipe(
            catchError((again: unknown) =>
              again instanceof HttpErrorResponse && again.status === HttpStatusCode.Unauthorized
                ? signOut(again)
                : throwError(() => again),
            ),
          );
        }),
      );
    }),
  );
};

function refresh(next: HttpHandlerFn, url: string): Observable<LoginResponse> {
  refreshing ??= next(new HttpRequest<null>('POST', url, null, { withCredentials: true })).pipe(
    filter((e): e is HttpResponse<LoginResponse> => e instanceof HttpResponse),
    map((e) => e.body as LoginResponse),
    finalize(() => (refreshing = null)),
    shareReplay(1),
  );
  return refreshing;
}

function redirectToLogin(router: Router): void {
  // During a navigation (a guard or resolver calling the API) the admin is heading for its target,
  // not for the URL still shown.
  const pending = router.currentNavigation();
  const current = pending ? router.serializeUrl(pending.finalUrl ?? pending.extractedUrl) : router.url;
  // A 401 from the login call itself means bad credentials: the login page shows that itself.
  if (isLoginUrl(current)) {
    return;
  }
  const queryParams = current && current !== '/' ? { returnUrl: current } : {};
  void router.navigate([LOGIN_PATH], { queryParams });
}

function isLoginUrl(url: string): boolean {
  return url === LOGIN_PATH || url.startsWith(`${LOGIN_PATH}?`) || url.startsWith(`${LOGIN_PATH}/`);
}
