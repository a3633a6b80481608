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
  /** No bearer token needed (login only). */
  public: boolean;
}

/** The same table at run time (the compiler keeps it equal to AdminOperations). */
export const ADMIN_OPERATIONS: { readonly [K in AdminOperationName]: AdminOperationRoute<K> } = {
  login: { method: 'POST', path: 'login', public: true },
  dashboard: { method: 'GET', path: 'dashboard', public: false },
  listBindings: { method: 'GET', path: 'bindings', public: false },
  getBinding: { method: 'GET', path: 'bindings/:id', public: false },
  prebind: { method: 'POST', path: 'bindings', public: false },
  bulkBindings: { method: 'POST', path: 'bindings/bulk', public: false },
  setLabel: { method: 'PUT', path: 'bindings/label', public: false },
  lookupBinding: { method: 'POST', path: 'bindings/lookup', public: false },
  unbind: { method: 'POST', path: 'bindings/unbind', public: false },
  setRule: { method: 'PUT', path: 'bindings/ip', public: false },
  ban: { method: 'POST', path: 'bindings/ban', public: false },
  unban: { method: 'POST', path: 'bindings/unban', public: false },
  listLogs: { method: 'GET', path: 'logs', public: false },
  exportLogs: { method: 'GET', path: 'logs/export', public: false },
  listAudit: { method: 'GET', path: 'audit', public: false },
  getSettings: { method: 'GET', path: 'settings', public: false },
  updateSettings: { method: 'PUT', path: 'settings', public: false },
  resetSetting: { method: 'DELETE', path: 'settings/:key', public: false },
  status: { method: 'GET', path: 'status', public: false },
  testAlert: { method: 'POST', path: 'alerts/test', public: false },
  listAlertDeliveries: { method: 'GET', path: 'alerts/deliveries', public: false },
  runArchive: { method: 'POST', path: 'archive/run', public: false },
  listArchiveRuns: { method: 'GET', path: 'archive/runs', public: false },
  openapi: { method: 'GET', path: 'openapi.json', public: false },
};
