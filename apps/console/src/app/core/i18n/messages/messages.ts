import type {
  AdminRole,
  AlertEvent,
  AuditAction,
  AuditTargetType,
  BindingStatus,
  InterceptReason,
  RuleKind,
  SettingKey,
  SettingSource,
} from '@sentinel/admin-contract';

import { PageId } from '../../navigation/pages';

export interface PageMessages {
  readonly title: string;
  readonly summary: string;
}

/**
 * Every visible string of the console. Each dictionary implements this interface, so a missing
 * translation is a compile error, and templates read `t().section.key` under `strictTemplates`.
 */
export interface Messages {
  readonly app: {
    readonly name: string;
  };
  readonly shell: {
    readonly signedInAs: (name: string, role: string) => string;
    readonly navLabel: string;
    readonly toggleNav: string;
    readonly switchToDark: string;
    readonly switchToLight: string;
    readonly language: string;
  };
  readonly pages: Readonly<Record<PageId, PageMessages>>;
  readonly common: {
    readonly timeRange: string;
    readonly timeRanges: Readonly<Record<'' | '1h' | '24h' | '7d' | '30d' | 'custom', string>>;
    readonly loading: string;
    readonly retry: string;
    readonly cancel: string;
    readonly close: string;
    readonly save: string;
    readonly clear: string;
    readonly actions: string;
    readonly never: string;
    readonly none: string;
    readonly any: string;
    readonly empty: string;
    readonly loadFailed: string;
    readonly networkError: string;
    readonly unexpectedError: string;
    readonly back: string;
    readonly from: string;
    readonly to: string;
    readonly filters: string;
    readonly columns: string;
    readonly columnsHidden: (count: number) => string;
    readonly reasons: Readonly<Record<InterceptReason, string>>;
    readonly ruleKinds: Readonly<Record<RuleKind, string>>;
    readonly statuses: Readonly<Record<BindingStatus, string>>;
    readonly paginator: {
      readonly itemsPerPage: string;
      readonly nextPage: string;
      readonly previousPage: string;
      readonly firstPage: string;
      readonly lastPage: string;
      readonly range: (start: number, end: number, total: number) => string;
    };
  };
  readonly auth: {
    readonly subtitle: string;
    readonly username: string;
    readonly usernameHint: string;
    readonly ssoButton: (name: string) => string;
    readonly ssoDenied: string;
    readonly or: string;
    readonly password: string;
    readonly passwordRequired: string;
    readonly submit: string;
    readonly signingIn: string;
    readonly wrongPassword: string;
    readonly attemptsLeftHint: string;
    readonly locked: (retryAt: string, minutes: number) => string;
    readonly lockedNoTime: string;
    readonly sessionExpired: string;
    readonly signedIn: string;
    readonly logout: string;
    readonly loggedOut: string;
  };
  readonly bindings: {
    readonly filterToken: string;
    readonly filterTokenHint: string;
    readonly filterIp: string;
    readonly filterIpHint: string;
    readonly ruleKind: string;
    readonly status: string;
    readonly lastUsedFrom: string;
    readonly lastUsedTo: string;
    readonly clearFilters: string;
    readonly tokenFilterActive: (token: string) => string;
    readonly filterLabel: string;
    readonly filterLabelHint: string;
    readonly emptyFresh: string;
    readonly emptyFreshHow: string;
    readonly foundByKey: string;
    readonly tokenIdHover: (prefix: string) => string;
    readonly learning: {
      readonly column: string;
      readonly learning: (count: number, cap: number | null) => string;
      readonly full: (count: number, cap: number | null) => string;
      readonly stopped: string;
      readonly fixed: string;
      readonly help: string;
    };
    readonly addBindings: string;
    readonly editLabel: string;
    readonly setMaxAddresses: string;
    readonly labelSaved: (mask: string) => string;
    readonly maxAddressesSaved: (mask: string) => string;
    readonly fields: {
      readonly labelTitle: (mask: string) => string;
      readonly maxTitle: (mask: string) => string;
      readonly label: string;
      readonly labelHint: (max: number) => string;
      readonly note: string;
      readonly maxAddresses: string;
      readonly maxAddressesHint: (live: number | null) => string;
      readonly maxAddressesInvalid: (min: number, max: number) => string;
      readonly tooLong: (max: number) => string;
    };
    readonly prebind: {
      readonly title: string;
      readonly keys: string;
      readonly keysHint: (max: number) => string;
      readonly keysCount: (count: number, max: number) => string;
      readonly tooMany: (max: number) => string;
      readonly noKeys: string;
      readonly replace: string;
      readonly submit: string;
      readonly result: (created: number, conflicts: number, replaced: number, invalid: number) => string;
      readonly conflict: (line: number, mask: string) => string;
      readonly invalidLine: (line: number, message: string) => string;
      readonly done: string;
    };
    readonly bulk: {
      readonly selectRow: (mask: string) => string;
      readonly selectPage: string;
      readonly selected: (count: number) => string;
      readonly selectAllMatching: (count: number) => string;
      readonly allMatching: (count: number) => string;
      readonly tooManyMatching: (max: number) => string;
      readonly clearSelection: string;
      readonly actions: Readonly<Record<'ban' | 'unban' | 'unbind' | 'set_label' | 'set_max_addresses', string>>;
      readonly confirmTitle: (action: string, count: number) => string;
      readonly confirmBody: (action: string, count: number) => string;
      readonly running: (action: string, count: number) => string;
      readonly result: (done: number, notFound: number, failed: number) => string;
      readonly failedItem: (id: string, reason: string) => string;
      readonly failedTitle: string;
    };
    readonly columns: {
      readonly token: string;
      readonly rule: string;
      readonly status: string;
      readonly first: string;
      readonly last: string;
      readonly intercepts: string;
      readonly created: string;
      readonly lastUsed: string;
      readonly label: string;
      readonly select: string;
    };
    readonly anyIp: string;
    readonly empty: string;
    readonly rowActions: (mask: string) => string;
    readonly details: string;
    readonly unbind: string;
    readonly editRule: string;
    readonly ban: string;
    readonly unban: string;
    readonly confirmUnbindTitle: string;
    readonly confirmUnbindBody: (mask: string) => string;
    readonly confirmBanTitle: string;
    readonly confirmBanBody: (mask: string) => string;
    readonly confirmUnbanTitle: string;
    readonly confirmUnbanBody: (mask: string) => string;
    readonly unbound: (mask: string) => string;
    readonly banned: (mask: string) => string;
    readonly unbanned: (mask: string) => string;
    readonly ruleSaved: (mask: string) => string;
    readonly localOnly: string;
    readonly ruleDialog: {
      readonly title: (mask: string) => string;
      readonly kind: string;
      readonly kindHelp: Readonly<Record<RuleKind, string>>;
      readonly entry: string;
      readonly entryHint: string;
      readonly addEntry: string;
      readonly removeEntry: (index: number) => string;
      readonly required: string;
      readonly exactly: (count: number) => string;
      readonly tooFew: (min: number) => string;
      readonly tooMany: (max: number) => string;
      readonly duplicate: string;
      readonly invalid: (reason: string) => string;
    };
    readonly detail: {
      readonly tokenId: string;
      readonly note: string;
      readonly createdAt: string;
      readonly updatedAt: string;
      readonly recentIntercepts: string;
      readonly noIntercepts: string;
      readonly auditHistory: string;
      readonly noAudit: string;
      readonly label: string;
      readonly addresses: string;
      readonly learntAddresses: string;
      readonly firstUse: string;
      readonly notFound: string;
      readonly backToList: string;
    };
  };
  readonly dashboard: {
    readonly onboardingTitle: string;
    readonly onboardingSdk: string;
    readonly onboardingCurl: string;
    readonly onboardingBinds: string;
    readonly onboardingDocs: string;
    readonly todayAllowed: string;
    readonly todayIntercepted: string;
    readonly todayNewBindings: string;
    readonly activeBindings: string;
    readonly bannedBindings: string;
    readonly failsafePassed: (count: number) => string;
    readonly series: string;
    readonly days: (count: number) => string;
    readonly allowed: string;
    readonly intercepted: string;
    readonly chartLabel: (days: number) => string;
    readonly hours24: string;
    readonly seriesHourly: string;
    readonly chartLabel24h: string;
    readonly chartEmpty: string;
    readonly topIntercepted: string;
    readonly window24h: string;
    readonly window7d: string;
    readonly latestIntercepts: string;
    readonly noIntercepts: string;
    readonly sharedKeys: string;
    /** "Refused from 3 or more addresses within 1 h" (window in seconds). */
    readonly sharedKeysHint: (threshold: number, windowSeconds: number) => string;
    readonly sharedKeysCount: (count: number) => string;
    readonly noSharedKeys: string;
    readonly refresh: string;
    readonly autoRefreshOn: (seconds: number) => string;
    readonly autoRefreshPaused: string;
    readonly pauseAutoRefresh: string;
    readonly resumeAutoRefresh: string;
    readonly degradedTitle: string;
    readonly degradedPostgres: string;
    readonly degradedRedis: string;
    readonly degradedBoth: string;
    readonly failsafeOpen: string;
    readonly failsafeClosed: string;
    readonly flushNote: (seconds: number) => string;
  };
  readonly logs: {
    readonly token: string;
    readonly clientIp: string;
    readonly clientIpHint: string;
    readonly reason: string;
    readonly columns: {
      readonly time: string;
      readonly token: string;
      readonly clientIp: string;
      readonly reason: string;
      readonly rule: string;
      readonly request: string;
      readonly userAgent: string;
    };
    readonly empty: string;
    readonly export: string;
    readonly exporting: (kilobytes: number) => string;
    readonly exported: (filename: string) => string;
    readonly exportFailed: string;
  };
  readonly accounts: {
    readonly roles: Readonly<Record<AdminRole, string>>;
    readonly yours: string;
    readonly changePassword: string;
    readonly currentPassword: string;
    readonly newPassword: string;
    readonly passwordPolicy: string;
    readonly passwordChanged: string;
    readonly signOutEverywhere: string;
    readonly signedOutEverywhere: string;
    readonly list: string;
    readonly username: string;
    readonly displayName: string;
    readonly role: string;
    readonly state: string;
    readonly enabled: string;
    readonly disabled: string;
    readonly external: string;
    readonly builtin: string;
    readonly lastSignIn: string;
    readonly create: string;
    readonly created: (username: string) => string;
    readonly password: string;
    readonly disable: string;
    readonly enable: string;
    readonly resetPassword: string;
    readonly resetPasswordPrompt: (username: string) => string;
    readonly delete: string;
    readonly deleteConfirm: (username: string) => string;
    readonly saved: string;
    readonly tokens: string;
    readonly tokenName: string;
    readonly tokenDays: string;
    readonly createToken: string;
    readonly tokenSecretOnce: string;
    readonly revoke: string;
    readonly revoked: string;
    readonly lastUsed: string;
    readonly expires: string;
  };
  readonly audit: {
    readonly kind: string;
    readonly kinds: Readonly<Record<'' | 'changes' | 'auth', string>>;
    readonly actor: string;
    readonly action: string;
    readonly targetType: string;
    readonly targetId: string;
    readonly columns: {
      readonly time: string;
      readonly actor: string;
      readonly action: string;
      readonly target: string;
      readonly ip: string;
      readonly change: string;
    };
    readonly actions: Readonly<Record<AuditAction, string>>;
    readonly targetTypes: Readonly<Record<AuditTargetType, string>>;
    readonly empty: string;
  };
  readonly settings: {
    readonly labels: Readonly<Record<SettingKey, string>>;
    readonly hints: Readonly<Record<SettingKey, string>>;
    readonly sources: Readonly<Record<SettingSource, string>>;
    readonly defaultValue: (value: string) => string;
    readonly updated: (by: string, at: string) => string;
    readonly range: (min: number, max: number) => string;
    readonly required: string;
    readonly invalidUrl: string;
    readonly secretLength: string;
    readonly invalidNumber: string;
    readonly secretSet: string;
    readonly secretNotSet: string;
    readonly secretPlaceholder: string;
    readonly clearSecret: string;
    readonly reset: string;
    readonly resetLabel: (label: string) => string;
    readonly resetDone: (label: string) => string;
    readonly save: string;
    readonly saved: (count: number) => string;
    readonly noChanges: string;
    readonly discard: string;
    readonly enabled: string;
    readonly disabled: string;
    readonly groups: Readonly<Record<'binding' | 'alerts' | 'security' | 'retention' | 'failsafe', string>>;
    readonly groupHelp: Readonly<Record<'binding' | 'alerts' | 'security' | 'retention' | 'failsafe', string>>;
    readonly optionLabels: Readonly<Partial<Record<SettingKey, Readonly<Record<string, string>>>>>;
  };
  readonly operations: {
    readonly title: string;
    readonly intro: string;
    readonly testAlert: string;
    readonly testAlertSent: (ms: number) => string;
    readonly testAlertFailed: (error: string) => string;
    readonly runArchive: string;
    readonly archiveDone: (archived: number, deleted: number) => string;
    readonly archiveSkipped: string;
    readonly archiveFailed: (error: string) => string;
    readonly lastRun: (at: string, archived: number, deleted: number) => string;
    readonly noRunYet: string;
    readonly deliveries: string;
    readonly noDeliveries: string;
    readonly deliveryColumns: Readonly<Record<'time' | 'event' | 'token' | 'status' | 'attempts' | 'error', string>>;
    readonly deliveryEvents: Readonly<Record<AlertEvent, string>>;
    readonly deliveryStatuses: Readonly<Record<'pending' | 'sent' | 'failed', string>>;
  };
}

/** A duration in its largest whole unit: 3600 → `1${hours}`, 90 → `90${seconds}`. */
export function windowText(seconds: number, hours: string, minutes: string, secs: string): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}${hours}`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}${minutes}`;
  return `${seconds}${secs}`;
}
