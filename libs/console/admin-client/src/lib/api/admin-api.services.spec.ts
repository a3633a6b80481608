import { HttpEventType, HttpResponse, provideHttpClient, withInterceptors, type HttpEvent } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { BindingListResponse, LoginResponse, SettingsResponse } from '@sentinel/admin-contract';
import { firstValueFrom } from 'rxjs';

import { AccountStore } from '../auth/account.store';
import { AuthTokenStore } from '../auth/auth-token.store';
import { authInterceptor } from '../auth/auth.interceptor';
import { provideAdminClient } from '../config/provide-admin-client';
import {
  AuditApi,
  AuthApi,
  BindingsApi,
  DashboardApi,
  LogsApi,
  OperationsApi,
  SettingsApi,
  filenameFromDisposition,
} from './admin-api.services';

describe('admin API services', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAdminClient({ baseUrl: '/admin/api/' }),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    backend.verify();
    sessionStorage.clear();
  });

  it('AuthApi.login posts the password and stores the token', async () => {
    const done = firstValueFrom(TestBed.inject(AuthApi).login({ password: 'pw' }));
    const req = backend.expectOne('/admin/api/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ password: 'pw' });
    const body: LoginResponse = {
      accessToken: 'a.b.c',
      tokenType: 'Bearer',
      expiresIn: 1,
      expiresAt: '2026-01-01T00:00:00Z',
      account: { username: 'admin', role: 'admin', displayName: null, via: 'session', tokenName: null },
    };
    req.flush(body);
    await done;
    expect(TestBed.inject(AuthTokenStore).token()).toBe('a.b.c');
    expect(TestBed.inject(AccountStore).role()).toBe('admin');
  });

  it('BindingsApi sends filters as query parameters and operations with the bearer token', async () => {
    TestBed.inject(AuthTokenStore).set('t.o.k');
    const api = TestBed.inject(BindingsApi);
    const list = firstValueFrom(
      api.list({ page: 2, pageSize: 20, sort: 'intercepts', ip: '10.0.0.1', token: undefined }),
    );
    const req = backend.expectOne((r) => r.url === '/admin/api/bindings');
    expect(req.request.params.toString()).toBe('page=2&pageSize=20&sort=intercepts&ip=10.0.0.1');
    expect(req.request.headers.get('Authorization')).toBe('Bearer t.o.k');
    const page: BindingListResponse = {
      items: [],
      page: 2,
      pageSize: 20,
      total: 0,
      nextCursor: null,
      totalExact: true,
    };
    req.flush(page);
    expect(await list).toEqual(page);

    api.setRule('7', 'multiple', ['10.0.0.1', '10.0.0.0/8']).subscribe();
    const put = backend.expectOne('/admin/api/bindings/ip');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body).toEqual({ id: '7', ruleKind: 'multiple', entries: ['10.0.0.1', '10.0.0.0/8'] });
    put.flush({});

    for (const [op, path] of [
      ['ban', 'bindings/ban'],
      ['unban', 'bindings/unban'],
      ['unbind', 'bindings/unbind'],
    ] as const) {
      api[op]('7').subscribe();
      const r = backend.expectOne(`/admin/api/${path}`);
      expect([r.request.method, r.request.body]).toEqual(['POST', { id: '7' }]);
      r.flush({});
    }

    api.detail('a/b').subscribe();
    backend.expectOne('/admin/api/bindings/a%2Fb').flush({});
  });

  it('BindingsApi.prebind and lookup POST the raw key in the body, never in the URL', () => {
    const api = TestBed.inject(BindingsApi);
    const secret = 'sk-prebindsecretkey0123456789';
    api.prebind({ keys: [secret], ruleKind: 'single', entries: ['10.0.0.1'], label: 'team-a' }).subscribe();
    const pre = backend.expectOne('/admin/api/bindings');
    expect(pre.request.method).toBe('POST');
    expect(pre.request.body).toEqual({ keys: [secret], ruleKind: 'single', entries: ['10.0.0.1'], label: 'team-a' });
    expect(pre.request.urlWithParams).not.toContain('prebindsecret');
    pre.flush({ created: [], conflicts: [], replaced: [], invalid: [], propagated: 'all-instances' });

    api.lookup(secret).subscribe();
    const look = backend.expectOne('/admin/api/bindings/lookup');
    expect([look.request.method, look.request.body]).toEqual(['POST', { key: secret }]);
    expect(look.request.urlWithParams).not.toContain('prebindsecret');
    look.flush({});
  });

  it('LogsApi.export streams a Blob with progress events', async () => {
    const events: HttpEvent<Blob>[] = [];
    TestBed.inject(LogsApi)
      .export({ from: '2026-01-01T00:00:00Z', reason: 'banned' })
      .subscribe((e) => events.push(e));
    const req = backend.expectOne((r) => r.url === '/admin/api/logs/export');
    expect(req.request.responseType).toBe('blob');
    expect(req.request.reportProgress).toBe(true);
    expect(req.request.params.get('reason')).toBe('banned');
    req.event({ type: HttpEventType.DownloadProgress, loaded: 100 });
    req.flush(new Blob(['"time"\r\n'], { type: 'text/csv' }), {
      headers: { 'Content-Disposition': 'attachment; filename="intercepts_all_all.csv"' },
    });
    expect(events.some((e) => e.type === HttpEventType.DownloadProgress)).toBe(true);
    const response = events.find((e): e is HttpResponse<Blob> => e.type === HttpEventType.Response);
    expect(response?.body).toBeInstanceOf(Blob);
    expect(filenameFromDisposition(response?.headers.get('Content-Disposition') ?? null)).toBe(
      'intercepts_all_all.csv',
    );
  });

  it('SettingsApi gets, updates and resets', () => {
    const api = TestBed.inject(SettingsApi);
    const empty: SettingsResponse = { settings: [] };
    api.get().subscribe();
    backend.expectOne({ method: 'GET', url: '/admin/api/settings' }).flush(empty);
    api.update({ values: { loginMaxFailures: 3 }, reset: ['archiveDays'] }).subscribe();
    const put = backend.expectOne({ method: 'PUT', url: '/admin/api/settings' });
    expect(put.request.body).toEqual({ values: { loginMaxFailures: 3 }, reset: ['archiveDays'] });
    put.flush(empty);
    api.reset('bindIpv4Prefix').subscribe();
    backend.expectOne({ method: 'DELETE', url: '/admin/api/settings/bindIpv4Prefix' }).flush(empty);
  });

  it('DashboardApi, AuditApi and LogsApi.list hit their paths', () => {
    TestBed.inject(DashboardApi).get().subscribe();
    backend.expectOne('/admin/api/dashboard').flush({});
    TestBed.inject(DashboardApi).status().subscribe();
    backend.expectOne('/admin/api/status').flush({});
    TestBed.inject(AuditApi).list({ action: 'binding.ban' }).subscribe();
    backend.expectOne('/admin/api/audit?action=binding.ban').flush({});
    TestBed.inject(LogsApi).list({ clientIp: '::1', page: 1 }).subscribe();
    backend.expectOne('/admin/api/logs?clientIp=::1&page=1').flush({});
  });

  it('OperationsApi posts the test alert and the archive run, and reads their history', async () => {
    const api = TestBed.inject(OperationsApi);
    const test = firstValueFrom(api.sendTestAlert());
    const t = backend.expectOne('/admin/api/alerts/test');
    expect(t.request.method).toBe('POST');
    t.flush({ status: 'failed', attempts: 1, httpStatus: null, error: 'refused: 127.0.0.1', durationMs: 3 });
    expect((await test).error).toBe('refused: 127.0.0.1');
    const run = firstValueFrom(api.runArchive());
    const r = backend.expectOne('/admin/api/archive/run');
    expect(r.request.method).toBe('POST');
    r.flush({ status: 'completed', startedAt: 'a', finishedAt: 'b', rowsArchived: 3, logsDeleted: 0, error: null });
    expect((await run).rowsArchived).toBe(3);
    const runs = firstValueFrom(api.archiveRuns());
    backend.expectOne('/admin/api/archive/runs').flush({ items: [] });
    expect((await runs).items).toEqual([]);
    const deliveries = firstValueFrom(api.alertDeliveries());
    backend.expectOne('/admin/api/alerts/deliveries').flush({ items: [] });
    expect((await deliveries).items).toEqual([]);
  });
});
