import type {
  AlertEvent,
  AuditAction,
  AuditTargetType,
  BindingSortField,
  BindingStatus,
  FailsafeModeName,
  InterceptReason,
  SortOrder,
  TopInterceptedWindow,
} from './enums';
import type { MeResponse } from './accounts';
import type { RuleKind } from './rule-kinds';

/** Timestamps are ISO 8601 strings (UTC) on the wire. */
export type IsoDateTime = string;

// ------------------------------------------------------------------ paging

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export interface PageRequest {
  /** 1-based. */
  page?: number;
  /** 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/**
 * Lists that can be long (bindings, intercept logs) also page by keyset: pass a response's
 * `nextCursor` back as `cursor` and the next page costs the same at any depth. `page` still works
 * (an offset, fine for the first pages); with `cursor` it is only echoed, for display.
 */
export interface CursorPageRequest extends PageRequest {
  /** Opaque; only valid with the same sort and order it was issued for. */
  cursor?: string;
}

/** Totals are exact up to this many matches; above it, `total` is the planner's estimate. */
export const EXACT_TOTAL_LIMIT = 10_000;

export interface CursorPage<T> extends Page<T> {
  /** The position after this page's last item; null when there is nothing after it. */
  nextCursor: string | null;
  /** false when `total` is an estimate (more than EXACT_TOTAL_LIMIT matches). */
  totalExact: boolean;
}

// ------------------------------------------------------------------ auth

export interface LoginRequest {
  password: string;
  /** Without one, the built-in `admin` account (ADMIN_PASSWORD), as before. Case-folded. */
  username?: string;
}

export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
  expiresAt: IsoDateTime;
  /** Who signed in. */
  account: MeResponse;
}

// ------------------------------------------------------------------ bindings

export interface BindingListQuery extends CursorPageRequest {
  sort?: BindingSortField;
  order?: SortOrder;
  /** Token mask prefix (`sk-ab12…`) or token id (hex) prefix. */
  token?: string;
  /** Bindings whose rule contains this IP address. */
  ip?: string;
  ruleKind?: RuleKind;
  status?: BindingStatus;
  lastUsedFrom?: IsoDateTime;
  lastUsedTo?: IsoDateTime;
  /** Bindings whose label or note contains this text (case-insensitive). */
  label?: string;
}

export interface BindingSummary {
  id: string;
  /** The 64-hex HMAC of the key (never the key). */
  tokenId: string;
  tokenMask: string;
  ruleKind: RuleKind;
  ruleEntries: string[];
  status: BindingStatus;
  /** Null for a key bound by an admin before its first use, until it is used. */
  firstIp: string | null;
  firstUsedAt: IsoDateTime | null;
  lastIp: string | null;
  lastUsedAt: IsoDateTime | null;
  note: string | null;
  interceptCount: number;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
  /**
   * The binding learns a request's new address while it holds fewer than its cap (`maxAddresses`,
   * else the live `bindMaxAddresses`); false once an admin set its rule or banned it, or while the
   * cap is 1.
   */
  learning: boolean;
  /** This binding's own cap on learnt addresses (1–64); null = the live `bindMaxAddresses`. */
  maxAddresses: number | null;
  /** Who the key belongs to (owner, team), at most 100 characters; null = none. */
  label: string | null;
}

export type BindingListResponse = CursorPage<BindingSummary>;

export interface BindingDetailResponse {
  binding: BindingSummary;
  recentIntercepts: InterceptLogItem[];
  auditHistory: AuditEntry[];
}

/** Every binding operation names its binding by id (numeric) or by the 64-hex token id. */
export interface BindingRef {
  id: string;
}

export type UnbindRequest = BindingRef;
export type BanRequest = BindingRef;
export type UnbanRequest = BindingRef;

export interface SetRuleRequest extends BindingRef {
  ruleKind: RuleKind;
  /** IPs or CIDRs; `all` takes none. Normalised by the server (canonical, de-duplicated). */
  entries: string[];
}

/** Most keys one pre-binding call takes. */
export const MAX_PREBIND_KEYS = 1_000;
export const MAX_LABEL_LENGTH = 100;
export const MAX_NOTE_LENGTH = 1_000;
/** Bounds of a binding's own `maxAddresses` (and of the `bindMaxAddresses` setting). */
export const MAX_ADDRESSES_BOUNDS = { min: 1, max: 64 } as const;

/**
 * `POST bindings`: binds keys before their first use. The raw keys travel only in this body (over
 * HTTPS); the server keeps their HMAC token id and mask, never the key. A key's first request from
 * inside the rule is allowed; from elsewhere it is refused (never a first-use bind).
 */
export interface PrebindRequest {
  /** Raw relay keys (`sk-…`), at most MAX_PREBIND_KEYS; normalised like the proxy does. */
  keys: string[];
  ruleKind: RuleKind;
  /** IPs or CIDRs; `all` takes none. */
  entries: string[];
  label?: string;
  /**
   * The binding's own cap on addresses: above 1 the binding also learns new addresses on use, up
   * to it (otherwise a pre-bound binding does not learn).
   */
  maxAddresses?: number;
  /** Overwrite keys that are already bound (default false: they are reported as conflicts). */
  replace?: boolean;
}

/** One key of a pre-binding call, named by its position in `keys`, binding id and mask only. */
export interface PrebindItem {
  index: number;
  id: string;
  tokenMask: string;
}

export interface PrebindInvalidItem {
  index: number;
  /** Why the key was refused; never contains the key. */
  message: string;
}

export interface PrebindResponse {
  created: PrebindItem[];
  /** Already bound and left as they were (replace: false). */
  conflicts: PrebindItem[];
  /** Already bound and overwritten (replace: true). */
  replaced: PrebindItem[];
  invalid: PrebindInvalidItem[];
  /** 'local' when Redis was unreachable for the replaced keys' invalidation. */
  propagated: 'all-instances' | 'local';
}

/**
 * `POST bindings/lookup`: find a binding by its raw key. A POST so that the key never appears in
 * a URL or an access log; audited, because the answer reveals whether a key is bound.
 */
export interface BindingLookupRequest {
  key: string;
}

/** `PUT bindings/label`: the binding's label and note (null or omitted label clears it; `note` omitted = unchanged). */
export interface SetLabelRequest extends BindingRef {
  label?: string | null;
  note?: string | null;
}

/** Most bindings one bulk call changes. */
export const MAX_BULK_BINDINGS = 10_000;
export const BULK_ACTIONS = ['ban', 'unban', 'unbind', 'set_label', 'set_max_addresses'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The bindings a bulk call selects by filter: the list's filters. */
export type BindingFilter = Pick<
  BindingListQuery,
  'token' | 'ip' | 'ruleKind' | 'status' | 'lastUsedFrom' | 'lastUsedTo' | 'label'
>;

/**
 * `POST bindings/bulk`: one action on the bindings named by `ids` or matching `filter` (exactly
 * one of them; at most MAX_BULK_BINDINGS), in batched statements, one audit row per binding and one
 * invalidation broadcast for the batch; every instance enforces it when the call returns.
 */
export interface BindingBulkRequest {
  action: BulkAction;
  ids?: string[];
  filter?: BindingFilter;
  /** set_label: the new label (null clears). */
  label?: string | null;
  /** set_max_addresses: the new cap (null = the live setting). */
  maxAddresses?: number | null;
}

export interface BindingBulkResult {
  id: string;
  outcome: 'done' | 'not_found' | 'failed';
  /** Why it failed (outcome `failed`). */
  reason?: string;
}

export interface BindingBulkResponse {
  action: BulkAction;
  /** Bindings selected (ids given, or filter matches). */
  matched: number;
  done: number;
  notFound: number;
  failed: number;
  results: BindingBulkResult[];
  propagated: 'all-instances' | 'local';
}

export interface BindingRuleState {
  ruleKind: RuleKind;
  ruleEntries: string[];
  status: BindingStatus;
}

export interface BindingOperationResponse {
  id: string;
  tokenMask: string;
  before: BindingRuleState;
  /** null after an unbind. */
  after: BindingRuleState | null;
  /** 'local' when Redis was unreachable (other instances converge within the cache TTL). */
  propagated: 'all-instances' | 'local';
}

// ------------------------------------------------------------------ intercept logs

export interface LogQuery extends CursorPageRequest {
  from?: IsoDateTime;
  to?: IsoDateTime;
  token?: string;
  /** An address (`203.0.113.7`), or a CIDR range (`10.0.0.0/8`) for every address inside it. */
  clientIp?: string;
  reason?: InterceptReason;
}

export type LogExportQuery = Omit<LogQuery, 'page' | 'pageSize' | 'cursor'>;

export interface InterceptLogItem {
  id: string;
  tokenId: string;
  tokenMask: string;
  clientIp: string;
  ruleKind: RuleKind;
  ruleEntries: string[];
  bindingStatus: BindingStatus;
  reason: InterceptReason;
  method: string;
  path: string;
  userAgent: string | null;
  requestId: string | null;
  createdAt: IsoDateTime;
}

export type LogListResponse = CursorPage<InterceptLogItem>;

/** Columns of GET /logs/export, in order. */
export const LOG_EXPORT_COLUMNS = [
  'time',
  'token_mask',
  'token_id',
  'client_ip',
  'reason',
  'rule_kind',
  'rule_entries',
  'binding_status',
  'method',
  'path',
  'user_agent',
  'request_id',
] as const;

// ------------------------------------------------------------------ audit

export interface AuditQuery extends PageRequest {
  action?: AuditAction;
  /** Exact actor (an account, or `token-name (owner)`). */
  actor?: string;
  /** `auth`: sign-ins, sign-outs, failures and lockouts only; `changes`: everything else. Unset: all. */
  kind?: 'auth' | 'changes';
  targetType?: AuditTargetType;
  targetId?: string;
  from?: IsoDateTime;
  to?: IsoDateTime;
}

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  createdAt: IsoDateTime;
}

export type AuditListResponse = Page<AuditEntry>;

// ------------------------------------------------------------------ status & dashboard

export interface DependencyState {
  up: boolean;
  /** PostgreSQL: 'postgres' | 'embedded'; Redis: 'redis' | 'in-process'. */
  mode: string;
  error?: string;
}

export type DegradedMode = 'normal' | 'redis_down' | 'postgres_down' | 'both_down';

export interface StatusResponse {
  instanceId: string;
  postgres: DependencyState;
  redis: DependencyState;
  failsafeMode: FailsafeModeName;
  /** Which row of the degraded-mode table applies right now. */
  mode: DegradedMode;
  /** Whether a new token would currently be refused (closed) or passed unbound (open). */
  failsafeActive: boolean;
  checkedAt: IsoDateTime;
}

export interface DailyPoint {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  allowed: number;
  intercepted: number;
  newBindings: number;
}

export interface HourlyPoint {
  /** UTC hour, `YYYY-MM-DDTHH` (its start). */
  hour: string;
  allowed: number;
  intercepted: number;
}

export interface TopInterceptedToken {
  tokenId: string;
  tokenMask: string;
  intercepts: number;
  lastAt: IsoDateTime;
}

/** A key refused from many distinct addresses within the sharing window: probably passed on. */
export interface SharedKeyItem {
  tokenId: string;
  tokenMask: string;
  /** Distinct addresses it was refused from (`ip_not_allowed`, `address_limit`) in the window. */
  distinctAddresses: number;
  lastAt: IsoDateTime;
}

export interface SharedKeysPanel {
  /** The live `sharingWindowSeconds` and `sharingDistinctThreshold` the list was computed with. */
  windowSeconds: number;
  threshold: number;
  /** Most distinct addresses first, at most 20. */
  items: SharedKeyItem[];
}

export interface DashboardResponse {
  today: { day: string; allowed: number; intercepted: number; newBindings: number; failsafePassed: number };
  bindings: { active: number; banned: number; total: number };
  /** Oldest first. */
  series7d: DailyPoint[];
  series30d: DailyPoint[];
  /** The last 24 UTC hours, oldest first, ending with the current one. */
  series24h: HourlyPoint[];
  topIntercepted: Record<TopInterceptedWindow, TopInterceptedToken[]>;
  latestIntercepts: InterceptLogItem[];
  /** Keys refused from at least `threshold` distinct addresses within the last `windowSeconds`. */
  sharedKeys: SharedKeysPanel;
  status: StatusResponse;
  /** Daily counters are flushed by every instance every few seconds. */
  countersFlushIntervalSeconds: number;
}

// --- operations: alerts and archive ---------------------------------------------------------

/** The outcome of `POST alerts/test` (one attempt, recorded like any delivery). */
export interface AlertTestResponse {
  status: 'sent' | 'failed';
  attempts: number;
  /** HTTP status of the target's answer, when it answered. */
  httpStatus: number | null;
  /** Why it failed (SSRF refusal, timeout, HTTP status …). */
  error: string | null;
  durationMs: number;
}

export interface AlertDeliveryItem {
  id: string;
  /** What the alert reported; null for a row whose payload names no known event. */
  event: AlertEvent | null;
  tokenMask: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
}

export interface AlertDeliveriesResponse {
  items: AlertDeliveryItem[];
}

export interface ArchiveRunItem {
  id: string;
  instanceId: string;
  startedAt: IsoDateTime;
  finishedAt: IsoDateTime | null;
  rowsArchived: number;
  logsDeleted: number;
  error: string | null;
}

/** The outcome of `POST archive/run`. `skipped`: another instance is running the job. */
export interface ArchiveRunResponse {
  status: 'completed' | 'failed' | 'skipped';
  startedAt: IsoDateTime;
  finishedAt: IsoDateTime;
  rowsArchived: number;
  logsDeleted: number;
  error: string | null;
}

export interface ArchiveRunsResponse {
  items: ArchiveRunItem[];
}
