import { HttpClient, type HttpEvent } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  Account,
  AccountListResponse,
  ApiToken,
  ApiTokenListResponse,
  ChangePasswordRequest,
  CreateAccountRequest,
  CreateApiTokenRequest,
  CreateApiTokenResponse,
  MeResponse,
  OidcConfigResponse,
  SignOutResponse,
  UpdateAccountRequest,
  AlertDeliveriesResponse,
  AlertTestResponse,
  ArchiveRunResponse,
  ArchiveRunsResponse,
  AuditListResponse,
  AuditQuery,
  BindingBulkRequest,
  BindingBulkResponse,
  BindingDetailResponse,
  BindingListQuery,
  BindingListResponse,
  BindingOperationResponse,
  DashboardResponse,
  PrebindRequest,
  PrebindResponse,
  LogExportQuery,
  LogListResponse,
  LogQuery,
  LoginRequest,
  LoginResponse,
  RuleKind,
  SettingKey,
  SettingsResponse,
  StatusResponse,
  UpdateSettingsRequest,
} from '@sentinel/admin-contract';
import { Observable, catchError, of, tap } from 'rxjs';

import { AccountStore } from '../auth/account.store';
import { AuthTokenStore } from '../auth/auth-token.store';
import { adminUrlBuilder, toParams } from './api-url';

/** Sign-in, sign-out, who is signed in, and one's own password. */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();
  private readonly tokens = inject(AuthTokenStore);
  private readonly accounts = inject(AccountStore);

  /** POST login; stores the access token and the account (the refresh cookie is HttpOnly). */
  login(request: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('login'), request).pipe(
      tap((r) => {
        this.tokens.set(r.accessToken);
        if (r.account) this.accounts.set(r.account);
      }),
    );
  }

  /** After a single sign-on: the access token from the refresh cookie the callback set. */
  refresh(): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url('refresh'), null, { withCredentials: true }).pipe(
      tap((r) => {
        this.tokens.set(r.accessToken);
        this.accounts.set(r.account);
      }),
    );
  }

  /** Whether single sign-on is configured (the login page's "Sign in with …" button). */
  oidc(): Observable<OidcConfigResponse> {
    return this.http.get<OidcConfigResponse>(this.url('oidc'));
  }

  /** Where the "Sign in with …" button goes (a full-page navigation, not an XHR). */
  oidcStartUrl(): string {
    return this.url('oidcStart');
  }

  /** GET me; refreshes the stored account (role changes show without a new sign-in). */
  me(): Observable<MeResponse> {
    return this.http.get<MeResponse>(this.url('me')).pipe(tap((m) => this.accounts.set(m)));
  }

  /** Revokes the session on the server (best effort) and forgets it here. */
  logout(everywhere = false): void {
    const token = this.tokens.token();
    this.tokens.clear();
    this.accounts.clear();
    if (!token) return;
    this.http
      .post<SignOutResponse>(this.url(everywhere ? 'logoutAll' : 'logout'), null, {
        headers: { Authorization: `Bearer ${token}` },
      })
      .pipe(catchError(() => of(null)))
      .subscribe();
  }

  /** PUT me/password; every session of the account ends, this one too. */
  changePassword(request: ChangePasswordRequest): Observable<SignOutResponse> {
    return this.http.put<SignOutResponse>(this.url('mePassword'), request);
  }
}

/** Accounts and API tokens (admin only). */
@Injectable({ providedIn: 'root' })
export class AccountsApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  list(): Observable<AccountListResponse> {
    return this.http.get<AccountListResponse>(this.url('accounts'));
  }
  create(request: CreateAccountRequest): Observable<Account> {
    return this.http.post<Account>(this.url('accounts'), request);
  }
  update(username: string, request: UpdateAccountRequest): Observable<Account> {
    return this.http.put<Account>(this.url('account', { username }), request);
  }
  delete(username: string): Observable<SignOutResponse> {
    return this.http.delete<SignOutResponse>(this.url('account', { username }));
  }
  tokens(): Observable<ApiTokenListResponse> {
    return this.http.get<ApiTokenListResponse>(this.url('apiTokens'));
  }
  createToken(request: CreateApiTokenRequest): Observable<CreateApiTokenResponse> {
    return this.http.post<CreateApiTokenResponse>(this.url('apiTokens'), request);
  }
  revokeToken(id: string): Observable<ApiToken> {
    return this.http.delete<ApiToken>(this.url('apiToken', { id }));
  }
}

@Injectable({ providedIn: 'root' })
export class DashboardApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  get(): Observable<DashboardResponse> {
    return this.http.get<DashboardResponse>(this.url('dashboard'));
  }

  status(): Observable<StatusResponse> {
    return this.http.get<StatusResponse>(this.url('status'));
  }
}

@Injectable({ providedIn: 'root' })
export class BindingsApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  list(query: BindingListQuery = {}): Observable<BindingListResponse> {
    return this.http.get<BindingListResponse>(this.url('bindings'), { params: toParams(query) });
  }

  /** By numeric id or 64-hex token id. */
  detail(id: string): Observable<BindingDetailResponse> {
    return this.http.get<BindingDetailResponse>(this.url('bindingDetail', { id }));
  }

  /** Pre-bind raw keys before their first use (sent in the body over HTTPS, never kept here). */
  prebind(request: PrebindRequest): Observable<PrebindResponse> {
    return this.http.post<PrebindResponse>(this.url('bindings'), request);
  }

  /** Find a binding by its raw key: POSTed, so the key is in no URL; 404 when it is not bound. */
  lookup(key: string): Observable<BindingDetailResponse> {
    return this.http.post<BindingDetailResponse>(this.url('bindingLookup'), { key });
  }

  /** One action on many bindings, by ids or by the list's filter (≤ 10,000). */
  bulk(request: BindingBulkRequest): Observable<BindingBulkResponse> {
    return this.http.post<BindingBulkResponse>(this.url('bindingsBulk'), request);
  }

  setLabel(id: string, label: string | null, note?: string | null): Observable<BindingOperationResponse> {
    return this.http.put<BindingOperationResponse>(this.url('setLabel'), { id, label, note });
  }

  unbind(id: string): Observable<BindingOperationResponse> {
    return this.http.post<BindingOperationResponse>(this.url('unbind'), { id });
  }

  setRule(id: string, ruleKind: RuleKind, entries: string[]): Observable<BindingOperationResponse> {
    return this.http.put<BindingOperationResponse>(this.url('setRule'), { id, ruleKind, entries });
  }

  ban(id: string): Observable<BindingOperationResponse> {
    return this.http.post<BindingOperationResponse>(this.url('ban'), { id });
  }

  unban(id: string): Observable<BindingOperationResponse> {
    return this.http.post<BindingOperationResponse>(this.url('unban'), { id });
  }
}

@Injectable({ providedIn: 'root' })
export class LogsApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  list(query: LogQuery = {}): Observable<LogListResponse> {
    return this.http.get<LogListResponse>(this.url('logs'), { params: toParams(query) });
  }

  /**
   * The CSV export as a Blob, with progress events (`HttpEventType.DownloadProgress`; `total` is
   * unknown because the server streams) and the final `HttpResponse<Blob>` whose
   * Content-Disposition names the file.
   */
  export(query: LogExportQuery = {}): Observable<HttpEvent<Blob>> {
    return this.http.get(this.url('logsExport'), {
      params: toParams(query),
      responseType: 'blob',
      observe: 'events',
      reportProgress: true,
    });
  }
}

@Injectable({ providedIn: 'root' })
export class SettingsApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  get(): Observable<SettingsResponse> {
    return this.http.get<SettingsResponse>(this.url('settings'));
  }

  update(request: UpdateSettingsRequest): Observable<SettingsResponse> {
    return this.http.put<SettingsResponse>(this.url('settings'), request);
  }

  reset(key: SettingKey): Observable<SettingsResponse> {
    return this.http.delete<SettingsResponse>(this.url('settingReset', { key }));
  }
}

@Injectable({ providedIn: 'root' })
export class AuditApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  list(query: AuditQuery = {}): Observable<AuditListResponse> {
    return this.http.get<AuditListResponse>(this.url('audit'), { params: toParams(query) });
  }
}

/** What an admin triggers by hand: a test alert and an archive run, with their history. */
@Injectable({ providedIn: 'root' })
export class OperationsApi {
  private readonly http = inject(HttpClient);
  private readonly url = adminUrlBuilder();

  sendTestAlert(): Observable<AlertTestResponse> {
    return this.http.post<AlertTestResponse>(this.url('alertTest'), {});
  }

  alertDeliveries(): Observable<AlertDeliveriesResponse> {
    return this.http.get<AlertDeliveriesResponse>(this.url('alertDeliveries'));
  }

  runArchive(): Observable<ArchiveRunResponse> {
    return this.http.post<ArchiveRunResponse>(this.url('archiveRun'), {});
  }

  archiveRuns(): Observable<ArchiveRunsResponse> {
    return this.http.get<ArchiveRunsResponse>(this.url('archiveRuns'));
  }
}

/** The filename from `Content-Disposition: attachment; filename="…"`, if any. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const m = /filename="([^"]+)"/.exec(header) ?? /filename=([^;]+)/.exec(header);
  return m ? m[1].trim() : null;
}
