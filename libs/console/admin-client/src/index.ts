export {
  ADMIN_API_CONFIG,
  DEFAULT_ADMIN_API_BASE_URL,
  isAdminApiUrl,
  type AdminApiConfig,
} from './lib/config/admin-api.config';
export { provideAdminClient } from './lib/config/provide-admin-client';
export { AUTH_TOKEN_STORAGE_KEY, AuthTokenStore } from './lib/auth/auth-token.store';
export { ACCOUNT_STORAGE_KEY, AccountStore } from './lib/auth/account.store';
export { LOGIN_PATH, authInterceptor } from './lib/auth/auth.interceptor';
export {
  AccountsApi,
  AuditApi,
  AuthApi,
  BindingsApi,
  DashboardApi,
  LogsApi,
  OperationsApi,
  SettingsApi,
  filenameFromDisposition,
} from './lib/api/admin-api.services';
export { toParams } from './lib/api/api-url';
