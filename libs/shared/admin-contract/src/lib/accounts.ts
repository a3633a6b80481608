import type { IsoDateTime } from './api';

/** Admin roles, weakest first: each one can do everything the ones before it can. */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** True when `have` is at least `need`. */
export function roleAtLeast(have: AdminRole, need: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(have) >= ADMIN_ROLES.indexOf(need);
}

/** The built-in account whose password is ADMIN_PASSWORD. */
export const BUILTIN_ADMIN = 'admin';

/** 1–64 characters of `[a-z0-9._-]`; usernames are case-folded before they are checked. */
export const USERNAME_PATTERN = '^[a-z0-9._-]{1,64}$';
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;
export const DISPLAY_NAME_MAX_LENGTH = 100;
/** API tokens live at most this long. */
export const API_TOKEN_MAX_DAYS = 366;
/** Every API token secret starts with this. */
export const API_TOKEN_PREFIX = 'sst_';
/** The refresh token's cookie (HttpOnly; Secure; SameSite=Strict; Path=/admin/api/). */
export const REFRESH_COOKIE = 'sentinel_refresh';

export interface Account {
  username: string;
  role: AdminRole;
  displayName: string | null;
  disabled: boolean;
  /** Created by a single sign-on; has no password. */
  external: boolean;
  /** The built-in `admin` (ADMIN_PASSWORD): cannot be deleted or demoted. */
  builtin: boolean;
  createdAt: IsoDateTime;
  lastSignInAt: IsoDateTime | null;
}

export interface AccountListResponse {
  items: Account[];
}

export interface CreateAccountRequest {
  username: string;
  password: string;
  role: AdminRole;
  displayName?: string;
}

/** PUT accounts/:username: every field optional; a password here is an admin's reset. */
export interface UpdateAccountRequest {
  role?: AdminRole;
  disabled?: boolean;
  displayName?: string;
  password?: string;
}

export interface AccountParams {
  username: string;
}

/** Who is signed in (GET me). */
export interface MeResponse {
  username: string;
  role: AdminRole;
  displayName: string | null;
  /** `session` (console sign-in) or `api_token`. */
  via: 'session' | 'api_token';
  /** The API token's name, when signed in with one. */
  tokenName: string | null;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface SignOutResponse {
  /** Sessions revoked by this call. */
  revoked: number;
}

export interface ApiToken {
  id: string;
  name: string;
  owner: string;
  role: AdminRole;
  /** `sst_abcd…`: enough to recognise it, never enough to use it. */
  prefix: string;
  createdAt: IsoDateTime;
  expiresAt: IsoDateTime;
  lastUsedAt: IsoDateTime | null;
  lastUsedIp: string | null;
  revokedAt: IsoDateTime | null;
}

export interface ApiTokenListResponse {
  items: ApiToken[];
}

export interface CreateApiTokenRequest {
  name: string;
  role: AdminRole;
  /** Days until it expires, 1–366. */
  expiresInDays: number;
}

export interface CreateApiTokenResponse {
  token: ApiToken;
  /** `sst_…`, shown this once: only its hash is stored. */
  secret: string;
}

export interface OidcConfigResponse {
  enabled: boolean;
  /** For the console's "Sign in with …" button. */
  name: string | null;
}

/** What the OpenID provider appends to the redirect URL (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export interface OidcCallbackQuery {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

/** oidc/start and oidc/callback answer 302 with a Location; no body. */
export type OidcRedirect = string;

export interface ApiTokenParams {
  id: string;
}
