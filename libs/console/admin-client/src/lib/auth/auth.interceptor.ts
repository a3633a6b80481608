import { HttpErrorResponse, HttpInterceptorFn, HttpStatusCode } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { ADMIN_API_CONFIG, isAdminApiUrl } from '../config/admin-api.config';
import { AuthTokenStore } from './auth-token.store';

/** The console route that signs an admin in; it reads `returnUrl` to go back afterwards. */
export const LOGIN_PATH = '/login';

/**
 * For admin API requests only (URL under `AdminApiConfig.baseUrl`): attaches
 * `Authorization: Bearer <jwt>` when signed in, and on a 401 drops the token and sends the admin to
 * `/login?returnUrl=<where they were>`. Every other request passes through untouched, so the JWT
 * never leaks to a third-party URL. The error is re-thrown in all cases so callers can still react.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const { baseUrl } = inject(ADMIN_API_CONFIG);
  if (!isAdminApiUrl(req.url, baseUrl)) {
    return next(req);
  }

  const tokens = inject(AuthTokenStore);
  const router = inject(Router);
  const token = tokens.token();
  const outgoing = token ? req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : req;

  return next(outgoing).pipe(
    catchError((error: unknown) => {
      if (error instanceof HttpErrorResponse && error.status === HttpStatusCode.Unauthorized) {
        tokens.clear();
        redirectToLogin(router);
      }
      return throwError(() => error);
    }),
  );
};

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
