// Rule kinds (RULE_KINDS, RuleKind, MAX_RULE_ENTRIES): rule-kinds.ts, the one definition.

export const BINDING_STATUSES = ['active', 'banned'] as const;
export type BindingStatus = (typeof BINDING_STATUSES)[number];

/** Why a request was intercepted. */
/** `address_limit`: a learning binding already holds its most addresses (or its learning window ended). */
export const INTERCEPT_REASONS = ['ip_not_allowed', 'banned', 'address_limit'] as const;
export type InterceptReason = (typeof INTERCEPT_REASONS)[number];
/**
 * Refusals that say "this key is used from somewhere it should not be" — the ones sharing detection
 * counts (the probable_sharing alert and the dashboard's sharing panel); a ban says nothing new.
 */
export const SHARING_REASONS = ['ip_not_allowed', 'address_limit'] as const satisfies readonly InterceptReason[];

export const BINDING_SORT_FIELDS = ['last_used', 'created', 'intercepts'] as const;
export type BindingSortField = (typeof BINDING_SORT_FIELDS)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const FAILSAFE_MODES = ['closed', 'open'] as const;
export type FailsafeModeName = (typeof FAILSAFE_MODES)[number];

/**
 * What an alert reports: a token refused `alertThresholdCount` times (`intercept_threshold`), a
 * token refused from `sharingDistinctThreshold` distinct addresses (`probable_sharing`), the
 * digest of a flood of alerts, or the test alert.
 */
export const ALERT_EVENTS = ['intercept_threshold', 'probable_sharing', 'alert_digest', 'test'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export const ALERT_FORMAT_NAMES = ['json', 'feishu', 'dingtalk', 'wecom', 'slack', 'discord'] as const;
export type AlertFormatName = (typeof ALERT_FORMAT_NAMES)[number];

/** Where a setting's live value comes from. */
export const SETTING_SOURCES = ['environment', 'override'] as const;
export type SettingSource = (typeof SETTING_SOURCES)[number];

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.locked',
  'auth.logout',
  'auth.refresh_reuse',
  'account.create',
  'account.update',
  'account.delete',
  'account.password',
  'token.create',
  'token.revoke',
  'binding.unbind',
  'binding.set_rule',
  'binding.ban',
  'binding.unban',
  'binding.prebind',
  'binding.lookup',
  'binding.set_label',
  'binding.set_max_addresses',
  'settings.update',
  'settings.reset',
  'alert.test',
  'archive.run',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = ['account', 'api_token', 'binding', 'settings', 'alert', 'archive'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** Error codes of the admin API's one error shape. */
export const ADMIN_ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'locked',
  'not_found',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** Days of the dashboard's series. */
export const DASHBOARD_SERIES_DAYS = [7, 30] as const;
export const TOP_INTERCEPTED_WINDOWS = ['24h', '7d'] as const;
export type TopInterceptedWindow = (typeof TOP_INTERCEPTED_WINDOWS)[number];
