/**
 * Paths of the admin API. The original tool's paths are kept exactly (login, dashboard, bindings,
 * bindings/unbind, bindings/ip, bindings/ban, bindings/unban, logs, logs/export, settings); audit,
 * binding detail and status are additions under the same prefix.
 */
export const ADMIN_API_PREFIX = '/admin/api';

/** Relative to ADMIN_API_PREFIX (Nest controllers use them as route paths, clients join them). */
export const ADMIN_PATHS = {
  login: 'login',
  /** POST: a new access token from the refresh cookie (which rotates). */
  refresh: 'session/refresh',
  /** POST: sign out (revokes this session). */
  logout: 'session/logout',
  /** POST: sign out everywhere (revokes every session of the account). */
  logoutAll: 'session/logout-all',
  /** GET: who is signed in. */
  me: 'me',
  /** PUT: change one's own password (the current one required). */
  mePassword: 'me/password',
  /** GET: whether single sign-on is configured, and the provider's name. */
  oidc: 'oidc',
  /** GET: a redirect to the OpenID provider (authorization code + PKCE). */
  oidcStart: 'oidc/start',
  /** GET: where the provider sends the browser back; redirects to the console. */
  oidcCallback: 'oidc/callback',
  accounts: 'accounts',
  account: 'accounts/:username',
  apiTokens: 'tokens',
  apiToken: 'tokens/:id',
  dashboard: 'dashboard',
  /** GET: the list; POST: pre-bind keys (PrebindRequest). */
  bindings: 'bindings',
  /** POST: find a binding by its raw key (in the body, never the URL). */
  bindingLookup: 'bindings/lookup',
  /** POST: one action on many bindings (by ids or by filter). */
  bindingsBulk: 'bindings/bulk',
  /** PUT: a binding's label and note. */
  setLabel: 'bindings/label',
  /** `bindings/:id` — `:id` is the numeric id or the 64-hex token id. */
  bindingDetail: 'bindings/:id',
  unbind: 'bindings/unbind',
  setRule: 'bindings/ip',
  ban: 'bindings/ban',
  unban: 'bindings/unban',
  logs: 'logs',
  logsExport: 'logs/export',
  settings: 'settings',
  /** `DELETE settings/:key` resets one override to the environment's value. */
  settingReset: 'settings/:key',
  audit: 'audit',
  status: 'status',
  /** POST: send a test alert to the configured webhook now. */
  alertTest: 'alerts/test',
  alertDeliveries: 'alerts/deliveries',
  /** POST: run the archive job now (once across instances). */
  archiveRun: 'archive/run',
  archiveRuns: 'archive/runs',
  /** GET: this API's OpenAPI 3.1 document (behind admin auth like everything but login). */
  openapi: 'openapi.json',
} as const;

export type AdminPathName = keyof typeof ADMIN_PATHS;

/** `/admin/api/bindings/42` from `bindingDetail` and `{ id: '42' }`. */
export function adminPath(name: AdminPathName, params: Record<string, string> = {}, prefix = ADMIN_API_PREFIX): string {
  const relative = ADMIN_PATHS[name].replace(/:([a-zA-Z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`adminPath(${name}): missing :${key}`);
    return encodeURIComponent(value);
  });
  return `${prefix}/${relative}`;
}
