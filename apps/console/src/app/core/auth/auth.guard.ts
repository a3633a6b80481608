import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AuthTokenStore, LOGIN_PATH } from '@sentinel/admin-client';

/** Shell routes need a session: without a token the admin signs in first, then comes back. */
export const authGuard: CanActivateFn = (_route, state) => {
  if (inject(AuthTokenStore).isAuthenticated()) return true;
  const queryParams = state.url && state.url !== '/' ? { returnUrl: state.url } : {};
  return inject(Router).createUrlTree([LOGIN_PATH], { queryParams });
};
