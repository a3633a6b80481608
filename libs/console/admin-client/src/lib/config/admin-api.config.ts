import { InjectionToken } from '@angular/core';

/** Where the Sentinel admin API lives, as seen from the browser. */
export interface AdminApiConfig {
  /**
   * URL prefix of every admin API call, without a trailing slash, e.g. `/admin/api` (same origin,
   * the console is served by Sentinel at `/admin/ui/`) or `https://sentinel.example.com/admin/api`.
   */
  readonly baseUrl: string;
}

export const DEFAULT_ADMIN_API_BASE_URL = '/admin/api';

/** Resolves to the default configuration unless `provideAdminClient()` overrides it. */
export const ADMIN_API_CONFIG = new InjectionToken<AdminApiConfig>('ADMIN_API_CONFIG', {
  providedIn: 'root',
  factory: () => ({ baseUrl: DEFAULT_ADMIN_API_BASE_URL }),
});

/** Strips trailing slashes so that `startsWith` checks and URL joins need no special cases. */
export function normalizeBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  if (trimmed === '') {
    throw new Error(
      `AdminApiConfig.baseUrl must name a path such as "${DEFAULT_ADMIN_API_BASE_URL}", got "${baseUrl}"`,
    );
  }
  return trimmed;
}

/**
 * True when `url` addresses the admin API: the base URL itself or anything below it.
 * `/admin/apix` or `/admin/api-docs` are not below `/admin/api`.
 */
export function isAdminApiUrl(url: string, baseUrl: string): boolean {
  if (!url.startsWith(baseUrl)) {
    return false;
  }
  const next = url.charAt(baseUrl.length);
  return next === '' || next === '/' || next === '?' || next === '#';
}
