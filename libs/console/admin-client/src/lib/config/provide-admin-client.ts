import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';

import { ADMIN_API_CONFIG, AdminApiConfig, DEFAULT_ADMIN_API_BASE_URL, normalizeBaseUrl } from './admin-api.config';

/**
 * Registers the admin client's configuration. HTTP itself is the application's to provide, so
 * that it can combine interceptors in one place:
 *
 * ```ts
 * provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
 * provideAdminClient(),
 * ```
 */
export function provideAdminClient(config: Partial<AdminApiConfig> = {}): EnvironmentProviders {
  const resolved: AdminApiConfig = {
    baseUrl: normalizeBaseUrl(config.baseUrl ?? DEFAULT_ADMIN_API_BASE_URL),
  };
  return makeEnvironmentProviders([{ provide: ADMIN_API_CONFIG, useValue: resolved }]);
}
