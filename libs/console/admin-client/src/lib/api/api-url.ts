import { HttpParams } from '@angular/common/http';
import { inject } from '@angular/core';
import { adminPath, type AdminPathName } from '@sentinel/admin-contract';

import { ADMIN_API_CONFIG } from '../config/admin-api.config';

/** Builds admin API URLs under the configured base URL, from the contract's paths only. */
export function adminUrlBuilder(): (name: AdminPathName, params?: Record<string, string>) => string {
  const { baseUrl } = inject(ADMIN_API_CONFIG);
  return (name, params = {}) => adminPath(name, params, baseUrl);
}

/** Query parameters from a contract query object; undefined / null / '' are left out. */
export function toParams(query: object = {}): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params = params.set(key, String(value));
  }
  return params;
}
