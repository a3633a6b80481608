import type {
  AccountListResponse,
  AccountParams,
  ApiTokenListResponse,
  ApiTokenParams,
  ChangePasswordRequest,
  CreateAccountRequest,
  CreateApiTokenRequest,
  CreateApiTokenResponse,
  MeResponse,
  OidcCallbackQuery,
  OidcConfigResponse,
  OidcRedirect,
  SignOutResponse,
  UpdateAccountRequest,
  Account,
  ApiToken,
  AdminRole,
} from './accounts';
import type {
  AlertDeliveriesResponse,
  AlertTestResponse,
  ArchiveRunResponse,
  ArchiveRunsResponse,
  AuditListResponse,
  AuditQuery,
  BanRequest,
  BindingBulkRequest,
  BindingBulkResponse,
  BindingDetailResponse,
  BindingListQuery,
  BindingListResponse,
  BindingOperationResponse,
  BindingLookupRequest,
  BindingRef,
  DashboardResponse,
  LogExportQuery,
  LogListResponse,
  LogQuery,
  LoginRequest,
  LoginResponse,
  PrebindRequest,
  PrebindResponse,
  SetLabelRequest,
  SetRuleRequest,
  StatusResponse,
  UnbanRequest,
  UnbindRequest,
} from './api';
import type { ADMIN_PATHS } from './paths';
import type { SettingKeyParams, SettingsResponse, UpdateSettingsRequest } from './settings';

export type AdminHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** GET openapi.json: the admin API's OpenAPI 3.1 document (generated, see tools/openapi). */
export type OpenApiDocument = Record<string, unknown>;

type P = typeof ADMIN_PATHS;

/**
 * Every admin API operation: its method, its path (ADMIN_PATHS) and the types of what it takes
 * (`body`, `query`, `params`) and returns (`response`). The OpenAPI document is generated from
 * this interface (tools/openapi/contract-schemas.mjs, with the TypeScript compiler) and from the
 * controllers' route metadata; CI fails when the two disagree. A new endpoint starts here.
 */
export interface AdminOperations {
  login: { method: 'POST'; path: P['login']; public: true; body: LoginRequest; response: LoginResponse };
  /** Reads the refresh cookie, not a bearer token; sets a new one. */
  refreshSession: { method: 'POST'; path: P['refresh']; public: true; response: LoginResponse };
  logout: { method: 'POST'; path: P['logout']; response: SignOutResponse };
  logoutAll: { method: 'POST'; path: P['logoutAll']; response: SignOutResponse };
  me: { method: 'GET'; path: P['me']; response: MeResponse };
  oidcConfig: { method: 'GET'; path: P['oidc']; public: true; response: OidcConfigResponse };
  /** 302 to the OpenID provider. */
  oidcStart: { method: 'GET'; path: P['oidcStart']; public: true; response: OidcRedirect };
  /** 302 back to the console: `/admin/ui/login?sso=ok` (the refresh cookie set) or `?sso=denied`. */
  oidcCallback: {
    method: 'GET';
    path: P['oidcCallback'];
    public: true;
    query: OidcCallbackQuery;
    response: OidcRedirect;
  };
  changeOwnPassword: { method: 'PUT'; path: P['mePassword']; body: ChangePasswordRequest; response: SignOutResponse };
  listAccounts: { method: 'GET'; path: P['accounts']; response: AccountListResponse };
  createAccount: { method: 'POST'; path: P['accounts']; body: CreateAccountRequest; response: Account };
  updateAccount: {
    method: 'PUT';
    path: P['account'];
    params: AccountParams;
    body: UpdateAccountRequest;
    response: Account;
  };
  deleteAccount: { method: 'DELETE'; path: P['account']; params: AccountParams; response: SignOutResponse };
  listApiTokens: { method: 'GET'; path: P['apiTokens']; response: ApiTokenListResponse };
  createApiToken: {
    method: 'POST';
    path: P['apiTokens'];
    body: CreateApiTokenRequest;
    response: CreateApiTokenResponse;
  };
  revokeApiToken: { method: 'DELETE'; path: P['apiToken']; params: ApiTokenParams; response: ApiToken };
  dashboard: { method: 'GET'; path: P['dashboard']; response: DashboardResponse };
  listBindings: { method: 'GET'; path: P['bindings']; query: BindingListQuery; response: BindingListResponse };
  getBinding: { method: 'GET'; path: P['bindingDetail']; params: BindingRef; response: BindingDetailResponse };
  prebind: { method: 'POST'; path: P['bindings']; body: PrebindRequest; response: PrebindResponse };
  bulkBindings: { method: 'POST'; path: P['bindingsBulk']; body: BindingBulkRequest; response: BindingBulkResponse };
  setLabel: { method: 'PUT'; path: P['setLabel']; body: SetLabelRequest; response: BindingOperationResponse };
  lookupBinding: {
    method: 'POST';
    path: P['bindingLookup'];
    body: BindingLookupRequest;
    response: BindingDetailResponse;
  };
  unbind: { method: 'POST'; path: P['unbind']; body: UnbindRequest; response: BindingOperationResponse };
  setRule: { method: 'PUT'; path: P['setRule']; body: SetRuleRequest; response: BindingOperationResponse };
  ban: { method: 'POST'; path: P['ban']; body: BanRequest; response: BindingOperationResponse };
  unban: { method: 'POST'; path: P['unban']; body: UnbanRequest; response: BindingOperationResponse };
  listLogs: { method: 'GET'; path: P['logs']; query: LogQuery; response: LogListResponse };
  /** CSV (columns LOG_EXPORT_COLUMNS), streamed. */
  exportLogs: {
    method: 'GET';
    path: P['logsExport'];
    query: LogExportQuery;
    response: string;
    responseContentType: 'text/csv';
  };
  listAudit: { method: 'GET'; path: P['audit']; query: AuditQuery; response: AuditListResponse };
  getSettings: { method: 'GET'; path: P['settings']; response: SettingsResponse };
  updateSettings: { method: 'PUT'; path: P['settings']; body: UpdateSettingsRequest; response: SettingsResponse };
  resetSetting: { method: 'DELETE'; path: P['settingReset']; params: SettingKeyParams; response: SettingsResponse };
  status: { method: 'GET'; path: P['status']; response: StatusResponse };
  testAlert: { method: 'POST'; path: P['alertTest']; response: AlertTestResponse };
  listAlertDeliveries: { method: 'GET'; path: P['alertDeliveries']; response: AlertDeliveriesResponse };
  runArchive: { method: 'POST'; path: P['archiveRun']; response: ArchiveRunResponse };
  listArchiveRuns: { method: 'GET'; path: P['archiveRuns']; response: ArchiveRunsResponse };
  openapi: { method: 'GET'; path: P['openapi']; response: OpenApiDocument };
}

export type AdminOperationName = keyof AdminOperations;

export interface AdminOperationRoute<K extends AdminOperationName = AdminOperationName> {
  method: AdminOperations[K]['method'];
  path: AdminOperations[K]['path'];
  /** No bearer token needed (login, refresh). */
  public: boolean;
  /**
   * The weakest role allowed (null when public). The server's per-route @RequireRole must say the
   * same (the OpenAPI check fails otherwise); the console hides what the role cannot do from it.
   */
  role: AdminRole | null;
}

/** The same table at run time (the compiler keeps it equal to AdminOperations). */
export const ADMIN_OPERATIONS: { readonly [K in AdminOperationName]: AdminOperationRoute<K> } = {
  login: { method: 'POST', path: 'login', public: true, role: null },
  refreshSession: { method: 'POST', path: 'session/refresh', public: true, role: null },
  logout: { method: 'POST', path: 'session/logout', public: false, role: 'viewer' },
  logoutAll: { method: 'POST', path: 'session/logout-all', public: false, role: 'viewer' },
  me: { method: 'GET', path: 'me', public: false, role: 'viewer' },
  oidcConfig: { method: 'GET', path: 'oidc', public: true, role: null },
  oidcStart: { method: 'GET', path: 'oidc/start', public: true, role: null },
  oidcCallback: { method: 'GET', path: 'oidc/callback', public: true, role: null },
  changeOwnPassword: { method: 'PUT', path: 'me/password', public: false, role: 'viewer' },
  listAccounts: { method: 'GET', path: 'accounts', public: false, role: 'admin' },
  createAccount: { method: 'POST', path: 'accounts', public: false, role: 'admin' },
  updateAccount: { method: 'PUT', path: 'accounts/:username', public: false, role: 'admin' },
  deleteAccount: { method: 'DELETE', path: 'accounts/:username', public: false, role: 'admin' },
  listApiTokens: { method: 'GET', path: 'tokens', public: false, role: 'admin' },
  createApiToken: { method: 'POST', path: 'tokens', public: false, role: 'admin' },
  revokeApiToken: { method: 'DELETE', path: 'tokens/:id', public: false, role: 'admin' },
  dashboard: { method: 'GET', path: 'dashboard', public: false, role: 'viewer' },
  listBindings: { method: 'GET', path: 'bindings', public: false, role: 'viewer' },
  getBinding: { method: 'GET', path: 'bindings/:id', public: false, role: 'viewer' },
  prebind: { method: 'POST', path: 'bindings', public: false, role: 'operator' },
  bulkBindings: { method: 'POST', path: 'bindings/bulk', public: false, role: 'operator' },
  setLabel: { method: 'PUT', path: 'bindings/label', public: false, role: 'operator' },
  lookupBinding: { method: 'POST', path: 'bindings/lookup', public: false, role: 'operator' },
  unbind: { method: 'POST', path: 'bindings/unbind', public: false, role: 'operator' },
  setRule: { method: 'PUT', path: 'bindings/ip', public: false, role: 'operator' },
  ban: { method: 'POST', path: 'bindings/ban', public: false, role: 'operator' },
  unban: { method: 'POST', path: 'bindings/unban', public: false, role: 'operator' },
  listLogs: { method: 'GET', path: 'logs', public: false, role: 'viewer' },
  exportLogs: { method: 'GET', path: 'logs/export', public: false, role: 'viewer' },
  listAudit: { method: 'GET', path: 'audit', public: false, role: 'viewer' },
  getSettings: { method: 'GET', path: 'settings', public: false, role: 'viewer' },
  updateSettings: { method: 'PUT', path: 'settings', public: false, role: 'admin' },
  resetSetting: { method: 'DELETE', path: 'settings/:key', public: false, role: 'admin' },
  status: { method: 'GET', path: 'status', public: false, role: 'viewer' },
  testAlert: { method: 'POST', path: 'alerts/test', public: false, role: 'admin' },
  listAlertDeliveries: { method: 'GET', path: 'alerts/deliveries', public: false, role: 'viewer' },
  runArchive: { method: 'POST', path: 'archive/run', public: false, role: 'admin' },
  listArchiveRuns: { method: 'GET', path: 'archive/runs', public: false, role: 'viewer' },
  openapi: { method: 'GET', path: 'openapi.json', public: false, role: 'viewer' },
};
